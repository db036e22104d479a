//! What one page may cost: its size in bytes and the Markdown elements it makes.
//!
//! comrak keeps every element of a page (a paragraph, a link, a table cell) as a node of
//! about 140 bytes, and a table can make far more elements than it has bytes: a header
//! of 500 columns over 1,000 lines of `x` is 4 KB that comrak fills with 500,000 empty
//! cells. So a page may be at most `markdown.max_page_size` bytes (default 1 MB) and
//! make at most one element per two bytes of that limit (524,288 by default), which
//! keeps the worst page allowed at well under 100 MB of memory.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::Error;

/// A size in bytes, written in config.yaml as a number of bytes (`1500000`) or with a
/// unit (`"512 KB"`, `"2 MB"`; KB = 1024 bytes, MB = 1024 KB, GB = 1024 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByteSize(pub u64);

const KB: u64 = 1024;
const MB: u64 = 1024 * KB;
const GB: u64 = 1024 * MB;

impl ByteSize {
    /// The default `markdown.max_page_size`.
    pub const DEFAULT_PAGE: ByteSize = ByteSize(MB);

    /// Parses `"512 KB"`, `"2MB"`, `"1.5 mb"` or a plain number of bytes.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len());
        let (number, unit) = (&t[..split], t[split..].trim());
        let scale = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => KB,
            "m" | "mb" | "mib" => MB,
            "g" | "gb" | "gib" => GB,
            _ => return Err(format!("`{t}` is not a size; write a number of bytes or a size such as \"512 KB\" or \"2 MB\"")),
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("`{t}` is not a size; write a number of bytes or a size such as \"512 KB\" or \"2 MB\""))?;
        ByteSize::positive((value * scale as f64) as u64)
    }

    fn positive(bytes: u64) -> Result<ByteSize, String> {
        if bytes == 0 {
            Err("the size must be more than 0 bytes".into())
        } else {
            Ok(ByteSize(bytes))
        }
    }

    /// The most Markdown elements a page may make under this page size limit.
    pub fn max_elements(self) -> usize {
        usize::try_from(self.0 / 2).unwrap_or(usize::MAX)
    }
}

impl fmt::Display for ByteSize {
    /// `1 MB`, `1.1 MB`, `512 KB`, `300 bytes`: one decimal at most, as people say it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        let (scale, unit) = match n {
            n if n >= GB => (GB, "GB"),
            n if n >= MB => (MB, "MB"),
            n if n >= KB => (KB, "KB"),
            _ => return write!(f, "{n} bytes"),
        };
        let tenths = (n * 10 + scale / 2) / scale;
        if tenths.is_multiple_of(10) {
            write!(f, "{} {unit}", tenths / 10)
        } else {
            write!(f, "{}.{} {unit}", tenths / 10, tenths % 10)
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteSize, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of bytes or a size such as \"512 KB\" or \"2 MB\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                ByteSize::positive(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("the size must be more than 0 bytes"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(SizeVisitor)
    }
}

/// Reads a Markdown page of at most `limit` bytes; a larger one is refused before it
/// is read (and a file that grows while it is read, when it passes the limit).
pub fn read_page(path: &Path, shown: &Path, limit: ByteSize) -> Result<String, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(shown, &e))?;
    let len = file.metadata().map_err(|e| Error::io(shown, &e))?.len();
    if len > limit.0 {
        return Err(too_large(shown, len, limit));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit.0.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(shown, &e))?;
    if bytes.len() as u64 > limit.0 {
        return Err(too_large(shown, bytes.len() as u64, limit));
    }
    crate::source::utf8(bytes, shown)
}

fn too_large(shown: &Path, len: u64, limit: ByteSize) -> Error {
    let suggested = ByteSize(len.div_ceil(MB) * MB);
    Error::in_file(
        shown,
        format!(
            "this page is {} ({len} bytes), over the limit of {limit} set by `markdown.max_page_size`",
            ByteSize(len)
        ),
    )
    .hint(format!(
        "split it into several pages, or raise the limit in config.yaml: `markdown: {{ max_page_size: \"{suggested}\" }}`"
    ))
}

/// The error for a page that makes more than [`ByteSize::max_elements`] elements.
pub fn too_many_elements(limit: ByteSize) -> String {
    format!(
        "this page makes more than {} Markdown elements (paragraphs, links, table cells), the most `markdown.max_page_size` of {limit} allows; a table with many columns and short rows is filled with empty cells",
        limit.max_elements()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print_as_written() {
        assert_eq!(ByteSize::parse("2 MB"), Ok(ByteSize(2 * MB)));
        assert_eq!(ByteSize::parse("512kb"), Ok(ByteSize(512 * KB)));
        assert_eq!(ByteSize::parse("1.5 MiB"), Ok(ByteSize(3 * MB / 2)));
        assert_eq!(ByteSize::parse("1000"), Ok(ByteSize(1000)));
        for bad in ["", "MB", "2 XB", "1.5.2 MB", "0", "0 KB", "-1 MB", "inf"] {
            assert!(ByteSize::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ByteSize(MB).to_string(), "1 MB");
        assert_eq!(ByteSize(1_200_000).to_string(), "1.1 MB");
        assert_eq!(ByteSize(512 * KB).to_string(), "512 KB");
        assert_eq!(ByteSize(300).to_string(), "300 bytes");
        assert_eq!(ByteSize::DEFAULT_PAGE.max_elements(), 524_288);
    }
}
