//! `piazza comments import FILE`: the submissions a hosted form service collected
//! (a Netlify Forms or Formspree export, JSON or CSV) into the moderation queue.
//!
//! Every record is checked like a post to the endpoint (name, email, body, a page of
//! this site with comments); all are checked before any is queued, so a bad export
//! queues nothing. Records with a filled honeypot are skipped, and so are records
//! already waiting (same page, email and text), so importing a file twice is harmless.

use std::path::Path;

use super::store::{self, Pending};
use super::submission::{self, Fields};
use crate::config::Config;
use crate::content::date::Date;
use crate::content::{Content, LoadOptions};
use crate::error::{Error, Errors};

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Records queued.
    pub queued: usize,
    /// Records skipped: honeypot filled, or already waiting.
    pub skipped: usize,
}

/// The names services and forms use for each field, first the form's own.
const ALIASES: [(&str, &[&str]); 7] = [
    ("name", &["name", "author", "nome"]),
    ("email", &["email", "e-mail", "mail"]),
    ("website", &["website", "url", "sito"]),
    (
        "body",
        &["body", "comment", "message", "commento", "messaggio"],
    ),
    ("page", &["page", "page_url", "referrer"]),
    ("reply_to", &["reply_to"]),
    ("fax", &["fax", "_gotcha", "bot-field"]),
];
/// Where the exports keep the time of a submission.
const DATES: [&str; 5] = ["created_at", "_date", "date", "submitted_at", "timestamp"];

/// Reads `file` and queues its records for the site at `root`.
pub fn import(root: &Path, file: &Path) -> Result<Imported, Errors> {
    let config = Config::load(root)?;
    let now = crate::content::date::now_key().map_err(Error::new)?;
    let content = Content::load(
        &config,
        LoadOptions {
            drafts: false,
            future: false,
            now,
        },
    )?;
    let pages = super::pages_by_path(&config, &content);
    let shown = file.to_path_buf();
    let text = crate::source::read_utf8(file, &shown)?;
    let records = if text.trim_start().starts_with(['[', '{']) {
        json_records(&text, &shown)?
    } else {
        csv_records(&text, &shown)?
    };
    let waiting = store::pending(root)?;
    let site = submission::Site {
        pages: &pages,
        prefix: &config.base_url.prefix,
    };
    let mut errors = Errors::default();
    let mut queue: Vec<Pending> = Vec::new();
    let mut result = Imported::default();
    for (line, raw) in records {
        let fields = normalise(&raw);
        let at = |m: String| Error::in_file(&shown, m).at_line(line);
        if fields.get("fax").is_some_and(|v| !v.trim().is_empty()) {
            result.skipped += 1;
            continue;
        }
        let filled = match submission::check_filled(&fields) {
            Ok(f) => f,
            Err(r) => {
                errors.push(at(r.message));
                continue;
            }
        };
        let page_field = fields.get("page").map_or("", String::as_str);
        let Some(page) = submission::page_of(&site, page_field) else {
            errors.push(at(format!("`{page_field}` is not a page of this site with comments")).hint(
                "each record needs a `page` field (or Netlify's `referrer`) with the page's address",
            ));
            continue;
        };
        let date = DATES
            .iter()
            .find_map(|k| raw.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()))
            .and_then(parse_date);
        let when = date.map_or(now, |d| d.sort_key());
        match submission::pending(filled, page, when, date) {
            Ok(p) => {
                let dup = |o: &Pending| {
                    o.page == p.page
                        && store::email_key(&o.email) == store::email_key(&p.email)
                        && o.body == p.body
                };
                if waiting.iter().chain(&queue).any(dup) {
                    result.skipped += 1;
                } else {
                    queue.push(p);
                }
            }
            Err(r) => errors.push(at(r.message)),
        }
    }
    errors.into_result()?;
    for p in &queue {
        store::enqueue(root, p)?;
        result.queued += 1;
    }
    Ok(result)
}

/// The form's field names for a record's (name, value) pairs.
fn normalise(raw: &[(String, String)]) -> Fields {
    let mut fields = Fields::new();
    for (field, names) in ALIASES {
        if let Some((_, v)) = names.iter().find_map(|n| {
            raw.iter()
                .find(|(k, v)| k.eq_ignore_ascii_case(n) && !v.is_empty())
        }) {
            fields.insert(field.to_string(), v.clone());
        }
    }
    fields
}

/// RFC 3339, or the `2025-03-01 09:30:00 UTC` form some exports write.
fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    Date::parse(s).ok().or_else(|| {
        let t = s.trim_end_matches(" UTC").replacen(' ', "T", 1);
        Date::parse(&t)
            .or_else(|_| Date::parse(&format!("{t}Z")))
            .ok()
    })
}

type Record = (usize, Vec<(String, String)>);

/// A JSON export: an array of records (or `{"submissions": [...]}`), each flat or with
/// its fields under `data` (Netlify).
fn json_records(text: &str, shown: &Path) -> Result<Vec<Record>, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::in_file(shown, format!("this is not valid JSON: {e}")).at(e.line(), e.column())
    })?;
    let list = match &value {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => match o.get("submissions").or_else(|| o.get("data")) {
            Some(serde_json::Value::Array(a)) => a,
            _ => {
                return Err(Error::in_file(shown, "expected a list of submissions")
                    .hint("export the form's submissions as JSON or CSV"))
            }
        },
        _ => return Err(Error::in_file(shown, "expected a list of submissions")),
    };
    let text_of = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Ok(list
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut pairs = Vec::new();
            if let Some(o) = r.as_object() {
                for (k, v) in o {
                    pairs.extend(text_of(v).map(|t| (k.clone(), t)));
                }
                if let Some(data) = o.get("data").and_then(|d| d.as_object()) {
                    // The form's own fields come first, over the service's.
                    let own: Vec<_> = data
                        .iter()
                        .filter_map(|(k, v)| text_of(v).map(|t| (k.clone(), t)))
                        .collect();
                    pairs.splice(0..0, own);
                }
            }
            (i + 1, pairs)
        })
        .collect())
}

/// A CSV export with a header row (RFC 4180: quoted fields, `""`, line breaks inside
/// quotes). Each record carries the line it starts on.
fn csv_records(text: &str, shown: &Path) -> Result<Vec<Record>, Error> {
    let rows = csv_rows(text).map_err(|line| {
        Error::in_file(shown, "a quoted field is never closed")
            .at_line(line)
            .hint("check the export: every `\"` that opens a field needs one that closes it")
    })?;
    let mut rows = rows.into_iter();
    let Some((_, header)) = rows.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    Ok(rows
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(line, r)| {
            let pairs = header.iter().cloned().zip(r).collect();
            (line, pairs)
        })
        .collect())
}

/// Rows of fields with their first line; Err(line) for a quote left open.
fn csv_rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push((start, std::mem::take(&mut row)));
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(start);
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push((start, row));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_and_line_breaks() {
        let rows = csv_rows("name,body\nAnna,\"Ciao, \"\"tutti\"\"\nriga due\"\nBea,x\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].1[1], "Ciao, \"tutti\"\nriga due");
        assert_eq!(rows[2].0, 4);
        assert_eq!(csv_rows("a\n\"open").unwrap_err(), 2);
    }

    #[test]
    fn export_dates() {
        assert!(parse_date("2025-03-01T09:30:00Z").is_some());
        assert!(parse_date("2025-03-01 09:30:00 UTC").is_some());
        assert!(parse_date("ieri").is_none());
    }
}
