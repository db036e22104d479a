//! From a request path to a file of the output folder, and what to answer with it.
//!
//! Nothing outside the output folder is ever reached: paths are percent-decoded
//! strictly, `..`, backslashes, NUL and drive prefixes are refused, and the file finally
//! opened must, once canonicalized, still be inside the canonicalized root (so a symlink
//! pointing out is a 404). piazza's own files in the output (the marker, temporary
//! files) are a 404 too. There is never a directory listing.
//!
//! Everything here blocks on the file system: it runs on the runtime's blocking pool.

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::events::inject;
use crate::output::is_private;

/// What to answer a GET or HEAD of a path of the site with.
pub(super) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub location: Option<String>,
    pub content: Content,
}

pub(super) enum Content {
    Bytes(Vec<u8>),
    /// A file streamed from disk with its length at open time, so large images and
    /// videos are never read into memory.
    File(File, u64),
}

impl Reply {
    pub fn text(status: u16, text: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            location: None,
            content: Content::Bytes(text.as_bytes().to_vec()),
        }
    }

    pub fn len(&self) -> u64 {
        match &self.content {
            Content::Bytes(bytes) => bytes.len() as u64,
            Content::File(_, len) => *len,
        }
    }
}

/// The answer for `path` (percent-encoded, without query) under `root` (canonical);
/// `query` is kept on a redirect to the folder's address.
pub(super) fn lookup(root: &Path, path: &str, query: Option<&str>) -> Reply {
    match resolve(root, path) {
        Err(status) => Reply::text(status, "bad request path\n"),
        Ok(Target::Redirect(mut location)) => {
            if let Some(query) = query {
                location.push('?');
                location.push_str(query);
            }
            Reply {
                location: Some(location),
                ..Reply::text(301, "moved to the folder's address\n")
            }
        }
        Ok(Target::File(file)) => serve_file(&file, 200).unwrap_or_else(|| not_found(root)),
        Ok(Target::NotFound) => not_found(root),
    }
}

/// Where a request path leads.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// An existing file inside the root, canonicalized.
    File(PathBuf),
    /// A folder asked for without its trailing slash: its address with one, so that the
    /// relative links of its index page resolve against the folder.
    Redirect(String),
    NotFound,
}

/// Maps a request path to a file inside `root`. Refuses (400) anything that could
/// name a file elsewhere; what is left and still leads outside (a symlink) is a 404,
/// like a missing file, so the response says nothing about what exists outside.
fn resolve(root: &Path, raw_path: &str) -> Result<Target, u16> {
    if !raw_path.starts_with('/') || !strictly_encoded(raw_path) {
        return Err(400);
    }
    let decoded = percent_decode_str(raw_path)
        .decode_utf8()
        .map_err(|_| 400u16)?;
    if decoded.contains(['\0', '\\']) {
        return Err(400);
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return Err(400),
            _ => {}
        }
        // Exactly one plain component: no root, prefix or parent, on any platform.
        let mut components = Path::new(segment).components();
        let plain = matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        );
        // "C:" is a plain name on Unix but a drive on Windows; no site has such names.
        let drive = segment.len() >= 2
            && segment.as_bytes()[0].is_ascii_alphabetic()
            && segment.as_bytes()[1] == b':';
        if !plain || drive {
            return Err(400);
        }
        segments.push(segment);
    }
    if segments.iter().any(|s| is_private(s)) {
        return Ok(Target::NotFound);
    }
    let mut candidate = root.to_path_buf();
    candidate.extend(&segments);
    let Some(real) = inside(root, &candidate) else {
        return Ok(Target::NotFound);
    };
    if real.is_dir() {
        if !decoded.ends_with('/') {
            // Built from the checked segments, never from the raw path, so `//host`
            // cannot turn into a redirect to another site.
            let mut location = String::from("/");
            for segment in &segments {
                location.extend(utf8_percent_encode(segment, SEGMENT));
                location.push('/');
            }
            return Ok(Target::Redirect(location));
        }
        return match inside(root, &real.join("index.html")) {
            Some(index) if index.is_file() => Ok(Target::File(index)),
            _ => Ok(Target::NotFound),
        };
    }
    if real.is_file() {
        Ok(Target::File(real))
    } else {
        Ok(Target::NotFound)
    }
}

/// Whether every `%` starts an escape of two hex digits. A stray `%` is an error
/// rather than a literal, so there is exactly one reading of every path.
fn strictly_encoded(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit))
    })
}

/// What a path segment keeps unescaped in a Location header (RFC 3986 `pchar`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// `path` with every symlink resolved, if it exists, is inside `root` and is none of
/// piazza's own files (a link to the marker is no way to reach it).
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    let rel = real.strip_prefix(root).ok()?;
    let private = rel
        .components()
        .any(|c| is_private(&c.as_os_str().to_string_lossy()));
    (!private).then_some(real)
}

/// The site's 404 page (with the live-reload script, so fixing a broken link reloads
/// it), or a plain text one when the site has none.
fn not_found(root: &Path) -> Reply {
    inside(root, &root.join("404.html"))
        .and_then(|page| serve_file(&page, 404))
        .unwrap_or_else(|| Reply::text(404, "404 Not Found\n"))
}

/// The file at `path`; HTML gets the live-reload script. `None` when the file cannot
/// be read (for instance deleted by a rebuild since it was resolved).
fn serve_file(path: &Path, status: u16) -> Option<Reply> {
    let content_type = content_type(path);
    let content = if content_type.starts_with("text/html") {
        Content::Bytes(inject(std::fs::read(path).ok()?))
    } else {
        let file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        Content::File(file, len)
    };
    Some(Reply {
        status,
        content_type,
        location: None,
        content,
    })
}

/// The Content-Type for a file, from its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        // application/xml rather than application/rss+xml: browsers show it instead of
        // downloading it, which is what a preview wants.
        "xml" | "xsl" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_is_strict() {
        assert!(strictly_encoded("/a%20b/%2e%2E"));
        assert!(!strictly_encoded("/a%2"));
        assert!(!strictly_encoded("/a%zz"));
        assert!(!strictly_encoded("/%"));
    }

    #[test]
    fn redirects_escape_their_segments() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(root.join("a b?")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            resolve(&root, "/a%20b%3F"),
            Ok(Target::Redirect("/a%20b%3F/".into()))
        );
    }
}
