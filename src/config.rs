//! `config.yaml`: read, checked and resolved into one [`Config`] before any work starts.
//!
//! Unknown keys are errors (a typo such as `titel:` must not pass silently), and every
//! value is validated here so the rest of piazza can trust it.

mod base_url;
pub mod deploy;
mod settings;
mod validate;

pub use base_url::BaseUrl;
pub use settings::{
    Author, AuthorFull, CardConfig, CommentsConfig, CommentsProvider, ImagesConfig,
    MarkdownOptions, Network, Social,
};

/// Where generated images are kept between builds when `cache_dir:` says nothing.
pub const DEFAULT_CACHE_DIR: &str = ".piazza-cache";

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{yaml_error, Error};
use validate::{
    is_language_tag, line_of_key, locate, resolve_cache_dir, resolve_favicon, section_name,
};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
