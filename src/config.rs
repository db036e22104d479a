//! `config.yaml`: read, checked and resolved into one [`Config`] before any work starts.
//!
//! Unknown keys are errors (a typo such as `titel:` must not pass silently), and every
//! value is validated here so the rest of piazza can trust it.

pub mod deploy;

/// Where generated images are kept between builds when `cache_dir:` says nothing.
pub const DEFAULT_CACHE_DIR: &str = ".piazza-cache";

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{yaml_error, Error};
use crate::links;

use crate::limits::ByteSize;

/// The config file's name inside the site folder.
pub const CONFIG_FILE: &str = "config.yaml";

/// `config.yaml` exactly as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    base_url: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    author: Option<Author>,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    social: Social,
    #[serde(default)]
    share: Option<Vec<String>>,
    #[serde(default)]
    markdown: MarkdownOptions,
    #[serde(default)]
    paginate_by: Option<usize>,
    #[serde(default)]
    taxonomies: Option<Vec<String>>,
    #[serde(default)]
    theses_section: Option<String>,
    #[serde(default)]
    guides_section: Option<String>,
    #[serde(default)]
    favicon: Option<String>,
    #[serde(default)]
    search: Option<bool>,
    #[serde(default)]
    comments: CommentsConfig,
    #[serde(default)]
    deploy: crate::config::deploy::Settings,
    cache_dir: Option<String>,
    #[serde(default)]
    images: ImagesConfig,
}

/// An author: a bare name (`author: Anna`) or a name with a link.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Author {
    /// `author: Anna Rossi`
    Name(String),
    /// `author: { name: Anna Rossi, url: https://... }`
    Full(AuthorFull),
}

/// The long form of [`Author`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthorFull {
    /// Display name.
    pub name: String,
    /// Profile page: checked by [`links::parse_link`].
    #[serde(default, deserialize_with = "link_url")]
    pub url: Option<String>,
}

/// Read by hand rather than as an untagged enum, which would hide the position and the
/// message of an error inside the long form (a refused `url:`).
impl<'de> Deserialize<'de> for Author {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Author;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name, or { name: ..., url: ... }")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Author, E> {
                Ok(Author::Name(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Author, A::Error> {
                AuthorFull::deserialize(de::value::MapAccessDeserializer::new(m)).map(Author::Full)
            }
        }
        d.deserialize_any(V)
    }
}

/// An optional URL that `check` accepts. The check runs inside the visitor, so the YAML
/// error carries the value's own line and column.
fn checked_url<'de, D: Deserializer<'de>>(
    d: D,
    check: fn(&str) -> Result<(), String>,
) -> Result<Option<String>, D::Error> {
    struct Url(fn(&str) -> Result<(), String>);
    impl<'de> Visitor<'de> for Url {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a URL")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            (self.0)(s).map_err(E::custom)?;
            Ok(Some(s.to_string()))
        }
    }
    d.deserialize_option(Url(check))
}

fn link_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, |s| links::parse_link(s).map(|_| ()))
}

fn image_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, links::check_image)
}

fn file_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, links::check_file)
}

impl Author {
    /// The display name.
    pub fn name(&self) -> &str {
        match self {
            Author::Name(n) => n,
            Author::Full(a) => &a.name,
        }
    }

    /// The profile URL, when given.
    pub fn url(&self) -> Option<&str> {
        match self {
            Author::Name(_) => None,
            Author::Full(a) => a.url.as_deref(),
        }
    }
}

/// `images:` in config.yaml: the responsive variants of the site's images (see
/// [`crate::images`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Widths of the WebP variants, in pixels.
    #[serde(default = "default_widths")]
    pub widths: Vec<u32>,
    /// Lossy WebP quality, 1-100.
    #[serde(default = "default_quality")]
    pub quality: u8,
    /// The `sizes` attribute of Markdown images: how wide they are shown.
    #[serde(default = "default_sizes")]
    pub sizes: String,
}

fn default_widths() -> Vec<u32> {
    vec![480, 960, 1440]
}
fn default_quality() -> u8 {
    80
}
fn default_sizes() -> String {
    "(max-width: 44rem) 100vw, 42rem".into()
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            widths: default_widths(),
            quality: default_quality(),
            sizes: default_sizes(),
        }
    }
}

/// `social:` in config.yaml.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Social {
    /// Fallback share image, site-relative (`/images/x.png`) or absolute.
    #[serde(default, deserialize_with = "image_url")]
    pub image: Option<String>,
    /// Alt text of the fallback image.
    #[serde(default)]
    pub image_alt: Option<String>,
    /// The site's X handle, `@name`.
    #[serde(default)]
    pub twitter_site: Option<String>,
    /// The publisher's logo in JSON-LD, a path under static/; else the card logo.
    #[serde(default, deserialize_with = "file_path")]
    pub publisher_logo: Option<String>,
    /// Facebook app id, emitted as `fb:app_id`.
    #[serde(default)]
    pub facebook_app_id: Option<String>,
    /// Generated share cards.
    #[serde(default)]
    pub card: CardConfig,
}

/// `social.card:` in config.yaml: the generated share cards (see [`crate::card`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardConfig {
    /// Generate cards at all (default: yes).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Background colour; default: the theme's `background`.
    #[serde(default)]
    pub background: Option<String>,
    /// Text colour; default: the theme's `foreground`.
    #[serde(default)]
    pub foreground: Option<String>,
    /// Thesis number and side bar; default: the theme's `accent`.
    #[serde(default)]
    pub accent: Option<String>,
    /// The rule above the site title; default: the theme's `highlight`.
    #[serde(default)]
    pub highlight: Option<String>,
    /// A logo under static/ (`/images/logo.svg`), drawn bottom right.
    #[serde(default, deserialize_with = "file_path")]
    pub logo: Option<String>,
}

impl Default for CardConfig {
    fn default() -> Self {
        CardConfig {
            enabled: true,
            background: None,
            foreground: None,
            accent: None,
            highlight: None,
            logo: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// `comments:` in config.yaml: readers' comments under guides and theses (see
/// [`crate::comments`]).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CommentsConfig {
    /// Comments under every guide and thesis (a page's `comments:` overrides it).
    #[serde(default)]
    pub enabled: bool,
    /// Where the form posts: `piazza comments serve`'s address, or the hosted service's.
    #[serde(default, deserialize_with = "endpoint_url")]
    pub endpoint: Option<String>,
    /// Who receives the form.
    #[serde(default)]
    pub provider: CommentsProvider,
    /// The fewest seconds between a page's build and a comment posted from it.
    #[serde(default = "min_seconds")]
    pub min_seconds: u64,
}

impl Default for CommentsConfig {
    fn default() -> Self {
        CommentsConfig {
            enabled: false,
            endpoint: None,
            provider: CommentsProvider::Piazza,
            min_seconds: min_seconds(),
        }
    }
}

impl CommentsConfig {
    /// Why a form without an endpoint cannot work.
    pub const NO_ENDPOINT: &'static str = "comments need `comments.endpoint` in config.yaml, the address the form posts to (where `piazza comments serve` runs, or the Formspree form's URL)";

    /// Whether the form needs `endpoint` (Netlify posts to the site itself).
    pub fn needs_endpoint(&self) -> bool {
        self.provider != CommentsProvider::Netlify && self.endpoint.is_none()
    }
}

fn min_seconds() -> u64 {
    5
}

/// `comments.provider`: what the form is shaped for.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CommentsProvider {
    /// `piazza comments serve` (a signed timestamp, `fax` honeypot).
    #[default]
    Piazza,
    /// Netlify Forms: the form is detected in the built HTML and posts to the thanks page.
    Netlify,
    /// Formspree: posts to `https://formspree.io/f/ID`, `_gotcha` honeypot.
    Formspree,
}

/// `comments.endpoint`: an http(s) URL or a path of this site (`/api/comments`).
fn endpoint_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, |s| {
        let ok = (s.starts_with("https://") || s.starts_with("http://") || s.starts_with('/'))
            && !s.contains(['"', '<', '>', ' ', '\\']);
        ok.then_some(()).ok_or_else(|| {
            format!("`{s}` is not an address; write https://commenti.example.it/ or a path of this site like /api/comments")
        })
    })
}

/// `markdown:` in config.yaml.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownOptions {
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
    /// Pass raw HTML in Markdown through (authors are trusted).
    pub unsafe_html: bool,
    /// Give headings ids and a link to themselves.
    pub heading_anchors: bool,
    /// The largest page piazza reads (see [`crate::limits`]).
    pub max_page_size: ByteSize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            smart_punctuation: true,
            unsafe_html: true,
            heading_anchors: true,
            max_page_size: ByteSize::DEFAULT_PAGE,
        }
    }
}

/// A network the share bar links to, in the order the config lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Facebook's sharer.
    Facebook,
    /// X (formerly Twitter) web intent.
    X,
    /// LinkedIn share-offsite.
    Linkedin,
    /// WhatsApp's wa.me link.
    Whatsapp,
    /// Telegram's share URL.
    Telegram,
    /// A `mailto:` link.
    Email,
}

impl Network {
    /// The default share bar.
    pub const DEFAULT: [Network; 5] = [
        Network::Facebook,
        Network::X,
        Network::Linkedin,
        Network::Whatsapp,
        Network::Email,
    ];

    /// The key used in templates and i18n (`share_facebook`).
    pub fn key(self) -> &'static str {
        match self {
            Network::Facebook => "facebook",
            Network::X => "x",
            Network::Linkedin => "linkedin",
            Network::Whatsapp => "whatsapp",
            Network::Telegram => "telegram",
            Network::Email => "email",
        }
    }

    fn parse(name: &str) -> Result<Network, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "facebook" => Ok(Network::Facebook),
            "x" | "twitter" => Ok(Network::X),
            "linkedin" => Ok(Network::Linkedin),
            "whatsapp" => Ok(Network::Whatsapp),
            "telegram" => Ok(Network::Telegram),
            "email" | "mail" => Ok(Network::Email),
            "google+" | "googleplus" | "google_plus" | "google-plus" | "gplus" => Err(
                "Google+ closed in April 2019 and its share links no longer work; remove it from `share:`".into(),
            ),
            other => Err(format!(
                "unknown share network `{other}`; piazza knows facebook, x (or twitter), linkedin, whatsapp, telegram and email"
            )),
        }
    }
}

/// The site's base URL, split so paths can be prefixed and made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// Scheme and host, without a trailing slash: `https://example.org`.
    pub origin: String,
    /// Path prefix without a trailing slash, empty at the root: `/blog`.
    pub prefix: String,
}

impl BaseUrl {
    /// Parses an absolute http(s) URL, with or without a path prefix.
    pub fn parse(url: &str) -> Result<BaseUrl, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("`{url}` is not an absolute URL; write it as https://example.org")
            })?;
        if rest.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
            return Err(format!(
                "`{url}` must be a plain address, without query, fragment or spaces"
            ));
        }
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if host.is_empty() {
            return Err(format!("`{url}` has no host name"));
        }
        let scheme_len = url.len() - rest.len();
        Ok(BaseUrl {
            origin: format!("{}{}", &url[..scheme_len], host),
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// The host when it is one that stands in for a real address: the bare
    /// `example.org`, `.com` or `.net` (or `www.`) a starter or tutorial writes, or this
    /// machine (`localhost`, `127.x.x.x`, `[::1]`). A named host under an example domain
    /// (`piazza.example.org`) is a deliberate demo or test address and is not one.
    pub fn placeholder_host(&self) -> Option<&str> {
        let authority = self.origin.split_once("://").map_or("", |(_, a)| a);
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        let bare = name.strip_prefix("www.").unwrap_or(&name);
        let placeholder = matches!(bare, "example.org" | "example.com" | "example.net")
            || name == "localhost"
            || name.ends_with(".localhost")
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        placeholder.then_some(host)
    }

    /// A site path (`/guides/x/`) as the browser should request it (`/blog/guides/x/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }

    /// A site path as an absolute URL (`https://host/blog/guides/x/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}{}", self.origin, self.prefix, path)
    }
}

/// The validated site configuration every other part of piazza works from.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site folder.
    pub root: PathBuf,
    /// Site title.
    pub title: String,
    /// Where the site is deployed.
    pub base_url: BaseUrl,
    /// BCP 47 language code (`it`, `en`, `pt-BR`).
    pub language: String,
    /// Site description, for the home page.
    pub description: Option<String>,
    /// Default author.
    pub author: Option<Author>,
    /// Theme name.
    pub theme: String,
    /// Share metadata settings.
    pub social: Social,
    /// The share bar, in order.
    pub share: Vec<Network>,
    /// Markdown options.
    pub markdown: MarkdownOptions,
    /// Items per list page.
    pub paginate_by: usize,
    /// Whether tag pages are built.
    pub tags: bool,
    /// The content folder holding thesis pages.
    pub theses_section: String,
    /// The content folder `piazza new guide` writes into.
    pub guides_section: String,
    /// The site's own icon; `None` keeps the theme's.
    pub favicon: Option<Favicon>,
    /// Site search ([`crate::search`]): the index in `/pagefind/` and the `/search/` page.
    pub search: bool,
    /// Readers' comments.
    pub comments: CommentsConfig,
    /// `deploy:`: targets, headers and host of `piazza deploy`.
    pub deploy: crate::config::deploy::Settings,
    /// Where generated images are kept between builds (see [`crate::cache`]).
    pub cache_dir: PathBuf,
    /// Responsive image settings.
    pub images: ImagesConfig,
}

/// `favicon:` in config.yaml: an icon under static/, checked once static files are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Favicon {
    /// Site path of the icon: `/images/icon.svg`.
    pub path: String,
    /// Its MIME type, for `<link rel="icon" type>`.
    pub mime: &'static str,
    /// The line of `favicon:` in config.yaml.
    pub line: usize,
}

impl Config {
    /// Reads and validates `config.yaml` in `root`.
    pub fn load(root: &Path) -> Result<Config, Error> {
        let path = root.join(CONFIG_FILE);
        let shown = PathBuf::from(CONFIG_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::in_file(&shown, format!("no {CONFIG_FILE} in {}", root.display()))
                    .hint("run piazza in a site folder, pass --site DIR, or create a site with `piazza init DIR`")
            } else {
                Error::io(&shown, &e)
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) =
                crate::source::position_of(e.as_bytes(), e.utf8_error().valid_up_to());
            Error::in_file(&shown, "this file is not valid UTF-8")
                .at(line, column)
                .hint("save the file with UTF-8 encoding")
        })?;
        let raw: RawConfig = if text.trim().is_empty() {
            return Err(Error::in_file(&shown, "the file is empty")
                .hint("it needs at least `title:` and `base_url:`"));
        } else {
            serde_yaml::from_str(&text).map_err(|e| yaml_error(&shown, &text, &e, 0))?
        };
        let mut config = Config::resolve(root, raw).map_err(|(key, message)| {
            let mut e = Error::in_file(&shown, message);
            if let Some(line) = line_of_key(&text, key) {
                e = e.at(line, 1);
            }
            e
        })?;
        if let Some(icon) = &mut config.favicon {
            icon.line = line_of_key(&text, "favicon").unwrap_or(1);
        }
        Ok(config)
    }

    fn resolve(root: &Path, raw: RawConfig) -> Result<Config, (&'static str, String)> {
        if raw.title.trim().is_empty() {
            return Err(("title", "`title` is empty".into()));
        }
        let base_url = BaseUrl::parse(&raw.base_url).map_err(|m| ("base_url", m))?;
        let language = raw.language.unwrap_or_else(|| "en".into());
        if !is_language_tag(&language) {
            return Err((
                "language",
                format!("`{language}` is not a language code; use one like `it`, `en` or `pt-BR`"),
            ));
        }
        let share = match raw.share {
            None => Network::DEFAULT.to_vec(),
            Some(names) => {
                let mut networks = Vec::new();
                for name in &names {
                    let n = Network::parse(name).map_err(|m| ("share", m))?;
                    if !networks.contains(&n) {
                        networks.push(n);
                    }
                }
                networks
            }
        };
        let paginate_by = raw.paginate_by.unwrap_or(10);
        if paginate_by == 0 {
            return Err(("paginate_by", "`paginate_by` must be at least 1".into()));
        }
        let taxonomies = raw.taxonomies.unwrap_or_else(|| vec!["tags".into()]);
        if let Some(other) = taxonomies.iter().find(|t| t.as_str() != "tags") {
            return Err((
                "taxonomies",
                format!("unknown taxonomy `{other}`; piazza supports `tags`"),
            ));
        }
        if let Some(handle) = &raw.social.twitter_site {
            if !handle.starts_with('@') || handle.len() < 2 || handle.contains(char::is_whitespace)
            {
                return Err((
                    "twitter_site",
                    format!("`{handle}` is not an X handle; write it as \"@name\""),
                ));
            }
        }
        let theses_section = section_name("theses_section", raw.theses_section, "theses")?;
        let guides_section = section_name("guides_section", raw.guides_section, "guides")?;
        if guides_section == theses_section {
            return Err((
                "guides_section",
                format!("`guides_section` and `theses_section` are both `{guides_section}`; guides and theses need folders of their own"),
            ));
        }
        let favicon = raw.favicon.map(|f| resolve_favicon(&f)).transpose()?;
        if raw.comments.enabled && raw.comments.needs_endpoint() {
            return Err(("comments", CommentsConfig::NO_ENDPOINT.into()));
        }
        raw.deploy.check().map_err(|m| ("deploy", m))?;
        let cache_dir = resolve_cache_dir(root, raw.cache_dir.as_deref())?;
        let images = raw.images;
        if images.widths.is_empty() || images.widths.iter().any(|&w| !(16..=8192).contains(&w)) {
            return Err((
                "widths",
                "`images.widths` must list widths in pixels from 16 to 8192, like [480, 960, 1440]"
                    .into(),
            ));
        }
        if !(1..=100).contains(&images.quality) {
            return Err((
                "quality",
                "`images.quality` must be from 1 to 100 (default 80)".into(),
            ));
        }
        Ok(Config {
            root: root.to_path_buf(),
            title: raw.title,
            base_url,
            language,
            description: raw.description,
            author: raw.author,
            theme: raw.theme.unwrap_or_else(|| "default".into()),
            social: raw.social,
            share,
            markdown: raw.markdown,
            paginate_by,
            tags: !taxonomies.is_empty(),
            theses_section,
            guides_section,
            favicon,
            search: raw.search.unwrap_or(false),
            comments: raw.comments,
            deploy: raw.deploy,
            cache_dir,
            images,
        })
    }

    /// A problem with the value at `key` (`["author", "url"]`) of config.yaml, found once
    /// the rest of the site is loaded, located at the value.
    pub fn error_at(&self, key: &[&str], message: impl Into<String>) -> Error {
        let e = Error::in_file(CONFIG_FILE, message);
        match locate(&self.root, key) {
            Some((line, column)) => e.at(line, column),
            None => e,
        }
    }

    /// The primary language subtag: `it` for `it-IT`.
    pub fn lang_primary(&self) -> String {
        self.language
            .split(['-', '_'])
            .next()
            .unwrap_or("en")
            .to_ascii_lowercase()
    }

    /// The Open Graph locale: `it` -> `it_IT`, `pt-BR` -> `pt_BR`.
    pub fn og_locale(&self) -> String {
        let mut parts = self.language.split(['-', '_']);
        let lang = parts.next().unwrap_or("en").to_ascii_lowercase();
        if let Some(region) = parts.find(|p| p.len() == 2) {
            return format!("{lang}_{}", region.to_ascii_uppercase());
        }
        let region = match lang.as_str() {
            "en" => "US",
            "ca" => "ES",
            "cs" => "CZ",
            "da" => "DK",
            "el" => "GR",
            "ja" => "JP",
            "ko" => "KR",
            "sv" => "SE",
            "uk" => "UA",
            "zh" => "CN",
            other => return format!("{other}_{}", other.to_ascii_uppercase()),
        };
        format!("{lang}_{region}")
    }
}

/// The folder name under content/ that `key` gives, or `default`.
fn section_name(
    key: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<String, (&'static str, String)> {
    let name = value.unwrap_or_else(|| default.into());
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err((
            key,
            format!("`{key}` must be the name of one folder under content/, like `{default}`"),
        ));
    }
    Ok(name)
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `cache_dir:` made absolute: relative to the site folder, default `.piazza-cache`.
/// A cache inside a folder piazza reads would be read (and published) as content.
fn resolve_cache_dir(root: &Path, spec: Option<&str>) -> Result<PathBuf, (&'static str, String)> {
    let spec = spec.map(str::trim).unwrap_or(DEFAULT_CACHE_DIR);
    let path = Path::new(spec);
    if spec.is_empty() {
        return Err((
            "cache_dir",
            "`cache_dir` is empty; leave it out for .piazza-cache".into(),
        ));
    }
    if path.is_relative() {
        let first = path.components().find_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        });
        if let Some(first) = first.filter(|f| {
            ["content", "static", "templates", "themes", "i18n", "data"].contains(&f.as_str())
        }) {
            return Err((
                "cache_dir",
                format!("`cache_dir: {spec}` is inside the site's {first}/ folder, which piazza reads; choose a folder of its own, like .piazza-cache"),
            ));
        }
    }
    Ok(root.join(path))
}

/// `favicon: images/icon.svg` -> `/images/icon.svg`; browsers take SVG, PNG and ICO icons.
fn resolve_favicon(spec: &str) -> Result<Favicon, (&'static str, String)> {
    let path = format!("/{}", spec.trim().trim_start_matches('/'));
    let lower = path.to_ascii_lowercase();
    let mime = [
        (".svg", "image/svg+xml"),
        (".png", "image/png"),
        (".ico", "image/x-icon"),
    ]
    .into_iter()
    .find_map(|(ext, mime)| lower.ends_with(ext).then_some(mime));
    match mime {
        Some(mime) if !spec.contains("://") && !path.split('/').any(|s| s == "..") => {
            Ok(Favicon {
                path,
                mime,
                line: 1,
            })
        }
        _ => Err((
            "favicon",
            format!("`{spec}` is not an icon under static/; name an SVG, PNG or ICO file there, like /images/icon.svg"),
        )),
    }
}

/// Where the value at `path` is written in the site's config.yaml, as (line, column).
/// serde_yaml gives an error the position of the value it stopped at, so a visitor that
/// walks down `path` and fails on arrival finds it, whatever YAML style the file uses.
fn locate(root: &Path, path: &[&str]) -> Option<(usize, usize)> {
    struct Seek<'a>(&'a [&'a str]);
    impl<'de> DeserializeSeed<'de> for Seek<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Seek<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("the value looked for")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
            let Some((first, rest)) = self.0.split_first() else {
                return Err(de::Error::custom("found"));
            };
            while let Some(key) = m.next_key::<String>()? {
                if key == *first {
                    return m.next_value_seed(Seek(rest));
                }
                m.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let text = std::fs::read_to_string(root.join(CONFIG_FILE)).ok()?;
    let err = Seek(path)
        .deserialize(serde_yaml::Deserializer::from_str(&text))
        .err()?;
    err.location().map(|l| (l.line(), l.column()))
}

/// The line where `key:` is first written, for errors found after parsing.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_splits_prefix() {
        let b = BaseUrl::parse("https://host.example/blog/").unwrap();
        assert_eq!(b.origin, "https://host.example");
        assert_eq!(b.prefix, "/blog");
        assert_eq!(b.url("/guides/x/"), "/blog/guides/x/");
        assert_eq!(b.absolute("/"), "https://host.example/blog/");
        assert!(BaseUrl::parse("example.org").is_err());
    }

    #[test]
    fn placeholder_hosts() {
        let host = |url: &str| {
            BaseUrl::parse(url)
                .unwrap()
                .placeholder_host()
                .map(str::to_string)
        };
        for (url, expected) in [
            ("https://example.org", Some("example.org")),
            ("https://WWW.Example.COM./blog/", Some("WWW.Example.COM.")),
            ("http://localhost:1111", Some("localhost")),
            ("http://app.localhost", Some("app.localhost")),
            ("http://127.0.0.1:8000/", Some("127.0.0.1")),
            ("http://[::1]:8080/", Some("::1")),
            ("https://piazza.example.org", None),
            ("https://example.org.bottega.it", None),
            ("https://myexample.com", None),
            ("https://127.example.com", None),
            ("https://127.0.0.example.com", None),
            ("https://bottega.it", None),
        ] {
            assert_eq!(host(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn locales() {
        let mut c = Config::resolve(
            Path::new("."),
            serde_yaml::from_str("title: t\nbase_url: https://e.org\nlanguage: it").unwrap(),
        )
        .unwrap();
        assert_eq!(c.og_locale(), "it_IT");
        c.language = "pt-BR".into();
        assert_eq!(c.og_locale(), "pt_BR");
        c.language = "en".into();
        assert_eq!(c.og_locale(), "en_US");
    }

    #[test]
    fn google_plus_is_refused_with_reason() {
        let err = Network::parse("google+").unwrap_err();
        assert!(err.contains("2019"));
        assert_eq!(Network::parse("Twitter"), Ok(Network::X));
    }
}
