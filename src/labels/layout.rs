//! The sheet formats and where labels sit on them.

/// Points per millimetre (PDF user space is 1/72 inch).
pub(crate) const MM: f32 = 72.0 / 25.4;
/// Height of the full-width strip under the QR code on labels that have one,
/// in mm: room for three lines of about 5 pt (lot, serial, site), the codes
/// that need the label's full width to stay whole. The QR keeps modules of
/// at least 0.45 mm (see the test below).
const FOOTER_MM: f32 = 6.5;
/// Height of the scratch-off box under the QR code on layouts that offer a
/// PIN: a caption line and the PIN, large enough for a scratch-off label.
const SCRATCH_MM: f32 = 8.0;

/// A sheet format.
#[allow(non_camel_case_types)] // names follow the formats' usual spelling
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A4 sticker sheet, 3 × 8 labels of 70 × 37 mm.
    A4_3x8,
    /// A4 sticker sheet, 4 × 10 labels of 52.5 × 29.7 mm.
    A4_4x10,
    /// Thermal label printer roll, one 40 × 30 mm label per page.
    Roll40x30,
    /// The A4 3 × 8 sheet with a scratch-off box under each QR code holding
    /// the stamp's PIN (the print shop covers it with scratch-off coating).
    A4_3x8Pin,
}

/// Where labels sit on a page, in mm from the top-left corner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    pub page_w: f32,
    pub page_h: f32,
    pub cols: usize,
    pub rows: usize,
    pub cell_w: f32,
    pub cell_h: f32,
    /// Offset of the label grid from the page's top-left corner.
    pub left: f32,
    pub top: f32,
    /// Blank margin inside each label: die-cut and printer registration
    /// tolerance, and on A4 the printers' unprintable border (with the quiet
    /// zone, dark modules of usual stamp URLs stay ≥ 4.2 mm from the edge).
    pub pad: f32,
    /// Whether the lot, the serial and the site run under the QR code across
    /// the whole label instead of in the text column: on a label barely
    /// wider than tall the column beside the code is too narrow for them.
    pub footer: bool,
    /// Largest base text size, in pt.
    pub max_text: f32,
    /// Whether a scratch-off box with the stamp's PIN sits under the QR.
    pub scratch: bool,
}

impl Layout {
    /// Reads the name used in forms and query strings (`?layout=a4-3x8`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "a4-3x8" => Some(Layout::A4_3x8),
            "a4-4x10" => Some(Layout::A4_4x10),
            "roll-40x30" => Some(Layout::Roll40x30),
            "a4-3x8-pin" => Some(Layout::A4_3x8Pin),
            _ => None,
        }
    }

    /// The name [`Layout::parse`] reads, for links and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::A4_3x8 => "a4-3x8",
            Layout::A4_4x10 => "a4-4x10",
            Layout::Roll40x30 => "roll-40x30",
            Layout::A4_3x8Pin => "a4-3x8-pin",
        }
    }

    /// Whether labels of this layout carry the stamp's scratch-off PIN.
    pub fn offers_pin(self) -> bool {
        self.geometry().scratch
    }

    /// Whether a sheet can be part used, so printing may start at a later
    /// position: a roll has one label per page and always starts at its
    /// first.
    pub fn has_positions(self) -> bool {
        self.per_page() > 1
    }

    /// Labels per page, so callers can tell how many pages a range takes.
    pub fn per_page(self) -> usize {
        let g = self.geometry();
        g.cols * g.rows
    }

    pub(crate) fn geometry(self) -> Geometry {
        match self {
            Layout::A4_3x8 => Geometry {
                page_w: 210.0,
                page_h: 297.0,
                cols: 3,
                rows: 8,
                cell_w: 70.0,
                cell_h: 37.0,
                left: 0.0,
                top: 0.5,
                pad: 3.0,
                footer: false,
                max_text: 9.0,
                scratch: false,
            },
            Layout::A4_4x10 => Geometry {
                page_w: 210.0,
                page_h: 297.0,
                cols: 4,
                rows: 10,
                cell_w: 52.5,
                cell_h: 29.7,
                left: 0.0,
                top: 0.0,
                pad: 2.0,
                footer: false,
                max_text: 7.5,
                scratch: false,
            },
            Layout::Roll40x30 => Geometry {
                page_w: 40.0,
                page_h: 30.0,
                cols: 1,
                rows: 1,
                cell_w: 40.0,
                cell_h: 30.0,
                left: 0.0,
                top: 0.0,
                pad: 1.5,
                footer: true,
                max_text: 7.0,
                scratch: false,
            },
            Layout::A4_3x8Pin => Geometry {
                scratch: true,
                ..Layout::A4_3x8.geometry()
            },
        }
    }
}

impl Geometry {
    /// Side of the QR code including its quiet zone, in mm: as tall as the
    /// label allows.
    pub fn qr_side(&self) -> f32 {
        let inner_h = self.cell_h - 2.0 * self.pad;
        let footer = if self.footer { FOOTER_MM } else { 0.0 };
        let scratch = if self.scratch { SCRATCH_MM } else { 0.0 };
        inner_h - footer - scratch
    }

    /// Height of the scratch-off box, in mm (0 without one).
    pub fn scratch_h(&self) -> f32 {
        if self.scratch {
            SCRATCH_MM
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::qr::qr_matrix;
    use crate::labels::qr::tests::DIGITAL_LINK;

    const ALL: [Layout; 4] = [
        Layout::A4_3x8,
        Layout::A4_4x10,
        Layout::Roll40x30,
        Layout::A4_3x8Pin,
    ];

    #[test]
    fn names_round_trip_and_counts_match_the_formats() {
        for layout in ALL {
            assert_eq!(Layout::parse(layout.as_str()), Some(layout));
        }
        assert_eq!(Layout::parse("a5"), None);
        assert_eq!(ALL.map(Layout::per_page), [24, 40, 1, 24]);
        assert_eq!(ALL.map(Layout::offers_pin), [false, false, false, true]);
    }

    #[test]
    fn labels_tile_inside_the_page() {
        for layout in ALL {
            let g = layout.geometry();
            assert!(
                g.left + g.cols as f32 * g.cell_w <= g.page_w + 1e-3,
                "{layout:?}"
            );
            assert!(
                g.top + g.rows as f32 * g.cell_h <= g.page_h + 1e-3,
                "{layout:?}"
            );
            assert!(
                g.qr_side() + 2.0 * g.pad < g.cell_w,
                "{layout:?}: no room for text"
            );
        }
    }

    /// Level Q is affordable: a 72-character Digital Link (version 5 at Q,
    /// 4 at M) still gets modules of at least 0.45 mm on the smallest label.
    #[test]
    fn q_level_modules_stay_large_on_every_layout() {
        let modules = qr_matrix(DIGITAL_LINK).unwrap().width_with_quiet_zone() as f32;
        assert_eq!(modules, 37.0 + 8.0);
        for layout in ALL {
            let module_mm = layout.geometry().qr_side() / modules;
            assert!(module_mm >= 0.45, "{layout:?}: {module_mm} mm");
        }
    }
}
