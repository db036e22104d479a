//! A submitted comment checked field by field: what the endpoint and the importers
//! accept into the moderation queue, and why they refuse the rest.

use std::collections::HashMap;

use super::store::{self, Pending, MAX_BODY, MAX_EMAIL, MAX_NAME, MAX_WEBSITE};
use super::view::http_url;
use crate::content::date::Date;

/// Why a submission is refused: the HTTP status the endpoint answers with, and words
/// for the person (or the importer's report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400 malformed or missing fields, a filled honeypot; 403 a token not genuine;
    /// 404 not a page with comments; 413 too large; 415 not a form; 422 too fast;
    /// 429 too many from one address.
    pub status: u16,
    /// What is wrong.
    pub message: String,
}

/// Shorthand for a refusal.
pub fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

/// The form's fields, decoded.
pub type Fields = HashMap<String, String>;

/// Decodes `application/x-www-form-urlencoded` bytes; a field given twice, bytes that
/// are not UTF-8 or a broken `%` escape make the form malformed.
pub fn parse_form(bytes: &[u8]) -> Result<Fields, Refusal> {
    let text = std::str::from_utf8(bytes).map_err(|_| refuse(400, "the form is not UTF-8"))?;
    let mut fields = Fields::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k)?, decode(v)?);
        if fields.insert(k.clone(), v).is_some() {
            return Err(refuse(400, format!("the field `{k}` is sent twice")));
        }
    }
    Ok(fields)
}

fn decode(s: &str) -> Result<String, Refusal> {
    let bytes = s.as_bytes();
    if bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    }) {
        return Err(refuse(400, "the form has a broken % escape"));
    }
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| refuse(400, "the form is not UTF-8"))
}

/// What a submission is checked against.
pub struct Site<'a> {
    /// Site path -> source of each page with comments.
    pub pages: &'a HashMap<String, String>,
    /// The base URL's path prefix (`/blog`), which a full URL in `page` may carry.
    pub prefix: &'a str,
}

/// The fields people fill in, checked: (name, email, website, body, reply_to).
type Filled = (String, String, Option<String>, String, Option<String>);

/// Checks the fields people fill in, as both the endpoint and the importers need.
pub fn check_filled(fields: &Fields) -> Result<Filled, Refusal> {
    let get = |k: &str| fields.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let name = get("name").ok_or_else(|| refuse(400, "the name is missing"))?;
    let email = get("email").ok_or_else(|| refuse(400, "the email is missing"))?;
    let body = fields
        .get("body")
        .map(|b| b.trim().replace("\r\n", "\n"))
        .filter(|b| !b.is_empty())
        .ok_or_else(|| refuse(400, "the comment is empty"))?;
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(refuse(
            400,
            format!("the name must be at most {MAX_NAME} characters, on one line"),
        ));
    }
    if !plausible_email(email) {
        return Err(refuse(400, "the email address is not valid"));
    }
    if body.chars().count() > MAX_BODY {
        return Err(refuse(
            413,
            format!("the comment is longer than {MAX_BODY} characters"),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(refuse(400, "the comment holds control characters"));
    }
    let website = match get("website") {
        Some(w) if w.len() > MAX_WEBSITE || !http_url(w) => {
            return Err(refuse(400, "the website must be an http(s) address"))
        }
        w => w.map(str::to_string),
    };
    let reply_to = match get("reply_to") {
        Some(r) if !store::valid_id(r) => return Err(refuse(400, "reply_to is not a comment id")),
        r => r.map(str::to_string),
    };
    Ok((name.to_string(), email.to_string(), website, body, reply_to))
}

/// An address of the shape `local@domain.tld`, on one line.
fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
}

/// The page a submission names (a site path, or a full URL of this site), as
/// (site path, source), if it is a page with comments.
pub fn page_of(site: &Site<'_>, page: &str) -> Option<(String, String)> {
    let path = match page.find("://") {
        Some(i) => page[i + 3..].find('/').map_or("/", |j| &page[i + 3 + j..]),
        None => page,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let path = path
        .strip_prefix(site.prefix)
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path);
    site.pages
        .get(path)
        .map(|source| (path.to_string(), source.clone()))
}

/// Makes a queue record of checked fields arriving at `now` (Unix seconds).
pub fn pending(
    filled: Filled,
    (page, source): (String, String),
    now: i64,
    date: Option<Date>,
) -> Result<Pending, Refusal> {
    let (author, email, website, body, reply_to) = filled;
    let id = store::new_id(now).map_err(|e| refuse(500, e.to_string()))?;
    Ok(Pending {
        id,
        page,
        source,
        author,
        email,
        website,
        date: date.unwrap_or_else(|| Date::from_unix(now)).rfc3339(),
        body,
        reply_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_refuse_garbage() {
        let f = parse_form(b"name=Anna+Rossi&body=caff%C3%A8%21").unwrap();
        assert_eq!(f["name"], "Anna Rossi");
        assert_eq!(f["body"], "caffè!");
        assert_eq!(parse_form(b"a=%zz").unwrap_err().status, 400);
        assert_eq!(parse_form(b"a=1&a=2").unwrap_err().status, 400);
        assert_eq!(parse_form(&[0x61, 0x3d, 0xff]).unwrap_err().status, 400);
    }

    #[test]
    fn pages_by_url_or_path() {
        let pages: HashMap<String, String> =
            [("/guides/a/".to_string(), "guides/a.md".to_string())].into();
        let site = Site {
            pages: &pages,
            prefix: "/blog",
        };
        assert!(page_of(&site, "/guides/a/").is_some());
        assert!(page_of(&site, "https://x.example/blog/guides/a/?x#c").is_some());
        assert!(page_of(&site, "/guides/b/").is_none());
    }
}
