#!/usr/bin/env python3
"""Writes web/static/fonts/DroidSansFallback-GB2312.ttf, the Chinese font of
the export labels (src/labels/font.rs), from Debian's `fonts-droid-fallback`
(DroidSansFallbackFull.ttf, Copyright 2006-2010 Google Corp., Apache-2.0;
see web/static/fonts/LICENSE-DroidSansFallback.txt).

    apt-get install -y fonts-droid-fallback   # 1:6.0.1r16-1.1 (bookworm)
    pip install fonttools                      # 4.x: pyftsubset's library
    scripts/cjk-font.py [/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf]

Why this font: TrueType outlines (glyf, which the label PDFs embed as
CIDFontType2 like DejaVu Sans), a licence that allows embedding and
redistribution, and simplified Chinese coverage. Why cut down: the full font
is 4 MB and is compiled into the binary. Kept: the 3,755 hanzi of GB2312
level 1 (the common characters, rows 16-55), CJK symbols and punctuation
(U+3000-303F), the full-width forms (U+FF01-FF5E) and every character
the labels print themselves (the call to scan and the demo's product names),
in case one lies outside level 1. Hinting is dropped: labels are printed,
not shown on low-resolution screens. The font has no Latin letters: the
labels take those, and digits, from DejaVu Sans. A character outside the subset prints
as the labels' `?` fallback.
"""
import sys
from pathlib import Path

from fontTools import subset

SOURCE = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
OUT = Path(__file__).resolve().parent.parent / "web" / "static" / "fonts" / "DroidSansFallback-GB2312.ttf"

# What the labels print in Chinese (src/labels/sheet.rs) and the demo's
# Chinese product names (src/demo/vinh_long.json): kept whatever level 1 has.
LABEL_TEXT = "扫码溯源批号查询网址：榴莲金枕南罗柚青皮永隆王橙五年"


def gb2312_level1() -> str:
    """The 3,755 level-1 hanzi: GB2312 rows 16 to 55 (lead bytes 0xB0-0xD7),
    94 cells a row except row 55, which ends at cell 89 (0xD7F9)."""
    chars = []
    for lead in range(0xB0, 0xD8):
        last = 0xF9 if lead == 0xD7 else 0xFE
        for trail in range(0xA1, last + 1):
            chars.append(bytes([lead, trail]).decode("gb2312"))
    assert len(chars) == 3755, len(chars)
    return "".join(chars)


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    unicodes = {ord(c) for c in gb2312_level1() + LABEL_TEXT}
    unicodes |= set(range(0x3000, 0x3040)) | set(range(0xFF01, 0xFF5F))
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    cmap = font.getBestCmap()
    missing = [c for c in LABEL_TEXT if ord(c) not in cmap]
    if missing:
        sys.exit(f"the font lacks label characters: {missing}")
    subset.save_font(font, str(OUT), options)
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(cmap)} characters")


if __name__ == "__main__":
    main()
