//! The settings of one feature each (authors, share bar, cards, comments, images,
//! Markdown): kept apart from [`super::Config`] so each group's defaults sit beside the
//! keys they fill, and `config.yaml`'s shape can be read in one place.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::validate::{endpoint_url, file_path, image_url, link_url};
use crate::limits::ByteSize;

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
    /// Profile page: checked by [`crate::links::parse_link`].
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

    pub(super) fn parse(name: &str) -> Result<Network, String> {
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

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn google_plus_is_refused_with_reason() {
        let err = Network::parse("google+").unwrap_err();
        assert!(err.contains("2019"));
        assert_eq!(Network::parse("Twitter"), Ok(Network::X));
    }
}
