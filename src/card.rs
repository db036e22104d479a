//! Generated share cards: a 1200x630 PNG for every guide, thesis, section list and the
//! home page that has no `image:` of its own, used as its og:image and twitter:image.
//!
//! A card is the theme's `card.svg` template (minijinja, overridable like any template)
//! rendered with data laid out here, then rasterised by resvg with the bundled Lato
//! font only: no system fonts, so a card is the same on every machine. SVG cannot wrap
//! text, so titles are measured here (shaped with harfrust, as resvg shapes them),
//! wrapped onto at most three lines, shrunk and finally ellipsized at a word or glyph
//! boundary, never clipped.
//!
//! Drawing is the slow part (milliseconds, where a page renders in microseconds), so a
//! card is drawn only when what it shows changes. Each PNG carries two keys in a
//! `tEXt` chunk: a cheap hash of what the card is made from (title, number, section,
//! config, templates, strings, theme, logo) and the hash of the finished SVG (with the
//! font and renderer). A build links the card already at the same place in the output
//! it replaces when the first key matches; otherwise it makes the SVG and still keeps
//! the old pixels when the second matches. So the output folder is the cache, nothing
//! is written beside it, and a title edit redraws exactly one card.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use harfrust::{Direction, FontRef, ShapePlan, ShaperData, UnicodeBuffer};
use read_fonts::TableProvider;
use resvg::{tiny_skia, usvg};
use serde::Serialize;

use crate::config::{CardConfig, Config, CONFIG_FILE};
use crate::content::{Content, Page, PageKind};
use crate::error::{Error, Errors};
use crate::site::{Site, Source, StaticFile};
use crate::social::ImageView;
use crate::templates::{to_value, Strings, Theme};

/// Card width in pixels (the 1.91:1 size Facebook, LinkedIn and X show large).
pub const WIDTH: u32 = 1200;
/// Card height in pixels.
pub const HEIGHT: u32 = 630;
/// The card's file name inside its page's folder.
pub const FILE_NAME: &str = "card.png";
/// The template that lays a card out.
pub const TEMPLATE: &str = "card.svg";
/// The bundled font's family name, for `font-family` in card templates.
pub const FONT_FAMILY: &str = "Lato";

const FONT_BOLD: &[u8] = include_bytes!("../fonts/Lato-Bold.ttf");
const FONT_REGULAR: &[u8] = include_bytes!("../fonts/Lato-Regular.ttf");
/// Changes whenever the pixels for the same SVG could change: bump it with resvg or
/// with the PNG settings, so cards of older builds are not reused.
const RENDERER: &str = "resvg 0.49, png palette fast, v1";
/// fdeflate: with a palette (one byte a pixel) a card compresses in well under a
/// millisecond to about 25 KB; zlib's levels take several times longer.
const COMPRESSION: png::Compression = png::Compression::Fast;

/// Horizontal margin of the default layout.
const MARGIN: f32 = 96.0;
/// Width of the text column.
const COLUMN: f32 = WIDTH as f32 - 2.0 * MARGIN;
/// Nothing of the title block may reach below this (the footer starts there).
const BLOCK_BOTTOM: f32 = 480.0;
/// Baseline of the footer line.
const FOOTER_Y: f32 = 560.0;
/// The box a logo is fitted into, bottom right.
const LOGO_W: f32 = 240.0;
const LOGO_H: f32 = 80.0;
/// Kept free around measured text, for kerning at line ends.
const SLACK: f32 = 2.0;

/// Whose card it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CardOf {
    /// A guide or thesis, by page index.
    Page(usize),
    /// A section list (its first page) or, for 0, the home page.
    Section(usize),
}

/// Card settings resolved once per site load: which pages get a card, the colours
/// and the logo.
#[derive(Debug, Default)]
pub struct Cards {
    /// Per page: its share image is its generated card.
    pub pages: Vec<bool>,
    /// Per section: its share image is its generated card.
    pub sections: Vec<bool>,
    colors: Colors,
    logo: Option<Logo>,
    /// The site title as every card's footer, laid out once.
    footer: OnceLock<Option<Line>>,
    /// Per section: its title as the kicker of its guides' cards, laid out once.
    kickers: OnceLock<Vec<Option<Line>>>,
    /// The part of every card's input key that is the same for all cards.
    globals: OnceLock<u64>,
    drawn: AtomicUsize,
}

/// Card colours, as CSS colour strings.
#[derive(Debug, Clone, Default, Serialize, Hash)]
pub struct Colors {
    /// Background.
    pub background: String,
    /// Text.
    pub foreground: String,
    /// The thesis number, the kicker and the side bar.
    pub accent: String,
    /// The short rule above the footer.
    pub highlight: String,
}

#[derive(Debug)]
struct Logo {
    bytes: Arc<Vec<u8>>,
    kind: LogoKind,
    hash: u64,
}

#[derive(Debug, Clone, Copy)]
enum LogoKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
}

/// The name card templates use for the logo image (`<image href="{{ card.logo.href }}">`).
const LOGO_HREF: &str = "piazza-card-logo";

impl Cards {
    /// Decides which pages get a card and turns their share image into it; reads
    /// `social.card`. Pages with their own `image:` keep it; standalone pages, tags
    /// and the 404 page keep the `social.image` fallback.
    #[allow(clippy::too_many_arguments)]
    pub fn resolve(
        config: &Config,
        theme: &Theme,
        strings: &Strings,
        content: &Content,
        files: &HashMap<&str, &StaticFile>,
        page_images: &mut [Option<ImageView>],
        section_images: &mut [Option<ImageView>],
        warnings: &mut Vec<Error>,
        errors: &mut Errors,
    ) -> Cards {
        let settings = &config.social.card;
        let mut cards = Cards {
            pages: vec![false; content.pages.len()],
            sections: vec![false; content.sections.len()],
            colors: colors(settings, theme, errors),
            logo: None,
            footer: OnceLock::new(),
            kickers: OnceLock::new(),
            globals: OnceLock::new(),
            drawn: AtomicUsize::new(0),
        };
        if !settings.enabled {
            return cards;
        }
        if let Some(spec) = &settings.logo {
            match load_logo(spec, files) {
                Ok(logo) => cards.logo = Some(logo),
                Err(m) => errors.push(config.error_at(&["social", "card", "logo"], m).hint(
                    "social.card.logo is a path under static/, e.g. /images/logo.svg (SVG, PNG, JPEG, WebP or GIF)",
                )),
            }
        }
        let mut take = |path: &str, shown: &Path| -> bool {
            let out = card_out(path);
            match files.get(out.as_str()) {
                Some(f) => {
                    warnings.push(
                        Error::in_file(
                            shown,
                            format!(
                                "no share card is generated for this page: {} already publishes /{out}",
                                f.shown.display()
                            ),
                        )
                        .hint("rename that file, or give the page its own `image:`"),
                    );
                    false
                }
                None => true,
            }
        };
        for (i, p) in content.pages.iter().enumerate() {
            if p.image.is_none() && p.kind != PageKind::Page && take(&p.path, &p.shown) {
                cards.pages[i] = true;
                page_images[i] = Some(page_card_image(config, strings, p));
            }
        }
        for (si, s) in content.sections.iter().enumerate() {
            if s.image.is_none() && take(&s.path, &s.shown) {
                cards.sections[si] = true;
                let alt = if si == 0 {
                    match &config.description {
                        Some(d) => format!("{} — {d}", config.title),
                        None => config.title.clone(),
                    }
                } else {
                    page_alt(strings, &s.title, &config.title)
                };
                section_images[si] = Some(image_view(config, &s.path, alt));
            }
        }
        cards
    }

    /// How many cards were drawn (not reused) since the site was loaded.
    pub fn drawn(&self) -> usize {
        self.drawn.load(Ordering::Relaxed)
    }

    fn footer_width(&self) -> f32 {
        if self.logo.is_some() {
            COLUMN - LOGO_W - 32.0
        } else {
            COLUMN
        }
    }
}

/// The share image of a page whose image is its generated card.
pub fn page_card_image(config: &Config, strings: &Strings, p: &Page) -> ImageView {
    let alt = match p.number.filter(|_| p.kind == PageKind::Thesis) {
        Some(n) => strings
            .get(
                "card_alt_thesis",
                &[
                    ("thesis", strings.text("thesis")),
                    ("number", n.to_string()),
                    ("title", p.title.clone()),
                    ("site", config.title.clone()),
                ],
            )
            .unwrap_or_else(|| {
                format!(
                    "{} {n}: {} — {}",
                    strings.text("thesis"),
                    p.title,
                    config.title
                )
            }),
        None => page_alt(strings, &p.title, &config.title),
    };
    image_view(config, &p.path, alt)
}

fn page_alt(strings: &Strings, title: &str, site: &str) -> String {
    strings
        .get(
            "card_alt",
            &[("title", title.to_string()), ("site", site.to_string())],
        )
        .unwrap_or_else(|| format!("{title} — {site}"))
}

/// `/guides/x/` -> `guides/x/card.png`.
pub fn card_out(path: &str) -> String {
    format!("{}{FILE_NAME}", &path[1..])
}

fn image_view(config: &Config, page_path: &str, alt: String) -> ImageView {
    let path = format!("{page_path}{FILE_NAME}");
    ImageView {
        url: config.base_url.absolute(&path),
        src: config.base_url.url(&path),
        width: Some(WIDTH),
        height: Some(HEIGHT),
        mime: Some("image/png"),
        alt: Some(alt),
        generated: true,
    }
}

/// `social.card` colours, else the theme's, else neutral defaults; each checked.
fn colors(settings: &CardConfig, theme: &Theme, errors: &mut Errors) -> Colors {
    let theme_colors = &theme.meta.colors;
    let mut pick = |key: &str, own: &Option<String>, default: &str| -> String {
        if let Some(c) = own {
            if svgtypes::Color::from_str(c.trim()).is_ok() {
                return c.trim().to_string();
            }
            errors.push(
                Error::in_file(
                    CONFIG_FILE,
                    format!("social.card.{key}: `{c}` is not a colour"),
                )
                .hint("write a CSS colour such as \"#1f3a5f\" or \"navy\""),
            );
        }
        match theme_colors.get(key) {
            Some(c) if svgtypes::Color::from_str(c.trim()).is_ok() => c.trim().to_string(),
            _ => default.to_string(),
        }
    };
    let background = pick("background", &settings.background, "#ffffff");
    let foreground = pick("foreground", &settings.foreground, "#1b1b1b");
    let accent = pick("accent", &settings.accent, &foreground.clone());
    let highlight = pick("highlight", &settings.highlight, &accent.clone());
    Colors {
        background,
        foreground,
        accent,
        highlight,
    }
}

fn load_logo(spec: &str, files: &HashMap<&str, &StaticFile>) -> Result<Logo, String> {
    let rel = spec.trim().trim_start_matches('/');
    let Some(file) = files.get(rel) else {
        return Err(format!(
            "social.card.logo: `{spec}` does not exist (looked for /{rel} in static/)"
        ));
    };
    let bytes = match &file.source {
        Source::File(p) => {
            std::fs::read(p).map_err(|e| format!("social.card.logo: cannot read {spec}: {e}"))?
        }
        Source::Bytes(b) => b.to_vec(),
    };
    let lower = rel.to_ascii_lowercase();
    let kind = match crate::image::info_from_bytes(&bytes).map(|i| i.mime) {
        Some("image/png") => LogoKind::Png,
        Some("image/jpeg") => LogoKind::Jpeg,
        Some("image/gif") => LogoKind::Gif,
        Some("image/webp") => LogoKind::Webp,
        _ if lower.ends_with(".svg") => LogoKind::Svg,
        _ => {
            return Err(format!(
                "social.card.logo: `{spec}` is not an SVG, PNG, JPEG, WebP or GIF image"
            ))
        }
    };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Ok(Logo {
        bytes: Arc::new(bytes),
        kind,
        hash: h.finish(),
    })
}

// ---------------------------------------------------------------------------------
// Fonts and text measurement

struct Face {
    font: FontRef<'static>,
    data: ShaperData,
    upem: f32,
    /// The shape plan for left-to-right Latin text, made once: planning costs more
    /// than shaping a title.
    latin: ShapePlan,
    /// The ellipsis this font draws, and its advance in font units.
    ellipsis: (&'static str, f32),
    /// One bit per character of the Basic Multilingual Plane that has a glyph
    /// (Lato has nothing beyond it): looking up the cmap per character costs more
    /// than shaping.
    covered: Vec<u64>,
}

impl Face {
    fn new(bytes: &'static [u8]) -> Face {
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
    fn advances(&self, text: &str) -> Vec<f32> {
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

struct Fonts {
    db: Arc<usvg::fontdb::Database>,
    bold: Face,
    regular: Face,
    hash: u64,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT_BOLD.to_vec());
        db.load_font_data(FONT_REGULAR.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        let mut h = std::collections::hash_map::DefaultHasher::new();
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
fn drawable(face: &Face, text: &str) -> String {
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
struct Fit<'a> {
    width: f32,
    sizes: &'a [f32],
    max_lines: usize,
    line_height: f32,
    bold: bool,
}

impl Fit<'_> {
    /// Lays `text` out with its first line's top at `top`.
    fn layout(&self, text: &str, top: f32) -> Block {
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
struct LineRange {
    start: usize,
    end: usize,
    ellipsis: Option<&'static str>,
}

impl LineRange {
    fn text(&self, text: &str) -> String {
        let mut s = text[self.start..self.end].trim_end().to_string();
        if let Some(e) = self.ellipsis {
            s.push_str(e);
        }
        s
    }
}

fn width_of(adv: &[f32], start: usize, end: usize) -> f32 {
    adv[start..end].iter().sum()
}

/// Greedy wrapping at spaces; a word wider than the line is broken between glyphs.
fn wrap(text: &str, adv: &[f32], width: f32) -> Vec<LineRange> {
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
fn ellipsize(
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

// ---------------------------------------------------------------------------------
// The card's data, as its template sees it

/// One line of text at a fixed size.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The text (cut with an ellipsis when it did not fit).
    pub text: String,
    /// Font size in pixels.
    pub size: f32,
    /// Left edge.
    pub x: f32,
    /// Baseline.
    pub y: f32,
}

/// The logo's box.
#[derive(Debug, Clone, Serialize)]
pub struct LogoView {
    /// The `href` that resolves to the logo.
    pub href: &'static str,
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Box width (the logo is fitted inside, keeping its shape).
    pub width: f32,
    /// Box height.
    pub height: f32,
}

/// Everything a card template gets, as `card`.
#[derive(Debug, Clone, Serialize)]
pub struct CardView {
    /// `guide`, `thesis`, `section` or `home`.
    pub kind: &'static str,
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Left margin of the text.
    pub margin: f32,
    /// The font family to use.
    pub font: &'static str,
    /// A small line above the title (a guide's section).
    pub kicker: Option<Line>,
    /// A thesis's label, drawn large: "Tesi 3".
    pub number: Option<Line>,
    /// The title (a thesis's text), wrapped.
    pub title: Block,
    /// A description under the title (home page and sections).
    pub text: Option<Block>,
    /// The line at the bottom: the site title.
    pub footer: Option<Line>,
    /// The site title.
    pub site: String,
    /// Colours.
    pub colors: Colors,
    /// The logo, when `social.card.logo` is set.
    pub logo: Option<LogoView>,
}

/// One line fitted at `size` into `width`, ellipsized when longer.
fn one_line(text: &str, size: f32, width: f32, bold: bool, x: f32, y: f32) -> Option<Line> {
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
fn text_below(text: Option<&str>, top: f32, sizes: &[f32]) -> Option<Block> {
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

impl Site {
    /// Where a card is written, relative to the output folder.
    pub fn card_out(&self, of: CardOf) -> String {
        card_out(self.card_page_path(of))
    }

    fn card_page_path(&self, of: CardOf) -> &str {
        match of {
            CardOf::Page(i) => &self.content.pages[i].path,
            CardOf::Section(s) => &self.content.sections[s].path,
        }
    }

    /// The source file whose front matter a card shows (for errors and `check`).
    pub fn card_source(&self, of: CardOf) -> &Path {
        match of {
            CardOf::Page(i) => &self.content.pages[i].shown,
            CardOf::Section(s) => &self.content.sections[s].shown,
        }
    }

    /// What a card shows, laid out.
    pub fn card_view(&self, of: CardOf) -> CardView {
        let c = &self.content;
        let site = self.config.title.as_str();
        let footer_width = self.cards.footer_width();
        let footer = || {
            self.cards
                .footer
                .get_or_init(|| one_line(site, 32.0, footer_width, false, MARGIN, FOOTER_Y))
                .clone()
        };
        let (kind, kicker, number, title, text, footer) = match of {
            CardOf::Page(i) => {
                let p = &c.pages[i];
                // A title the font cannot draw at all (only emoji) shows the site title.
                let (title_text, footer) = if drawable(&fonts().bold, &p.title).is_empty() {
                    (site, None)
                } else {
                    (p.title.as_str(), footer())
                };
                match (p.kind, p.number) {
                    (PageKind::Thesis, Some(n)) => {
                        let label = format!("{} {n}", self.strings.text("thesis"));
                        let number = one_line(&label, 112.0, COLUMN, true, MARGIN, 190.0);
                        let title = Fit {
                            width: COLUMN,
                            sizes: &[60.0, 54.0, 48.0, 42.0],
                            max_lines: 3,
                            line_height: 1.2,
                            bold: true,
                        }
                        .layout(title_text, 236.0);
                        ("thesis", None, number, title, None, footer)
                    }
                    _ => {
                        let kickers = self.cards.kickers.get_or_init(|| {
                            c.sections
                                .iter()
                                .enumerate()
                                .map(|(i, s)| {
                                    (i != 0)
                                        .then(|| {
                                            one_line(&s.title, 30.0, COLUMN, true, MARGIN, 128.0)
                                        })
                                        .flatten()
                                })
                                .collect()
                        });
                        let kicker = kickers.get(p.section).cloned().flatten();
                        let title = Fit {
                            width: COLUMN,
                            sizes: &[84.0, 76.0, 68.0, 60.0, 52.0],
                            max_lines: 3,
                            line_height: 1.16,
                            bold: true,
                        }
                        .layout(title_text, 172.0);
                        ("guide", kicker, None, title, None, footer)
                    }
                }
            }
            CardOf::Section(si) => {
                let s = &c.sections[si];
                let is_home = si == 0;
                let (title_text, description) = if is_home {
                    (site, self.config.description.as_deref())
                } else {
                    (s.title.as_str(), s.description.as_deref())
                };
                let title = Fit {
                    width: COLUMN,
                    sizes: if is_home {
                        &[104.0, 92.0, 80.0, 68.0]
                    } else {
                        &[96.0, 84.0, 72.0, 60.0]
                    },
                    max_lines: 2,
                    line_height: 1.12,
                    bold: true,
                }
                .layout(title_text, 150.0);
                let top = title.last_y + title.size * 0.25 + 40.0;
                let text = text_below(description, top, &[38.0, 34.0, 30.0]);
                if is_home {
                    // The home card names the site in its title; the footer says where it is.
                    let b = &self.config.base_url;
                    let host = format!("{}{}", b.origin, b.prefix);
                    let host = host.split_once("://").map_or(host.as_str(), |(_, h)| h);
                    let footer = one_line(host, 32.0, footer_width, false, MARGIN, FOOTER_Y);
                    ("home", None, None, title, text, footer)
                } else {
                    ("section", None, None, title, text, footer())
                }
            }
        };
        CardView {
            kind,
            width: WIDTH,
            height: HEIGHT,
            margin: MARGIN,
            font: FONT_FAMILY,
            kicker,
            number,
            title,
            text,
            footer,
            site: site.to_string(),
            colors: self.cards.colors.clone(),
            logo: self.cards.logo.as_ref().map(|_| LogoView {
                href: LOGO_HREF,
                x: WIDTH as f32 - MARGIN - LOGO_W,
                y: FOOTER_Y - LOGO_H + 20.0,
                width: LOGO_W,
                height: LOGO_H,
            }),
        }
    }

    /// Whether a card's title had to be cut with an ellipsis.
    pub fn card_ellipsized(&self, of: CardOf) -> bool {
        self.card_view(of).title.ellipsized
    }

    /// The card's SVG: its template rendered with [`Site::card_view`].
    pub fn card_svg(&self, of: CardOf) -> Result<String, Error> {
        let view = self.card_view(of);
        self.templates
            .render(TEMPLATE, minijinja::context! { card => to_value(&view) })
    }

    /// The key of a drawn card: what it shows (its SVG), the font, the renderer and the
    /// logo. Equal keys mean equal pixels.
    pub fn card_key(&self, svg: &str) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (fonts().hash, svg, self.cards.logo.as_ref().map(|l| l.hash)).hash(&mut h);
        h.finish()
    }

    /// A cheap key of everything a card is made from (its page's title, number, section,
    /// description; the site's config, templates, strings, theme and logo), computed
    /// without laying out or templating anything. When it matches, the card is reused
    /// at once; when it does not, the SVG is made and compared by [`Site::card_key`], so
    /// an edit the card does not show still draws nothing.
    pub fn card_input_key(&self, of: CardOf) -> u64 {
        let globals = *self.cards.globals.get_or_init(|| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (
                RENDERER,
                env!("CARGO_PKG_VERSION"),
                FONT_BOLD.len(),
                FONT_REGULAR.len(),
                self.templates.hash_of(TEMPLATE),
                self.strings.fingerprint(),
                format!("{:?}{:?}{:?}", self.config, self.theme.meta, self.site_view),
                self.cards.logo.as_ref().map(|l| l.hash),
            )
                .hash(&mut h);
            h.finish()
        });
        // Not the page's index: adding a page renumbers the others.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        globals.hash(&mut h);
        let c = &self.content;
        match of {
            CardOf::Page(i) => {
                let p = &c.pages[i];
                let section = &c.sections[p.section];
                (p.kind, &p.title, p.number, p.section == 0, &section.title).hash(&mut h);
            }
            CardOf::Section(si) => {
                let s = &c.sections[si];
                (si == 0, &s.title, &s.description).hash(&mut h);
            }
        }
        h.finish()
    }

    /// The fingerprint of a card for watch mode: its input key, so only an edit of
    /// what it is made from re-renders it (and only a change in its SVG redraws it).
    pub fn card_fingerprint(&self, of: CardOf) -> u64 {
        self.card_input_key(of)
    }

    /// A card as PNG bytes (watch mode): the file at `previous` when it is this very
    /// card, else made as by [`Site::card_file`], so the bytes always equal a full
    /// build's.
    pub fn card_png(&self, of: CardOf, previous: Option<&Path>) -> Result<Vec<u8>, Error> {
        match self.card_file(of, previous)? {
            CardFile::Reuse(path) => match std::fs::read(&path) {
                Ok(b) => Ok(b),
                Err(_) => self.card_png(of, None),
            },
            CardFile::Drawn(b) => Ok(b),
        }
    }

    /// A card: `previous` (the card at the same place in the output being replaced)
    /// when its keys say it shows the same thing, else a newly drawn PNG.
    pub fn card_file(&self, of: CardOf, previous: Option<&Path>) -> Result<CardFile, Error> {
        let input = self.card_input_key(of);
        let old = previous.and_then(|p| read_keys(p).map(|k| (p, k)));
        if let Some((path, keys)) = old {
            if keys.input == input {
                return Ok(CardFile::Reuse(path.to_path_buf()));
            }
        }
        let svg = self.card_svg(of)?;
        let key = self.card_key(&svg);
        if let Some((path, keys)) = old {
            if keys.svg == key {
                // The same pixels: keep them, with the new input key.
                if let Some(png) = std::fs::read(path).ok().and_then(|b| rekey(&b, key, input)) {
                    return Ok(CardFile::Drawn(png));
                }
            }
        }
        let png = draw(
            svg.as_str(),
            self.cards.logo.as_ref(),
            Keys { svg: key, input },
        )
        .map_err(|m| {
            Error::in_file(
                self.card_source(of),
                format!(
                    "the share card /{} could not be drawn: {m}",
                    self.card_out(of)
                ),
            )
            .hint("the card template (card.svg) must produce valid SVG")
        })?;
        self.cards.drawn.fetch_add(1, Ordering::Relaxed);
        Ok(CardFile::Drawn(png))
    }
}

/// A card's bytes: the previous output's file, or new bytes.
#[derive(Debug)]
pub enum CardFile {
    /// The card already in the output being replaced is this very card.
    Reuse(PathBuf),
    /// A PNG just drawn (or the previous one with a new input key).
    Drawn(Vec<u8>),
}

/// The `tEXt` keyword that carries a card's keys inside its PNG.
const KEY_CHUNK: &str = "piazza-card";

/// The two keys a card PNG carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    /// [`Site::card_key`]: what the card shows.
    pub svg: u64,
    /// [`Site::card_input_key`]: what it was made from.
    pub input: u64,
}

impl Keys {
    fn text(self) -> String {
        format!("{:016x} {:016x}", self.svg, self.input)
    }
}

/// The keys stored in a card PNG by [`draw`], read from the chunks before the pixels.
pub fn read_keys(path: &Path) -> Option<Keys> {
    use std::io::Read as _;
    // Signature, IHDR, a palette of up to 256 colours, then the keys.
    let mut head = [0u8; 1024];
    let mut file = std::fs::File::open(path).ok()?;
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    keys_in(&head[..n]).map(|(k, _)| k)
}

/// The keys in a PNG and the byte range of their chunk.
fn keys_in(png: &[u8]) -> Option<(Keys, std::ops::Range<usize>)> {
    let mut at = 8;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().ok()?) as usize;
        let kind = &png[at + 4..at + 8];
        let body = png.get(at + 8..at + 8 + len)?;
        if kind == b"IDAT" {
            return None;
        }
        if kind == b"tEXt" {
            let text = std::str::from_utf8(body).ok()?;
            if let Some(hex) = text
                .strip_prefix(KEY_CHUNK)
                .and_then(|t| t.strip_prefix('\0'))
            {
                let (svg, input) = hex.split_once(' ')?;
                let keys = Keys {
                    svg: u64::from_str_radix(svg, 16).ok()?,
                    input: u64::from_str_radix(input, 16).ok()?,
                };
                return Some((keys, at..at + 12 + len));
            }
        }
        at += 12 + len;
    }
    None
}

/// The PNG with its keys' chunk replaced (same length, new CRC).
fn rekey(png: &[u8], svg: u64, input: u64) -> Option<Vec<u8>> {
    let (_, range) = keys_in(png)?;
    let text = format!("{KEY_CHUNK}\0{}", Keys { svg, input }.text());
    if range.len() != text.len() + 12 {
        return None;
    }
    let mut out = png.to_vec();
    out[range.start + 8..range.end - 4].copy_from_slice(text.as_bytes());
    let crc = crc32fast::hash(&out[range.start + 4..range.end - 4]);
    out[range.end - 4..range.end].copy_from_slice(&crc.to_be_bytes());
    Some(out)
}

/// Rasterises a card's SVG with the bundled fonts and encodes it as PNG.
fn draw(svg: &str, logo: Option<&Logo>, keys: Keys) -> Result<Vec<u8>, String> {
    let f = fonts();
    let logo = logo.map(|l| (l.kind, l.bytes.clone()));
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: f.db.clone(),
        languages: vec!["it".into(), "en".into()],
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            // Only the logo: a template cannot read files from the disk.
            resolve_string: Box::new(move |href: &str, opts: &usvg::Options| {
                let (kind, bytes) = logo.as_ref().filter(|_| href == LOGO_HREF)?;
                Some(match kind {
                    LogoKind::Png => usvg::ImageKind::PNG(bytes.clone()),
                    LogoKind::Jpeg => usvg::ImageKind::JPEG(bytes.clone()),
                    LogoKind::Gif => usvg::ImageKind::GIF(bytes.clone()),
                    LogoKind::Webp => usvg::ImageKind::WEBP(bytes.clone()),
                    LogoKind::Svg => usvg::ImageKind::SVG(usvg::Tree::from_data(bytes, opts).ok()?),
                })
            }),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let mut pixmap =
        tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or_else(|| "cannot allocate".to_string())?;
    let size = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        WIDTH as f32 / size.width(),
        HEIGHT as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    encode(&pixmap, keys).map_err(|e| e.to_string())
}

/// PNG of the pixmap. Cards are flat colours with anti-aliased text: a few dozen
/// distinct colours, so a palette (one byte a pixel) is exact, and several times
/// smaller and faster to compress than RGB. A card with more than 256 colours (a
/// photographic logo) is stored as RGB, or RGBA when not opaque.
fn encode(pixmap: &tiny_skia::Pixmap, keys: Keys) -> Result<Vec<u8>, png::EncodingError> {
    let rgba = pixmap.data();
    let palette = to_palette(rgba);
    let opaque = palette.is_some() || rgba.chunks_exact(4).all(|p| p[3] == 255);
    let (color, data, plte) = match palette {
        Some((plte, indices)) => (png::ColorType::Indexed, indices, Some(plte)),
        None if opaque => {
            // Premultiplied and straight colour are the same when opaque.
            let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
            for p in rgba.chunks_exact(4) {
                rgb.extend_from_slice(&p[..3]);
            }
            (png::ColorType::Rgb, rgb, None)
        }
        None => {
            let mut straight = Vec::with_capacity(rgba.len());
            for p in pixmap.pixels() {
                let c = p.demultiply();
                straight.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
            }
            (png::ColorType::Rgba, straight, None)
        }
    };
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        if let Some(plte) = plte {
            encoder.set_palette(plte);
        }
        encoder.set_compression(COMPRESSION);
        encoder.add_text_chunk(KEY_CHUNK.into(), keys.text())?;
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&data)?;
    }
    Ok(out)
}

/// The palette (RGB triples) and one index a pixel, or `None` past 256 colours or
/// when a pixel is not opaque.
fn to_palette(rgba: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut map: HashMap<u32, u8> = HashMap::new();
    let mut plte = Vec::new();
    let mut indices = Vec::with_capacity(rgba.len() / 4);
    // Neighbouring pixels are mostly the same colour: look up only on a change.
    let mut last = u32::MAX;
    let mut index = 0u8;
    for p in rgba.chunks_exact(4) {
        let key = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        if key != last {
            if p[3] != 255 {
                return None;
            }
            index = match map.get(&key) {
                Some(&i) => i,
                None => {
                    let i = u8::try_from(map.len()).ok()?;
                    map.insert(key, i);
                    plte.extend_from_slice(&p[..3]);
                    i
                }
            };
            last = key;
        }
        indices.push(index);
    }
    Some((plte, indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(text: &str, sizes: &[f32], max_lines: usize) -> Block {
        Fit {
            width: COLUMN,
            sizes,
            max_lines,
            line_height: 1.2,
            bold: true,
        }
        .layout(text, 100.0)
    }

    fn measured(line: &str, size: f32) -> f32 {
        let f = fonts();
        let adv: f32 = f.bold.advances(line).iter().sum();
        adv * size / f.bold.upem
    }

    #[test]
    fn short_title_is_one_line_at_the_largest_size() {
        let b = fit("Perché ascoltare", &[80.0, 60.0], 3);
        assert_eq!(b.lines, vec!["Perché ascoltare"]);
        assert_eq!(b.size, 80.0);
        assert!(!b.ellipsized);
    }

    #[test]
    fn long_title_wraps_then_shrinks_then_ellipsizes() {
        let title = "Come scegliere i canali social giusti per una piccola impresa che vende in Italia e all’estero";
        let b = fit(title, &[84.0, 60.0, 52.0], 3);
        assert!(b.lines.len() <= 3 && !b.ellipsized);
        for l in &b.lines {
            assert!(measured(l, b.size) <= COLUMN, "{l} overflows");
        }
        let long = "parola ".repeat(60);
        let b = fit(&long, &[84.0, 52.0], 3);
        assert!(b.ellipsized);
        assert_eq!(b.lines.len(), 3);
        assert!(b.lines[2].ends_with('…'));
        for l in &b.lines {
            assert!(measured(l, b.size) <= COLUMN, "{l} overflows");
        }
    }

    #[test]
    fn a_word_wider_than_the_line_is_broken() {
        let b = fit(&"W".repeat(200), &[84.0], 3);
        assert_eq!(b.lines.len(), 3);
        assert!(b.ellipsized);
        for l in &b.lines {
            assert!(measured(l, 84.0) <= COLUMN);
        }
    }

    #[test]
    fn emoji_and_controls_are_dropped_not_boxed() {
        let b = fit("🚀🔥 Lancio\u{7} ✨", &[80.0], 3);
        assert_eq!(b.lines, vec!["Lancio"]);
        let b = fit("🚀🔥✨", &[80.0], 3);
        assert!(b.lines.is_empty());
    }

    #[test]
    fn keys_survive_a_rekey_with_a_valid_crc() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630"><rect width="1200" height="630" fill="#123456"/></svg>"##;
        let png = draw(svg, None, Keys { svg: 1, input: 2 }).unwrap();
        assert_eq!(keys_in(&png).unwrap().0, Keys { svg: 1, input: 2 });
        let again = rekey(&png, 1, 0xfeed).unwrap();
        assert_eq!(
            keys_in(&again).unwrap().0,
            Keys {
                svg: 1,
                input: 0xfeed
            }
        );
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&again));
        decoder.ignore_checksums(false);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
    }

    #[test]
    fn italian_text_has_glyphs() {
        assert!(font_covers("àèéìòùÀÈÉÌÒÙ’‘“”«»—–€…").is_empty());
    }
}
