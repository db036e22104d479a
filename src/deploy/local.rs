//! The files a deploy publishes: each output file with the headers it is stored with,
//! the phase it is uploaded in, and piazza's hash of both.
//!
//! The hash covers the bytes and every header piazza sets, so a changed
//! `Cache-Control` rule or redirect re-uploads exactly the files it touches. It is
//! computed from the uncompressed bytes, so it does not depend on the gzip encoder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;
use crate::output::is_private;

use crate::config::deploy::Settings;

/// When a file is uploaded: assets before the pages that use them, pages before the
/// feed and sitemap that announce them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Stylesheets, scripts, images, fonts, everything a page loads.
    Assets,
    /// HTML pages (and redirect pages), new ones before changed ones that link to them.
    Pages,
    /// `feed.xml`, `sitemap.xml`, `robots.txt`, `_redirects`, `_headers`.
    Announcements,
}

/// How a target stores headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// Object storage: Content-Type, Cache-Control, Content-Encoding, metadata.
    Stored,
    /// A folder: the web server decides the headers, only the bytes are stored.
    None,
}

/// One file of the output, as it will be stored.
#[derive(Debug, Clone)]
pub struct LocalFile {
    /// `/`-separated path inside the output (and the target's prefix).
    pub rel: String,
    /// The file on disk.
    pub path: PathBuf,
    /// Its size on disk (uncompressed).
    pub size: u64,
    /// Content-Type; `None` on folder targets.
    pub content_type: Option<&'static str>,
    /// Cache-Control from `deploy.headers`; `None` on folder targets or with no rule.
    pub cache_control: Option<String>,
    /// Stored gzip-compressed (`deploy.compress`).
    pub gzip: bool,
    /// `x-amz-website-redirect-location` for an alias on S3.
    pub redirect: Option<String>,
    /// piazza's hash of the bytes and these headers, hex.
    pub hash: String,
    /// When it is uploaded.
    pub phase: Phase,
}

/// Lists every file of the output folder `out` (piazza's own files left out) with its
/// headers and hash. `redirects` maps alias files to the URL they redirect to.
pub fn files(
    out: &Path,
    settings: &Settings,
    headers: Headers,
    redirects: &HashMap<String, String>,
) -> Result<Vec<LocalFile>, Error> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(out)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_private(&e.file_name().to_string_lossy()))
    {
        let entry = entry.map_err(|e| Error::new(format!("cannot read {}: {e}", out.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(out).map_err(|_| {
            Error::new(format!(
                "{} is outside {}",
                entry.path().display(),
                out.display()
            ))
        })?;
        let Some(rel) = rel.to_str() else {
            return Err(Error::new(format!(
                "{} has a name that is not UTF-8 and cannot be an object name",
                entry.path().display()
            )));
        };
        found.push((rel.replace('\\', "/"), entry.path().to_path_buf()));
    }
    found
        .into_par_iter()
        .map(|(rel, path)| {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, &e))?;
            let stored = headers == Headers::Stored;
            let content_type = stored.then(|| crate::serve::content_type(Path::new(&rel)));
            let cache_control = settings
                .cache_control(&rel)
                .filter(|_| stored)
                .map(str::to_string);
            let gzip = stored && settings.compressed(&rel);
            let redirect = redirects.get(&rel).filter(|_| stored).cloned();
            let hash = hash(
                &bytes,
                &[
                    content_type.unwrap_or(""),
                    cache_control.as_deref().unwrap_or(""),
                    if gzip { "gzip" } else { "" },
                    redirect.as_deref().unwrap_or(""),
                ],
            );
            Ok(LocalFile {
                phase: phase(&rel),
                size: bytes.len() as u64,
                rel,
                path,
                content_type,
                cache_control,
                gzip,
                redirect,
                hash,
            })
        })
        .collect()
}

/// The phase a file is uploaded in.
fn phase(rel: &str) -> Phase {
    let lower = rel.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "feed.xml" | "sitemap.xml" | "robots.txt" | "_redirects" | "_headers"
    ) {
        Phase::Announcements
    } else if lower.ends_with(".html") || lower.ends_with(".htm") {
        Phase::Pages
    } else {
        Phase::Assets
    }
}

/// SHA-256 of the stored headers and the bytes, as hex. The headers come first, each
/// on a line, so no two combinations can produce the same input.
pub fn hash(bytes: &[u8], headers: &[&str]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"piazza-deploy 1\n");
    for h in headers {
        ctx.update(h.as_bytes());
        ctx.update(b"\n");
    }
    ctx.update(bytes);
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bytes to store for `file`: read again (the plan holds no file contents), and
/// gzip-compressed when asked, with a fixed header so equal input stores equal bytes.
pub fn payload(file: &LocalFile) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, &e))?;
    if !file.gzip {
        return Ok(bytes);
    }
    use std::io::Write as _;
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    encoder
        .write_all(&bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| Error::io(&file.path, &e))
}

/// The public URL path of an output file, under the site's base path: `/` for the
/// home page, `/blog/guides/x/` for `guides/x/index.html`.
pub fn public_url(base_path: &str, rel: &str) -> String {
    let path = match rel.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => dir.to_string(),
        _ => rel.to_string(),
    };
    format!("{base_path}/{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases() {
        assert_eq!(phase("style.css"), Phase::Assets);
        assert_eq!(phase("guides/x/card.png"), Phase::Assets);
        assert_eq!(phase("guides/x/index.html"), Phase::Pages);
        assert_eq!(phase("404.html"), Phase::Pages);
        assert_eq!(phase("feed.xml"), Phase::Announcements);
        assert_eq!(phase("sitemap.xml"), Phase::Announcements);
        assert_eq!(phase("guides/feed.xml"), Phase::Assets);
    }

    #[test]
    fn hashes_cover_headers() {
        assert_ne!(hash(b"x", &["a", ""]), hash(b"x", &["", "a"]));
        assert_ne!(hash(b"x", &["a"]), hash(b"y", &["a"]));
        assert_eq!(hash(b"x", &["a"]).len(), 64);
    }

    #[test]
    fn urls() {
        assert_eq!(public_url("", "index.html"), "/");
        assert_eq!(
            public_url("/blog", "guides/x/index.html"),
            "/blog/guides/x/"
        );
        assert_eq!(public_url("", "old.html"), "/old.html");
        assert_eq!(public_url("", "myindex.html"), "/myindex.html");
        assert_eq!(public_url("", "style.css"), "/style.css");
    }
}
