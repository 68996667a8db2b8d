//! Print-ready PDF label sheets: a vector QR code per label with the product
//! name, lot, dates, serial, a call to scan and the official site where the
//! code can be typed, in an embedded Vietnamese font; and a calibration page
//! that shows where those labels fall on a sheet.
//!
//! The PDF is streamed: each page's objects go to the output as soon as the
//! page is complete, and only the page ids and object offsets (a few bytes
//! per page) are kept for the cross-reference table, which pdf-writer's
//! in-memory `Pdf` cannot do, so the file frame (header, xref, trailer) is
//! written here. The font goes last, subset to the glyphs actually drawn.

use std::io::Write;

use chrono::NaiveDate;
use pdf_writer::types::TextRenderingMode;
use pdf_writer::writers::Catalog;
use pdf_writer::{Chunk, Content, Filter, Rect, Ref, Str};

use super::font::{Face, Font, FontRefs};
pub use super::layout::Layout;
use super::layout::{Geometry, MM};
use super::pdf::Sink;
use super::qr::{qr_matrix, QUIET_ZONE};
use super::text::{Breaks, Item, BOLD_STROKE};
use super::LabelError;

/// Most labels one PDF may hold; callers refuse larger requests. Encoding a
/// QR code costs about 1 ms, so this bounds one request to roughly 10 s of a
/// blocking thread and a few tens of MB of output. Memory is not the limit:
/// pages stream, and only ~16 bytes per page are kept for the xref table.
pub const MAX_LABELS_PER_PDF: usize = 10_000;

/// Horizontal gap between the QR's quiet zone and the text, in mm.
const TEXT_GAP_MM: f32 = 0.5;
const TAGLINE: &str = "Quét mã để truy xuất nguồn gốc";
/// Before the official site's address: where to type the code when the QR
/// code does not scan. Kept short to fit the smallest label.
pub const SITE_PREFIX: &str = "Kiểm tra tại";
/// The call to scan of Chinese labels ("scan to trace the origin"): four
/// characters, to fit the smallest label.
pub const TAGLINE_ZH: &str = "扫码溯源";
/// Before the lot code on Chinese labels ("lot number").
pub const LOT_PREFIX_ZH: &str = "批号";
/// Before the official site on Chinese labels ("look up at").
pub const SITE_PREFIX_ZH: &str = "查询网址";
/// The caption of the scratch-off box, in both languages, a line each.
pub const SCRATCH_CAPTION: [&str; 2] = ["Cào lớp phủ /", "Scratch here"];
/// What each label of the calibration page says, under its position.
pub const CALIBRATION_CAPTION: &str = "Căn chỉnh / Calibration";
/// Gap between the box's border and its text, in mm.
const SCRATCH_INSET_MM: f32 = 0.4;
/// Half the length of a calibration crosshair's arms, in mm.
const CROSS_MM: f32 = 2.0;
/// zlib level for content streams. Measured on 1,000 labels (3.5 MB of
/// operators): level 4 takes ~50 ms for 0.34 MB, level 6 ~140 ms for
/// 0.27 MB, and miniz's level 1 (a different, greedy mode) ~60 ms for 1 MB.
const DEFLATE_LEVEL: u8 = 4;

/// The language of a label's words: Vietnamese, or Chinese for export lots
/// (the product's Chinese name, the lot, the call to scan and the site's
/// prefix in Chinese; the NSX/HSD dates and the scratch-off caption stay as
/// on every label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelLang {
    #[default]
    Vi,
    Zh,
}

impl LabelLang {
    /// Reads `vi` or `zh` (`?lang=` of a print request).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(LabelLang::Vi),
            "zh" => Some(LabelLang::Zh),
            _ => None,
        }
    }

    fn tagline(self) -> &'static str {
        match self {
            LabelLang::Vi => TAGLINE,
            LabelLang::Zh => TAGLINE_ZH,
        }
    }

    fn lot(self, lot: &str) -> String {
        match self {
            LabelLang::Vi => format!("Lô: {lot}"),
            LabelLang::Zh => format!("{LOT_PREFIX_ZH} {lot}"),
        }
    }

    fn site_prefix(self) -> &'static str {
        match self {
            LabelLang::Vi => SITE_PREFIX,
            LabelLang::Zh => SITE_PREFIX_ZH,
        }
    }
}

/// What one label shows; the caller formats the serial in groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The language of the label's own words; `product_name` is already in it.
    pub lang: LabelLang,
    pub url: String,
    pub product_name: String,
    pub lot: String,
    pub serial_grouped: String,
    /// The official site, as typed (host, and path if any): printed so a
    /// consumer can enter the code there when the QR code does not scan.
    pub site: String,
    /// Harvest or production date ("NSX").
    pub produced_on: Option<NaiveDate>,
    /// Best-before date ("HSD").
    pub expires_on: Option<NaiveDate>,
    /// The stamp's scratch-off PIN, printed in the box of layouts that have
    /// one (never in the QR code).
    pub pin: Option<String>,
}

/// A date as Vietnamese labels print it, day first.
fn vn_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// A PDF being streamed to `out`: the frame, the font and the pages so far.
struct Doc<W: Write> {
    sink: Sink<W>,
    font: Font,
    catalog: Ref,
    pages: Ref,
    font_refs: FontRefs,
    /// The Chinese font's objects, allocated at the first page that draws
    /// Chinese: a sheet without Chinese does not embed the font at all.
    cjk_refs: Option<FontRefs>,
    media_box: Rect,
    page_ids: Vec<Ref>,
}

impl<W: Write> Doc<W> {
    fn new(geometry: &Geometry, out: W) -> Result<Self, LabelError> {
        let font = Font::load()?;
        let mut sink = Sink::new(out)?;
        let catalog = sink.alloc();
        let pages = sink.alloc();
        let font_refs = font_refs(&mut sink);
        Ok(Doc {
            sink,
            font,
            catalog,
            pages,
            font_refs,
            cjk_refs: None,
            media_box: Rect::new(0.0, 0.0, geometry.page_w * MM, geometry.page_h * MM),
            page_ids: Vec::new(),
        })
    }

    /// Writes one finished page and pushes it to the output.
    fn page(&mut self, content: Content) -> Result<(), LabelError> {
        let data = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), DEFLATE_LEVEL);
        if self.font.uses_cjk() && self.cjk_refs.is_none() {
            self.cjk_refs = Some(font_refs(&mut self.sink));
        }
        let (page_id, content_id) = (self.sink.alloc(), self.sink.alloc());
        let mut chunk = Chunk::new();
        chunk.stream(content_id, &data).filter(Filter::FlateDecode);
        self.sink.put(content_id, chunk)?;
        let mut chunk = Chunk::new();
        {
            let mut page = chunk.page(page_id);
            page.parent(self.pages)
                .media_box(self.media_box)
                .contents(content_id);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(Face::Latin.resource(), self.font_refs.type0);
            if let Some(cjk) = self.cjk_refs {
                fonts.pair(Face::Cjk.resource(), cjk.type0);
            }
        }
        self.sink.put(page_id, chunk)?;
        self.sink.flush()?;
        self.page_ids.push(page_id);
        Ok(())
    }

    fn finish(mut self) -> Result<(), LabelError> {
        for (id, chunk) in self.font.objects(Face::Latin, self.font_refs)? {
            self.sink.put(id, chunk)?;
        }
        if let Some(refs) = self.cjk_refs {
            for (id, chunk) in self.font.objects(Face::Cjk, refs)? {
                self.sink.put(id, chunk)?;
            }
        }
        let mut chunk = Chunk::new();
        let count = i32::try_from(self.page_ids.len()).unwrap_or(i32::MAX);
        chunk.pages(self.pages).kids(self.page_ids).count(count);
        self.sink.put(self.pages, chunk)?;
        let mut chunk = Chunk::new();
        chunk
            .indirect(self.catalog)
            .start::<Catalog>()
            .pages(self.pages);
        self.sink.put(self.catalog, chunk)?;
        self.sink.finish(self.catalog)
    }
}

/// The ids of one font's five objects.
fn font_refs<W: Write>(sink: &mut Sink<W>) -> FontRefs {
    FontRefs {
        type0: sink.alloc(),
        cid: sink.alloc(),
        descriptor: sink.alloc(),
        file: sink.alloc(),
        to_unicode: sink.alloc(),
    }
}

/// Writes a complete PDF. Labels are read lazily from the iterator, one page
/// at a time, and each page is written to `out` before the next is read.
/// `first_slot` (from 0) is where the first page starts, so a part-used sheet
/// can be fed again: the positions before it stay blank. On error the output
/// is incomplete and must be discarded.
pub fn write_sheet<W: Write>(
    layout: Layout,
    first_slot: usize,
    labels: impl Iterator<Item = Label>,
    out: W,
) -> Result<(), LabelError> {
    let geometry = layout.geometry();
    let per_page = layout.per_page();
    if first_slot >= per_page {
        return Err(LabelError::BadStart {
            slot: first_slot,
            per_page,
        });
    }
    let mut labels = labels.peekable();
    if labels.peek().is_none() {
        return Err(LabelError::NoLabels);
    }
    let mut doc = Doc::new(&geometry, out)?;
    let mut start = first_slot;
    while labels.peek().is_some() {
        let mut content = Content::new();
        // The range comes first in the zip, so no label is read past a page.
        for (slot, label) in (start..per_page).zip(labels.by_ref()) {
            draw_label(&mut content, &mut doc.font, &geometry, slot, &label)?;
        }
        start = 0;
        doc.page(content)?;
    }
    doc.finish()
}

/// Writes one page of `layout` with no stamps on it: each label's outline,
/// its position number (from 1, as the `start` of a print request counts),
/// crosshairs at the corners of its QR code's square (quiet zone included)
/// and the scratch-off box on layouts with one, so a packer can print it on
/// plain paper, lay it over a label sheet and see whether their printer
/// places the codes inside the labels.
pub fn write_calibration<W: Write>(layout: Layout, out: W) -> Result<(), LabelError> {
    let g = layout.geometry();
    let mut doc = Doc::new(&g, out)?;
    let mut content = Content::new();
    content.set_line_width(0.3);
    for slot in 0..layout.per_page() {
        let (col, row) = (slot % g.cols, slot / g.cols);
        let left = (g.left + col as f32 * g.cell_w) * MM;
        let bottom = (g.page_h - g.top - (row + 1) as f32 * g.cell_h) * MM;
        content.rect(left, bottom, g.cell_w * MM, g.cell_h * MM);
        let (x0, top) = (left + g.pad * MM, bottom + (g.cell_h - g.pad) * MM);
        let side = g.qr_side() * MM;
        let arm = CROSS_MM * MM;
        for (x, y) in [
            (x0, top),
            (x0 + side, top),
            (x0, top - side),
            (x0 + side, top - side),
        ] {
            content.move_to(x - arm, y).line_to(x + arm, y);
            content.move_to(x, y - arm).line_to(x, y + arm);
        }
        if g.scratch {
            // Where the scratch-off coating goes.
            let box_h = g.scratch_h() * MM;
            content.rect(x0, top - side - box_h, side, box_h);
        }
    }
    content.stroke();
    let font = &mut doc.font;
    for slot in 0..layout.per_page() {
        let (col, row) = (slot % g.cols, slot / g.cols);
        let x0 = (g.left + col as f32 * g.cell_w + g.pad) * MM;
        let top = (g.page_h - g.top - row as f32 * g.cell_h - g.pad) * MM;
        let inner_w = (g.cell_w - 2.0 * g.pad) * MM;
        let side = g.qr_side() * MM;
        let gap = TEXT_GAP_MM * MM;
        let items = vec![
            item(font, &(slot + 1).to_string(), 2.0, 1, true, Breaks::Spaces),
            item(font, CALIBRATION_CAPTION, 1.0, 2, false, Breaks::Words),
            item(font, layout.as_str(), 1.0, 1, false, Breaks::Spaces),
        ];
        let block = (x0 + side + gap, top, inner_w - side - gap, side, items);
        draw_text(&mut content, font, &g, vec![block]);
    }
    doc.page(content)?;
    doc.finish()
}

fn item(font: &Font, text: &str, scale: f32, max_lines: usize, bold: bool, breaks: Breaks) -> Item {
    Item {
        glyphs: font.shape(text),
        scale,
        max_lines,
        bold,
        breaks,
    }
}

/// A box of text: left, top (PDF coordinates, pt), width, height, items.
type Block = (f32, f32, f32, f32, Vec<Item>);

/// Draws the label in grid position `slot` of the page.
fn draw_label(
    content: &mut Content,
    font: &mut Font,
    g: &Geometry,
    slot: usize,
    label: &Label,
) -> Result<(), LabelError> {
    let matrix = qr_matrix(&label.url)?;
    let (col, row) = (slot % g.cols, slot / g.cols);
    // Inner box of the label, in pt, PDF coordinates (y up).
    let x0 = (g.left + col as f32 * g.cell_w + g.pad) * MM;
    let top = (g.page_h - g.top - row as f32 * g.cell_h - g.pad) * MM;
    let side = g.qr_side() * MM;

    // QR: module units, y down, origin at the first module; one path of runs.
    let module = side / matrix.width_with_quiet_zone() as f32;
    let quiet = QUIET_ZONE as f32 * module;
    content.save_state();
    content.transform([module, 0.0, 0.0, -module, x0 + quiet, top - quiet]);
    for run in matrix.dark_runs() {
        content.rect(run.x as f32, run.y as f32, run.len as f32, 1.0);
    }
    content.fill_nonzero();
    content.restore_state();

    if g.scratch {
        // The scratch-off box under the QR: its border marks where the
        // coating goes; the caption and the PIN sit inside it.
        let inset = SCRATCH_INSET_MM * MM;
        content.set_line_width(0.6);
        content.rect(
            x0 + inset,
            top - side - g.scratch_h() * MM + inset,
            side - 2.0 * inset,
            g.scratch_h() * MM - 2.0 * inset,
        );
        content.stroke();
    }
    let blocks = text_blocks(font, g, x0, top, label);
    draw_text(content, font, g, blocks);
    Ok(())
}

/// The text boxes of a label whose inner box starts at `x0`, `top` (pt, PDF
/// coordinates) and what goes in each.
fn text_blocks(font: &Font, g: &Geometry, x0: f32, top: f32, label: &Label) -> Vec<Block> {
    let inner_w = (g.cell_w - 2.0 * g.pad) * MM;
    let inner_h = (g.cell_h - 2.0 * g.pad) * MM;
    let side = g.qr_side() * MM;
    // Codes (lot, serial, site, dates) break only where a reader cannot
    // mistake the break for part of the code: see `Breaks`.
    let mut column = vec![item(
        font,
        &label.product_name,
        1.25,
        2,
        true,
        Breaks::Words,
    )];
    let words = label.lang;
    let mut lot = item(font, &words.lot(&label.lot), 1.0, 2, false, Breaks::Spaces);
    let mut serial = item(font, &label.serial_grouped, 1.0, 2, false, Breaks::Groups);
    let tagline = item(font, words.tagline(), 0.85, 2, false, Breaks::Words);
    let site_text = format!("{} {}", words.site_prefix(), label.site);
    let mut site = item(font, &site_text, 0.85, 2, false, Breaks::Spaces);
    let dates = [("NSX", label.produced_on), ("HSD", label.expires_on)];
    let dates = dates.into_iter().filter_map(|(abbr, date)| {
        let text = format!("{abbr} {}", vn_date(date?));
        Some(item(font, &text, 1.0, 1, false, Breaks::Spaces))
    });
    let text_x = x0 + side + TEXT_GAP_MM * MM;
    let text_w = inner_w - side - TEXT_GAP_MM * MM;
    let mut blocks: Vec<Block> = Vec::with_capacity(3);
    if g.scratch {
        // Inside the scratch-off box drawn by the caller.
        let box_h = g.scratch_h() * MM;
        let mut inside: Vec<Item> = SCRATCH_CAPTION
            .iter()
            .map(|line| item(font, line, 1.0, 1, false, Breaks::Words))
            .collect();
        if let Some(pin) = &label.pin {
            let grouped = crate::domain::pin::group(pin);
            inside.push(item(font, &grouped, 1.3, 1, true, Breaks::Groups));
        }
        let pad = 2.0 * SCRATCH_INSET_MM * MM;
        blocks.push((
            x0 + pad,
            top - side - pad,
            side - 2.0 * pad,
            box_h - 2.0 * pad,
            inside,
        ));
    }
    if g.footer {
        // Full width, a line each: the codes stay whole at a legible size.
        (lot.max_lines, serial.max_lines, site.max_lines) = (1, 1, 1);
        blocks.push((
            x0,
            top - side,
            inner_w,
            inner_h - side,
            vec![lot, serial, site],
        ));
        column.extend(dates);
        column.push(tagline);
    } else {
        column.push(lot);
        column.extend(dates);
        column.extend([serial, tagline, site]);
    }
    // Beside the QR and, on layouts with one, the scratch-off box.
    blocks.push((text_x, top, text_w, side + g.scratch_h() * MM, column));
    blocks
}

/// Fits each block's items into it and draws them.
fn draw_text(content: &mut Content, font: &mut Font, g: &Geometry, blocks: Vec<Block>) {
    content.set_line_width(0.0);
    content.begin_text();
    for (x, y, w, h, items) in blocks {
        for line in font.fit(&items, w, h, g.max_text) {
            let mode = if line.bold {
                content.set_line_width(line.size * BOLD_STROKE);
                TextRenderingMode::FillStroke
            } else {
                TextRenderingMode::Fill
            };
            content.set_text_rendering_mode(mode).set_text_matrix([
                1.0,
                0.0,
                0.0,
                1.0,
                x,
                y - line.baseline,
            ]);
            // Each run moves the text position on by its widths, so the next
            // run, in the other font, starts where it ends.
            for (face, bytes) in font.encode(&line.glyphs) {
                content
                    .set_font(face.resource(), line.size)
                    .show(Str(&bytes));
            }
        }
    }
    content.end_text();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;
    use std::process::Command;

    use super::*;
    use crate::labels::qr::tests::{decode_all, DIGITAL_LINK};

    const NAMES: [&str; 5] = [
        "Bưởi Năm Roi",
        "Sầu riêng Ri6",
        "Thanh trà",
        "Cam sành",
        "Bánh pía sầu riêng",
    ];

    fn labels(n: usize) -> Vec<Label> {
        (0..n)
            .map(|i| Label {
                lang: LabelLang::Vi,
                // Mostly the short upper-case form, some full Digital Links.
                url: if i % 5 == 4 {
                    format!(
                        "https://tx.example.vn/01/08934567890120/10/LOT-{i}/21/7K3QM9XTMA0B{i:08}"
                    )
                } else {
                    format!("HTTPS://TX.EXAMPLE.VN/S/7K3QM9XTMA0B1C2D{i:04}")
                },
                product_name: NAMES[i % NAMES.len()].to_string(),
                lot: format!("2024-VL-{i:03}"),
                serial_grouped: format!("7K3Q M9XT MA0B 1C2D {i:04}"),
                site: "tx.example.vn".into(),
                produced_on: NaiveDate::from_ymd_opt(2026, 11, 3),
                expires_on: (i % 2 == 0).then(|| NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()),
                pin: Some(format!("{:08}", 31_415_926 + i)),
            })
            .collect()
    }

    /// Runs a poppler tool; a missing tool fails the test, never skips it.
    fn poppler(tool: &str, args: &[&str]) -> String {
        let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
            panic!("cannot run `{tool}` ({e}): install poppler-utils (apt-get install -y poppler-utils)")
        });
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(dir: &Path, layout: Layout, labels: &[Label]) -> String {
        let path = dir.join(format!("{}.pdf", layout.as_str()));
        let file = std::fs::File::create(&path).unwrap();
        write_sheet(layout, 0, labels.iter().cloned(), file).unwrap();
        path.to_str().unwrap().to_owned()
    }

    const DPI: f32 = 200.0;

    /// Page `page` rendered at 200 dpi (grayscale).
    fn render(pdf: &str, page: usize) -> image::GrayImage {
        let prefix = format!("{pdf}-p{page}");
        let p = page.to_string();
        let mut args: Vec<&str> = "-r 200 -gray -png -singlefile".split(' ').collect();
        args.extend(["-f", &p, "-l", &p, pdf, &prefix]);
        poppler("pdftoppm", &args);
        image::open(format!("{prefix}.png")).unwrap().into_luma8()
    }

    fn px(mm: f32) -> u32 {
        (mm / 25.4 * DPI).round() as u32
    }

    /// The URLs of the QR codes on one page.
    fn scan_page(pdf: &str, page: usize, layout: Layout) -> BTreeSet<String> {
        scan_slots(pdf, page, layout)
            .into_iter()
            .flatten()
            .collect()
    }

    /// The URL of the QR code at each position of one page, if any. rqrr
    /// finds a lone code reliably but mis-groups finder patterns when dozens
    /// share an image, so each label's QR area is decoded on its own.
    fn scan_slots(pdf: &str, page: usize, layout: Layout) -> Vec<Option<String>> {
        let img = render(pdf, page);
        let g = layout.geometry();
        let mut urls = Vec::new();
        for slot in 0..layout.per_page() {
            let (col, row) = ((slot % g.cols) as f32, (slot / g.cols) as f32);
            // The QR box with its quiet zone and a margin of 0.4 mm, less
            // than the gap before the text: glyphs at the crop's edge, which
            // a phone's wider view takes in its stride, confuse rqrr.
            let margin = TEXT_GAP_MM - 0.1;
            let (x, y) = (
                g.left + col * g.cell_w + g.pad - margin,
                g.top + row * g.cell_h + g.pad - margin,
            );
            let side = g.qr_side() + 2.0 * margin;
            let cell = image::imageops::crop_imm(&img, px(x), px(y), px(side), px(side));
            let decoded = decode_all(cell.to_image());
            assert!(decoded.len() <= 1, "slot {slot}: {decoded:?}");
            urls.push(decoded.into_iter().next().map(|(url, _)| url));
        }
        urls
    }

    fn pages(pdf: &str) -> usize {
        let info = poppler("pdfinfo", &[pdf]);
        let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
        line["Pages:".len()..].trim().parse().unwrap()
    }

    fn smoke(layout: Layout, count: usize, expect_pages: usize) {
        let dir = tempfile::tempdir().unwrap();
        let all = labels(count);
        let pdf = write(dir.path(), layout, &all);
        assert_eq!(pages(&pdf), expect_pages);
        let first: BTreeSet<String> = all[..layout.per_page()]
            .iter()
            .map(|l| l.url.clone())
            .collect();
        assert_eq!(scan_page(&pdf, 1, layout), first);

        let text = poppler("pdftotext", &["-f", "1", "-l", "1", &pdf, "-"]);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // A lot code is never broken, a hyphen of it never taken for a
        // line break; dates are day first.
        for needle in [
            "Bưởi Năm Roi",
            "Lô: 2024-VL-000",
            "7K3Q M9XT MA0B 1C2D 0000",
            "NSX 03/11/2026",
            "HSD 15/01/2027",
            TAGLINE,
            "Kiểm tra tại tx.example.vn",
        ] {
            assert!(flat.contains(needle), "{needle:?} not in {flat:?}");
        }
    }

    #[test]
    fn the_pin_layout_prints_the_pin_in_its_scratch_box_and_not_in_the_qr() {
        smoke(Layout::A4_3x8Pin, 24, 1);
        let dir = tempfile::tempdir().unwrap();
        let all = labels(24);
        let pdf = write(dir.path(), Layout::A4_3x8Pin, &all);
        let text = poppler("pdftotext", &["-f", "1", "-l", "1", &pdf, "-"]);
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in ["Cào lớp phủ / Scratch here", "3141 5926", "3141 5949"] {
            assert!(flat.contains(needle), "{needle:?} not in {flat:?}");
        }
        for url in scan_page(&pdf, 1, Layout::A4_3x8Pin) {
            assert!(!url.contains("3141"), "a PIN in the QR: {url}");
        }
        // Without the layout, no box and no PIN.
        let plain = write(dir.path(), Layout::A4_3x8, &all);
        let text = poppler("pdftotext", &["-f", "1", "-l", "1", &plain, "-"]);
        assert!(
            !text.contains("3141") && !text.contains("Scratch"),
            "{text}"
        );
    }

    /// A Chinese sheet: the Chinese name, lot prefix, call to scan and site
    /// prefix read back from the PDF, every QR still scans, and the Chinese
    /// font is embedded beside DejaVu; a Vietnamese sheet embeds DejaVu only.
    #[test]
    fn chinese_labels_read_back_and_embed_the_cjk_font_only_when_drawn() {
        let dir = tempfile::tempdir().unwrap();
        for layout in ALL {
            let mut all = labels(layout.per_page());
            for (i, label) in all.iter_mut().enumerate() {
                label.lang = LabelLang::Zh;
                label.product_name = ["Ri6榴莲", "金枕榴莲", "南罗柚"][i % 3].into();
            }
            let pdf = write(dir.path(), layout, &all);
            let text = poppler("pdftotext", &["-f", "1", "-l", "1", &pdf, "-"]);
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut needles = vec![
                "Ri6榴莲",
                TAGLINE_ZH,
                "批号 2024-VL-000",
                "查询网址 tx.example.vn",
            ];
            if layout.per_page() > 1 {
                needles.extend(["金枕榴莲", "南罗柚"]);
            }
            for needle in needles {
                assert!(
                    flat.contains(needle),
                    "{layout:?}: {needle:?} not in {flat:?}"
                );
            }
            assert!(
                !flat.contains("Quét") && !flat.contains("Lô"),
                "{layout:?}: {flat}"
            );
            let urls: BTreeSet<String> = all.iter().map(|l| l.url.clone()).collect();
            assert_eq!(scan_page(&pdf, 1, layout), urls, "{layout:?}");
            let fonts = poppler("pdffonts", &[&pdf]);
            assert!(
                fonts.contains("+DroidSansFallback") && fonts.contains("+DejaVuSans"),
                "{fonts}"
            );
        }
        let plain = write(dir.path(), Layout::A4_3x8, &labels(24));
        let fonts = poppler("pdffonts", &[&plain]);
        assert!(!fonts.contains("DroidSansFallback"), "{fonts}");
    }

    #[test]
    fn a4_3x8_scans_and_reads_back() {
        smoke(Layout::A4_3x8, 30, 2);
    }

    #[test]
    fn a4_4x10_scans_and_reads_back() {
        smoke(Layout::A4_4x10, 45, 2);
    }

    #[test]
    fn roll_40x30_has_one_label_per_page() {
        smoke(Layout::Roll40x30, 3, 3);
        let dir = tempfile::tempdir().unwrap();
        let all = labels(3);
        let pdf = write(dir.path(), Layout::Roll40x30, &all);
        assert_eq!(
            scan_page(&pdf, 3, Layout::Roll40x30),
            BTreeSet::from([all[2].url.clone()])
        );
    }

    /// Every word pdftotext finds lies inside the padded label it belongs to
    /// and clear of that label's QR code, however long the text.
    #[test]
    fn long_text_stays_inside_its_label() {
        let dir = tempfile::tempdir().unwrap();
        let long = Label {
            lang: LabelLang::Vi,
            url: DIGITAL_LINK.into(),
            product_name: "Bưởi Năm Roi loại đặc biệt xuất khẩu ".repeat(6),
            lot: "LÔ-2024-VĨNH-LONG-".repeat(8),
            serial_grouped: "7K3Q M9XT MA0B 1C2D 3E4F ".repeat(5),
            site: "truy-xuat-nguon-goc.tinh-vinh-long.gov.vn/tem".into(),
            produced_on: NaiveDate::from_ymd_opt(2026, 11, 3),
            expires_on: NaiveDate::from_ymd_opt(2027, 1, 15),
            pin: Some("12345678".into()),
        };
        let long_zh = Label {
            lang: LabelLang::Zh,
            product_name: "永隆金枕榴莲特级出口，".repeat(6),
            ..long.clone()
        };
        for (layout, long) in ALL.into_iter().flat_map(|l| [(l, &long), (l, &long_zh)]) {
            let g = layout.geometry();
            let all = vec![long.clone(); layout.per_page()];
            let pdf = write(dir.path(), layout, &all);
            let html = poppler("pdftotext", &["-bbox", &pdf, "-"]);
            assert!(html.contains('…'), "{layout:?}: nothing truncated");
            let mut words = 0;
            for word in html.split("<word ").skip(1) {
                let attr = |name: &str| -> f32 {
                    let v = word.split(&format!("{name}=\"")).nth(1).unwrap();
                    v.split('"').next().unwrap().parse::<f32>().unwrap() / MM
                };
                let (x0, y0, x1, y1) = (attr("xMin"), attr("yMin"), attr("xMax"), attr("yMax"));
                let col = ((x0 - g.left) / g.cell_w).floor();
                let row = ((y0 - g.top) / g.cell_h).floor();
                let (left, top) = (
                    g.left + col * g.cell_w + g.pad,
                    g.top + row * g.cell_h + g.pad,
                );
                let (right, bottom) = (left + g.cell_w - 2.0 * g.pad, top + g.cell_h - 2.0 * g.pad);
                let tol = 0.2;
                assert!(
                    x0 >= left - tol && x1 <= right + tol && y0 >= top - tol && y1 <= bottom + tol,
                    "{layout:?}: word {word:?} outside label {left},{top}..{right},{bottom}"
                );
                let side = g.qr_side();
                assert!(
                    x0 >= left + side || y0 >= top + side,
                    "{layout:?}: word {word:?} over the QR code"
                );
                words += 1;
            }
            assert!(
                words >= 4 * layout.per_page(),
                "{layout:?}: only {words} words"
            );
        }
    }

    #[test]
    fn pages_are_written_before_later_labels_are_read() {
        use std::cell::Cell;
        use std::rc::Rc;

        struct Counting(Rc<Cell<usize>>);
        impl Write for Counting {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.set(self.0.get() + buf.len());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let written = Rc::new(Cell::new(0));
        let seen = Rc::new(Cell::new(None));
        let (w, s) = (written.clone(), seen.clone());
        let iter = labels(30).into_iter().enumerate().map(move |(i, label)| {
            if i == 24 {
                s.set(Some(w.get()));
            }
            label
        });
        write_sheet(Layout::A4_3x8, 0, iter, Counting(written.clone())).unwrap();
        let before_25th = seen.get().unwrap();
        assert!(
            before_25th > 10_000,
            "page 1 not out yet: {before_25th} bytes"
        );
        assert!(written.get() > before_25th);
    }

    const ALL: [Layout; 4] = [
        Layout::A4_3x8,
        Layout::A4_4x10,
        Layout::Roll40x30,
        Layout::A4_3x8Pin,
    ];

    /// Lot codes as long as the validators allow (20 characters of GS1 set
    /// 82), measured with the font: every printed line lies within its box,
    /// and the boxes within the label. Usual codes stay whole on every
    /// layout, and so do the serial's groups; a code of the widest letters
    /// is cut with "…" only where even the minimum size cannot hold it.
    #[test]
    fn max_length_lot_codes_fit_every_layout_without_breaking() {
        let font = Font::load().unwrap();
        let serial = "7K3QM9XTMA0B1C2D3E4F";
        let widest = "M".repeat(20);
        for lot in ["VL-2026/11-ABCDEFGHI", "2026-11-03/BNR-00042", &widest] {
            assert!(crate::domain::validate::lot_code("lot", lot).is_ok());
            for layout in ALL {
                let g = layout.geometry();
                let mut label = labels(1).remove(0);
                label.lot = lot.to_owned();
                label.serial_grouped = crate::domain::serial::group(serial);
                let (x0, top) = (g.pad * MM, (g.page_h - g.top - g.pad) * MM);
                let (inner_w, inner_h) =
                    ((g.cell_w - 2.0 * g.pad) * MM, (g.cell_h - 2.0 * g.pad) * MM);
                let mut lines = Vec::new();
                for (x, y, w, h, items) in text_blocks(&font, &g, x0, top, &label) {
                    assert!(x >= x0 - 1e-3 && x + w <= x0 + inner_w + 1e-3, "{layout:?}");
                    assert!(
                        y <= top + 1e-3 && y - h >= top - inner_h - 1e-3,
                        "{layout:?}"
                    );
                    for line in font.fit(&items, w, h, g.max_text) {
                        let units: f32 = line.glyphs.iter().map(|g| f32::from(g.advance)).sum();
                        let width = units * line.size / font.units_per_em();
                        let text: String = line.glyphs.iter().map(|g| g.ch).collect();
                        assert!(
                            width <= w + 1e-3,
                            "{layout:?}: {text:?} is {width} pt in {w}"
                        );
                        assert!(line.size >= 0.85 * 4.5 - 1e-3, "{layout:?}: {text:?}");
                        lines.push(text);
                    }
                }
                let joined = lines.join(" ");
                let whole = joined.contains(&format!("Lô: {lot}"));
                if lot == widest {
                    let cut = lines
                        .iter()
                        .any(|l| l.starts_with("MMM") && l.ends_with('…'));
                    assert!(whole || cut, "{layout:?}: {lines:?}");
                } else {
                    assert!(whole, "{layout:?}: {lot} not whole in {lines:?}");
                }
                for group in label.serial_grouped.split('-') {
                    assert!(
                        lines.iter().any(|l| l.contains(group)),
                        "{layout:?}: serial group {group} broken in {lines:?}"
                    );
                }
                assert!(
                    lines.iter().any(|l| l == "Kiểm tra tại tx.example.vn")
                        || joined.contains("Kiểm tra tại tx.example.vn"),
                    "{layout:?}: {lines:?}"
                );
            }
        }
    }

    /// A part-used sheet: printing from position 5 leaves 1 to 4 blank, puts
    /// the first label at 5 and carries on to the next sheet from its top.
    #[test]
    fn a_start_position_leaves_the_first_positions_blank() {
        let dir = tempfile::tempdir().unwrap();
        for layout in [Layout::A4_3x8, Layout::A4_4x10] {
            let per_page = layout.per_page();
            let all = labels(per_page);
            let path = dir.path().join(format!("start-{}.pdf", layout.as_str()));
            let file = std::fs::File::create(&path).unwrap();
            write_sheet(layout, 4, all.iter().cloned(), file).unwrap();
            let pdf = path.to_str().unwrap();
            assert_eq!(pages(pdf), 2, "{layout:?}");
            let first = scan_slots(pdf, 1, layout);
            assert_eq!(first[..4], [None, None, None, None], "{layout:?}");
            let expected: Vec<Option<String>> = all[..per_page - 4]
                .iter()
                .map(|l| Some(l.url.clone()))
                .collect();
            assert_eq!(first[4..], expected[..], "{layout:?}");
            let second = scan_slots(pdf, 2, layout);
            assert_eq!(
                second[..4],
                all[per_page - 4..]
                    .iter()
                    .map(|l| Some(l.url.clone()))
                    .collect::<Vec<_>>()[..]
            );
            assert!(second[4..].iter().all(Option::is_none), "{layout:?}");
        }
    }

    /// The calibration page: one sheet, no QR code, each label numbered
    /// with crosshairs on the corners of where its QR code would be.
    #[test]
    fn the_calibration_page_marks_every_position_and_holds_no_code() {
        let dir = tempfile::tempdir().unwrap();
        for layout in ALL {
            let g = layout.geometry();
            let path = dir.path().join(format!("cal-{}.pdf", layout.as_str()));
            write_calibration(layout, std::fs::File::create(&path).unwrap()).unwrap();
            let pdf = path.to_str().unwrap();
            assert_eq!(pages(pdf), 1);
            assert!(scan_slots(pdf, 1, layout).iter().all(Option::is_none));
            let text = poppler("pdftotext", &[pdf, "-"]);
            let words: Vec<&str> = text.split_whitespace().collect();
            for n in 1..=layout.per_page() {
                assert!(words.contains(&n.to_string().as_str()), "{layout:?}: {n}");
            }
            let flat = words.join(" ");
            assert!(flat.contains(CALIBRATION_CAPTION), "{layout:?}: {flat}");
            assert!(!flat.contains("Lô"), "{layout:?}");
            let img = render(pdf, 1);
            let side = g.qr_side();
            for slot in 0..layout.per_page() {
                let (col, row) = ((slot % g.cols) as f32, (slot / g.cols) as f32);
                let (x, y) = (
                    g.left + col * g.cell_w + g.pad,
                    g.top + row * g.cell_h + g.pad,
                );
                for (cx, cy) in [(x, y), (x + side, y), (x, y + side), (x + side, y + side)] {
                    let (cx, cy) = (px(cx), px(cy));
                    let darkest = (cx.saturating_sub(2)..=cx + 2)
                        .flat_map(|i| (cy.saturating_sub(2)..=cy + 2).map(move |j| (i, j)))
                        .filter(|&(i, j)| i < img.width() && j < img.height())
                        .map(|(i, j)| img.get_pixel(i, j).0[0])
                        .min()
                        .unwrap();
                    assert!(
                        darkest < 160,
                        "{layout:?} slot {slot}: no crosshair at {cx},{cy}"
                    );
                }
                // The middle of the QR's square is blank.
                let (mx, my) = (px(x + side / 2.0), px(y + side / 2.0));
                assert!(img.get_pixel(mx, my).0[0] > 200, "{layout:?} slot {slot}");
            }
        }
    }

    #[test]
    fn an_empty_sheet_is_refused() {
        let result = write_sheet(Layout::A4_3x8, 0, std::iter::empty(), Vec::new());
        assert!(matches!(result, Err(LabelError::NoLabels)));
        let result = write_sheet(Layout::A4_3x8, 24, labels(1).into_iter(), Vec::new());
        assert!(matches!(result, Err(LabelError::BadStart { .. })));
    }
}
