//! Where text comes from: reading a file that must be UTF-8, the line and column of a
//! byte in it, a path as errors show it, and a file's stamp (what tells watch mode a
//! file changed without reading it). Every layer above reports places with these.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// A file a page or section refers to from its text, found when loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    /// 1-based line in the source file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Reads a file that must be UTF-8, naming the line and column of the first bad byte.
pub fn read_utf8(path: &Path, shown: &Path) -> Result<String, Error> {
    utf8(
        std::fs::read(path).map_err(|e| Error::io(shown, &e))?,
        shown,
    )
}

/// The text of a file's bytes, naming the line and column of the first bad byte.
pub fn utf8(bytes: Vec<u8>, shown: &Path) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = position_of(e.as_bytes(), e.utf8_error().valid_up_to());
        Error::in_file(shown, "this file is not valid UTF-8")
            .at(line, column)
            .hint("save it with UTF-8 encoding (most editors have it under \"Save with encoding\")")
    })
}

/// The 1-based line and column of byte `offset`.
pub fn position_of(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// A path as errors show it: relative to the site when inside it.
pub fn shown_path(site_root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(site_root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// When a file was last changed, as far as piazza can tell without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stamp {
    /// Modification time in nanoseconds since the epoch.
    pub modified: u128,
    /// Size in bytes.
    pub len: u64,
}

impl Stamp {
    /// The stamp of a file's metadata.
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            modified: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos()),
            len: meta.len(),
        }
    }
}
