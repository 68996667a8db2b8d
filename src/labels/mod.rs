//! QR stamps for printing: single QR images (SVG/PNG) for the web UI and
//! print-ready PDF label sheets.
//!
//! Everything here is pure (no database, no I/O besides the `Write` a caller
//! hands in), so the HTTP layer can run it on the blocking pool and tests can
//! check the output with real decoders.

mod font;
mod layout;
mod pdf;
pub mod qr;
pub mod sheet;
mod text;

/// Why a QR image or a label sheet could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// The data does not fit in the largest QR code (version 40).
    #[error("the data is too long for a QR code")]
    DataTooLong,
    /// Any other refusal of the QR encoder (not expected for UTF-8 text).
    #[error("the data cannot be encoded as a QR code: {0}")]
    Qr(String),
    /// A PNG size outside the allowed range, or too small to give every module
    /// at least one pixel (then `min` is the smallest size that works).
    #[error("size {size} px is out of range {min}..={max}")]
    BadSize { size: u32, min: u32, max: u32 },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Image(#[from] image::ImageError),
    /// A sheet needs at least one label: a PDF without pages is not printable.
    #[error("no labels to print")]
    NoLabels,
    /// A start position past the sheet's last label (positions count from 0
    /// here; callers check the 1-based number a user gives).
    #[error("start position {slot} is not on a sheet of {per_page}")]
    BadStart { slot: usize, per_page: usize },
    /// Writing the PDF to the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The embedded font could not be read or subset (a build defect, since
    /// the font is compiled in, but reported rather than panicking).
    #[error("font: {0}")]
    Font(String),
}
