//! The shortcode calls of one body swapped for placeholders before comrak parses it,
//! and their HTML put back as raw nodes after, so shortcode output is never read as
//! Markdown and arguments never pass through smart punctuation or autolinks.

use std::borrow::Cow;

use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options};

use crate::config::MarkdownOptions;

use super::shortcodes::Call;
use super::{
    call_error, calls_in, has_calls, parse, render, too_many_elements, MarkdownError, Resolver,
};

/// Where a call's placeholder starts: a character of Unicode's private use area, which
/// neither Markdown nor authors' text uses, then the call's number.
pub(super) const MARK: char = '\u{E000}';
/// Where a placeholder ends.
pub(super) const MARK_END: char = '\u{E001}';

/// The calls of one body, swapped for placeholders until comrak has parsed the rest.
pub(super) struct Placed<'c> {
    /// The body with its calls replaced.
    pub(super) text: Cow<'c, str>,
    pub(super) src: &'c str,
    /// The calls outside bodies (those inside are the body's own, rendered with it).
    pub(super) calls: Vec<Call>,
    pub(super) used: Vec<bool>,
    pub(super) offset: usize,
    pub(super) options: &'c Options<'static>,
    pub(super) md: MarkdownOptions,
    pub(super) resolver: &'c dyn Resolver,
}

impl<'c> Placed<'c> {
    /// Finds the calls in `src` and puts placeholders of the same length in their
    /// place (lines stay where they were, for errors); a call with a body becomes a
    /// paragraph of its own.
    pub(super) fn new(
        src: &'c str,
        offset: usize,
        options: &'c Options<'static>,
        md: MarkdownOptions,
        resolver: &'c dyn Resolver,
    ) -> Result<Placed<'c>, Vec<MarkdownError>> {
        let mut calls = Vec::new();
        if has_calls(src) {
            let arena = Arena::new();
            let root = parse(&arena, src, options, md.max_page_size)
                .ok_or_else(|| vec![too_many_elements(offset + 1, md.max_page_size)])?;
            let (found, errors) = calls_in(src, root);
            if !errors.is_empty() {
                return Err(errors.into_iter().map(|e| call_error(e, offset)).collect());
            }
            calls = found.into_iter().filter(|c| c.depth == 0).collect();
        }
        let text = if calls.is_empty() {
            Cow::Borrowed(src)
        } else {
            let mut text = String::with_capacity(src.len());
            let mut at = 0;
            for (k, call) in calls.iter().enumerate() {
                text.push_str(&src[at..call.range.start]);
                let mark = format!("{MARK}{k}");
                let span = &src[call.range.clone()];
                if call.body.is_some() {
                    let lines = span.matches('\n').count();
                    text.push('\n');
                    text.push_str(&mark);
                    text.push(MARK_END);
                    text.push_str(&"\n".repeat(lines.max(2) - 1));
                } else {
                    text.push_str(&mark);
                    let pad = span.len().saturating_sub(mark.len() + MARK_END.len_utf8());
                    text.extend(std::iter::repeat_n('x', pad));
                    text.push(MARK_END);
                }
                at = call.range.end;
            }
            text.push_str(&src[at..]);
            Cow::Owned(text)
        };
        Ok(Placed {
            text,
            src,
            used: vec![false; calls.len()],
            calls,
            offset,
            options,
            md,
            resolver,
        })
    }

    /// The HTML of call `k`, its body rendered first.
    pub(super) fn html(&mut self, k: usize, inline: bool) -> Result<String, Vec<MarkdownError>> {
        self.used[k] = true;
        let call = &self.calls[k];
        let located = |(message, hint): (String, String)| {
            vec![MarkdownError {
                line: call.line + self.offset,
                column: call.column,
                message,
                hint,
            }]
        };
        if let Some(n) = call.thesis() {
            let html = if inline {
                self.resolver.thesis_inline(n)
            } else {
                self.resolver.thesis_block(n)
            };
            return html.ok_or_else(|| {
                located((
                    format!("there is no thesis number {n}"),
                    "check the number against the files in the theses folder".into(),
                ))
            });
        }
        let body = match &call.body {
            Some((range, line)) => Some(render(
                &self.src[range.clone()],
                line + self.offset,
                self.options,
                self.md,
                self.resolver,
            )?),
            None => None,
        };
        self.resolver.shortcode(call, body, inline).map_err(located)
    }

    /// A paragraph that holds only a call becomes the call's block HTML.
    pub(super) fn block<'a>(
        &mut self,
        arena: &'a Arena<'a>,
        node: &'a AstNode<'a>,
        errors: &mut Vec<MarkdownError>,
    ) {
        let mut text = String::new();
        for child in node.children() {
            match &child.data().value {
                NodeValue::Text(t) => text.push_str(t),
                _ => return,
            }
        }
        let Some((0, end, k)) = placeholder(text.trim(), self.calls.len()) else {
            return;
        };
        if end != text.trim().len() {
            return;
        }
        match self.html(k, false) {
            Ok(mut html) => {
                if !html.ends_with('\n') {
                    html.push('\n');
                }
                node.insert_before(arena.alloc(AstNode::from(NodeValue::Raw(html))));
                node.detach();
            }
            Err(e) => {
                errors.extend(e);
                node.detach();
            }
        }
    }

    /// Calls inside running text become their inline HTML.
    pub(super) fn inline<'a>(
        &mut self,
        arena: &'a Arena<'a>,
        node: &'a AstNode<'a>,
        errors: &mut Vec<MarkdownError>,
    ) {
        // An image's text is its alt attribute: no HTML may go there.
        if node
            .ancestors()
            .any(|a| matches!(a.data().value, NodeValue::Image(_)))
        {
            return;
        }
        // comrak may split running text into several Text nodes; join them first.
        while let Some(next) = node.next_sibling() {
            let more = match &next.data().value {
                NodeValue::Text(t) => t.to_string(),
                _ => break,
            };
            if let NodeValue::Text(t) = &mut node.data_mut().value {
                t.to_mut().push_str(&more);
            }
            next.detach();
        }
        let text = match &node.data().value {
            NodeValue::Text(t) => t.to_string(),
            _ => return,
        };
        let mut pieces: Vec<NodeValue> = Vec::new();
        let mut at = 0;
        while let Some((start, end, k)) = placeholder(&text[at..], self.calls.len()) {
            if start > 0 {
                pieces.push(NodeValue::Text(text[at..at + start].to_string().into()));
            }
            match self.html(k, true) {
                Ok(html) => pieces.push(NodeValue::Raw(html)),
                Err(e) => errors.extend(e),
            }
            at += end;
        }
        if pieces.is_empty() {
            return;
        }
        if at < text.len() {
            pieces.push(NodeValue::Text(text[at..].to_string().into()));
        }
        for value in pieces {
            node.insert_before(arena.alloc(AstNode::from(value)));
        }
        node.detach();
    }

    /// Calls that ended up where no HTML can go (a link's address, an image's text).
    pub(super) fn misplaced(&self, errors: &mut Vec<MarkdownError>) {
        for (call, used) in self.calls.iter().zip(&self.used) {
            if !used {
                errors.push(MarkdownError {
                    line: call.line + self.offset,
                    column: call.column,
                    message: format!("the shortcode `{}` cannot stand here", call.name),
                    hint: "put it in running text or on a line of its own, not in a link's address or an image's text".into(),
                });
            }
        }
    }
}

/// The first placeholder in `text`: its start, its end and the call's number.
pub(super) fn placeholder(text: &str, calls: usize) -> Option<(usize, usize, usize)> {
    text.match_indices(MARK).find_map(|(start, _)| {
        let after = &text[start + MARK.len_utf8()..];
        let digits = after.find(|c: char| !c.is_ascii_digit())?;
        let k = after[..digits].parse().ok()?;
        let pad = after[digits..].find(|c: char| c != 'x')?;
        (k < calls && after[digits + pad..].starts_with(MARK_END)).then_some((
            start,
            start + MARK.len_utf8() + digits + pad + MARK_END.len_utf8(),
            k,
        ))
    })
}
