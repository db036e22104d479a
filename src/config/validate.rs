//! The checks on single values of `config.yaml`, and where a refused value is written:
//! shared by every settings group so each error names the value's own line and column.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer;

use super::{Favicon, CONFIG_FILE, DEFAULT_CACHE_DIR};
use crate::links;

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

pub(super) fn link_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, |s| links::parse_link(s).map(|_| ()))
}

pub(super) fn image_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, links::check_image)
}

pub(super) fn file_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, links::check_file)
}

/// `comments.endpoint`: an http(s) URL or a path of this site (`/api/comments`).
pub(super) fn endpoint_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    checked_url(d, |s| {
        let ok = (s.starts_with("https://") || s.starts_with("http://") || s.starts_with('/'))
            && !s.contains(['"', '<', '>', ' ', '\\']);
        ok.then_some(()).ok_or_else(|| {
            format!("`{s}` is not an address; write https://commenti.example.it/ or a path of this site like /api/comments")
        })
    })
}

/// The folder name under content/ that `key` gives, or `default`.
pub(super) fn section_name(
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

pub(super) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `cache_dir:` made absolute: relative to the site folder, default `.piazza-cache`.
/// A cache inside a folder piazza reads would be read (and published) as content.
pub(super) fn resolve_cache_dir(
    root: &Path,
    spec: Option<&str>,
) -> Result<PathBuf, (&'static str, String)> {
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
pub(super) fn resolve_favicon(spec: &str) -> Result<Favicon, (&'static str, String)> {
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
pub(super) fn locate(root: &Path, path: &[&str]) -> Option<(usize, usize)> {
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
pub(super) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}
