//! QR encoding and the single-code renderers (SVG for pages, PNG for
//! downloads). The PDF sheet draws the same [`QrMatrix`] as vectors.
//!
//! Error correction is **Q** (25 % of codewords recoverable) rather than M
//! (15 %): stamps on fruit and boxes get scratched, wet and smudged. It costs
//! little: the canonical short stamp URL (upper case, alphanumeric mode, e.g.
//! `HTTPS://TX.EXAMPLE.VN/S/7K3QM9XTMA0B1C2D3E4F`) is version 3 at both M and
//! Q, and a 72-character GS1 Digital Link grows from version 4 to 5, whose
//! modules are still ≥ 0.45 mm on the smallest label (pinned by a test in
//! `layout`), comfortably above what phone cameras read.

use std::fmt::Write as _;

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
use qrcode::types::{Color, QrError};
use qrcode::{EcLevel, QrCode};

use super::LabelError;

/// See the module documentation for why Q.
const EC_LEVEL: EcLevel = EcLevel::Q;

/// Blank modules kept around the symbol on every side, as ISO/IEC 18004
/// requires for scanners to find it.
pub const QUIET_ZONE: usize = 4;

/// Smallest PNG served: below this a phone screen shows a smudge.
pub const MIN_PNG_SIZE: u32 = 64;
/// Largest PNG served: bounds the memory and time one request can cost.
pub const MAX_PNG_SIZE: u32 = 2048;

/// Most bytes any QR code at level Q holds (version 40, numeric mode). Longer
/// input is refused before the encoder scans it, so a megabyte of garbage
/// costs nothing.
const MAX_DATA_BYTES: usize = 3993;

/// The module matrix of a QR code, without its quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side (21 for version 1, up to 177 for version 40).
    pub width: usize,
    /// Row-major, `true` for a dark module.
    dark: Vec<bool>,
}

/// A horizontal run of dark modules: renderers draw one rectangle per run
/// instead of one per module, which roughly halves the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub x: usize,
    pub y: usize,
    pub len: usize,
}

impl QrMatrix {
    /// Whether the module at column `x`, row `y` is dark (outside is light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The QR version (1..=40), which follows from the width.
    pub fn version(&self) -> usize {
        (self.width - 17) / 4
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// The dark runs, row by row, left to right.
    pub fn dark_runs(&self) -> impl Iterator<Item = Run> + '_ {
        self.dark
            .chunks(self.width)
            .enumerate()
            .flat_map(|(y, row)| {
                let mut x = 0;
                std::iter::from_fn(move || {
                    x += row.get(x..)?.iter().position(|&d| d)?;
                    let start = x;
                    x += row[start..].iter().take_while(|&&d| d).count();
                    Some(Run {
                        x: start,
                        y,
                        len: x - start,
                    })
                })
            })
    }
}

/// Encodes `data` (the encoder picks the densest modes, so an upper-case URL
/// is packed alphanumerically).
pub fn qr_matrix(data: &str) -> Result<QrMatrix, LabelError> {
    if data.len() > MAX_DATA_BYTES {
        return Err(LabelError::DataTooLong);
    }
    let code = QrCode::with_error_correction_level(data, EC_LEVEL).map_err(|e| match e {
        QrError::DataTooLong => LabelError::DataTooLong,
        other => LabelError::Qr(other.to_string()),
    })?;
    let width = code.width();
    let dark = code
        .into_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok(QrMatrix { width, dark })
}

/// A compact SVG: one `<path>` of dark runs on a white square, in module
/// units, so it scales to any size; `crispEdges` stops browsers from
/// anti-aliasing seams between modules.
pub fn qr_svg(data: &str) -> Result<String, LabelError> {
    let matrix = qr_matrix(data)?;
    let size = matrix.width_with_quiet_zone();
    let mut svg = String::with_capacity(256 + matrix.width * matrix.width * 3);
    // Writing to a String cannot fail, so the fmt::Results are ignored.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d=""##
    );
    for run in matrix.dark_runs() {
        let _ = write!(
            svg,
            "M{} {}h{}v1h-{}z",
            run.x + QUIET_ZONE,
            run.y + QUIET_ZONE,
            run.len,
            run.len
        );
    }
    svg.push_str("\"/></svg>");
    Ok(svg)
}

/// A grayscale PNG of exactly `size_px` square. Every module is the same whole
/// number of pixels (uneven modules confuse scanners), and the leftover pixels
/// are split evenly as extra margin around the quiet zone.
pub fn qr_png(data: &str, size_px: u32) -> Result<Vec<u8>, LabelError> {
    if !(MIN_PNG_SIZE..=MAX_PNG_SIZE).contains(&size_px) {
        return Err(LabelError::BadSize {
            size: size_px,
            min: MIN_PNG_SIZE,
            max: MAX_PNG_SIZE,
        });
    }
    let matrix = qr_matrix(data)?;
    // At most 185, so the cast is lossless.
    let modules = matrix.width_with_quiet_zone() as u32;
    let scale = size_px / modules;
    if scale == 0 {
        return Err(LabelError::BadSize {
            size: size_px,
            min: modules,
            max: MAX_PNG_SIZE,
        });
    }
    let origin = (size_px - scale * modules) / 2 + QUIET_ZONE as u32 * scale;
    let mut img = GrayImage::from_pixel(size_px, size_px, Luma([255]));
    for run in matrix.dark_runs() {
        let x0 = origin + run.x as u32 * scale;
        let y0 = origin + run.y as u32 * scale;
        for y in y0..y0 + scale {
            for x in x0..x0 + run.len as u32 * scale {
                img.put_pixel(x, y, Luma([0]));
            }
        }
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png).write_image(img.as_raw(), size_px, size_px, ExtendedColorType::L8)?;
    Ok(png)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub const SHORT_URL: &str = "HTTPS://TX.EXAMPLE.VN/S/7K3QM9XTMA0B1C2D3E4F";
    pub const DIGITAL_LINK: &str =
        "https://tx.example.vn/01/08934567890120/10/LOT-1/21/7K3QM9XTMA0B1C2D3E4F";

    /// Every QR code rqrr decodes in `img`: its text and version. On a page
    /// of many codes rqrr also proposes grids made of finder patterns from
    /// neighbouring codes; those fail to decode and are skipped, so callers
    /// compare the decoded set with what they expect.
    pub fn decode_all(img: GrayImage) -> Vec<(String, usize)> {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        prepared
            .detect_grids()
            .into_iter()
            .filter_map(|grid| grid.decode().ok())
            .map(|(meta, text)| (text, meta.version.0))
            .collect()
    }

    fn decode_png(png: &[u8]) -> Vec<(String, usize)> {
        decode_all(image::load_from_memory(png).unwrap().to_luma8())
    }

    #[test]
    fn png_round_trips_through_a_decoder() {
        for url in [SHORT_URL, DIGITAL_LINK] {
            let png = qr_png(url, 300).unwrap();
            let decoded = decode_png(&png);
            assert_eq!(decoded.len(), 1, "{url}");
            assert_eq!(decoded[0].0, url);
        }
    }

    #[test]
    fn upper_case_url_is_alphanumeric_and_no_larger() {
        use qrcode::optimize::Parser;
        use qrcode::types::{Mode, Version};

        let lower = SHORT_URL.to_lowercase();
        // Versions as a decoder reads them from the images.
        let version = |url: &str| decode_png(&qr_png(url, 256).unwrap())[0].1;
        let (upper_version, lower_version) = (version(SHORT_URL), version(&lower));
        assert!(
            upper_version <= lower_version,
            "{upper_version} > {lower_version}"
        );
        assert_eq!(upper_version, qr_matrix(SHORT_URL).unwrap().version());
        assert_eq!((upper_version, lower_version), (3, 4));

        let modes = |url: &str| {
            Parser::new(url.as_bytes())
                .optimize(Version::Normal(3))
                .map(|segment| segment.mode)
                .collect::<Vec<_>>()
        };
        assert_eq!(modes(SHORT_URL), [Mode::Alphanumeric]);
        assert!(modes(&lower).contains(&Mode::Byte));
    }

    #[test]
    fn png_is_exactly_the_requested_size() {
        for size in [MIN_PNG_SIZE, 100, 333, MAX_PNG_SIZE] {
            let png = qr_png(SHORT_URL, size).unwrap();
            let img = image::load_from_memory(&png).unwrap();
            assert_eq!((img.width(), img.height()), (size, size));
        }
    }

    #[test]
    fn sizes_out_of_bounds_are_refused() {
        for size in [0, MIN_PNG_SIZE - 1, MAX_PNG_SIZE + 1, u32::MAX] {
            assert!(
                matches!(qr_png(SHORT_URL, size), Err(LabelError::BadSize { size: s, .. }) if s == size),
                "{size}"
            );
        }
        // In range, but too small for a big code: names the smallest that works.
        let long = "A".repeat(1500);
        match qr_png(&long, MIN_PNG_SIZE) {
            Err(LabelError::BadSize { min, .. }) => assert!(min > MIN_PNG_SIZE),
            other => panic!("expected BadSize, got {other:?}"),
        }
    }

    #[test]
    fn absurdly_long_data_is_an_error() {
        for data in ["x".repeat(5_000), "é".repeat(2_000), "1".repeat(1_000_000)] {
            assert!(matches!(qr_matrix(&data), Err(LabelError::DataTooLong)));
            assert!(matches!(qr_svg(&data), Err(LabelError::DataTooLong)));
            assert!(matches!(qr_png(&data, 512), Err(LabelError::DataTooLong)));
        }
    }

    /// Reads back the path this module writes: `M{x} {y}h{len}v1h-{len}z`.
    fn svg_to_grid(svg: &str) -> (usize, Vec<bool>) {
        let size: usize = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut grid = vec![false; size * size];
        for cmd in d.split('M').filter(|c| !c.is_empty()) {
            let (pos, rest) = cmd.split_once('h').unwrap();
            let (x, y) = pos.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let len: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            assert_eq!(rest, format!("{len}v1h-{len}z"));
            for cell in &mut grid[y * size + x..y * size + x + len] {
                *cell = true;
            }
        }
        (size, grid)
    }

    #[test]
    fn svg_path_renders_to_a_decodable_code() {
        for url in [SHORT_URL, DIGITAL_LINK] {
            let svg = qr_svg(url).unwrap();
            assert!(svg.contains(r#"shape-rendering="crispEdges""#));
            assert_eq!(svg.matches("<path").count(), 1);
            let (size, grid) = svg_to_grid(&svg);
            assert_eq!(size, qr_matrix(url).unwrap().width_with_quiet_zone());
            let scale = 6;
            let px = (size * scale) as u32;
            let img = GrayImage::from_fn(px, px, |x, y| {
                let i = (y as usize / scale) * size + x as usize / scale;
                Luma([if grid[i] { 0 } else { 255 }])
            });
            let decoded = decode_all(img);
            assert_eq!(decoded.len(), 1);
            assert_eq!(decoded[0].0, url);
        }
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let matrix = qr_matrix(DIGITAL_LINK).unwrap();
        let mut covered = vec![false; matrix.width * matrix.width];
        for run in matrix.dark_runs() {
            for x in run.x..run.x + run.len {
                covered[run.y * matrix.width + x] = true;
            }
        }
        for y in 0..matrix.width {
            for x in 0..matrix.width {
                assert_eq!(covered[y * matrix.width + x], matrix.is_dark(x, y));
            }
        }
        assert!(!matrix.is_dark(matrix.width, 0));
    }
}
