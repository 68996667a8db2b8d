//! What the public may see of a batch: the consumer's record and timeline,
//! read by the resolver, the producer's preview and exports alike. Below
//! every adapter, above models and EPCIS.

pub mod record;
pub mod timeline;
