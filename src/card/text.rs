//! Fonts and text measurement: SVG cannot wrap, so every line of a card is measured
//! with the bundled Lato (shaped as resvg shapes it), wrapped, shrunk and cut here.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use harfrust::{Direction, FontRef, ShapePlan, ShaperData, UnicodeBuffer};
use read_fonts::TableProvider;
use resvg::usvg;
use serde::Serialize;

use super::{
    Line, BLOCK_BOTTOM, COLUMN, FONT_BOLD, FONT_FAMILY, FONT_REGULAR, MARGIN, RENDERER, SLACK,
};

pub(super) struct Face {
    pub(super) font: FontRef<'static>,
    pub(super) data: ShaperData,
    pub(super) upem: f32,
    /// The shape plan for left-to-right Latin text, made once: planning costs more
    /// than shaping a title.
    pub(super) latin: ShapePlan,
    /// The ellipsis this font draws, and its advance in font units.
    pub(super) ellipsis: (&'static str, f32),
    /// One bit per character of the Basic Multilingual Plane that has a glyph
    /// (Lato has nothing beyond it): looking up the cmap per character costs more
    /// than shaping.
    pub(super) covered: Vec<u64>,
}

impl Face {
    pub(super) fn new(bytes: &'static [u8]) -> Face {
        let font = FontRef::new(bytes).expect("the bundled font parses");
        let upem = font.head().map(|h| h.units_per_em()).unwrap_or(1000) as f32;
        let data = ShaperData::new(&font);
        let latin = {
            let shaper = data.shaper(&font).build();
            ShapePlan::new(
                &shaper,
                Direction::LeftToRight,
                Some(harfrust::script::LATIN),
                None,
                &[],
            )
        };
        let mut covered = vec![0u64; 0x10000 / 64];
        if let Ok(cmap) = font.cmap() {
            // Unicode subtables only (a Mac Roman table maps bytes, not characters).
            let unicode = cmap.encoding_records().iter().filter(|r| {
                let (platform, encoding) = (r.platform_id() as u16, r.encoding_id());
                platform == 0 || (platform == 3 && matches!(encoding, 1 | 10))
            });
            for record in unicode {
                let Ok(table) = record.subtable(cmap.offset_data()) else {
                    continue;
                };
                for (c, glyph) in table.iter() {
                    if c < 0x10000 && glyph.to_u32() != 0 {
                        covered[c as usize / 64] |= 1 << (c as usize % 64);
                    }
                }
            }
        }
        let mut face = Face {
            font,
            data,
            upem,
            latin,
            ellipsis: ("...", 0.0),
            covered,
        };
        let ellipsis = if face.has('…') { "…" } else { "..." };
        face.ellipsis = (ellipsis, face.advances(ellipsis).iter().sum());
        face
    }

    /// Whether the font has a glyph for `c`.
    pub fn has(&self, c: char) -> bool {
        let c = c as usize;
        c < 0x10000 && self.covered[c / 64] & (1 << (c % 64)) != 0
    }

    /// Shapes `text` once; the advance (font units) of the cluster starting at each byte.
    pub(super) fn advances(&self, text: &str) -> Vec<f32> {
        let mut adv = vec![0.0; text.len() + 1];
        if text.is_empty() {
            return adv;
        }
        let shaper = self.data.shaper(&self.font).build();
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let latin = buffer.direction() == Direction::LeftToRight
            && buffer.script() == harfrust::script::LATIN;
        let options = harfrust::ShapeOptions::new().plan(latin.then_some(&self.latin));
        let out = shaper.shape(buffer, options);
        for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
            let at = (info.cluster as usize).min(text.len());
            adv[at] += pos.x_advance as f32;
        }
        adv
    }
}

pub(super) struct Fonts {
    pub(super) db: Arc<usvg::fontdb::Database>,
    pub(super) bold: Face,
    pub(super) regular: Face,
    pub(super) hash: u64,
}

pub(super) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT_BOLD.to_vec());
        db.load_font_data(FONT_REGULAR.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        let mut h = crate::hash::hasher();
        (FONT_BOLD, FONT_REGULAR, RENDERER, env!("CARGO_PKG_VERSION")).hash(&mut h);
        Fonts {
            db: Arc::new(db),
            bold: Face::new(FONT_BOLD),
            regular: Face::new(FONT_REGULAR),
            hash: h.finish(),
        }
    })
}

/// The characters of `chars` (other than spaces) that the bundled card font cannot
/// draw in bold or regular; empty when it covers them all.
pub fn font_covers(chars: &str) -> Vec<char> {
    let f = fonts();
    let drawn = |c: char| f.bold.has(c) && f.regular.has(c);
    chars
        .chars()
        .filter(|&c| !c.is_whitespace() && !drawn(c))
        .collect()
}

/// Text as the font can draw it: whitespace collapsed, control characters and
/// characters without a glyph (emoji, for one) dropped rather than drawn as boxes.
pub(super) fn drawable(face: &Face, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if !c.is_control() && face.has(c) {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Lines of text laid out in a box.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Block {
    /// The lines, as drawn.
    pub lines: Vec<String>,
    /// Font size in pixels.
    pub size: f32,
    /// Distance between baselines.
    pub line_height: f32,
    /// Baseline of the first line.
    pub y: f32,
    /// Baseline of the last line.
    pub last_y: f32,
    /// Left edge.
    pub x: f32,
    /// `bold` or `normal`.
    pub weight: &'static str,
    /// The text did not fit and was cut with an ellipsis.
    pub ellipsized: bool,
}

/// How to fit a text: the box and the sizes to try, largest first.
pub(super) struct Fit<'a> {
    pub(super) width: f32,
    pub(super) sizes: &'a [f32],
    pub(super) max_lines: usize,
    pub(super) line_height: f32,
    pub(super) bold: bool,
}

impl Fit<'_> {
    /// Lays `text` out with its first line's top at `top`.
    pub(super) fn layout(&self, text: &str, top: f32) -> Block {
        let f = fonts();
        let face = if self.bold { &f.bold } else { &f.regular };
        let text = drawable(face, text);
        let adv = face.advances(&text);
        let (ellipsis, ellipsis_units) = face.ellipsis;
        let mut chosen = None;
        for &size in self.sizes {
            let width = (self.width - SLACK) * face.upem / size;
            let lines = wrap(&text, &adv, width);
            if lines.len() <= self.max_lines {
                chosen = Some((size, lines, false));
                break;
            }
        }
        let (size, lines, ellipsized) = chosen.unwrap_or_else(|| {
            let size = self.sizes.last().copied().unwrap_or(40.0);
            let width = (self.width - SLACK) * face.upem / size;
            let mut lines = wrap(&text, &adv, width);
            lines.truncate(self.max_lines.max(1));
            if let Some(last) = lines.last_mut() {
                *last = ellipsize(&text, &adv, last.clone(), width - ellipsis_units, ellipsis);
            }
            (size, lines, true)
        });
        let line_height = (size * self.line_height).round();
        let y = (top + size * 0.8).round();
        let lines: Vec<String> = lines.into_iter().map(|r| r.text(&text)).collect();
        Block {
            last_y: y + line_height * lines.len().saturating_sub(1) as f32,
            lines,
            size,
            line_height,
            y,
            x: MARGIN,
            weight: if self.bold { "bold" } else { "normal" },
            ellipsized,
        }
    }
}

/// A line as a byte range of the text, plus an optional ellipsis.
#[derive(Debug, Clone)]
pub(super) struct LineRange {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) ellipsis: Option<&'static str>,
}

impl LineRange {
    pub(super) fn text(&self, text: &str) -> String {
        let mut s = text[self.start..self.end].trim_end().to_string();
        if let Some(e) = self.ellipsis {
            s.push_str(e);
        }
        s
    }
}

pub(super) fn width_of(adv: &[f32], start: usize, end: usize) -> f32 {
    adv[start..end].iter().sum()
}

/// Greedy wrapping at spaces; a word wider than the line is broken between glyphs.
pub(super) fn wrap(text: &str, adv: &[f32], width: f32) -> Vec<LineRange> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut end = 0; // end of the last word that fits on the current line
    let mut pos = 0;
    let bytes = text.as_bytes();
    while pos < text.len() {
        // The next word: [word_start, word_end).
        let word_start = pos;
        let mut word_end = pos;
        while word_end < text.len() && bytes[word_end] != b' ' {
            word_end += 1;
        }
        let next = (word_end + 1).min(text.len());
        if width_of(adv, start, word_end) <= width {
            end = word_end;
        } else if end > start {
            // The word goes to a new line.
            lines.push(LineRange {
                start,
                end,
                ellipsis: None,
            });
            start = word_start;
            end = word_start;
            continue;
        } else {
            // A single word wider than the line: break it between characters.
            let mut cut = start;
            for (i, c) in text[start..word_end].char_indices() {
                let after = start + i + c.len_utf8();
                if width_of(adv, start, after) > width && cut > start {
                    break;
                }
                cut = after;
            }
            lines.push(LineRange {
                start,
                end: cut,
                ellipsis: None,
            });
            start = cut;
            end = cut;
            pos = cut;
            continue;
        }
        pos = next;
    }
    if end > start {
        lines.push(LineRange {
            start,
            end,
            ellipsis: None,
        });
    }
    lines
}

/// Shortens `line` until it and the ellipsis fit in `width`: whole words first, then
/// characters; trailing spaces and punctuation go before the ellipsis.
pub(super) fn ellipsize(
    text: &str,
    adv: &[f32],
    line: LineRange,
    width: f32,
    ellipsis: &'static str,
) -> LineRange {
    let start = line.start;
    let mut end = text.len().min(line.end.max(start));
    // Prefer the longest run of whole words that fits.
    let fits = |e: usize| width_of(adv, start, e) <= width;
    if !fits(end) {
        let mut best = None;
        for (i, c) in text[start..end].char_indices() {
            if c == ' ' && fits(start + i) {
                best = Some(start + i);
            }
        }
        end = match best {
            Some(e) => e,
            None => {
                let mut cut = start;
                for (i, c) in text[start..end].char_indices() {
                    let after = start + i + c.len_utf8();
                    if !fits(after) {
                        break;
                    }
                    cut = after;
                }
                cut
            }
        };
    }
    while let Some(c) = text[start..end].chars().next_back() {
        if c == ' ' || matches!(c, ',' | ';' | ':' | '.' | '-' | '–' | '—') {
            end -= c.len_utf8();
        } else {
            break;
        }
    }
    LineRange {
        start,
        end,
        ellipsis: Some(ellipsis),
    }
}

/// One line fitted at `size` into `width`, ellipsized when longer.
pub(super) fn one_line(
    text: &str,
    size: f32,
    width: f32,
    bold: bool,
    x: f32,
    y: f32,
) -> Option<Line> {
    let block = Fit {
        width,
        sizes: &[size],
        max_lines: 1,
        line_height: 1.2,
        bold,
    }
    .layout(text, 0.0);
    let text = block.lines.into_iter().next()?;
    Some(Line { text, size, x, y })
}

/// A description under a title: as many lines as fit above the footer.
pub(super) fn text_below(text: Option<&str>, top: f32, sizes: &[f32]) -> Option<Block> {
    let text = text?.trim();
    let size = sizes[0];
    let line_height = (size * 1.3).round();
    let room = BLOCK_BOTTOM - top - size;
    if text.is_empty() || room < 0.0 {
        return None;
    }
    let lines = ((room / line_height).floor() as usize + 1).min(3);
    let block = Fit {
        width: COLUMN,
        sizes,
        max_lines: lines,
        line_height: 1.3,
        bold: false,
    }
    .layout(text, top);
    (!block.lines.is_empty()).then_some(block)
}
