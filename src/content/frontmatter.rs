//! Front matter: the YAML between `---` lines at the top of a Markdown file.
//!
//! The split is done here rather than by comrak so that YAML error locations can be
//! shifted to the line in the `.md` file, and so the body's first line is known for
//! errors found later in the Markdown.

use std::path::Path;

use serde::Deserialize;

use super::date::Date;
use crate::config::Author;
use crate::error::{yaml_error, Error};

/// A Markdown file cut into its front matter and body.
#[derive(Debug)]
pub struct Split<'a> {
    /// The YAML text, without the `---` lines.
    pub yaml: &'a str,
    /// The Markdown after the closing `---`.
    pub body: &'a str,
    /// 1-based line in the file where `body` starts.
    pub body_line: usize,
}

/// Cuts `text` into front matter and body; `shown` names the file in errors.
pub fn split<'a>(text: &'a str, shown: &Path) -> Result<Split<'a>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_end].trim_end() != "---" {
        return Err(Error::in_file(shown, "this file has no front matter")
            .at(1, 1)
            .hint("start the file with a `---` line, then `title: ...`, then another `---` line"));
    }
    let mut offset = first_end;
    let mut line = 2;
    while offset < text.len() {
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        if text[offset..end].trim_end() == "---" {
            return Ok(Split {
                yaml: &text[first_end..offset],
                body: &text[end..],
                body_line: line + 1,
            });
        }
        offset = end;
        line += 1;
    }
    Err(Error::in_file(shown, "the front matter is never closed")
        .at(1, 1)
        .hint("add a line with only `---` after the last front matter key"))
}

/// Parses front matter YAML into `T`, with errors located in the `.md` file.
pub fn parse<T: for<'de> Deserialize<'de>>(split: &Split<'_>, shown: &Path) -> Result<T, Error> {
    let yaml = if split.yaml.trim().is_empty() {
        "{}"
    } else {
        split.yaml
    };
    serde_yaml::from_str(yaml).map_err(|e| yaml_error(shown, yaml, &e, 1))
}

/// The 1-based file line of each top-level key, so problems found after parsing
/// (an unknown thesis, a missing image) can still point at the right line.
pub fn key_lines(split: &Split<'_>) -> Vec<(String, usize)> {
    split
        .yaml
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with([' ', '\t', '#', '-']))
        .filter_map(|(i, l)| {
            let key = l.split(':').next()?.trim();
            (!key.is_empty() && l.contains(':')).then(|| (key.to_string(), i + 2))
        })
        .collect()
}

/// Front matter of a page (guide, thesis or standalone page).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    /// Plain-text title.
    pub title: String,
    /// Meta description.
    #[serde(default)]
    pub description: Option<String>,
    /// Publication date.
    #[serde(default)]
    pub date: Option<String>,
    /// Last update.
    #[serde(default)]
    pub updated: Option<String>,
    /// URL slug override.
    #[serde(default)]
    pub slug: Option<String>,
    /// Author override.
    #[serde(default)]
    pub author: Option<Author>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Share image.
    #[serde(default)]
    pub image: Option<String>,
    /// Share image alt text.
    #[serde(default)]
    pub image_alt: Option<String>,
    /// Excluded unless building with `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// Thesis number (theses only).
    #[serde(default)]
    pub number: Option<i64>,
    /// Theses a guide discusses.
    #[serde(default)]
    pub theses: Vec<i64>,
    /// Template override.
    #[serde(default)]
    pub template: Option<String>,
    /// Old URLs that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A free map of the author's own values, `page.extra` in templates.
    #[serde(default)]
    pub extra: Option<serde_yaml::Value>,
    /// The page's canonical URL when it is not the page itself (a cross-post).
    #[serde(default)]
    pub canonical: Option<String>,
    /// Kept out of search engines, the sitemap and the feed.
    #[serde(default)]
    pub noindex: bool,
    /// Plain text shown in lists and feeds instead of the automatic summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Gives templates the page's headings as `page.toc`.
    #[serde(default)]
    pub toc: bool,
    /// `false` keeps the page out of site search.
    #[serde(default)]
    pub search: Option<bool>,
    /// Comments under this page: overrides `comments.enabled` of config.yaml.
    #[serde(default)]
    pub comments: Option<bool>,
}

/// Front matter of a section's (or the home page's) `_index.md`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFrontMatter {
    /// List title.
    #[serde(default)]
    pub title: Option<String>,
    /// Meta description.
    #[serde(default)]
    pub description: Option<String>,
    /// Order of the list.
    #[serde(default)]
    pub sort: Option<SortBy>,
    /// Items per list page (overrides `paginate_by`).
    #[serde(default)]
    pub paginate: Option<usize>,
    /// Template override.
    #[serde(default)]
    pub template: Option<String>,
    /// Share image.
    #[serde(default)]
    pub image: Option<String>,
    /// Share image alt text.
    #[serde(default)]
    pub image_alt: Option<String>,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first.
    #[default]
    Date,
    /// Alphabetical.
    Title,
    /// By thesis number.
    Number,
}

/// A date checked against the calendar; the error names the key's line.
pub fn date(
    value: Option<&str>,
    key: &str,
    key_lines: &[(String, usize)],
    shown: &Path,
) -> Result<Option<Date>, Error> {
    value
        .map(|v| {
            Date::parse(v).map_err(|m| {
                Error::in_file(shown, format!("`{key}`: {m}")).at_line(line_of(key_lines, key))
            })
        })
        .transpose()
}

/// A thesis number: a whole number from 1 up.
pub fn thesis_number(
    n: i64,
    key: &str,
    key_lines: &[(String, usize)],
    shown: &Path,
) -> Result<u32, Error> {
    u32::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::in_file(
            shown,
            format!("`{key}`: thesis numbers are whole numbers from 1 up, not {n}"),
        )
        .at_line(line_of(key_lines, key))
    })
}

/// The line of `key` in `key_lines`, or 1.
pub fn line_of(key_lines: &[(String, usize)], key: &str) -> usize {
    key_lines
        .iter()
        .find(|(k, _)| k == key)
        .map_or(1, |(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_body_line() {
        let s = split("---\ntitle: x\n---\nbody\n", Path::new("a.md")).unwrap();
        assert_eq!(s.yaml, "title: x\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
        assert!(split("---\ntitle: x\n", Path::new("a.md")).is_err());
        assert!(split("title: x\n", Path::new("a.md")).is_err());
    }

    #[test]
    fn yaml_errors_point_into_the_file() {
        let s = split("---\ntitle: x\ndate: 2023-02-30\n---\n", Path::new("a.md")).unwrap();
        let fm = parse::<PageFrontMatter>(&s, Path::new("a.md")).unwrap();
        let e = date(
            fm.date.as_deref(),
            "date",
            &key_lines(&s),
            Path::new("a.md"),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("no day 30"), "{e}");
        let s = split("---\ntitle: x\ntitel: y\n---\n", Path::new("a.md")).unwrap();
        let e = parse::<PageFrontMatter>(&s, Path::new("a.md")).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("unknown field `titel`"), "{e}");
    }
}
