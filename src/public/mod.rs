//! What the public may see of a batch, a facility (by its GLN) and a
//! logistic unit (by its SSCC): the consumer's record and timeline,
//! read by the resolver, the producer's preview and exports alike. Below
//! every adapter, above models and EPCIS.

pub mod facility;
pub mod logistic_unit;
pub mod record;
pub mod timeline;
pub mod zh;
