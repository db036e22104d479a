//! What a page shows of its comments: the count, the threads, the form, and the
//! JSON-LD items. A comment's body is a stranger's text, so it is rendered as
//! Markdown with every raw HTML tag escaped, images dropped (no tracking pixels),
//! only http(s) links kept, and each link marked `rel="nofollow ugc noopener"`.

use std::collections::HashMap;

use comrak::nodes::NodeValue;
use comrak::{Arena, Options};
use minijinja::Value;
use serde::Serialize;
use serde_json::json;

use super::{Comment, Comments};
use crate::config::{CommentsProvider, Config};
use crate::content::Page;
use crate::templates::{DateView, Strings};

/// The site path of the page the endpoint's redirect lands on.
pub const THANKS_PATH: &str = "/comments/thanks/";
/// The `rel` of every link a reader wrote.
pub const LINK_REL: &str = "nofollow ugc noopener";

/// `page.comments` in templates.
#[derive(Debug, Serialize)]
pub struct CommentsView {
    /// How many comments are shown.
    pub count: usize,
    /// "3 commenti", in the site language.
    pub label: String,
    /// Top-level comments, oldest first, each with its replies.
    pub threads: Vec<CommentView>,
    /// The form.
    pub form: FormView,
}

/// One comment in a template.
#[derive(Debug, Serialize)]
pub struct CommentView {
    /// Its id.
    pub id: String,
    /// Its anchor, `comment-ID`.
    pub anchor: String,
    /// The author's name (escaped by the template).
    pub author: String,
    /// Their website, an http(s) URL.
    pub website: Option<String>,
    /// When it was written.
    pub date: DateView,
    /// The body as safe HTML.
    pub content: Value,
    /// Replies, oldest first (empty for a reply).
    pub replies: Vec<CommentView>,
}

/// The form's settings in a template.
#[derive(Debug, Serialize)]
pub struct FormView {
    /// Where it posts.
    pub action: String,
    /// `piazza`, `netlify` or `formspree`.
    pub provider: CommentsProvider,
    /// The page's site path, sent with the comment.
    pub page: String,
    /// The signed render time (piazza only).
    pub token: Option<String>,
    /// The name of the field people leave empty and bots fill.
    pub honeypot: &'static str,
    /// The thanks page, absolute (Formspree's `_next`).
    pub thanks: String,
}

/// Whether `url` is an absolute http(s) address with a host and nothing a browser
/// would read differently (spaces, controls, quotes, backslashes).
pub fn http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    !rest.is_empty()
        && !rest.starts_with(['/', '?', '#'])
        && !url.chars().any(|c| {
            c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\\' | '`')
        })
}

/// A reader's Markdown as inert HTML.
pub fn body_html(body: &str) -> String {
    let mut options = Options::default();
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.render.escape = true;
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options);
    let nodes: Vec<_> = root.descendants().collect();
    for node in nodes {
        let keep = match &node.data().value {
            NodeValue::Link(l) => http_url(&l.url),
            NodeValue::Image(_) => false,
            _ => true,
        };
        if !keep {
            for child in node.children().collect::<Vec<_>>() {
                node.insert_before(child);
            }
            node.detach();
        }
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    if comrak::format_html(root, &options, &mut html).is_err() {
        return format!("<p>{}</p>", crate::output::xml_escape(body));
    }
    // Raw HTML is escaped, so every `<a href="` is a link comrak made.
    html.replace("<a href=\"", &format!("<a rel=\"{LINK_REL}\" href=\""))
}

impl Comments {
    /// The comments of page `i` as shown: None when the page has comments off.
    pub fn view(
        &self,
        config: &Config,
        strings: &Strings,
        i: usize,
        p: &Page,
    ) -> Option<CommentsView> {
        if !super::enabled(config, p) {
            return None;
        }
        let list = self.by_page.get(i).map_or(&[][..], Vec::as_slice);
        let view = |c: &Comment| CommentView {
            id: c.id.clone(),
            anchor: format!("comment-{}", c.id),
            author: c.author.clone(),
            website: c.website.clone(),
            date: DateView::new(&c.date, strings),
            content: Value::from_safe_string(body_html(&c.body)),
            replies: Vec::new(),
        };
        // Top-level comments first, then each reply under its thread; a reply whose
        // thread is not shown (a loop of replies) stands on its own, never lost.
        let top = threads(list);
        let mut shown: Vec<CommentView> = Vec::new();
        // Where each top-level comment sits in `shown`.
        let mut at: HashMap<usize, usize> = HashMap::new();
        for (i, c) in list.iter().enumerate().filter(|&(i, _)| top[i] == i) {
            at.insert(i, shown.len());
            shown.push(view(c));
        }
        for (i, c) in list.iter().enumerate().filter(|&(i, _)| top[i] != i) {
            match at.get(&top[i]) {
                Some(&t) => shown[t].replies.push(view(c)),
                None => shown.push(view(c)),
            }
        }
        let count = list.len();
        let label = match count {
            0 => strings.text("comments_none"),
            1 => strings.text("comments_one"),
            n => strings
                .get("comments_count", &[("count", n.to_string())])
                .unwrap_or_else(|| n.to_string()),
        };
        let provider = config.comments.provider;
        let thanks = config.base_url.absolute(THANKS_PATH);
        let action = match provider {
            CommentsProvider::Netlify => config.base_url.url(THANKS_PATH),
            _ => config.comments.endpoint.clone().unwrap_or_default(),
        };
        Some(CommentsView {
            count,
            label,
            threads: shown,
            form: FormView {
                action,
                provider,
                page: p.path.clone(),
                token: self.key.as_ref().map(|k| k.sign(&p.path, self.stamp(p))),
                honeypot: match provider {
                    CommentsProvider::Formspree => "_gotcha",
                    _ => "fax",
                },
                thanks,
            },
        })
    }

    /// The JSON-LD of page `i`'s comments: `commentCount` and `comment` items.
    pub fn json_ld(&self, config: &Config, i: usize, p: &Page) -> Option<serde_json::Value> {
        if !super::enabled(config, p) {
            return None;
        }
        let list = self.by_page.get(i).map_or(&[][..], Vec::as_slice);
        let permalink = config.base_url.absolute(&p.path);
        let top = threads(list);
        let items: Vec<serde_json::Value> = list
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut author = json!({ "@type": "Person", "name": c.author });
                if let Some(w) = &c.website {
                    author["url"] = json!(w);
                }
                let mut item = json!({
                    "@type": "Comment",
                    "@id": format!("{permalink}#comment-{}", c.id),
                    "url": format!("{permalink}#comment-{}", c.id),
                    "author": author,
                    "dateCreated": c.date.rfc3339(),
                    "text": c.body,
                });
                if top[i] != i {
                    let parent = &list[top[i]].id;
                    item["parentItem"] = json!({ "@id": format!("{permalink}#comment-{parent}") });
                }
                item
            })
            .collect();
        Some(json!({ "commentCount": list.len(), "comment": items }))
    }
}

/// For each comment of `list`, the index of the top-level comment it is shown under:
/// a reply to a reply goes under the same top-level comment (one level of nesting); a
/// comment that replies to no shown comment, or is part of a loop of replies, is
/// top-level itself (its own index). A reply into a loop goes under the loop's first
/// comment on its way up.
///
/// One pass with an id map, each comment settled once: a page's thousandth reply costs
/// what its first did.
fn threads(list: &[Comment]) -> Vec<usize> {
    let by_id: HashMap<&str, usize> = list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let parent = |i: usize| {
        list[i]
            .reply_to
            .as_deref()
            .and_then(|r| by_id.get(r).copied())
    };
    let mut top: Vec<Option<usize>> = vec![None; list.len()];
    let mut on_path = vec![false; list.len()];
    for start in 0..list.len() {
        let mut path = Vec::new();
        let mut cur = start;
        let found = loop {
            if let Some(t) = top[cur] {
                break t;
            }
            if on_path[cur] {
                // A loop: its comments stand on their own.
                let pos = path.iter().position(|&p| p == cur).unwrap_or(0);
                for &member in &path[pos..] {
                    top[member] = Some(member);
                }
                path.truncate(pos);
                break cur;
            }
            on_path[cur] = true;
            path.push(cur);
            match parent(cur) {
                Some(p) => cur = p,
                None => break cur,
            }
        };
        for &i in &path {
            top[i] = Some(found);
            on_path[i] = false;
        }
    }
    top.into_iter()
        .enumerate()
        .map(|(i, t)| t.unwrap_or(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::date::Date;

    fn comment(id: &str, reply_to: Option<&str>) -> Comment {
        Comment {
            id: id.into(),
            author: "Anna".into(),
            website: None,
            date: Date::from_unix(0),
            body: String::new(),
            reply_to: reply_to.map(Into::into),
        }
    }

    #[test]
    fn replies_go_under_their_top_level_comment_and_loops_stand_alone() {
        let list = [
            comment("a", None),
            comment("b", Some("a")),
            comment("c", Some("b")),
            comment("gone", Some("deleted")),
            comment("self", Some("self")),
            comment("x", Some("y")),
            comment("y", Some("x")),
            comment("into-loop", Some("y")),
        ];
        assert_eq!(threads(&list), [0, 0, 0, 3, 4, 5, 6, 6]);
    }

    #[test]
    fn a_long_chain_of_replies_is_settled_in_one_pass() {
        let n = 50_000;
        let list: Vec<Comment> = (0..n)
            .map(|i| {
                let up = (i > 0).then(|| format!("c{}", i - 1));
                comment(&format!("c{i}"), up.as_deref())
            })
            .rev()
            .collect();
        let started = std::time::Instant::now();
        let top = threads(&list);
        assert!(top.iter().all(|&t| t == n - 1), "every reply under c0");
        // The walk this replaced went up the chain with a linear search per step.
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }

    #[test]
    fn hostile_bodies_are_inert() {
        let html = body_html(
            "<script>alert(1)</script>\n\nSee [x](javascript:alert(1)) ![a](https://t.example/p.gif) \
             <img src=x onerror=alert(1)> [ok](https://ok.example/) [m](mailto:a@b.example)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("href=\"javascript:"), "{html}");
        assert!(!html.contains("mailto:"), "{html}");
        assert!(
            html.contains("<a rel=\"nofollow ugc noopener\" href=\"https://ok.example/\">ok</a>"),
            "{html}"
        );
    }

    #[test]
    fn only_http_urls() {
        assert!(http_url("https://a.example/x"));
        assert!(http_url("HTTP://a.example"));
        assert!(!http_url("javascript:alert(1)"));
        assert!(!http_url("https://"));
        assert!(!http_url("https://a.example/\"onmouseover"));
        assert!(!http_url("//a.example"));
    }
}
