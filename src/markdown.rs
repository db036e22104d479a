//! Markdown: comrak plus piazza's two additions, thesis shortcodes and `@/` links.
//!
//! All comrak use lives here (its API changes often). A page's body is seen twice: a
//! cheap text [`scan`] when loading finds the theses and files it refers to, with their
//! lines, so the whole site's references are checked before anything renders; [`render`]
//! then walks comrak's tree to replace shortcodes and resolve links.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::Mutex;

use comrak::adapters::{HeadingAdapter, HeadingMeta};
use comrak::nodes::{AstNode, NodeValue, Sourcepos};
use comrak::{Arena, Options};

use crate::config::MarkdownOptions;
use crate::content::{slugify, SourceRef};
use crate::links;

/// A problem found in a Markdown body, located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownError {
    /// 1-based file line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// What a body refers to, found without parsing it.
#[derive(Debug, Default)]
pub struct Scan {
    /// Thesis numbers quoted with `{{ thesis(N) }}`.
    pub theses: Vec<(u32, SourceRef)>,
    /// `@/` link targets, without the `@/`.
    pub links: Vec<(String, SourceRef)>,
    /// Malformed or unknown shortcodes.
    pub errors: Vec<MarkdownError>,
    /// Word count.
    pub words: usize,
}

/// A shortcode call as written: `{{ thesis(3) }}`.
#[derive(Debug, PartialEq, Eq)]
enum Shortcode {
    Thesis(u32),
}

/// Parses a shortcode at the start of `s` (which begins with `{{`). Returns `None` when
/// the braces are ordinary text, or the call and its length in bytes.
fn parse_shortcode(s: &str) -> Option<Result<(Shortcode, usize), (String, String)>> {
    let inner_start = 2;
    let close = s.find("}}")?;
    let inner = s[inner_start..close].trim();
    let open = inner.find('(')?;
    let name = inner[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let args = inner[open + 1..].strip_suffix(')')?.trim();
    let len = close + 2;
    Some(match name {
        "thesis" | "tesi" => match args.parse::<u32>() {
            Ok(n) if n > 0 => Ok((Shortcode::Thesis(n), len)),
            _ => Err((
                format!("`{{{{ {name}({args}) }}}}` needs a thesis number"),
                "write it as {{ thesis(3) }}".to_string(),
            )),
        },
        other => Err((
            format!("unknown shortcode `{other}`"),
            "piazza knows {{ thesis(N) }}; to show the braces as text, write them as \\{\\{ or in `code`"
                .to_string(),
        )),
    })
}

/// Finds shortcodes, `@/` links and the word count in `body`, which starts at file line
/// `body_line`. It reads comrak's tree, as [`render`] does, so code blocks, code spans and
/// escaped braces (`\{\{`) are skipped exactly as the renderer skips them; bodies with
/// neither `{{` nor `@/` are not parsed at all.
pub fn scan(body: &str, body_line: usize) -> Scan {
    let mut out = Scan {
        words: body.split_whitespace().count(),
        ..Scan::default()
    };
    if !body.contains("{{") && !body.contains("@/") {
        return out;
    }
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options(MarkdownOptions::default()));
    let offset = body_line - 1;
    for node in root.descendants() {
        let data = node.data();
        match &data.value {
            NodeValue::Link(l) | NodeValue::Image(l) => {
                if let Some(target) = l.url.strip_prefix("@/") {
                    out.links.push((
                        target.to_string(),
                        SourceRef {
                            line: data.sourcepos.start.line + offset,
                            column: data.sourcepos.start.column,
                        },
                    ));
                }
            }
            NodeValue::Text(_) if !starts_text_run(node) => {}
            NodeValue::Text(_) => {
                let text = text_run(node);
                let start = data.sourcepos.start;
                let mut i = 0;
                while let Some(found) = text[i..].find("{{") {
                    let at = i + found;
                    let pos = SourceRef {
                        line: start.line + offset,
                        column: start.column + text[..at].chars().count(),
                    };
                    match parse_shortcode(&text[at..]) {
                        Some(Ok((Shortcode::Thesis(n), len))) => {
                            out.theses.push((n, pos));
                            i = at + len;
                            continue;
                        }
                        Some(Err((message, hint))) => out.errors.push(MarkdownError {
                            line: pos.line,
                            column: pos.column,
                            message,
                            hint,
                        }),
                        None => {}
                    }
                    i = at + 2;
                }
            }
            _ => {}
        }
    }
    out
}

/// The file lines of the images in `body` (starting at file line `body_line`) that have
/// no alt text, `![](x.png)`, for `piazza check`; images in code are not images.
pub fn images_without_alt(body: &str, body_line: usize) -> Vec<usize> {
    if !body.contains("![") {
        return Vec::new();
    }
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options(MarkdownOptions::default()));
    root.descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Image(_)) && !has_text(n))
        .map(|n| n.data().sourcepos.start.line + body_line - 1)
        .collect()
}

/// Whether anything inside `node` is visible text (an image's alt text).
fn has_text<'a>(node: &'a AstNode<'a>) -> bool {
    node.descendants().any(|n| match &n.data().value {
        NodeValue::Text(t) => !t.trim().is_empty(),
        NodeValue::Code(c) => !c.literal.trim().is_empty(),
        _ => false,
    })
}

/// Whether `node` is the first of a run of adjacent text nodes.
fn starts_text_run<'a>(node: &'a AstNode<'a>) -> bool {
    !node
        .previous_sibling()
        .is_some_and(|p| matches!(p.data().value, NodeValue::Text(_)))
}

/// The text of `node` and the text nodes right after it (comrak may split running text).
fn text_run<'a>(node: &'a AstNode<'a>) -> String {
    let mut text = String::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        match &n.data().value {
            NodeValue::Text(t) => text.push_str(t),
            _ => break,
        }
        cur = n.next_sibling();
    }
    text
}

/// How comrak opens the footnotes at the end of a page.
const FOOTNOTES_OPEN: &str = "<section class=\"footnotes\" data-footnotes>";

/// The comrak options for a site; built once per build.
pub fn options(md: MarkdownOptions) -> Options<'static> {
    let mut o = Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.parse.smart = md.smart_punctuation;
    // `\{\{` becomes an Escaped node, so escaped braces never form a shortcode.
    o.parse.escaped_char_spans = true;
    // Shortcodes are inserted as raw nodes, so raw output is always on; when
    // `unsafe_html` is off, the author's own HTML and links a browser would run are
    // removed from the tree instead (see `render`).
    o.render.r#unsafe = true;
    o
}

/// What rendering needs to know about the rest of the site; implemented by the site.
pub trait Resolver: Sync {
    /// The URL of an `@/` target (`guides/x.md#part`), if it exists.
    fn link(&self, target: &str) -> Option<String>;
    /// The HTML of a thesis quoted as a block.
    fn thesis_block(&self, number: u32) -> Option<String>;
    /// The HTML of a thesis quoted inline.
    fn thesis_inline(&self, number: u32) -> Option<String>;
    /// The base URL's path prefix (`/blog`), put before root-relative links.
    fn prefix(&self) -> &str;
    /// The heading of the footnotes, in the site's language, already HTML-escaped.
    fn footnotes_heading(&self) -> String;
}

/// A heading of a rendered body, as a table of contents links to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Its `id` in the HTML.
    pub id: String,
    /// Its text, plain.
    pub title: String,
}

/// Renders a page body to HTML. `body_line` is the file line the body starts on, so
/// errors point into the `.md` file.
pub fn render(
    body: &str,
    body_line: usize,
    options: &Options<'static>,
    md: MarkdownOptions,
    resolver: &dyn Resolver,
) -> Result<String, Vec<MarkdownError>> {
    render_with_headings(body, body_line, options, md, resolver, false).map(|(html, _)| html)
}

/// [`render`], also returning the headings; with `ids` every heading gets an id even
/// when `heading_anchors` is off (a table of contents needs them).
pub fn render_with_headings(
    body: &str,
    body_line: usize,
    options: &Options<'static>,
    md: MarkdownOptions,
    resolver: &dyn Resolver,
    ids: bool,
) -> Result<(String, Vec<Heading>), Vec<MarkdownError>> {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, options);
    let mut errors = Vec::new();
    let offset = body_line - 1;
    let nodes: Vec<_> = root.descendants().collect();
    for node in nodes {
        // Only links need their value; look at the kind without copying text nodes.
        let (is_html, is_paragraph, link) = match &node.data().value {
            NodeValue::HtmlBlock(_) | NodeValue::HtmlInline(_) => (true, false, None),
            NodeValue::Paragraph => (false, true, None),
            NodeValue::Link(l) | NodeValue::Image(l) => (false, false, Some(l.url.clone())),
            _ => (false, false, None),
        };
        // Without raw HTML nothing on the page may run script, so a link a browser
        // would run (`javascript:`, ...) is dropped and its text kept, as comrak's safe
        // mode does: a link's text, or an image's alt text, takes the node's place.
        if let Some(url) = &link {
            if !md.unsafe_html && links::dangerous(url) {
                for child in node.children().collect::<Vec<_>>() {
                    node.insert_before(child);
                }
                node.detach();
                continue;
            }
        }
        if is_html && !md.unsafe_html {
            node.detach();
        } else if is_paragraph {
            replace_block_shortcode(&arena, node, resolver);
        } else if let Some(url) = link {
            {
                let new_url = if let Some(target) = url.strip_prefix("@/") {
                    match resolver.link(target) {
                        Some(url) => Some(url),
                        None => {
                            let pos = node.data().sourcepos;
                            errors.push(MarkdownError {
                                line: pos.start.line + offset,
                                column: pos.start.column,
                                message: format!(
                                    "the link @/{target} points to no file in content/"
                                ),
                                hint: "the path is relative to content/, e.g. @/guides/my-guide.md"
                                    .into(),
                            });
                            None
                        }
                    }
                } else if url.starts_with('/')
                    && !url.starts_with("//")
                    && !resolver.prefix().is_empty()
                {
                    Some(format!("{}{}", resolver.prefix(), url))
                } else {
                    None
                };
                if let Some(url) = new_url {
                    if let NodeValue::Link(l) | NodeValue::Image(l) = &mut node.data_mut().value {
                        l.url = url;
                    }
                }
            }
        }
    }
    let texts: Vec<_> = root
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Text(ref t) if t.contains("{{")))
        .collect();
    for node in texts {
        replace_inline_shortcodes(&arena, node, offset, resolver, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let headings = HeadingIds::new(md.heading_anchors, md.heading_anchors || ids);
    let mut plugins = comrak::options::Plugins::default();
    plugins.render.heading_adapter = Some(&headings);
    if comrak::format_html_with_plugins(root, options, &mut html, &plugins).is_err() {
        return Err(vec![MarkdownError {
            line: body_line,
            column: 1,
            message: "the Markdown could not be rendered".into(),
            hint: "simplify the text around this line".into(),
        }]);
    }
    // A section needs a heading (WCAG, the Nu checker); screen readers get one, as GitHub does.
    if let Some(at) = html.find(FOOTNOTES_OPEN) {
        html.insert_str(
            at + FOOTNOTES_OPEN.len(),
            &format!(
                "\n<h2 id=\"footnotes-heading\" class=\"visually-hidden\">{}</h2>",
                resolver.footnotes_heading()
            ),
        );
    }
    // comrak writes a GFM column's alignment as `align="..."`, obsolete in HTML5.
    if html.contains(" align=\"") {
        for a in ["left", "center", "right"] {
            for cell in ["td", "th"] {
                html = html.replace(
                    &format!("<{cell} align=\"{a}\">"),
                    &format!("<{cell} style=\"text-align: {a}\">"),
                );
            }
        }
    }
    Ok((html, headings.into_headings()))
}

/// A paragraph that holds only `{{ thesis(N) }}` becomes the thesis blockquote.
fn replace_block_shortcode<'a>(
    arena: &'a Arena<'a>,
    node: &'a AstNode<'a>,
    resolver: &dyn Resolver,
) {
    let mut text = String::new();
    for child in node.children() {
        match &child.data().value {
            NodeValue::Text(t) => text.push_str(t),
            _ => return,
        }
    }
    let trimmed = text.trim();
    if !trimmed.starts_with("{{") {
        return;
    }
    let Some(Ok((Shortcode::Thesis(n), len))) = parse_shortcode(trimmed) else {
        return;
    };
    if len != trimmed.len() {
        return;
    }
    // An unknown number is left in place for the inline pass, which reports it once.
    if let Some(html) = resolver.thesis_block(n) {
        let raw = arena.alloc(AstNode::from(NodeValue::Raw(html)));
        node.insert_before(raw);
        node.detach();
    }
}

/// `{{ thesis(N) }}` inside running text becomes a link to the thesis.
fn replace_inline_shortcodes<'a>(
    arena: &'a Arena<'a>,
    node: &'a AstNode<'a>,
    offset: usize,
    resolver: &dyn Resolver,
    errors: &mut Vec<MarkdownError>,
) {
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
    let pos = node.data().sourcepos;
    let mut pieces: Vec<NodeValue> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("{{") {
            if let Some(Ok((Shortcode::Thesis(n), len))) = parse_shortcode(&text[i..]) {
                match resolver.thesis_inline(n) {
                    Some(html) => {
                        if !plain.is_empty() {
                            pieces.push(NodeValue::Text(std::mem::take(&mut plain).into()));
                        }
                        pieces.push(NodeValue::Raw(html));
                    }
                    None => errors.push(unknown_thesis(n, pos, offset)),
                }
                i += len;
                continue;
            }
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        plain.push(c);
        i += c.len_utf8();
    }
    if pieces.is_empty() {
        return;
    }
    if !plain.is_empty() {
        pieces.push(NodeValue::Text(plain.into()));
    }
    for value in pieces {
        node.insert_before(arena.alloc(AstNode::from(value)));
    }
    node.detach();
}

fn unknown_thesis(n: u32, pos: Sourcepos, offset: usize) -> MarkdownError {
    MarkdownError {
        line: pos.start.line + offset,
        column: pos.start.column,
        message: format!("there is no thesis number {n}"),
        hint: "check the number against the files in the theses folder".into(),
    }
}

/// Gives headings ASCII ids that match piazza's slugs, unique within the page, and
/// records them.
struct HeadingIds {
    anchors: bool,
    ids: bool,
    /// Ids used so far, the current heading's id, and the headings seen.
    state: Mutex<(HashMap<String, usize>, String, Vec<Heading>)>,
}

impl HeadingIds {
    fn new(anchors: bool, ids: bool) -> Self {
        HeadingIds {
            anchors,
            ids,
            state: Mutex::new((HashMap::new(), String::new(), Vec::new())),
        }
    }

    /// The headings with ids, in document order.
    fn into_headings(self) -> Vec<Heading> {
        self.state.into_inner().map(|s| s.2).unwrap_or_default()
    }
}

impl HeadingAdapter for HeadingIds {
    fn enter(
        &self,
        out: &mut dyn fmt::Write,
        h: &HeadingMeta,
        _: Option<Sourcepos>,
    ) -> fmt::Result {
        if !self.ids {
            return write!(out, "<h{}>", h.level);
        }
        let mut state = self.state.lock().map_err(|_| fmt::Error)?;
        let base = match slugify(&h.content) {
            s if s.is_empty() => "section".to_string(),
            s => s,
        };
        let n = state.0.entry(base.clone()).or_insert(0);
        let id = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        state.0.entry(id.clone()).or_insert(1);
        write!(out, "<h{} id=\"{id}\">", h.level)?;
        state.2.push(Heading {
            level: h.level,
            id: id.clone(),
            title: h.content.clone(),
        });
        state.1 = id;
        Ok(())
    }

    fn exit(&self, out: &mut dyn fmt::Write, h: &HeadingMeta) -> fmt::Result {
        if self.anchors {
            let state = self.state.lock().map_err(|_| fmt::Error)?;
            write!(
                out,
                " <a class=\"heading-anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a>",
                state.1
            )?;
        }
        write!(out, "</h{}>", h.level)
    }
}

/// A plain-text summary of the start of `body`: at most `max` characters, cut at a word.
pub fn summary(body: &str, max: usize) -> String {
    // The first few paragraphs are enough; don't parse a whole long guide for this.
    let mut end = body.len().min(4000);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, &body[..end], &options(MarkdownOptions::default()));
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
        let para_text = strip_shortcodes(&text[before..]);
        text.truncate(before);
        text.push_str(para_text.trim());
        if text.len() > before {
            text.push(' ');
        }
        if text.chars().count() > max {
            break;
        }
    }
    truncate_at_word(text.trim(), max)
}

fn strip_shortcodes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with("{{") {
            if let Some(Ok((_, len))) = parse_shortcode(&s[i..]) {
                i += len;
                continue;
            }
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl Resolver for Fake {
        fn link(&self, target: &str) -> Option<String> {
            (target.starts_with("guides/a.md"))
                .then(|| format!("/guides/a/{}", target.trim_start_matches("guides/a.md")))
        }
        fn thesis_block(&self, n: u32) -> Option<String> {
            (n == 1).then(|| "<blockquote>T1</blockquote>".into())
        }
        fn thesis_inline(&self, n: u32) -> Option<String> {
            (n == 1).then(|| "<a href=\"/t/1/\">T1</a>".into())
        }
        fn prefix(&self) -> &str {
            "/blog"
        }
        fn footnotes_heading(&self) -> String {
            "Note &amp; fonti".into()
        }
    }

    fn render_str(md: &str) -> Result<String, Vec<MarkdownError>> {
        let o = MarkdownOptions::default();
        render(md, 5, &options(o), o, &Fake)
    }

    #[test]
    fn scan_finds_refs_outside_code() {
        let s = scan("a {{ thesis(2) }}\n```\n{{ thesis(9) }}\n```\n`{{ thesis(8) }}` [x](@/guides/a.md)\n{{ foo(1) }}\n", 10);
        assert_eq!(
            s.theses,
            vec![(
                2,
                SourceRef {
                    line: 10,
                    column: 3
                }
            )]
        );
        assert_eq!(
            s.links,
            vec![(
                "guides/a.md".to_string(),
                SourceRef {
                    line: 14,
                    column: 19
                }
            )]
        );
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].line, 15);
    }

    #[test]
    fn shortcodes_and_links_render() {
        let html = render_str("# Qual è il ROI?\n\n{{ thesis(1) }}\n\nSee {{ thesis(1) }} and [a](@/guides/a.md#x) ![i](/img.png)\n").unwrap();
        assert!(html.contains("<h1 id=\"qual-e-il-roi\">"), "{html}");
        assert!(html.contains("<blockquote>T1</blockquote>"), "{html}");
        assert!(!html.contains("<p><blockquote>"), "{html}");
        assert!(html.contains("See <a href=\"/t/1/\">T1</a> and"), "{html}");
        assert!(html.contains("href=\"/guides/a/#x\""), "{html}");
        assert!(html.contains("src=\"/blog/img.png\""), "{html}");
    }

    #[test]
    fn unknown_refs_are_located() {
        let errs = render_str("text\n\n{{ thesis(7) }}\n\n[b](@/nope.md)\n").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs
            .iter()
            .any(|e| e.line == 7 && e.message.contains("thesis number 7")));
        assert!(errs
            .iter()
            .any(|e| e.line == 9 && e.message.contains("@/nope.md")));
    }

    #[test]
    fn summary_is_plain_and_short() {
        let s = summary("# Title\n\nUn **testo** con `codice` e un [link](x).\n\nSecondo paragrafo molto lungo che continua e continua ancora.\n", 60);
        assert!(s.starts_with("Un testo con codice e un link."), "{s}");
        assert!(s.chars().count() <= 60, "{s}");
        assert!(s.ends_with('…'), "{s}");
    }

    #[test]
    fn footnotes_get_a_heading_for_screen_readers() {
        let html = render_str("Testo[^1].\n\n[^1]: Una fonte.\n").unwrap();
        let doc = scraper::Html::parse_fragment(&html);
        let h = scraper::Selector::parse("section.footnotes > h2.visually-hidden").unwrap();
        let texts: Vec<String> = doc.select(&h).map(|e| e.text().collect()).collect();
        assert_eq!(texts, ["Note & fonti"]);
    }
}
