//! Lints of the words a share card shows: titles and descriptions too long for the
//! platforms, and invisible direction controls that reorder them.

use std::path::Path;

use crate::site::Site;

use super::{Code, Finding, DESCRIPTION_MAX, TITLE_MAX};

pub(super) fn lint_title(title: &str, file: &str, line: Option<usize>, out: &mut Vec<Finding>) {
    let n = title.trim().chars().count();
    if n > TITLE_MAX {
        out.push(Finding {
            code: Code::TitleTooLong,
            message: format!(
                "the title has {n} characters; share cards cut titles after about {TITLE_MAX}"
            ),
            file: file.to_string(),
            line,
        });
    }
}

pub(super) fn lint_description(
    text: &str,
    file: &str,
    line: Option<usize>,
    out: &mut Vec<Finding>,
) {
    let n = text.trim().chars().count();
    if n > DESCRIPTION_MAX {
        out.push(Finding {
            code: Code::DescriptionTooLong,
            message: format!(
                "the description has {n} characters; share cards and search results cut it after about {DESCRIPTION_MAX}"
            ),
            file: file.to_string(),
            line,
        });
    }
}

/// The lines of the Markdown images without alt text in the file at `path`. The loaded
/// site keeps no page text, so the file is read again; one that cannot be read any more
/// has nothing to report (the build reports it).
pub(super) fn images_without_alt(path: &Path, shown: &Path) -> Vec<usize> {
    let Ok(text) = crate::source::read_utf8(path, shown) else {
        return Vec::new();
    };
    match crate::content::frontmatter::split(&text, shown) {
        Ok(split) => crate::markdown::images_without_alt(split.body, split.body_line),
        Err(_) => Vec::new(),
    }
}

/// The raw HTML links of the file at `path` (the page at site path `page`) that land
/// nowhere or miss the base path; read again like [`images_without_alt`].
pub(super) fn raw_links(site: &Site, path: &Path, shown: &Path, page: &str) -> Vec<Finding> {
    if !site.config.markdown.unsafe_html {
        // Raw HTML is not published, so neither are its links.
        return Vec::new();
    }
    let Ok(text) = crate::source::read_utf8(path, shown) else {
        return Vec::new();
    };
    let Ok(split) = crate::content::frontmatter::split(&text, shown) else {
        return Vec::new();
    };
    let prefix = &site.config.base_url.prefix;
    let problems =
        crate::sitelinks::raw_problems(split.body, split.body_line, page, &site.published, prefix);
    problems
        .into_iter()
        .map(|p| {
            let (code, message) = if p.without_prefix {
                (
                    Code::HtmlLinkWithoutBasePath,
                    format!(
                        "the HTML link {} misses the base path {prefix}, so it leaves the site: write {prefix}{} or use a Markdown link, which gets it by itself",
                        p.url, p.url
                    ),
                )
            } else {
                let lands = if p.path == p.url {
                    String::new()
                } else {
                    format!(" (that is {})", p.path)
                };
                (
                    Code::BrokenHtmlLink,
                    format!(
                        "the HTML link {}{lands} points to nothing the site publishes: correct it or remove it",
                        p.url
                    ),
                )
            };
            Finding {
                code,
                message,
                file: shown.display().to_string(),
                line: Some(p.line),
            }
        })
        .collect()
}

/// Unicode's embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069):
/// invisible, they reorder the text around them, so a title can show other words than
/// it holds ("gpj.exe" shown as "exe.jpg").
pub(super) fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

pub(super) fn lint_direction(
    text: &str,
    what: &str,
    file: &str,
    line: Option<usize>,
    out: &mut Vec<Finding>,
) {
    let mut found: Vec<String> = Vec::new();
    for c in text.chars().filter(|&c| is_direction_control(c)) {
        let code = format!("U+{:04X}", c as u32);
        if !found.contains(&code) {
            found.push(code);
        }
    }
    if !found.is_empty() {
        out.push(Finding {
            code: Code::DirectionControl,
            message: format!(
                "the {what} holds the invisible direction control {}, which reorders the text shown around it; delete it",
                found.join(", ")
            ),
            file: file.to_string(),
            line,
        });
    }
}
