//! The label fonts: DejaVu Sans for Latin and Vietnamese, and a cut-down
//! Droid Sans Fallback for the Chinese of export labels; both compiled in,
//! measured with `ttf-parser` and embedded in each PDF as subsets, each only
//! if drawn and only with the glyphs drawn.
//!
//! Why DejaVu Sans: it covers every precomposed Vietnamese letter (ư, ầ, ộ, …)
//! and its licence (Bitstream Vera, see `web/static/fonts/LICENSE-DejaVu.txt`)
//! allows embedding and redistribution. DejaVu has no Chinese, so characters
//! it lacks are looked up in `DroidSansFallback-GB2312.ttf` (TrueType
//! outlines, Apache-2.0, the 3,755 common hanzi of GB2312 level 1 and CJK
//! punctuation: `scripts/cjk-font.py`, `LICENSE-DroidSansFallback.txt`).
//! Why compiled in: a label sheet must not depend on what fonts the server
//! happens to have installed.
//!
//! Text is drawn as glyph ids (Type0 fonts with Identity-H encoding) and the
//! ToUnicode maps written here turn them back into text, so copy/paste and
//! `pdftotext` give the original Vietnamese or Chinese.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Name, Rect, Ref, Str};
use unicode_normalization::UnicodeNormalization;

use super::LabelError;

static LATIN_DATA: &[u8] = include_bytes!("../../web/static/fonts/DejaVuSans.ttf");
static CJK_DATA: &[u8] = include_bytes!("../../web/static/fonts/DroidSansFallback-GB2312.ttf");

/// Stands in for characters neither font has, so they show as a visible `?`
/// rather than as the empty `.notdef` box.
const FALLBACK: char = '?';
const ELLIPSIS: char = '…';

/// Which of the two fonts draws a glyph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// DejaVu Sans: Latin, Vietnamese, digits, the fallback `?`.
    Latin,
    /// Droid Sans Fallback (GB2312 level 1): Chinese.
    Cjk,
}

impl Face {
    /// The font's resource name in page dictionaries.
    pub fn resource(self) -> Name<'static> {
        match self {
            Face::Latin => Name(b"F1"),
            Face::Cjk => Name(b"F2"),
        }
    }
}

/// One glyph of shaped text: its font, the font's glyph id, its advance in
/// DejaVu's font units (whichever font draws it, so lines measure in one
/// unit) and the character it stands for (for the ToUnicode map).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub face: Face,
    pub id: u16,
    pub advance: u16,
    pub ch: char,
}

/// The ids of the five objects that make up one embedded font.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FontRefs {
    pub type0: Ref,
    pub cid: Ref,
    pub descriptor: Ref,
    pub file: Ref,
    pub to_unicode: Ref,
}

/// One font file as used by one document: it remembers which glyphs were
/// drawn so that only those are embedded.
struct Program {
    name: &'static str,
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// Glyphs drawn so far, each with the first character it was drawn for.
    used: BTreeMap<u16, char>,
}

impl Program {
    fn load(name: &'static str, data: &'static [u8]) -> Result<Self, LabelError> {
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| LabelError::Font(format!("cannot parse {name}: {e}")))?;
        Ok(Program {
            name,
            data,
            face,
            used: BTreeMap::new(),
        })
    }

    fn units_per_em(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }
}

/// The fonts as used by one document.
pub(crate) struct Font {
    latin: Program,
    cjk: Program,
    fallback: Glyph,
    ellipsis: Glyph,
}

impl Font {
    pub fn load() -> Result<Self, LabelError> {
        let latin = Program::load("DejaVuSans", LATIN_DATA)?;
        let cjk = Program::load("DroidSansFallback", CJK_DATA)?;
        let lookup = |ch: char| {
            let id = latin
                .face
                .glyph_index(ch)
                .ok_or_else(|| LabelError::Font(format!("no glyph for {ch:?}")))?;
            Ok::<_, LabelError>(Glyph {
                face: Face::Latin,
                id: id.0,
                advance: latin.face.glyph_hor_advance(id).unwrap_or(0),
                ch,
            })
        };
        let fallback = lookup(FALLBACK)?;
        let ellipsis = lookup(ELLIPSIS)?;
        Ok(Font {
            latin,
            cjk,
            fallback,
            ellipsis,
        })
    }

    /// Font units per em (DejaVu's, in which every advance is given), to
    /// turn advances into points.
    pub fn units_per_em(&self) -> f32 {
        self.latin.units_per_em()
    }

    /// The "…" that ends truncated text.
    pub fn ellipsis(&self) -> Glyph {
        self.ellipsis
    }

    /// Distance from the top of a line to its baseline, in ems.
    pub fn ascent(&self) -> f32 {
        f32::from(self.latin.face.ascender()) / self.units_per_em()
    }

    /// Height of one line (ascender to descender), in ems.
    pub fn line_height(&self) -> f32 {
        f32::from(self.latin.face.ascender() - self.latin.face.descender()) / self.units_per_em()
    }

    /// Whether a Chinese glyph has been drawn in this document, so its font
    /// must be embedded and named in the pages from now on.
    pub fn uses_cjk(&self) -> bool {
        !self.cjk.used.is_empty()
    }

    /// Maps text to glyphs: DejaVu's where it has one, else the Chinese
    /// font's, else the `?`. Text is NFC-normalised first because producers
    /// may type Vietnamese in decomposed form (base letter + combining marks),
    /// which without a shaping engine would stack marks badly; NFC gives the
    /// precomposed letters the font draws well. Line breaks and other control
    /// characters become spaces: a label line is a single line.
    pub fn shape(&self, text: &str) -> Vec<Glyph> {
        let scale = self.units_per_em() / self.cjk.units_per_em();
        text.nfc()
            .map(|ch| if ch.is_control() { ' ' } else { ch })
            .map(|ch| {
                if let Some(id) = self.latin.face.glyph_index(ch) {
                    return Glyph {
                        face: Face::Latin,
                        id: id.0,
                        advance: self.latin.face.glyph_hor_advance(id).unwrap_or(0),
                        ch,
                    };
                }
                match self.cjk.face.glyph_index(ch) {
                    Some(id) => {
                        let advance = f32::from(self.cjk.face.glyph_hor_advance(id).unwrap_or(0));
                        Glyph {
                            face: Face::Cjk,
                            id: id.0,
                            advance: (advance * scale).round().min(f32::from(u16::MAX)) as u16,
                            ch,
                        }
                    }
                    None => self.fallback,
                }
            })
            .collect()
    }

    /// Splits `glyphs` into runs of one font each, with the Identity-H
    /// bytes (big-endian glyph ids) of each run, and records the glyphs as
    /// used, so each subset contains exactly what was drawn.
    pub fn encode(&mut self, glyphs: &[Glyph]) -> Vec<(Face, Vec<u8>)> {
        let mut runs: Vec<(Face, Vec<u8>)> = Vec::new();
        for g in glyphs {
            let program = match g.face {
                Face::Latin => &mut self.latin,
                Face::Cjk => &mut self.cjk,
            };
            program.used.entry(g.id).or_insert(g.ch);
            match runs.last_mut() {
                Some((face, bytes)) if *face == g.face => {
                    bytes.extend_from_slice(&g.id.to_be_bytes())
                }
                _ => runs.push((g.face, g.id.to_be_bytes().to_vec())),
            }
        }
        runs
    }

    /// The PDF objects of the font drawing `face`, one chunk each, embedding
    /// a subset with only the glyphs drawn in this document. Called once,
    /// after the last page, since only then is the glyph set known.
    pub fn objects(&self, face: Face, refs: FontRefs) -> Result<Vec<(Ref, Chunk)>, LabelError> {
        match face {
            Face::Latin => self.latin.objects(refs),
            Face::Cjk => self.cjk.objects(refs),
        }
    }
}

impl Program {
    /// Subsetting keeps glyph ids (unused outlines are emptied), which is
    /// why CIDToGIDMap is Identity.
    fn objects(&self, refs: FontRefs) -> Result<Vec<(Ref, Chunk)>, LabelError> {
        let mut glyphs: Vec<u16> = self.used.keys().copied().collect();
        glyphs.push(0); // .notdef must stay in every font program
        let program = subsetter::subset(self.data, 0, subsetter::Profile::pdf(&glyphs))
            .map_err(|e| LabelError::Font(format!("cannot subset {}: {e}", self.name)))?;
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&program, 6);
        let base_font = format!("{}+{}", self.subset_tag(), self.name);
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

    /// Chinese comes from the second font, in runs of its own, measured in
    /// DejaVu's units; a hanzi outside GB2312 level 1 (龘) falls back to `?`.
    #[test]
    fn chinese_comes_from_the_cjk_font_and_missing_glyphs_fall_back() {
        let mut font = Font::load().unwrap();
        let glyphs = font.shape("Ri6榴莲 龘\nb");
        let faces: Vec<Face> = glyphs.iter().map(|g| g.face).collect();
        use Face::{Cjk, Latin};
        assert_eq!(
            faces,
            [Latin, Latin, Latin, Cjk, Cjk, Latin, Latin, Latin, Latin]
        );
        let chars: String = glyphs.iter().map(|g| g.ch).collect();
        assert_eq!(chars, "Ri6榴莲 ? b");
        // A hanzi is one em wide.
        assert_eq!(f32::from(glyphs[3].advance), font.units_per_em());
        assert!(!font.uses_cjk());
        let runs = font.encode(&glyphs);
        assert_eq!(
            runs.iter().map(|(f, b)| (*f, b.len())).collect::<Vec<_>>(),
            [(Latin, 6), (Cjk, 4), (Latin, 8)]
        );
        assert!(font.uses_cjk());
        let objects = font.objects(Cjk, refs()).unwrap();
        assert_eq!(objects.len(), 5);
    }

    fn refs() -> FontRefs {
        FontRefs {
            type0: Ref::new(1),
            cid: Ref::new(2),
            descriptor: Ref::new(3),
            file: Ref::new(4),
            to_unicode: Ref::new(5),
        }
    }
}
