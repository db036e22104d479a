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
use std::path::Path;
use std::str::FromStr as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::config::{CardConfig, Config, CONFIG_FILE};
use crate::content::{Content, Page, PageKind};
use crate::error::{Error, Errors};
use crate::files::{Source, StaticFile};
use crate::outputs::{card_out, CardOf, CARD_FILE};
use crate::site::Site;
use crate::social::ImageView;
use crate::templates::{to_value, Strings, Theme};

mod raster;
mod text;

pub use raster::*;
pub use text::font_covers;
use text::*;

/// Card width in pixels (the 1.91:1 size Facebook, LinkedIn and X show large).
pub const WIDTH: u32 = 1200;
/// Card height in pixels.
pub const HEIGHT: u32 = 630;
/// The template that lays a card out.
pub const TEMPLATE: &str = "card.svg";
/// The bundled font's family name, for `font-family` in card templates.
pub const FONT_FAMILY: &str = "Lato";

const FONT_BOLD: &[u8] = include_bytes!("../../fonts/Lato-Bold.ttf");
const FONT_REGULAR: &[u8] = include_bytes!("../../fonts/Lato-Regular.ttf");
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

fn image_view(config: &Config, page_path: &str, alt: String) -> ImageView {
    let path = format!("{page_path}{CARD_FILE}");
    ImageView {
        url: config.base_url.absolute(&path),
        src: config.base_url.url(&path),
        width: Some(WIDTH),
        height: Some(HEIGHT),
        mime: Some("image/png"),
        alt: Some(alt),
        generated: true,
        bytes: None,
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
    let mut h = crate::hash::hasher();
    bytes.hash(&mut h);
    Ok(Logo {
        bytes: Arc::new(bytes),
        kind,
        hash: h.finish(),
    })
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
        let mut h = crate::hash::hasher();
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
            let mut h = crate::hash::hasher();
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
        let mut h = crate::hash::hasher();
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
