//! Plain-text summaries for lists and feeds.

use std::borrow::Cow;
use std::fmt::Write;

use comrak::nodes::NodeValue;
use comrak::Arena;

use crate::config::MarkdownOptions;
use crate::limits::ByteSize;

use super::{calls_in, has_calls, options, parse};

/// A plain-text summary of the start of `body`: at most `max` characters, cut at a word.
pub fn summary(body: &str, max: usize) -> String {
    // The first few paragraphs are enough; don't parse a whole long guide for this.
    let mut end = body.len().min(4000);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let body = without_calls(&body[..end]);
    let arena = Arena::new();
    // More than one element per byte read is a table filling itself with empty
    // cells, which holds no text for a summary.
    let Some(root) = parse(
        &arena,
        &body,
        &options(MarkdownOptions::default()),
        ByteSize(2 * end as u64),
    ) else {
        return String::new();
    };
    let mut text = String::new();
    for para in root
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Paragraph))
    {
        if para
            .ancestors()
            .skip(1)
            .any(|a| !matches!(a.data().value, NodeValue::Document))
        {
            continue;
        }
        let before = text.len();
        for n in para.descendants() {
            match &n.data().value {
                NodeValue::Text(t) => text.push_str(t),
                NodeValue::Code(c) => text.push_str(&c.literal),
                NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
                _ => {}
            }
        }
        let para_text = text[before..].trim().to_string();
        text.truncate(before);
        text.push_str(&para_text);
        if text.len() > before {
            text.push(' ');
        }
        if text.chars().count() > max {
            break;
        }
    }
    truncate_at_word(text.trim(), max)
}

/// `body` without its shortcode calls (and their bodies), for a plain-text summary.
pub(super) fn without_calls(body: &str) -> Cow<'_, str> {
    if !has_calls(body) {
        return Cow::Borrowed(body);
    }
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options(MarkdownOptions::default()));
    let (calls, _) = calls_in(body, root);
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    for call in calls.iter().filter(|c| c.depth == 0) {
        out.push_str(&body[at..call.range.start]);
        at = call.range.end;
    }
    out.push_str(&body[at..]);
    Cow::Owned(out)
}

/// Cuts `text` to at most `max` characters at a word boundary, adding an ellipsis.
pub fn truncate_at_word(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 2 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max - 1).collect();
    }
    let trimmed = out
        .trim_end_matches([',', ';', ':', '.', '-', '–', '—'])
        .to_string();
    let mut s = trimmed;
    let _ = write!(s, "…");
    s
}
