//! The label font: DejaVu Sans, compiled in, measured with `ttf-parser` and
//! embedded in each PDF as a subset.
//!
//! Why DejaVu Sans: it covers every precomposed Vietnamese letter (ư, ầ, ộ, …)
//! and its licence (Bitstream Vera, see `web/static/fonts/LICENSE-DejaVu.txt`)
//! allows embedding and redistribution. Why compiled in: a label sheet must not
//! depend on what fonts the server happens to have installed.
//!
//! Text is drawn as glyph ids (a Type0 font with Identity-H encoding) and the
//! ToUnicode map written here turns them back into text, so copy/paste and
//! `pdftotext` give the original Vietnamese.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Name, Rect, Ref, Str};
use unicode_normalization::UnicodeNormalization;

use super::LabelError;

static FONT_DATA: &[u8] = include_bytes!("../../web/static/fonts/DejaVuSans.ttf");

/// Stands in for characters the font lacks, so they show as a visible `?`
/// rather than as the empty `.notdef` box.
const FALLBACK: char = '?';
const ELLIPSIS: char = '…';

/// One glyph of shaped text: the font's glyph id, its advance in font units
/// and the character it stands for (for the ToUnicode map).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub id: u16,
    pub advance: u16,
    pub ch: char,
}

/// The ids of the five objects that make up the embedded font.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FontRefs {
    pub type0: Ref,
    pub cid: Ref,
    pub descriptor: Ref,
    pub file: Ref,
    pub to_unicode: Ref,
}

/// The font as used by one document: it remembers which glyphs were drawn so
/// that only those are embedded.
pub(crate) struct Font {
    face: ttf_parser::Face<'static>,
    fallback: Glyph,
    ellipsis: Glyph,
    /// Glyphs drawn so far, each with the first character it was drawn for.
    used: BTreeMap<u16, char>,
}

impl Font {
    pub fn load() -> Result<Self, LabelError> {
        let face = ttf_parser::Face::parse(FONT_DATA, 0)
            .map_err(|e| LabelError::Font(format!("cannot parse DejaVuSans.ttf: {e}")))?;
        let lookup = |ch: char| {
            let id = face
                .glyph_index(ch)
                .ok_or_else(|| LabelError::Font(format!("no glyph for {ch:?}")))?;
            Ok::<_, LabelError>(Glyph {
                id: id.0,
                advance: face.glyph_hor_advance(id).unwrap_or(0),
                ch,
            })
        };
        let fallback = lookup(FALLBACK)?;
        let ellipsis = lookup(ELLIPSIS)?;
        Ok(Font {
            face,
            fallback,
            ellipsis,
            used: BTreeMap::new(),
        })
    }

    /// Font units per em, to turn advances into points.
    pub fn units_per_em(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    /// The "…" that ends truncated text.
    pub fn ellipsis(&self) -> Glyph {
        self.ellipsis
    }

    /// Distance from the top of a line to its baseline, in ems.
    pub fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) / self.units_per_em()
    }

    /// Height of one line (ascender to descender), in ems.
    pub fn line_height(&self) -> f32 {
        f32::from(self.face.ascender() - self.face.descender()) / self.units_per_em()
    }

    /// Maps text to glyphs. Text is NFC-normalised first because producers
    /// may type Vietnamese in decomposed form (base letter + combining marks),
    /// which without a shaping engine would stack marks badly; NFC gives the
    /// precomposed letters the font draws well. Line breaks and other control
    /// characters become spaces: a label line is a single line.
    pub fn shape(&self, text: &str) -> Vec<Glyph> {
        text.nfc()
            .map(|ch| if ch.is_control() { ' ' } else { ch })
            .map(|ch| match self.face.glyph_index(ch) {
                Some(id) => Glyph {
                    id: id.0,
                    advance: self.face.glyph_hor_advance(id).unwrap_or(0),
                    ch,
                },
                None => self.fallback,
            })
            .collect()
    }

    /// Appends the Identity-H bytes (big-endian glyph ids) for `glyphs` and
    /// records them as used, so the subset contains exactly what was drawn.
    pub fn encode(&mut self, glyphs: &[Glyph], out: &mut Vec<u8>) {
        for g in glyphs {
            self.used.entry(g.id).or_insert(g.ch);
            out.extend_from_slice(&g.id.to_be_bytes());
        }
    }

    /// The font's PDF objects, one chunk each, embedding a subset with only
    /// the glyphs drawn in this document. Called once, after the last page,
    /// since only then is the glyph set known. Subsetting keeps glyph ids
    /// (unused outlines are emptied), which is why CIDToGIDMap is Identity.
    pub fn objects(&self, refs: FontRefs) -> Result<Vec<(Ref, Chunk)>, LabelError> {
        let mut glyphs: Vec<u16> = self.used.keys().copied().collect();
        glyphs.push(0); // .notdef must stay in every font program
        let program = subsetter::subset(FONT_DATA, 0, subsetter::Profile::pdf(&glyphs))
            .map_err(|e| LabelError::Font(format!("cannot subset DejaVuSans.ttf: {e}")))?;
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&program, 6);
        let base_font = format!("{}+DejaVuSans", self.subset_tag());
        let base_font = Name(base_font.as_bytes());
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        // PDF glyph space has 1000 units per em.
        let to_pdf = |units: f32| units * 1000.0 / self.units_per_em();

        let mut type0 = Chunk::new();
        type0
            .type0_font(refs.type0)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid)
            .to_unicode(refs.to_unicode);

        let mut cid = Chunk::new();
        {
            let mut font = cid.cid_font(refs.cid);
            font.subtype(CidFontType::Type2)
                .base_font(base_font)
                .system_info(system_info)
                .font_descriptor(refs.descriptor)
                .default_width(0.0)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            let mut widths = font.widths();
            for &id in self.used.keys() {
                let advance = self.face.glyph_hor_advance(ttf_parser::GlyphId(id));
                widths.consecutive(id, [to_pdf(f32::from(advance.unwrap_or(0)))]);
            }
        }

        let bbox = self.face.global_bounding_box();
        let mut descriptor = Chunk::new();
        descriptor
            .font_descriptor(refs.descriptor)
            .name(base_font)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                to_pdf(bbox.x_min.into()),
                to_pdf(bbox.y_min.into()),
                to_pdf(bbox.x_max.into()),
                to_pdf(bbox.y_max.into()),
            ))
            .italic_angle(0.0)
            .ascent(to_pdf(self.face.ascender().into()))
            .descent(to_pdf(self.face.descender().into()))
            .cap_height(to_pdf(self.face.capital_height().unwrap_or(0).into()))
            .stem_v(80.0)
            .font_file2(refs.file);

        let mut file = Chunk::new();
        file.stream(refs.file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(program.len()).unwrap_or(i32::MAX),
            );

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for (&id, &ch) in &self.used {
            cmap.pair(id, ch);
        }
        let mut to_unicode = Chunk::new();
        to_unicode.cmap(refs.to_unicode, &cmap.finish());

        Ok(vec![
            (refs.type0, type0),
            (refs.cid, cid),
            (refs.descriptor, descriptor),
            (refs.file, file),
            (refs.to_unicode, to_unicode),
        ])
    }

    /// The six-letter tag PDF requires in the name of a subset font; derived
    /// from the glyph set so that different subsets get different names.
    fn subset_tag(&self) -> String {
        // FNV-1a over the glyph ids.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &id in self.used.keys() {
            for byte in id.to_be_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        (0..6)
            .map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_have_glyphs_and_decomposed_input_is_composed() {
        let font = Font::load().unwrap();
        let composed = font.shape("Bưởi Năm Roi sầu riêng Thanh trà");
        assert!(composed.iter().all(|g| g.id != font.fallback.id));
        // "ở" typed as o + horn + hook above becomes the single glyph for "ở".
        let decomposed = font.shape("Bu\u{31b}o\u{31b}\u{309}i");
        let chars: String = decomposed.iter().map(|g| g.ch).collect();
        assert_eq!(chars, "Bưởi");
    }

    #[test]
    fn missing_glyphs_fall_back_to_question_mark() {
        let font = Font::load().unwrap();
        let glyphs = font.shape("a\u{4E2D}\nb");
        let chars: String = glyphs.iter().map(|g| g.ch).collect();
        assert_eq!(chars, "a? b");
    }
}
