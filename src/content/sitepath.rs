//! Paths written in front matter (`aliases:`, `slug:`), decoded and normalised, and
//! refused when they could reach outside the output folder or name a file that some
//! operating system cannot write.
//!
//! An alias is read the way a browser reads the URL it stands for: `%`-escapes are
//! decoded, empty and `.` segments dropped. What a web server would decode into a path
//! separator or a parent folder (`%2F`, `%5C`, `%2e%2e`), a NUL, a control character,
//! a backslash or a drive letter is refused rather than cleaned up, since no old
//! address of a site looks like that.

/// The longest file or folder name, in bytes, that common file systems allow.
pub const MAX_SEGMENT: usize = 255;

/// What an alias must look like, for every refusal.
const ALIAS_HINT: &str = "write aliases as site paths, e.g. /old/address/ or /old/page.html";

/// A refused path: what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: &'static str,
}

/// `old/page` or `/old/page.html` -> `/old/page/` (or `/old/page.html`), decoded.
pub fn alias(raw: &str) -> Result<String, Refusal> {
    let a = raw.trim();
    let refuse = |why: &str| Refusal {
        message: format!("the alias `{}` {why}", shown(a)),
        hint: ALIAS_HINT,
    };
    if a.is_empty() {
        return Err(refuse("is empty"));
    }
    if a.contains("://") || a.starts_with("//") {
        return Err(refuse("is a full URL, not a path on this site"));
    }
    if a.contains(['?', '#']) {
        return Err(refuse(
            "has a query or a fragment (`?`, `#`); an alias is a path only",
        ));
    }
    let segments = segments(a, true).map_err(|why| refuse(&why))?;
    for s in &segments {
        if let Some(c) = s.chars().find(|c| "<>:\"|?*".contains(*c)) {
            return Err(refuse(&format!(
                "has `{c}`, which Windows does not allow in a file name"
            )));
        }
    }
    let joined = segments.join("/");
    Ok(if joined.is_empty() {
        "/".to_string()
    } else if joined.ends_with(".html") {
        format!("/{joined}")
    } else {
        format!("/{joined}/")
    })
}

/// The URL slug a `slug:` value gives: `%`-escapes decoded, then slugified.
pub fn slug(raw: &str) -> Result<String, Refusal> {
    let s = raw.trim();
    let refuse = |why: &str| Refusal {
        message: format!("the slug `{}` {why}", shown(s)),
        hint: "a slug is one URL segment, e.g. `slug: social-media-per-chi`",
    };
    let segments = segments(s, false).map_err(|why| refuse(&why))?;
    let slug = super::slugify(&segments.join("/"));
    if slug.is_empty() {
        return Err(refuse("has no letters or digits"));
    }
    Ok(slug)
}

/// The decoded segments of `path`, without empty and `.` ones, or why it is refused.
/// `strict` refuses a `%` that starts no escape (an alias must be a valid URL path; a
/// slug keeps it as text, which slugifying drops).
fn segments(path: &str, strict: bool) -> Result<Vec<String>, String> {
    if path.contains('\\') {
        return Err("holds a backslash (`\\`); paths on the web use `/`".into());
    }
    let mut out = Vec::new();
    for raw in path.split('/') {
        let segment = decode(raw, strict)?;
        if let Some(c) = segment.chars().find(|c| c.is_control()) {
            return Err(format!(
                "holds a control character (U+{:04X})",
                u32::from(c)
            ));
        }
        match segment.as_str() {
            "" | "." => continue,
            ".." if raw == ".." => {
                return Err("holds `..`, which would climb out of the output folder".into())
            }
            ".." => {
                return Err(format!(
                    "holds `{raw}`, an encoded `..`, which would climb out of the output folder"
                ))
            }
            _ => {}
        }
        let b = segment.as_bytes();
        if out.is_empty() && b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
            return Err(format!(
                "starts with a drive letter (`{segment}`), which would write outside the output folder on Windows"
            ));
        }
        out.push(segment);
    }
    Ok(out)
}

/// Decodes the `%`-escapes of one path segment, refusing the escapes of a separator or
/// NUL (`%2F`, `%5C`, `%00`) and bytes that are not UTF-8.
fn decode(raw: &str, strict: bool) -> Result<String, String> {
    if !raw.contains('%') {
        return Ok(raw.to_string());
    }
    let b = raw.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = raw.get(i + 1..i + 3).filter(|_| b[i] == b'%');
        match hex.map(|h| (h, u8::from_str_radix(h, 16))) {
            Some((h, Ok(byte))) if h.bytes().all(|c| c.is_ascii_hexdigit()) => {
                if matches!(byte, b'/' | b'\\' | 0) {
                    return Err(format!(
                        "holds `%{h}`, an encoded {}",
                        if byte == 0 { "NUL" } else { "path separator" }
                    ));
                }
                bytes.push(byte);
                i += 3;
            }
            _ if b[i] == b'%' && strict => {
                return Err("has a `%` that starts no escape; write a literal `%` as `%25`".into())
            }
            _ => {
                bytes.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).map_err(|_| "has %-escapes that are not UTF-8 text".to_string())
}

/// A written path as messages show it: control characters escaped, at most 60 characters.
pub fn shown(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &escaped[..i]),
        None => escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_normalised() {
        assert_eq!(alias("old/page").unwrap(), "/old/page/");
        assert_eq!(alias("/old//./page/").unwrap(), "/old/page/");
        assert_eq!(alias("/old/page.html").unwrap(), "/old/page.html");
        assert_eq!(alias("/caff%C3%A8/").unwrap(), "/caffè/");
        assert_eq!(alias("/50%25/").unwrap(), "/50%/");
        assert_eq!(alias("/").unwrap(), "/");
    }

    #[test]
    fn dangerous_aliases_are_refused() {
        for bad in [
            "../x",
            "/a/../../x",
            "/.%2E/x",
            "C:/Windows/x",
            "c:",
            "/a\\b",
            "/a%2fb",
            "/a%5Cb",
            "/a%00b",
            "/a\u{1}b",
            "/a%0Ab",
            "/a%zz",
            "/a%FF",
            "/a:b",
            "https://elsewhere.example/",
            "//elsewhere.example/",
            "/a?b",
            "",
        ] {
            assert!(alias(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn slugs_are_decoded_then_slugified() {
        assert_eq!(slug("caff%C3%A8").unwrap(), "caffe");
        assert_eq!(slug("sconto 50%").unwrap(), "sconto-50");
        assert_eq!(slug("Q: perché?").unwrap(), "q-perche");
        for bad in ["../x", "C:/x", "a\\b", "a%2Fb", "%2e%2e", "a\u{7}b", "😀"] {
            assert!(slug(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn shown_escapes_and_shortens() {
        assert_eq!(shown("a\u{1}b"), "a\\u{1}b");
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 61);
    }
}
