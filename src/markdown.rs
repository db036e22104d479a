//! Markdown: comrak plus piazza's two additions, shortcodes and `@/` links.
//!
//! All comrak use lives here (its API changes often). A page's body is seen twice: a
//! cheap text [`scan`] when loading finds the theses and files it refers to, with their
//! lines, so the whole site's references are checked before anything renders; [`render`]
//! then walks comrak's tree to replace shortcodes and resolve links.
//!
//! Shortcode calls are found in the source ([`shortcodes`]) and swapped for placeholders
//! before comrak parses the text, so their arguments are never Markdown; each call's
//! HTML then takes its placeholder's place as a raw node, so its output is not either.

mod placed;
pub mod shortcodes;
mod summary;

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::Mutex;

use comrak::adapters::{HeadingAdapter, HeadingMeta};
use comrak::nodes::{AstNode, NodeValue, Sourcepos};
use comrak::{Arena, Options};

use crate::config::MarkdownOptions;
use crate::slug::slugify;
use crate::source::SourceRef;
use placed::{Placed, MARK};
use shortcodes::{Call, CallError};
pub use summary::{summary, truncate_at_word};

use crate::limits::ByteSize;

use crate::links::{self, SiteLink};

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
    /// Calls of the site's or theme's shortcodes, located in the file, to be checked
    /// against their templates once those are loaded.
    pub shortcodes: Vec<Call>,
    /// Links and images into the site (`/guides/x/`, `foto.jpg`).
    pub site_links: Vec<SiteLink>,
    /// Malformed shortcodes.
    pub errors: Vec<MarkdownError>,
    /// Word count.
    pub words: usize,
}

/// The shortcode calls in `body` that comrak's tree `root` (parsed from `body`) does
/// not hold as code or raw HTML.
fn calls_in<'a>(body: &str, root: &'a AstNode<'a>) -> (Vec<Call>, Vec<CallError>) {
    let code: Vec<Sourcepos> = root
        .descendants()
        .filter(|n| {
            matches!(
                n.data().value,
                NodeValue::Code(_)
                    | NodeValue::CodeBlock(_)
                    | NodeValue::HtmlBlock(_)
                    | NodeValue::HtmlInline(_)
            )
        })
        .map(|n| n.data().sourcepos)
        .collect();
    // In document order, and code never holds code: the last span starting at or
    // before a position is the only one that may hold it.
    shortcodes::find(body, &|line, column| {
        let at = (line, column);
        let after = code.partition_point(|p| (p.start.line, p.start.column) <= at);
        after > 0 && at <= (code[after - 1].end.line, code[after - 1].end.column)
    })
}

/// Whether `body` may hold a shortcode call.
fn has_calls(body: &str) -> bool {
    body.contains("{{") || body.contains("{%")
}

fn call_error(e: CallError, offset: usize) -> MarkdownError {
    MarkdownError {
        line: e.line + offset,
        column: e.column,
        message: e.message,
        hint: e.hint,
    }
}

/// Finds shortcodes, links and the word count in `body`, which starts at file line
/// `body_line`. It reads comrak's tree, as [`render`] does, so code blocks, code spans and
/// escaped braces (`\{\{`) are skipped exactly as the renderer skips them; bodies with
/// neither `{{`, `{%` nor a link are not parsed at all. A link argument of a shortcode
/// (`url="@/about.md"`) is a link like the text's.
pub fn scan(body: &str, body_line: usize, max_page_size: ByteSize) -> Scan {
    let mut out = Scan {
        words: body.split_whitespace().count(),
        ..Scan::default()
    };
    if !has_calls(body) && !might_link(body) {
        return out;
    }
    let arena = Arena::new();
    let Some(root) = parse(
        &arena,
        body,
        &options(MarkdownOptions::default()),
        max_page_size,
    ) else {
        out.errors.push(too_many_elements(body_line, max_page_size));
        return out;
    };
    let offset = body_line - 1;
    for node in root.descendants() {
        let data = node.data();
        match &data.value {
            NodeValue::Link(l) | NodeValue::Image(l) => {
                let at = SourceRef {
                    line: data.sourcepos.start.line + offset,
                    column: data.sourcepos.start.column,
                };
                if let Some(target) = l.url.strip_prefix("@/") {
                    out.links.push((target.to_string(), at));
                } else if links::target(&l.url, "/").is_some() {
                    out.site_links.push(SiteLink {
                        url: l.url.to_string(),
                        image: matches!(data.value, NodeValue::Image(_)),
                        at,
                    });
                }
            }
            _ => {}
        }
    }
    let (calls, errors) = calls_in(body, root);
    out.errors = errors.into_iter().map(|e| call_error(e, offset)).collect();
    for mut call in calls {
        let at = SourceRef {
            line: call.line + offset,
            column: call.column,
        };
        if let Some(n) = call.thesis() {
            out.theses.push((n, at));
            continue;
        }
        for (key, value) in &call.args {
            if let (Some(key), shortcodes::Literal::Text(url)) = (key, value) {
                if let Some(target) = url.strip_prefix("@/").filter(|_| shortcodes::is_link(key)) {
                    out.links.push((target.to_string(), at.clone()));
                }
            }
        }
        call.line += offset;
        out.shortcodes.push(call);
    }
    out
}

/// Whether `body` may hold a link: inline `[x](url)`, a reference `[x]: url`, `@/`.
fn might_link(body: &str) -> bool {
    body.contains("](") || body.contains("]:") || body.contains("@/")
}

/// The raw HTML of `body` (starting at file line `body_line`), block by block and tag by
/// tag, with where each starts; HTML in code is text, not HTML.
pub fn raw_html(body: &str, body_line: usize) -> Vec<(String, SourceRef)> {
    if !body.contains('<') {
        return Vec::new();
    }
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options(MarkdownOptions::default()));
    root.descendants()
        .filter_map(|n| {
            let data = n.data();
            let html = match &data.value {
                NodeValue::HtmlBlock(b) => b.literal.clone(),
                NodeValue::HtmlInline(h) => h.to_string(),
                _ => return None,
            };
            let at = SourceRef {
                line: data.sourcepos.start.line + body_line - 1,
                column: data.sourcepos.start.column,
            };
            Some((html, at))
        })
        .collect()
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

/// How comrak opens the footnotes at the end of a page.
const FOOTNOTES_OPEN: &str = "<section class=\"footnotes\" data-footnotes>";
/// The id of the heading piazza gives the footnotes.
const FOOTNOTES_HEADING_ID: &str = "footnotes-heading";
/// How comrak ends a reference to a footnote, `<a href="#fn-1" id="fnref-1" data-footnote-ref>`.
const FOOTNOTE_REF: &str = " data-footnote-ref>";
/// What comrak writes before the reference of a back-link; its English label follows.
const BACKREF_IDX: &str = " data-footnote-backref-idx=\"";

/// Puts the footnote links' labels in the site's language: comrak's back-links say
/// "Back to reference 1", and a reference is described by the footnotes' heading (a
/// screen reader reads "1, Note"). `html` is comrak's output, in which an author's text
/// cannot hold these attributes (its `"` and `>` are escaped). Each pattern is searched
/// for once past the previous match, so the pass stays linear in the page's length.
fn label_footnotes(html: &str, resolver: &dyn Resolver) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let next = |pattern: &str, from: usize| html[from..].find(pattern).map(|i| from + i);
    let mut at = 0;
    let mut next_ref = next(FOOTNOTE_REF, 0);
    let mut next_back = next(BACKREF_IDX, 0);
    loop {
        // A match inside text already copied (none in comrak's output) is looked up again.
        if next_ref.is_some_and(|r| r < at) {
            next_ref = next(FOOTNOTE_REF, at);
        }
        if next_back.is_some_and(|b| b < at) {
            next_back = next(BACKREF_IDX, at);
        }
        match (next_ref, next_back) {
            (Some(r), b) if b.is_none_or(|b| r < b) => {
                out.push_str(&html[at..r]);
                let _ = write!(
                    out,
                    " aria-describedby=\"{FOOTNOTES_HEADING_ID}\"{FOOTNOTE_REF}"
                );
                at = r + FOOTNOTE_REF.len();
                next_ref = next(FOOTNOTE_REF, at);
            }
            (_, Some(b)) => {
                let idx_start = b + BACKREF_IDX.len();
                let idx_end = next("\"", idx_start).unwrap_or(html.len());
                let idx = &html[idx_start..idx_end];
                let english = format!("\" aria-label=\"Back to reference {idx}\"");
                out.push_str(&html[at..idx_end]);
                at = idx_end;
                if html[at..].starts_with(&english) {
                    let _ = write!(out, "\" aria-label=\"{}\"", resolver.footnote_backref(idx));
                    at += english.len();
                }
                next_back = next(BACKREF_IDX, at);
            }
            _ => break,
        }
    }
    out.push_str(&html[at..]);
    out
}

/// The comrak options for a site; built once per build.
pub fn options(md: MarkdownOptions) -> Options<'static> {
    let mut o = Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.extension.description_lists = true;
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
    /// The HTML of a call of a site's or theme's shortcode, given its body's HTML;
    /// or what is wrong with the call: (message, hint).
    fn shortcode(
        &self,
        call: &Call,
        body: Option<String>,
        inline: bool,
    ) -> Result<String, (String, String)>;
    /// The base URL's path prefix (`/blog`), put before root-relative links.
    fn prefix(&self) -> &str;
    /// Whether a root-relative `url` already starts with the prefix, so gets no other.
    fn carries_prefix(&self, url: &str) -> bool;
    /// The heading of the footnotes, in the site's language, already HTML-escaped.
    fn footnotes_heading(&self) -> String;
    /// The label of a footnote's link back to reference `reference` (`1`, or `1-2` for
    /// the second reference to note 1), in the site's language, already HTML-escaped.
    fn footnote_backref(&self, reference: &str) -> String;
}

/// Parses `body`, giving up (None) once it makes more elements than a page of
/// `max_page_size` may (see [`crate::limits`]), before they fill the memory.
fn parse<'a>(
    arena: &'a Arena<'a>,
    body: &str,
    options: &Options,
    max_page_size: ByteSize,
) -> Option<&'a AstNode<'a>> {
    let too_many = || arena.len() > max_page_size.max_elements();
    comrak::try_parse_document(arena, body, options, &too_many).ok()
}

fn too_many_elements(body_line: usize, max_page_size: ByteSize) -> MarkdownError {
    MarkdownError {
        line: body_line,
        column: 1,
        message: crate::limits::too_many_elements(max_page_size),
        hint: "split the page or its tables, or raise `markdown.max_page_size` in config.yaml"
            .into(),
    }
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
    let offset = body_line - 1;
    let mut placed = Placed::new(body, offset, options, md, resolver)?;
    let root = parse(&arena, &placed.text, options, md.max_page_size)
        .ok_or_else(|| vec![too_many_elements(body_line, md.max_page_size)])?;
    let mut errors = Vec::new();
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
            placed.block(&arena, node, &mut errors);
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
                    && !resolver.carries_prefix(&url)
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
        .filter(|n| matches!(n.data().value, NodeValue::Text(ref t) if t.contains(MARK)))
        .collect();
    for node in texts {
        placed.inline(&arena, node, &mut errors);
    }
    placed.misplaced(&mut errors);
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
                "\n<h2 id=\"{FOOTNOTES_HEADING_ID}\" class=\"visually-hidden\">{}</h2>",
                resolver.footnotes_heading()
            ),
        );
        html = label_footnotes(&html, resolver);
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
        fn shortcode(
            &self,
            call: &Call,
            body: Option<String>,
            inline: bool,
        ) -> Result<String, (String, String)> {
            match call.name.as_str() {
                "box" => Ok(format!(
                    "<div class=\"box\">{}</div>",
                    body.unwrap_or_default()
                )),
                "b" => Ok(format!("<b data-inline=\"{inline}\">*b*</b>")),
                _ => Err(("no such shortcode".into(), String::new())),
            }
        }
        fn prefix(&self) -> &str {
            "/blog"
        }
        fn carries_prefix(&self, url: &str) -> bool {
            url.starts_with("/blog/")
        }
        fn footnotes_heading(&self) -> String {
            "Note &amp; fonti".into()
        }
        fn footnote_backref(&self, reference: &str) -> String {
            format!("Torna al riferimento {reference}")
        }
    }

    fn render_str(md: &str) -> Result<String, Vec<MarkdownError>> {
        let o = MarkdownOptions::default();
        render(md, 5, &options(o), o, &Fake)
    }

    #[test]
    fn scan_finds_refs_outside_code() {
        let s = scan("a {{ thesis(2) }}\n```\n{{ thesis(9) }}\n```\n`{{ thesis(8) }}` [x](@/guides/a.md)\n{{ thesis(x) }}\n", 10, ByteSize::DEFAULT_PAGE);
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
    fn calls_keep_their_arguments_and_their_output_is_not_markdown() {
        let html = render_str(
            "A \"quote\" {{ b(u=\"https://x.org/a_b_\") }} -- end.\n\n{{ b() }}\n\n{% box() %}\n**in** {{ b() }}\n{% end %}\n\n`{{ b() }}`\n",
        )
        .unwrap();
        assert!(
            html.contains("<b data-inline=\"true\">*b*</b> – end."),
            "{html}"
        );
        assert!(
            html.contains("\n<b data-inline=\"false\">*b*</b>"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"box\"><p><strong>in</strong> <b data-inline=\"true\">*b*</b></p>\n</div>"),
            "{html}"
        );
        assert!(html.contains("<code>{{ b() }}</code>"), "{html}");
        let errs = render_str("![{{ b() }}](x.png) and {{ nope() }}\n").unwrap_err();
        assert!(
            errs.iter().any(|e| e.message.contains("cannot stand here")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.message == "no such shortcode" && e.column == 25),
            "{errs:?}"
        );
    }

    #[test]
    fn many_calls_on_one_line_take_linear_time() {
        let line = "{{ b() }} ".repeat(20_000);
        let html = render_str(&line).unwrap();
        assert_eq!(html.matches("<b data-inline=\"true\">").count(), 20_000);
        let broken = "{{a ".repeat(50_000);
        assert_eq!(scan(&broken, 1, ByteSize::DEFAULT_PAGE).errors.len(), 1);
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
