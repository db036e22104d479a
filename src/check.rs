//! `piazza check`: what a share card of each page would show, and what falls short.
//!
//! The report is built from a loaded [`Site`] alone (nothing is rendered or written):
//! for every guide, thesis and standalone page, and for the home page and each section
//! list, it takes the title, description and image the page's `<head>` carries, and
//! lints them against what Facebook, LinkedIn and X show well. Each finding names the
//! file and the front matter line to change. The work is one pass over the pages plus
//! hash maps for the duplicates, so it stays linear in the size of the site.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::CONFIG_FILE;
use crate::content::PageKind;
use crate::outputs::CardOf;
use crate::site::Site;
use crate::social::ImageView;

mod format;
mod text;

use text::*;

/// Titles longer than this are cut by share cards and search results.
pub const TITLE_MAX: usize = 60;
/// Descriptions longer than this are cut.
pub const DESCRIPTION_MAX: usize = 160;
/// The smallest image shown as a large card (Facebook, LinkedIn, X summary_large_image).
pub const MIN_WIDTH: u32 = 1200;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u32 = 630;
/// The aspect ratio of a large share card.
pub const ASPECT: f64 = 1.91;
/// How far from [`ASPECT`] an image may be before it gets cropped noticeably.
pub const ASPECT_TOLERANCE: f64 = 0.05;
/// The largest image file X shows on a card (its docs: 5 MB).
pub const X_MAX_BYTES: u64 = 5_000_000;
/// The largest image file Facebook shows (its docs: 8 MB).
pub const FACEBOOK_MAX_BYTES: u64 = 8_000_000;

/// What a finding is about; its kebab-case name is stable, for tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// No `description:`, so the card shows a summary cut from the text.
    MissingDescription,
    /// Title over [`TITLE_MAX`] characters.
    TitleTooLong,
    /// Description over [`DESCRIPTION_MAX`] characters.
    DescriptionTooLong,
    /// No share image at all (neither the page's nor `social.image`).
    NoImage,
    /// Image smaller than [`MIN_WIDTH`]x[`MIN_HEIGHT`].
    ImageTooSmall,
    /// Image not 1.91:1 within 5%.
    ImageAspect,
    /// The image's size could not be read (remote URL, unknown format).
    ImageSizeUnknown,
    /// Image without alt text.
    MissingImageAlt,
    /// Another page has the same title.
    DuplicateTitle,
    /// Another page has the same description.
    DuplicateDescription,
    /// The generated share card could not fit the title and cut it with an ellipsis.
    CardTitleEllipsized,
    /// An invisible Unicode direction control in a title or description.
    DirectionControl,
    /// An image in the Markdown text without alt text.
    MarkdownImageAlt,
    /// The image file is over [`X_MAX_BYTES`] or [`FACEBOOK_MAX_BYTES`].
    ImageFileTooLarge,
    /// `base_url` is a stand-in (`example.org`, `localhost`), not the site's address.
    PlaceholderBaseUrl,
    /// No `social.twitter_site`, so X cards name no account.
    MissingTwitterSite,
    /// The JSON-LD publisher has no logo.
    MissingPublisherLogo,

    /// A raw HTML link or image in the text that points to nothing the site publishes.
    BrokenHtmlLink,
    /// A raw HTML root-relative link without the base URL's path (it leaves the site).
    HtmlLinkWithoutBasePath,
}

impl Code {
    /// The stable name: `title-too-long`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingDescription => "missing-description",
            Code::TitleTooLong => "title-too-long",
            Code::DescriptionTooLong => "description-too-long",
            Code::NoImage => "no-image",
            Code::ImageTooSmall => "image-too-small",
            Code::ImageAspect => "image-aspect",
            Code::ImageSizeUnknown => "image-size-unknown",
            Code::MissingImageAlt => "missing-image-alt",
            Code::DuplicateTitle => "duplicate-title",
            Code::DuplicateDescription => "duplicate-description",
            Code::CardTitleEllipsized => "card-title-ellipsized",
            Code::DirectionControl => "direction-control",
            Code::MarkdownImageAlt => "markdown-image-alt",
            Code::ImageFileTooLarge => "image-file-too-large",
            Code::PlaceholderBaseUrl => "placeholder-base-url",
            Code::MissingTwitterSite => "missing-twitter-site",
            Code::MissingPublisherLogo => "missing-publisher-logo",

            Code::BrokenHtmlLink => "broken-html-link",
            Code::HtmlLinkWithoutBasePath => "html-link-without-base-path",
        }
    }
}

/// One thing that falls short, with the file and line to change.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub code: Code,
    /// What is wrong and what to do.
    pub message: String,
    /// The file to change, relative to the site.
    pub file: String,
    /// The 1-based line in `file`, when there is one.
    pub line: Option<usize>,
}

/// The image a card shows.
#[derive(Debug, Clone, Serialize)]
pub struct CardImage {
    /// Absolute URL (og:image).
    pub url: String,
    /// Width in pixels, when it could be read.
    pub width: Option<u32>,
    /// Height in pixels, when it could be read.
    pub height: Option<u32>,
    /// Alt text.
    pub alt: Option<String>,
    /// MIME type.
    #[serde(rename = "type")]
    pub mime: Option<&'static str>,
    /// `page` for the page's own image, `card` for the generated share card, `site`
    /// for the fallback `social.image`.
    pub source: &'static str,
}

/// What one page's share card shows, and its findings.
#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    /// Absolute URL (canonical, og:url).
    pub url: String,
    /// The page's source file (`content/guides/x.md`), or folder for a section without `_index.md`.
    pub file: String,
    /// `guide`, `thesis`, `page`, `home` or `section`.
    pub kind: &'static str,
    /// og:title.
    pub title: String,
    /// og:description.
    pub description: String,
    /// Where the description comes from.
    pub description_source: DescriptionSource,
    /// og:image.
    pub image: Option<CardImage>,
    /// What falls short.
    pub findings: Vec<Finding>,
    /// Where the title is written (file, line), for duplicate findings.
    #[serde(skip)]
    pub title_at: (String, Option<usize>),
    /// Where the description is written (file, line), for duplicate findings.
    #[serde(skip)]
    pub description_at: (String, Option<usize>),
}

/// The whole report: one entry per page, plus the findings about the site-wide image.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Pages and lists, by file.
    pub pages: Vec<PageReport>,
    /// Findings about `config.yaml` (the fallback share image), reported once.
    pub site: Vec<Finding>,
    /// Pages dated after the build's "now", oldest first: not findings, a schedule.
    pub scheduled: Vec<Scheduled>,
}

/// A page that is built only from its date on (or now, with `--future`).
#[derive(Debug, Clone, Serialize)]
pub struct Scheduled {
    /// The source file.
    pub file: String,
    /// The line of its `date:`.
    pub line: usize,
    /// The date as written (`2026-07-01` or RFC 3339).
    pub date: String,
    /// Absolute URL it will have.
    pub url: String,
}

/// Lints the share cards of every page of a loaded site.
pub fn check(site: &Site) -> Report {
    let config = &site.config;
    let content = &site.content;
    let config_lines = ConfigLines::read(&config.root);
    let mut pages = Vec::with_capacity(content.pages.len() + content.sections.len());
    // The one part that reads files: in parallel, like a build.
    let mut page_alts: Vec<Vec<usize>> = content
        .pages
        .par_iter()
        .map(|p| images_without_alt(&p.source, &p.shown))
        .collect();
    let mut page_links: Vec<Vec<Finding>> = content
        .pages
        .par_iter()
        .map(|p| raw_links(site, &p.source, &p.shown, &p.path))
        .collect();

    for (i, p) in content.pages.iter().enumerate() {
        let file = shown(&p.shown);
        let title_at = (file.clone(), Some(p.line_of("title")));
        // A missing description is added next to the title.
        let description_key = if p.description.is_some() {
            "description"
        } else {
            "title"
        };
        let description_at = (file.clone(), Some(p.line_of(description_key)));
        let own_image = p.image.is_some().then(|| Some(p.line_of("image")));
        let (description, source) = match &p.description {
            Some(d) => (d.clone(), DescriptionSource::FrontMatter),
            None => (p.summary.clone(), DescriptionSource::Summary),
        };
        let missing = "there is no `description:`, so the card shows a summary cut from the text; write one of up to 160 characters";
        let mut page = report(Card {
            url: config.base_url.absolute(&p.path),
            file,
            kind: match p.kind {
                PageKind::Guide => "guide",
                PageKind::Thesis => "thesis",
                PageKind::Page => "page",
            },
            title: &p.title,
            title_at,
            description,
            source,
            description_at,
            missing_description: missing.to_string(),
            image: site.page_images[i].as_ref(),
            own_image,
            card: card_state(site, CardOf::Page(i)),
            images_without_alt: std::mem::take(&mut page_alts[i]),
        });
        page.findings.append(&mut page_links[i]);
        pages.push(page);
    }

    for (si, s) in content.sections.iter().enumerate() {
        let is_home = si == 0;
        let file = shown(&s.shown);
        let at = |key: &str| (file.clone(), s.has_index.then(|| s.line_of(key)));
        // The title: from _index.md, else the site title (home) or the folder name.
        let title_at = if is_home && !s.has_index {
            (CONFIG_FILE.to_string(), config_lines.get("title"))
        } else {
            at("title")
        };
        // The description, as the list's head picks it.
        let (description, source, description_at) = match (&s.description, &config.description) {
            (Some(d), _) => (d.clone(), DescriptionSource::FrontMatter, at("description")),
            (None, Some(d)) if is_home => (
                d.clone(),
                DescriptionSource::FrontMatter,
                (CONFIG_FILE.to_string(), config_lines.get("description")),
            ),
            (None, Some(d)) => (d.clone(), DescriptionSource::Config, at("title")),
            (None, None) if is_home => (
                s.title.clone(),
                DescriptionSource::Title,
                (CONFIG_FILE.to_string(), None),
            ),
            (None, None) => (s.title.clone(), DescriptionSource::Title, at("title")),
        };
        let missing = if is_home {
            "the home page has no description: add `description:` to config.yaml (or to content/_index.md)".to_string()
        } else if s.has_index {
            "there is no `description:`, so the list's card shows the site description; write one of up to 160 characters".to_string()
        } else {
            format!("the list has no description: add {file}/_index.md with `title:` and `description:`")
        };
        let mut section = report(Card {
            url: config.base_url.absolute(&s.path),
            file: file.clone(),
            kind: if is_home { "home" } else { "section" },
            title: &s.title,
            title_at,
            description,
            source,
            description_at,
            missing_description: missing,
            image: site.section_images[si].as_ref(),
            own_image: s.image.is_some().then(|| at("image").1),
            card: card_state(site, CardOf::Section(si)),
            images_without_alt: if s.has_index {
                images_without_alt(&config.root.join(&s.shown), &s.shown)
            } else {
                Vec::new()
            },
        });
        if s.has_index {
            let source = config.root.join(&s.shown);
            section
                .findings
                .extend(raw_links(site, &source, &s.shown, &s.path));
        }
        pages.push(section);
    }

    let mut site_findings = Vec::new();
    if let Some(img) = &site.default_image {
        lint_image(
            img,
            CONFIG_FILE,
            config_lines.get("social.image"),
            "`social.image_alt:`",
            &mut site_findings,
        );
    }
    lint_site(site, &config_lines, &mut site_findings);

    duplicates(
        &mut pages,
        |p| Some(p.title.trim()),
        |p| &p.title_at,
        Code::DuplicateTitle,
        "title",
    );
    duplicates(
        &mut pages,
        // Only descriptions that were written: a missing one is already a finding, and
        // lists without one all fall back to the site description.
        |p| (p.description_source == DescriptionSource::FrontMatter).then(|| p.description.trim()),
        |p| &p.description_at,
        Code::DuplicateDescription,
        "description",
    );

    pages.sort_by(|a, b| (&a.file, &a.url).cmp(&(&b.file, &b.url)));
    let scheduled = content
        .scheduled
        .iter()
        .map(|p| Scheduled {
            file: shown(&p.shown),
            line: p.line_of("date"),
            date: p.date.map(|d| d.to_string()).unwrap_or_default(),
            url: config.base_url.absolute(&p.path),
        })
        .collect();
    Report {
        pages,
        site: site_findings,
        scheduled,
    }
}

/// Where a card's description comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DescriptionSource {
    /// Written: `description:` in the front matter (or config.yaml for the home page).
    FrontMatter,
    /// A summary cut from the text.
    Summary,
    /// The site description, for a list without its own.
    Config,
    /// The title, when there is nothing else.
    Title,
}

impl DescriptionSource {
    fn as_str(self) -> &'static str {
        match self {
            DescriptionSource::FrontMatter => "front matter",
            DescriptionSource::Summary => "summary",
            DescriptionSource::Config => "site description",
            DescriptionSource::Title => "title",
        }
    }
}

/// What [`report`] needs to know about one page or list.
struct Card<'a> {
    url: String,
    file: String,
    kind: &'static str,
    title: &'a str,
    title_at: (String, Option<usize>),
    description: String,
    source: DescriptionSource,
    description_at: (String, Option<usize>),
    missing_description: String,
    image: Option<&'a ImageView>,
    /// `Some(line of image:)` when the image is the page's own, `None` for the fallback.
    own_image: Option<Option<usize>>,
    /// `Some(ellipsized)` when the image is the page's generated card.
    card: Option<bool>,
    /// Lines of the Markdown images without alt text, in `file`.
    images_without_alt: Vec<usize>,
}

/// Whether a page's image is its generated card, and if so whether the title was cut.
fn card_state(site: &Site, of: CardOf) -> Option<bool> {
    let has = match of {
        CardOf::Page(i) => site.cards.pages[i],
        CardOf::Section(s) => site.cards.sections[s],
    };
    has.then(|| site.card_ellipsized(of))
}

/// The findings of one card, except duplicates (which need every page).
fn report(c: Card<'_>) -> PageReport {
    let mut findings = Vec::new();
    if c.source != DescriptionSource::FrontMatter {
        findings.push(Finding {
            code: Code::MissingDescription,
            message: c.missing_description,
            file: c.description_at.0.clone(),
            line: c.description_at.1,
        });
    }
    let (file, line) = &c.title_at;
    lint_title(c.title, file, *line, &mut findings);
    lint_direction(c.title, "title", file, *line, &mut findings);
    if c.source == DescriptionSource::FrontMatter {
        let (file, line) = &c.description_at;
        lint_description(&c.description, file, *line, &mut findings);
        lint_direction(&c.description, "description", file, *line, &mut findings);
    }
    for line in c.images_without_alt {
        findings.push(Finding {
            code: Code::MarkdownImageAlt,
            message: "an image in the text has no alt text, so screen readers and readers without images get nothing: write what it shows between the brackets, ![like this](image.png)".into(),
            file: c.file.clone(),
            line: Some(line),
        });
    }
    match (c.image, c.own_image) {
        (Some(img), Some(line)) => lint_image(img, &c.file, line, "`image_alt:`", &mut findings),
        (None, _) => findings.push(no_image(&c.file, c.title_at.1)),
        // The fallback image is linted once, for config.yaml; a generated card is
        // 1200x630 with alt text by construction, but may have had to cut the title.
        (Some(_), None) => {
            if c.card == Some(true) {
                let (file, line) = &c.title_at;
                findings.push(Finding {
                    code: Code::CardTitleEllipsized,
                    message: "the title does not fit on the generated share card in three lines, so the card cuts it with …; shorten the title or give the page its own `image:`".into(),
                    file: file.clone(),
                    line: *line,
                });
            }
        }
    }
    PageReport {
        image: c.image.map(|img| {
            let mut image = card_image(img, c.own_image.is_some());
            if c.card.is_some() {
                image.source = "card";
            }
            image
        }),
        url: c.url,
        file: c.file,
        kind: c.kind,
        title: c.title.to_string(),
        description: c.description,
        description_source: c.source,
        findings,
        title_at: c.title_at,
        description_at: c.description_at,
    }
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// What a build says about a `base_url` that is a stand-in, not the site's address.
pub fn placeholder_base_url(config: &crate::config::Config) -> Option<String> {
    let host = config.base_url.placeholder_host()?;
    Some(format!(
        "base_url is {}, a placeholder, not a real address: canonical links, the feed, the sitemap and share previews all point to {host}, not to the site; set base_url to the address the site is published at",
        config.base_url.absolute("")
    ))
}

/// Findings about config.yaml beyond its share image: the base URL, the X handle and
/// the publisher logo. The last two have no line of their own, so they point at `social:`.
fn lint_site(site: &Site, lines: &ConfigLines, out: &mut Vec<Finding>) {
    let config = &site.config;
    let mut push = |code, message, line| {
        out.push(Finding {
            code,
            message,
            file: CONFIG_FILE.to_string(),
            line,
        })
    };
    if let Some(message) = placeholder_base_url(config) {
        push(Code::PlaceholderBaseUrl, message, lines.get("base_url"));
    }
    if config.social.twitter_site.is_none() {
        push(
            Code::MissingTwitterSite,
            "there is no `social.twitter_site`, so X cards name no account for the site: add its handle under `social:`, like `twitter_site: \"@name\"`".into(),
            lines.get("social"),
        );
    }
    if site.publisher_logo.is_none() {
        push(
            Code::MissingPublisherLogo,
            "the publisher in the pages' structured data (JSON-LD) has no logo, which search results show beside articles: add `social.publisher_logo: /images/logo.png`, a square image under static/ of at least 112x112".into(),
            lines.get("social"),
        );
    }
}

fn no_image(file: &str, line: Option<usize>) -> Finding {
    Finding {
        code: Code::NoImage,
        message: format!(
            "there is no share image, so cards are small and plain: add `image:` ({MIN_WIDTH}x{MIN_HEIGHT} or larger) or a site-wide `social.image` in config.yaml"
        ),
        file: file.to_string(),
        line,
    }
}

/// Size, shape and alt text of one image; `alt_key` names where alt text is written.
fn lint_image(
    img: &ImageView,
    file: &str,
    line: Option<usize>,
    alt_key: &str,
    out: &mut Vec<Finding>,
) {
    let mut push = |code, message| {
        out.push(Finding {
            code,
            message,
            file: file.to_string(),
            line,
        })
    };
    match (img.width, img.height) {
        (Some(w), Some(h)) => {
            if w < MIN_WIDTH || h < MIN_HEIGHT {
                push(
                    Code::ImageTooSmall,
                    format!(
                        "the image {} is {w}x{h}; large share cards need at least {MIN_WIDTH}x{MIN_HEIGHT}",
                        img.url
                    ),
                );
            }
            let ratio = if h == 0 { 0.0 } else { w as f64 / h as f64 };
            if (ratio / ASPECT - 1.0).abs() > ASPECT_TOLERANCE {
                push(
                    Code::ImageAspect,
                    format!(
                        "the image {} is {w}x{h} ({ratio:.2}:1); share cards crop images that are not about 1.91:1 (e.g. 1200x630)",
                        img.url
                    ),
                );
            }
        }
        _ => push(
            Code::ImageSizeUnknown,
            format!(
                "the size of the image {} cannot be read (a remote URL, or not PNG, JPEG, GIF or WebP), so og:image:width and og:image:height are missing and the size is not checked",
                img.url
            ),
        ),
    }
    if let Some(bytes) = img.bytes.filter(|&b| b > X_MAX_BYTES) {
        let size = format!("{:.1} MB", bytes as f64 / 1e6);
        let limits = if bytes > FACEBOOK_MAX_BYTES {
            "Facebook shows no image over 8 MB and X none over 5 MB"
        } else {
            "X shows no image over 5 MB (Facebook takes up to 8 MB)"
        };
        push(
            Code::ImageFileTooLarge,
            format!(
                "the image {} is {size}; {limits}, so shares there go without it: save it smaller (a 1200x630 JPEG is usually under 300 KB)",
                img.url
            ),
        );
    }
    if img.alt.as_deref().is_none_or(|a| a.trim().is_empty()) {
        push(
            Code::MissingImageAlt,
            format!("the image has no alt text: add {alt_key} describing what it shows"),
        );
    }
}

fn card_image(img: &ImageView, own: bool) -> CardImage {
    CardImage {
        url: img.url.clone(),
        width: img.width,
        height: img.height,
        alt: img.alt.clone(),
        mime: img.mime,
        source: if own { "page" } else { "site" },
    }
}

/// Adds a finding to every page whose `key` another page shares.
fn duplicates(
    pages: &mut [PageReport],
    key: impl Fn(&PageReport) -> Option<&str>,
    at: impl Fn(&PageReport) -> &(String, Option<usize>),
    code: Code,
    what: &str,
) {
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        if let Some(k) = key(p).filter(|k| !k.is_empty()) {
            groups.entry(k).or_default().push(i);
        }
    }
    let mut found: Vec<(usize, Finding)> = Vec::new();
    for group in groups.values().filter(|g| g.len() > 1) {
        for &i in group {
            // Name at most three of the others, so a large group stays linear.
            let others = group.len() - 1;
            let mut list = group
                .iter()
                .filter(|&&j| j != i)
                .take(3)
                .map(|&j| pages[j].file.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if others > 3 {
                let _ = write!(list, " and {} more", others - 3);
            }
            let (file, line) = at(&pages[i]).clone();
            found.push((
                i,
                Finding {
                    code,
                    message: format!(
                        "the same {what} is used by {list}; each shared page needs its own"
                    ),
                    file,
                    line,
                },
            ));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    for (i, f) in found {
        pages[i].findings.push(f);
    }
}

/// The line of a few keys of config.yaml, for findings about it.
struct ConfigLines(Vec<(String, usize)>);

impl ConfigLines {
    fn read(root: &Path) -> ConfigLines {
        let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
        let mut lines = Vec::new();
        let mut parent: Option<String> = None;
        for (i, l) in text.lines().enumerate() {
            let trimmed = l.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((key, rest)) = trimmed.split_once(':') else {
                continue;
            };
            let key = key.trim().trim_matches(['"', '\'']);
            if l.starts_with([' ', '\t']) {
                if let Some(p) = &parent {
                    lines.push((format!("{p}.{key}"), i + 1));
                }
            } else {
                lines.push((key.to_string(), i + 1));
                parent = Some(key.to_string());
                // An inline map (`social: { image: ... }`): its keys are on this line.
                if let Some(inner) = rest.trim().strip_prefix('{') {
                    for part in inner.trim_end_matches('}').split(',') {
                        if let Some((k, _)) = part.split_once(':') {
                            lines.push((format!("{key}.{}", k.trim()), i + 1));
                        }
                    }
                }
            }
        }
        ConfigLines(lines)
    }

    fn get(&self, key: &str) -> Option<usize> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, l)| *l)
    }
}
