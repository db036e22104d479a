//! Which URLs piazza publishes as links, and where a link inside the site lands,
//! resolved as a browser resolves it against the page's URL. Whether anything is
//! published there is [`crate::sitelinks`]' question; where an `@/` link points is the
//! content index's ([`crate::content::Content::resolve_url`]).
//!
//! Markdown links are judged as comrak's safe mode judges them, but on the URL a browser
//! would see (it ignores case, leading spaces and tabs or newlines inside the scheme).
//! A URL in config.yaml or front matter is checked when the YAML is read, so the error
//! points at the value, and resolved like a link in content when pages are rendered.

use percent_encoding::percent_decode_str;
use unicode_normalization::UnicodeNormalization;

use crate::source::SourceRef;

/// The schemes a browser runs or opens as a document of their own: comrak's list.
const DANGEROUS: [&str; 4] = ["javascript:", "vbscript:", "file:", "data:"];
/// The `data:` URLs that are only ever an image, so safe in `<img src>` and links.
const DATA_IMAGES: [&str; 4] = [
    "data:image/png",
    "data:image/gif",
    "data:image/jpeg",
    "data:image/webp",
];

/// Whether a browser would run `url` as script or open it as a document of its own.
pub fn dangerous(url: &str) -> bool {
    // The scheme as a browser reads it: ASCII whitespace and controls anywhere in it
    // are dropped, letters in any case. The longest prefix tested is 15 characters.
    let head: String = url
        .chars()
        .filter(|c| *c > ' ' && *c != '\u{7f}')
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    DANGEROUS.iter().any(|s| head.starts_with(s))
        && !DATA_IMAGES.iter().any(|s| head.starts_with(s))
}

/// A URL as config.yaml or front matter may write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigUrl<'a> {
    /// `https://…`, `http://…` or `mailto:…`, used as written.
    Absolute(&'a str),
    /// A site path, `/about/`, under the base URL.
    Path(&'a str),
    /// A page by its source file, `@/about.md` (the target without `@/`).
    Page(&'a str),
}

/// What to write instead, for every refused URL.
const LINK_FORMS: &str =
    "write https://…, mailto:…, a site path such as /about/ or a page link such as @/about.md";

/// Checks a link URL from config.yaml or front matter (an author's page).
pub fn parse_link(url: &str) -> Result<ConfigUrl<'_>, String> {
    plain(url)?;
    if let Some(target) = url.strip_prefix("@/") {
        if target.is_empty() {
            return Err(format!("`{url}` names no page; {LINK_FORMS}"));
        }
        return Ok(ConfigUrl::Page(target));
    }
    if url.starts_with("//") {
        return Err(format!(
            "`{url}` has a host but no scheme; write it as https:{url}"
        ));
    }
    if url.starts_with('/') {
        return Ok(ConfigUrl::Path(url));
    }
    match scheme(url) {
        Some(s) if s.eq_ignore_ascii_case("mailto") => Ok(ConfigUrl::Absolute(url)),
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
            if url[s.len()..].len() > "://".len() && url[s.len()..].starts_with("://") {
                Ok(ConfigUrl::Absolute(url))
            } else {
                Err(format!(
                    "`{url}` has no host; write it as https://example.org/…"
                ))
            }
        }
        Some(s) => Err(format!("`{s}:` URLs are not allowed here; {LINK_FORMS}")),
        None => Err(format!(
            "`{url}` is relative, so it would point somewhere else on every page; {LINK_FORMS}"
        )),
    }
}

/// Checks an image URL from config.yaml: an absolute http(s) URL or a site path.
pub fn check_image(url: &str) -> Result<(), String> {
    match parse_link(url) {
        Ok(ConfigUrl::Path(_)) => Ok(()),
        // Lower case, as the share image's resolver expects.
        Ok(ConfigUrl::Absolute(u)) if u.starts_with("https://") || u.starts_with("http://") => {
            Ok(())
        }
        _ => Err(format!(
            "`{}` is not an image URL; write a path under static/ such as /images/share.png, or https://…",
            url.escape_debug()
        )),
    }
}

/// Checks a `canonical:` URL from front matter: an absolute http(s) URL, or an `@/`
/// page link, whose target (without `@/`) comes back to be checked like other links.
pub fn check_canonical(url: &str) -> Result<Option<&str>, String> {
    match parse_link(url)? {
        ConfigUrl::Page(target) => Ok(Some(target)),
        ConfigUrl::Absolute(u) if !u.to_ascii_lowercase().starts_with("mailto:") => Ok(None),
        _ => Err(format!(
            "`{url}` is not a canonical URL: it must be a full address or a page of this site"
        )),
    }
}

/// Checks a path to a file under static/ (`/images/logo.svg`).
pub fn check_file(path: &str) -> Result<(), String> {
    plain(path)?;
    if path.starts_with("//") || scheme(path).is_some() || path.starts_with("@/") {
        return Err(format!(
            "`{path}` is not a path under static/; write it as /images/logo.svg"
        ));
    }
    Ok(())
}

/// Refuses what a browser would read differently from how it looks: spaces and control
/// characters (dropped from schemes, so ` java\tscript:` runs) and backslashes (read as
/// `/`, so `/\host` is another site).
fn plain(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err(format!("the URL is empty; {LINK_FORMS}, or remove the key"));
    }
    if url.chars().any(|c| c <= ' ' || c == '\u{7f}' || c == '\\') {
        return Err(format!(
            "`{}` holds spaces, control characters or backslashes; write spaces as %20 and / instead of \\",
            url.escape_debug()
        ));
    }
    Ok(())
}

/// The scheme of `url` (`https`), if it has one: letters, digits, `+`, `-` or `.` before
/// the first `:`, and no `/`, `?` or `#` before it.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find(':')?;
    let s = &url[..end];
    (s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then_some(s)
}

/// A Markdown link or image in a page's text that points into the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteLink {
    /// The URL as written.
    pub url: String,
    /// `![alt](url)` rather than `[text](url)`.
    pub image: bool,
    /// Where it is written.
    pub at: SourceRef,
}

/// The site path a link on the page at `page` points to, as a browser resolves it:
/// without `?query` and `#fragment`, percent-decoded, dot segments removed. None for
/// links that leave the site (a scheme, `//host`), `@/` links (checked on their own) and
/// links to the page itself (`#top`, `?q=1`, empty).
pub fn target(url: &str, page: &str) -> Option<String> {
    // As the URL standard reads it: no spaces or controls around it, no tabs or
    // newlines anywhere (so `java\tscript:` is a scheme).
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = url.as_str();
    if url.starts_with("//") || url.starts_with("@/") || scheme(url).is_some() {
        return None;
    }
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let path = &url[..end];
    if path.is_empty() {
        return None;
    }
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        let dir = &page[..page.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{path}")
    };
    let decoded = percent_decode_str(&joined).decode_utf8_lossy();
    Some(normal(&remove_dots(&decoded)))
}

/// RFC 3986's "remove dot segments" on an absolute path; `..` stops at the root.
fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." | ".." => {
                if *segment == ".." {
                    out.pop();
                }
                // `a/.` and `a/..` name a folder: keep the final `/`.
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// One spelling per path: accents in their composed form, as file names are compared.
pub fn normal(path: &str) -> String {
    if path.is_ascii() {
        path.to_string()
    } else {
        path.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_in_any_spelling() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:x",
            " \tjava\tscript:x",
            "java\nscript:x",
            "vbscript:x",
            "file:///etc/passwd",
            "data:text/html,x",
            "DATA:image/svg+xml,x",
        ] {
            assert!(dangerous(url), "{url:?}");
        }
        for url in [
            "https://e.org",
            "mailto:a@b.c",
            "/a/",
            "#x",
            "data:image/png;base64,x",
            "DATA:image/webp,x",
            "javascript",
        ] {
            assert!(!dangerous(url), "{url:?}");
        }
    }

    #[test]
    fn config_links() {
        assert_eq!(parse_link("@/about.md"), Ok(ConfigUrl::Page("about.md")));
        assert_eq!(parse_link("/about/"), Ok(ConfigUrl::Path("/about/")));
        assert_eq!(
            parse_link("HTTPS://e.org/x"),
            Ok(ConfigUrl::Absolute("HTTPS://e.org/x"))
        );
        assert!(parse_link("mailto:a@b.c").is_ok());
        for bad in [
            "javascript:alert(1)",
            " javascript:x",
            "data:text/html,x",
            "//evil.example/",
            "/\\evil.example/",
            "ftp://e.org",
            "https:",
            "about/",
            "@/",
            "",
        ] {
            assert!(parse_link(bad).is_err(), "{bad:?}");
        }
        assert!(check_image("mailto:a@b.c").is_err());
        assert!(check_image("@/about.md").is_err());
        assert!(check_image("https://e.org/x.png").is_ok());
        assert!(check_file("images/logo.svg").is_ok());
        assert!(check_file("javascript:x").is_err());
        assert_eq!(check_canonical("@/guides/x.md"), Ok(Some("guides/x.md")));
        assert_eq!(check_canonical("https://e.org/x/"), Ok(None));
        for bad in ["ftp://x", "/guides/x/", "mailto:a@b.c", "https://", "x/"] {
            assert!(check_canonical(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn links_resolve_as_a_browser_resolves_them() {
        let page = "/guides/prova/";
        assert_eq!(target("../altra/", page).as_deref(), Some("/guides/altra/"));
        assert_eq!(
            target("foto.jpg", page).as_deref(),
            Some("/guides/prova/foto.jpg")
        );
        assert_eq!(
            target("./a/../b.png?x=1#y", page).as_deref(),
            Some("/guides/prova/b.png")
        );
        assert_eq!(target("../../../../x/", page).as_deref(), Some("/x/"));
        assert_eq!(target("..", page).as_deref(), Some("/guides/"));
        assert_eq!(
            target("/foto%20estate.jpg", page).as_deref(),
            Some("/foto estate.jpg")
        );
        for outside in [
            "https://e.org/",
            "//cdn.e.org/x",
            "mailto:a@b.c",
            "tel:1",
            "#top",
            "?q",
            "",
            "@/a.md",
            " java\tscript:x",
        ] {
            assert_eq!(target(outside, page), None, "{outside:?}");
        }
    }
}
