//! Logs through `tracing`: human-readable lines by default, one JSON object
//! a line with `LOG_FORMAT=json` (for a log shipper). `RUST_LOG` filters as
//! before (default `info`); lines from crates that still use `log` (actix,
//! diesel, r2d2) are bridged in. The access log is the target
//! `tracestamp::access`; inside a request every line carries its
//! `request_id` (the `request` span).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the process's subscriber; call once, first thing in `main`.
pub fn init(format: LogFormat) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}
