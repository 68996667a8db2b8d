//! Fitting text into a label: line breaking, shrinking and, as a last
//! resort, truncation with "…". Works on shaped glyphs, so measuring is just
//! adding advances.

use super::font::{Face, Font, Glyph};

/// Smallest base text size tried before text is truncated: below about 4.5 pt
/// DejaVu Sans stops being legible on a thermal or laser print.
const MIN_SIZE: f32 = 4.5;
/// Sizes are tried from large to small in these steps.
const SIZE_STEP: f32 = 0.25;
/// Bold is faked by stroking the outline with this fraction of the size:
/// cheaper than embedding a second font for one line per label.
pub(crate) const BOLD_STROKE: f32 = 0.04;

/// Where an item's text may be broken across lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breaks {
    /// Prose (names, captions): after spaces, hyphens and Chinese
    /// characters (Chinese has no spaces), and at the minimum size inside a
    /// word too long for a line.
    Words,
    /// A serial printed in hyphen-joined groups: after spaces and between
    /// groups, never inside one; a group that cannot fit even at the minimum
    /// size ends the text with "…".
    Groups,
    /// A code a consumer may have to type (lot code, site, date): only at
    /// spaces, never inside the code, so a hyphen or slash of the code is
    /// never mistaken for a line break; one too wide even at the minimum
    /// size is cut with "…", the last resort.
    Spaces,
}

/// One piece of text on a label and how much room it may take.
pub(crate) struct Item {
    pub glyphs: Vec<Glyph>,
    /// Size relative to the block's base size.
    pub scale: f32,
    pub max_lines: usize,
    pub bold: bool,
    pub breaks: Breaks,
}

/// A laid-out line: `baseline` is measured down from the top of the box.
#[derive(Debug)]
pub(crate) struct Line {
    pub glyphs: Vec<Glyph>,
    pub size: f32,
    pub bold: bool,
    pub baseline: f32,
}

impl Font {
    /// Lays `items` out in a `width` × `height` pt box, vertically centred, at
    /// the largest base size from `max_size` down to [`MIN_SIZE`] at which
    /// everything fits on whole words. At the minimum size, prose words too
    /// long for a line are broken (codes never are: see [`Breaks`]) and the
    /// last allowed line of an item ends in "…", so text never leaves the box.
    pub fn fit(&self, items: &[Item], width: f32, height: f32, max_size: f32) -> Vec<Line> {
        let mut base = max_size.max(MIN_SIZE);
        loop {
            let last_try = base <= MIN_SIZE;
            let mut lines = Vec::new();
            let mut clean = true;
            for item in items {
                let size = base * item.scale;
                let stroke = if item.bold { size * BOLD_STROKE } else { 0.0 };
                let max_units = (width - stroke) / size * self.units_per_em();
                let (wrapped, ok) = self.wrap(&item.glyphs, max_units, item.max_lines, item.breaks);
                clean &= ok;
                lines.extend(wrapped.into_iter().map(|glyphs| Line {
                    glyphs,
                    size,
                    bold: item.bold,
                    baseline: 0.0,
                }));
            }
            let total: f32 = lines.iter().map(|l| l.size * self.line_height()).sum();
            if (clean && total <= height) || last_try {
                return self.stack(lines, height);
            }
            base = (base - SIZE_STEP).max(MIN_SIZE);
        }
    }

    /// Sets baselines, dropping lines that would fall below the box (only
    /// possible if a caller asks for more lines than fit at the minimum size).
    fn stack(&self, lines: Vec<Line>, height: f32) -> Vec<Line> {
        let mut kept = Vec::with_capacity(lines.len());
        let mut y = 0.0;
        for mut line in lines {
            let advance = line.size * self.line_height();
            if y + advance > height {
                break;
            }
            line.baseline = y + line.size * self.ascent();
            y += advance;
            kept.push(line);
        }
        let offset = (height - y) / 2.0;
        for line in &mut kept {
            line.baseline += offset;
        }
        kept
    }

    /// Greedy line breaking where `breaks` allows. Returns the lines and
    /// whether they hold all the text on whole words.
    fn wrap(
        &self,
        glyphs: &[Glyph],
        max_units: f32,
        max_lines: usize,
        breaks: Breaks,
    ) -> (Vec<Vec<Glyph>>, bool) {
        let mut lines = Vec::new();
        let mut rest = trim(glyphs);
        let mut clean = true;
        while !rest.is_empty() && lines.len() < max_lines {
            if units(rest) <= max_units {
                lines.push(rest.to_vec());
                return (lines, clean);
            }
            if lines.len() + 1 == max_lines {
                break;
            }
            let (end, next) = match break_point(rest, max_units, breaks != Breaks::Spaces) {
                Some(found) => found,
                // A code is never cut mid-code: it ends in "…" below.
                None if breaks != Breaks::Words => {
                    clean = false;
                    break;
                }
                None => {
                    // One word wider than the line: break it anywhere.
                    clean = false;
                    let n = fitting_prefix(rest, max_units).max(1);
                    (n, n)
                }
            };
            lines.push(trim(&rest[..end]).to_vec());
            rest = trim(&rest[next..]);
        }
        if rest.is_empty() {
            return (lines, clean);
        }
        // Out of lines: the last one ends in an ellipsis.
        let room = max_units - f32::from(self.ellipsis().advance);
        let mut last = trim(&rest[..fitting_prefix(rest, room)]).to_vec();
        last.push(self.ellipsis());
        lines.push(last);
        (lines, false)
    }
}

/// Total advance of `glyphs`, in font units.
fn units(glyphs: &[Glyph]) -> f32 {
    glyphs.iter().map(|g| f32::from(g.advance)).sum()
}

/// How many leading glyphs fit in `max_units`.
fn fitting_prefix(glyphs: &[Glyph], max_units: f32) -> usize {
    let mut width = 0.0;
    glyphs
        .iter()
        .take_while(|g| {
            width += f32::from(g.advance);
            width <= max_units
        })
        .count()
}

/// The last place to break before `max_units`: (end of this line, start of
/// the next). A space is dropped at the break, a hyphen or a Chinese
/// character stays on the line (and is a break only if `hyphens`).
fn break_point(glyphs: &[Glyph], max_units: f32, hyphens: bool) -> Option<(usize, usize)> {
    let mut best = None;
    let mut width = 0.0;
    for (i, g) in glyphs.iter().enumerate() {
        if g.ch == ' ' && width <= max_units {
            best = Some((i, i + 1));
        }
        width += f32::from(g.advance);
        if width > max_units {
            break;
        }
        if hyphens && (g.ch == '-' || g.face == Face::Cjk) {
            best = Some((i + 1, i + 1));
        }
    }
    best.filter(|&(end, _)| end > 0)
}

fn trim(glyphs: &[Glyph]) -> &[Glyph] {
    let start = glyphs
        .iter()
        .position(|g| g.ch != ' ')
        .unwrap_or(glyphs.len());
    let end = glyphs
        .iter()
        .rposition(|g| g.ch != ' ')
        .map_or(start, |i| i + 1);
    &glyphs[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &[Glyph]) -> String {
        line.iter().map(|g| g.ch).collect()
    }

    fn em(font: &Font, s: &str) -> f32 {
        units(&font.shape(s))
    }

    #[test]
    fn wraps_after_spaces_and_hyphens() {
        let font = Font::load().unwrap();
        let glyphs = font.shape("Bánh pía sầu riêng");
        let (lines, clean) = font.wrap(&glyphs, em(&font, "Bánh pía sầu"), 2, Breaks::Words);
        assert!(clean);
        assert_eq!(
            lines.iter().map(|l| text(l)).collect::<Vec<_>>(),
            ["Bánh pía sầu", "riêng"]
        );

        let glyphs = font.shape("LOT-2024-VL");
        let (lines, clean) = font.wrap(&glyphs, em(&font, "LOT-2024-"), 2, Breaks::Words);
        assert!(clean);
        assert_eq!(
            lines.iter().map(|l| text(l)).collect::<Vec<_>>(),
            ["LOT-2024-", "VL"]
        );
    }

    /// A serial breaks between its groups only; a lot code only at a space,
    /// and one wider than the line is cut with "…" rather than broken.
    #[test]
    fn codes_break_only_between_groups_or_at_spaces() {
        let font = Font::load().unwrap();
        let serial = font.shape("7K3QM-9XTMA-0B1C2-D3E4F");
        let max = em(&font, "7K3QM-9XTMA-0B");
        let (lines, clean) = font.wrap(&serial, max, 2, Breaks::Groups);
        assert!(clean);
        assert_eq!(
            lines.iter().map(|l| text(l)).collect::<Vec<_>>(),
            ["7K3QM-9XTMA-", "0B1C2-D3E4F"]
        );
        // A group wider than the line is not split.
        let (lines, clean) = font.wrap(&serial, em(&font, "7K3"), 2, Breaks::Groups);
        assert!(!clean);
        assert!(lines.iter().all(|l| units(l) <= em(&font, "7K3")));
        assert!(text(lines.last().unwrap()).ends_with('…'));

        let lot = font.shape("Lô: VL-2026/11-A");
        let (lines, clean) = font.wrap(&lot, em(&font, "Lô: VL-2026/11"), 2, Breaks::Spaces);
        assert!(clean);
        assert_eq!(
            lines.iter().map(|l| text(l)).collect::<Vec<_>>(),
            ["Lô:", "VL-2026/11-A"]
        );
        let (lines, clean) = font.wrap(&lot, em(&font, "VL-2026"), 2, Breaks::Spaces);
        assert!(!clean);
        assert_eq!(text(&lines[0]), "Lô:");
        assert!(text(&lines[1]).starts_with("VL-") && text(&lines[1]).ends_with('…'));
    }

    #[test]
    fn chinese_breaks_between_characters() {
        let font = Font::load().unwrap();
        let glyphs = font.shape("扫描二维码查看产品来源");
        let (lines, clean) = font.wrap(&glyphs, em(&font, "扫描二维码"), 3, Breaks::Words);
        assert!(clean);
        assert_eq!(
            lines.iter().map(|l| text(l)).collect::<Vec<_>>(),
            ["扫描二维码", "查看产品来", "源"]
        );
    }

    #[test]
    fn out_of_lines_ends_in_an_ellipsis_within_the_width() {
        let font = Font::load().unwrap();
        let glyphs = font.shape("Quét mã để truy xuất nguồn gốc");
        let max = em(&font, "Quét mã để");
        let (lines, clean) = font.wrap(&glyphs, max, 2, Breaks::Words);
        assert!(!clean);
        assert_eq!(text(&lines[0]), "Quét mã để");
        assert!(text(&lines[1]).ends_with('…'));
        assert!(lines.iter().all(|l| units(l) <= max));
    }

    #[test]
    fn fit_shrinks_before_truncating_and_stays_in_the_box() {
        let font = Font::load().unwrap();
        let item = |s: &str, max_lines| Item {
            glyphs: font.shape(s),
            scale: 1.0,
            max_lines,
            bold: false,
            breaks: Breaks::Words,
        };
        // Fits at 9 pt in a wide box; needs a smaller size in a narrow one.
        let wide = font.fit(&[item("Thanh trà", 1)], 200.0, 50.0, 9.0);
        assert_eq!(wide[0].size, 9.0);
        let narrow = font.fit(&[item("Thanh trà", 1)], 30.0, 50.0, 9.0);
        assert!(narrow[0].size < 9.0 && text(&narrow[0].glyphs) == "Thanh trà");

        let long = "Sầu riêng ".repeat(40);
        let (w, h) = (60.0, 30.0);
        let lines = font.fit(&[item(&long, 2), item(&long, 3)], w, h, 9.0);
        assert!(lines.iter().any(|l| text(&l.glyphs).ends_with('…')));
        for line in &lines {
            assert!(units(&line.glyphs) * line.size / font.units_per_em() <= w);
            let descent = line.size * (font.line_height() - font.ascent());
            assert!(line.baseline - line.size * font.ascent() >= 0.0);
            assert!(line.baseline + descent <= h + 1e-3);
        }
    }
}
