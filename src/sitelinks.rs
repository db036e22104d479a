//! Links written in content that point into the site (`/guides/x/`, `../altra/`,
//! `foto.jpg`): where each lands, resolved as a browser resolves it against the page's
//! URL, and whether the build publishes anything there.
//!
//! Every output path is known before anything renders ([`Outputs`]), so the published
//! URL paths are collected once per build and each link costs one hash lookup; only a
//! broken link pays for a suggestion (the closest published path, a linear search).
//! Markdown links are checked when the site loads, so a broken one stops the build
//! before anything is written; raw HTML links become `piazza check` findings.

use std::collections::HashSet;

use crate::content::Content;
use crate::error::{Error, Errors};
use crate::links::{normal, target, SiteLink};
use crate::outputs::Outputs;

/// Where a link lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Landing {
    /// Somewhere no check reaches: another site, `mailto:`, the page itself (`#top`).
    Outside,
    /// A published path.
    Found,
    /// A published path, once the base path written before it is taken off
    /// (`/repo/guides/x/` under `https://x.github.io/repo/`).
    Prefixed,
    /// Nothing is published there.
    Missing,
}

/// Broken links that get a suggestion in one build; the rest get the general hint, so
/// a site full of broken links does not search every path for every one of them.
pub const SUGGESTIONS: usize = 50;

/// The URL paths a build publishes, without the base path: `/`, `/guides/x/`,
/// `/feed.xml`, `/guides/x/foto.jpg`.
#[derive(Debug, Default)]
pub struct Published {
    paths: HashSet<String>,
}

impl Published {
    /// Every output of the site, as the URL paths a browser asks for it by.
    pub fn of(outputs: &Outputs<'_>) -> Published {
        let items = outputs.items();
        let mut paths = HashSet::with_capacity(items.len() * 2);
        for item in items {
            let out = outputs.out_path(item);
            if let Some(dir) = out.strip_suffix("index.html") {
                if dir.is_empty() || dir.ends_with('/') {
                    paths.insert(normal(&format!("/{dir}")));
                }
            }
            paths.insert(normal(&format!("/{out}")));
        }
        Published { paths }
    }

    /// Whether `path` (a site path from [`crate::links::target`]) is published; a folder's URL may
    /// drop its final `/`, which hosts redirect.
    pub fn has(&self, path: &str) -> bool {
        self.paths.contains(path)
            || (!path.ends_with('/') && self.paths.contains(&format!("{path}/")))
    }

    /// Where a Markdown link on the page at `page` (a site path) lands. A root-relative
    /// link is a site path (the base path is put before it when the page renders), or,
    /// when the author wrote the base path already, `prefix` then a site path.
    pub fn land(&self, url: &str, page: &str, prefix: &str) -> Landing {
        let Some(path) = target(url, page) else {
            return Landing::Outside;
        };
        if self.has(&path) {
            Landing::Found
        } else if url.starts_with('/') && self.has_after(prefix, &path) {
            Landing::Prefixed
        } else {
            Landing::Missing
        }
    }

    /// Whether `path` is `prefix` then a published path.
    fn has_after(&self, prefix: &str, path: &str) -> bool {
        !prefix.is_empty()
            && path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/') && self.has(rest))
    }

    /// The published path closest to `path`, when one is close enough to be a typo.
    fn nearest(&self, path: &str) -> Option<&str> {
        let len = path.chars().count();
        self.paths
            .iter()
            .filter(|p| !p.ends_with("/index.html"))
            .map(|p| (strsim::levenshtein(p, path), p))
            .filter(|&(d, _)| d > 0 && d <= (len / 4).max(2))
            .min()
            .map(|(_, p)| p.as_str())
    }
}

/// Checks every Markdown link and image of every page and section intro: each must
/// land on something the site publishes.
pub fn check(content: &Content, published: &Published, prefix: &str) -> Errors {
    let mut errors = Errors::default();
    let mut suggestions = SUGGESTIONS;
    for p in &content.pages {
        check_one(
            content,
            published,
            prefix,
            (&p.shown, &p.rel, &p.path),
            &p.site_links,
            &mut suggestions,
            &mut errors,
        );
    }
    for s in content.sections.iter().filter(|s| s.has_index) {
        let rel = crate::content::index_rel(&s.dir);
        check_one(
            content,
            published,
            prefix,
            (&s.shown, &rel, &s.path),
            &s.site_links,
            &mut suggestions,
            &mut errors,
        );
    }
    errors
}

/// Checks the links of one page: `at` is its file as shown, its file relative to
/// content/ and its site path.
pub fn check_one(
    content: &Content,
    published: &Published,
    prefix: &str,
    at: (&std::path::Path, &str, &str),
    links: &[SiteLink],
    suggestions: &mut usize,
    errors: &mut Errors,
) {
    let (shown, rel, page) = at;
    for link in links {
        if published.land(&link.url, page, prefix) != Landing::Missing {
            continue;
        }
        let path = target(&link.url, page).unwrap_or_default();
        let (what, where_) = if link.image {
            ("the image", "there is no such file")
        } else {
            ("the link", "the site publishes nothing there")
        };
        let message = if path == link.url {
            format!("{what} {path} points nowhere: {where_}")
        } else {
            format!("{what} {} points to {path}: {where_}", link.url)
        };
        let nearest = if *suggestions > 0 {
            *suggestions -= 1;
            published.nearest(&path)
        } else {
            None
        };
        let hint = match (nearest, markdown_file(content, rel, &link.url)) {
            (_, Some(file)) => format!("to link a page by its Markdown file, write @/{file}"),
            (Some(n), None) if link.image => {
                format!("did you mean {n}? Otherwise put the file at static{path}")
            }
            (Some(n), None) => format!("did you mean {n}? Correct the link, or remove it"),
            (None, None) if link.image => format!(
                "put the file at static{path}, or beside the page if it is a bundle (name/index.md), or correct the path"
            ),
            (None, None) => "check the spelling (a page's URL is its section and slug, like /guides/my-guide/) or link the page by its file, like @/guides/my-guide.md; a draft is published only with --drafts".to_string(),
        };
        errors.push(
            Error::in_file(shown, message)
                .at(link.at.line, link.at.column)
                .hint(hint),
        );
    }
}

/// The content file a link like `altra.md` or `../guides/altra.md` names, relative to
/// the linking file `rel`, when it is a page or section of the site.
fn markdown_file(content: &Content, rel: &str, url: &str) -> Option<String> {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let path = &url[..end];
    if !path.ends_with(".md") {
        return None;
    }
    let file = target(path, &format!("/{rel}"))?;
    let file = file.trim_start_matches('/').to_string();
    content.resolve_link(&file).map(|_| file)
}

/// A raw HTML link that does not land, for `piazza check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawProblem {
    /// The file line.
    pub line: usize,
    /// The URL as written.
    pub url: String,
    /// Where it points, as a site path.
    pub path: String,
    /// It would land, but misses the base path (a browser reads it from the host).
    pub without_prefix: bool,
}

/// The raw HTML links and images of a page body that land nowhere, or that miss the
/// base path `prefix`. Raw HTML is published as written, so a root-relative URL must
/// carry the base path itself.
pub fn raw_problems(
    body: &str,
    body_line: usize,
    page: &str,
    published: &Published,
    prefix: &str,
) -> Vec<RawProblem> {
    let mut out = Vec::new();
    for (html, at) in crate::markdown::raw_html(body, body_line) {
        for (offset, url) in html_urls(&html) {
            let Some(path) = target(&url, page) else {
                continue;
            };
            let root_relative = url.starts_with('/');
            let ok = if root_relative && !prefix.is_empty() {
                published.has_after(prefix, &path)
            } else {
                published.has(&path)
            };
            if ok {
                continue;
            }
            out.push(RawProblem {
                line: at.line + html[..offset].matches('\n').count(),
                without_prefix: root_relative && published.has(&path),
                url,
                path,
            });
        }
    }
    out
}

/// The attributes that hold a URL a page loads or links to.
const URL_ATTRIBUTES: [&str; 3] = ["href", "src", "srcset"];

/// The URLs in the `href`, `src` and `srcset` attributes of the tags in `html`, with
/// the byte offset of each attribute. A small scanner rather than an HTML parser: the
/// parsers at hand (scraper, html5ever) give no source positions, and a finding needs
/// the line.
fn html_urls(html: &str) -> Vec<(usize, String)> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = html[i..].find('<') {
        i += found + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
            i += 1;
        }
        // Attributes, up to the end of the tag.
        loop {
            while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len() && !is_space(bytes[i]) && !b"=>/".contains(&bytes[i]) {
                i += 1;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            let value = match bytes.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let end = html[i + 1..]
                        .find(q as char)
                        .map_or(html.len(), |e| i + 1 + e);
                    let v = &html[i + 1..end];
                    i = (end + 1).min(html.len());
                    v
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                    &html[start..i]
                }
            };
            if !URL_ATTRIBUTES.contains(&name.as_str()) {
                continue;
            }
            let value = value.replace("&amp;", "&");
            if name == "srcset" {
                for candidate in value.split(',') {
                    if let Some(url) = candidate.split_whitespace().next() {
                        out.push((name_start, url.to_string()));
                    }
                }
            } else {
                out.push((name_start, value.trim().to_string()));
            }
        }
    }
    out
}

fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_urls_are_found_with_their_offsets() {
        let html = "<!-- <a href=\"/no/\"> --><A HREF='/a/' class=x><img\nsrc=/b.png alt=\"a > b\"><img srcset=\"/c.png 1x, /d.png 2x\"><a title=\"href=/e/\">";
        let urls: Vec<String> = html_urls(html).into_iter().map(|(_, u)| u).collect();
        assert_eq!(urls, ["/a/", "/b.png", "/c.png", "/d.png"]);
        let (offset, _) = html_urls(html)[1];
        assert_eq!(html[..offset].matches('\n').count(), 1);
    }
}
