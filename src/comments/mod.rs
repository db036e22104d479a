//! Readers' comments: approved comments kept as files in the site, shown under guides
//! and theses with a form that works without JavaScript.
//!
//! A published comment is a YAML file under `comments/`, in a folder named like the
//! page's source (`comments/guides/prova/2026-03-01-0930-a1b2c3d4.yaml` for
//! `content/guides/prova.md` or `content/guides/prova/index.md`). Those files never
//! hold an email address: submissions wait in `comments-pending/` (outside content/,
//! never published), which alone keeps the email, for the moderator and for erasure.
//!
//! - [`store`]: the files of both folders, written atomically.
//! - [`view`]: what a page shows (threads, form, JSON-LD), bodies as inert Markdown.
//! - [`token`]: the signed render time the form carries.
//! - [`endpoint`]: `piazza comments serve`, the hardened receiver of the form.
//! - [`submission`]: a submitted comment checked, for the endpoint and imports.
//! - [`moderate`] and [`import`]: the moderation commands; [`cli`] their arguments.
//!
//! Replies are one level deep: a reply to a reply is shown under the same parent.

pub mod cli;
pub mod endpoint;
pub mod import;
pub mod moderate;
pub mod store;
pub mod submission;
pub mod token;
pub mod view;

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::config::{CommentsProvider, Config};
use crate::content::date::Date;
use crate::content::{Content, Page, PageKind, Target};
use crate::error::{Error, Errors};
use crate::files::{self, Names};

/// The folder of published comments, in the site.
pub const COMMENTS_DIR: &str = "comments";
/// The largest comment file read (a body is at most [`store::MAX_BODY`] characters).
const MAX_FILE: u64 = 64 * 1024;

/// One approved comment as published.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Comment {
    /// The file's name without `.yaml`; the anchor is `comment-ID`.
    pub id: String,
    /// The name the reader gave.
    pub author: String,
    /// Their website, an http(s) URL.
    pub website: Option<String>,
    /// When it was written.
    pub date: Date,
    /// Markdown, shown with raw HTML escaped.
    pub body: String,
    /// The comment this one answers.
    pub reply_to: Option<String>,
}

/// The comments of a site, per page, oldest first, and what the form needs.
#[derive(Debug, Clone, Default)]
pub struct Comments {
    /// For each page (by index), its comments sorted by date, then id.
    pub by_page: Vec<Vec<Comment>>,
    /// Whether any page shows comments (the thanks page is built then).
    pub any: bool,
    /// The key that signs the form's render time (the piazza provider only).
    pub key: Option<token::Key>,
    /// The build's "now": no form token carries a later time.
    pub now: i64,
}

/// Whether page `p` shows comments: guides and theses, by `comments:` or the config.
pub fn enabled(config: &Config, p: &Page) -> bool {
    p.kind != PageKind::Page && p.comments.unwrap_or(config.comments.enabled)
}

/// The folder under `comments/` that holds page `rel`'s comments (`guides/prova` for
/// `guides/prova.md` and `guides/prova/index.md`).
pub fn folder_of(rel: &str) -> &str {
    rel.strip_suffix("/index.md")
        .or_else(|| rel.strip_suffix(".md"))
        .unwrap_or(rel)
}

impl Comments {
    /// Reads `comments/` for the pages of `content`. A file for no page is a warning
    /// (the page may be a draft, or gone); a malformed file is an error at its line.
    pub fn load(
        config: &Config,
        content: &Content,
        now: i64,
        warnings: &mut Vec<Error>,
    ) -> Result<Comments, Errors> {
        let mut errors = Errors::default();
        let any = content.pages.iter().any(|p| enabled(config, p));
        if any && config.comments.needs_endpoint() {
            let p = content.pages.iter().find(|p| enabled(config, p));
            let e = match p.filter(|p| p.comments.is_some()) {
                Some(p) => Error::in_file(&p.shown, crate::config::CommentsConfig::NO_ENDPOINT)
                    .at_line(p.line_of("comments")),
                None => config.error_at(&["comments"], crate::config::CommentsConfig::NO_ENDPOINT),
            };
            return Err(e.into());
        }
        let key = if any && config.comments.provider == CommentsProvider::Piazza {
            Some(token::Key::load_or_create(&config.root)?)
        } else {
            None
        };
        let mut by_page = vec![Vec::new(); content.pages.len()];
        let dir = config.root.join(COMMENTS_DIR);
        if dir.is_dir() {
            let walked = files::walk(&config.root, &dir, Names::NoHidden, warnings, &mut errors);
            let read: Vec<(String, Result<Comment, Error>)> = walked
                .par_iter()
                .filter(|w| w.rel.ends_with(".yaml"))
                .map(|w| (w.rel.clone(), read_comment(&dir, &w.rel)))
                .collect();
            for (rel, result) in read {
                let folder = rel.rsplit_once('/').map_or("", |(d, _)| d);
                let page = [format!("{folder}.md"), format!("{folder}/index.md")]
                    .iter()
                    .find_map(|src| match content.by_source.get(src) {
                        Some(Target::Page(i)) => Some(*i),
                        _ => None,
                    });
                match (result, page) {
                    (Err(e), _) => errors.push(e),
                    (Ok(c), Some(i)) => by_page[i].push(c),
                    (Ok(_), None) => warnings.push(Error::in_file(
                        Path::new(COMMENTS_DIR).join(&rel),
                        format!("this comment is for `content/{folder}.md`, which is not published; it is not shown"),
                    ).hint("move it to the folder named like the page's file, or delete it")),
                }
            }
        }
        for list in &mut by_page {
            list.sort_by(|a, b| (a.date.sort_key(), &a.id).cmp(&(b.date.sort_key(), &b.id)));
        }
        errors.into_result()?;
        Ok(Comments {
            by_page,
            any,
            key,
            now,
        })
    }

    /// A hash of what page `i`'s comment block shows (for watch mode's fingerprints).
    pub fn fingerprint(&self, config: &Config, i: usize, p: &Page) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = crate::hash::hasher();
        enabled(config, p).hash(&mut h);
        self.by_page.get(i).hash(&mut h);
        (self.stamp(p), self.key.as_ref().map(token::Key::id)).hash(&mut h);
        h.finish()
    }

    /// The time page `p`'s form token carries: the page's own last date (`updated`,
    /// else `date`), never later than the build. Not the build's clock: building an
    /// unchanged site twice gives the same bytes, so a deploy after it uploads nothing
    /// and watch mode does not rewrite every page with a form.
    pub fn stamp(&self, p: &Page) -> i64 {
        p.updated
            .as_ref()
            .or(p.date.as_ref())
            .map_or(0, |d| d.sort_key())
            .min(self.now)
    }
}

/// A published comment file, as written in `comments/`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentFile {
    #[serde(default)]
    id: Option<String>,
    author: String,
    #[serde(default)]
    website: Option<String>,
    date: String,
    body: String,
    #[serde(default)]
    reply_to: Option<String>,
}

/// Reads and checks one comment file (`rel` under `dir`).
fn read_comment(dir: &Path, rel: &str) -> Result<Comment, Error> {
    let shown = Path::new(COMMENTS_DIR).join(rel);
    let path = dir.join(rel);
    let size = std::fs::metadata(&path)
        .map_err(|e| Error::io(&shown, &e))?
        .len();
    if size > MAX_FILE {
        return Err(Error::in_file(
            &shown,
            format!("this comment is {size} bytes; at most {MAX_FILE} are read"),
        )
        .hint("shorten its body"));
    }
    let text = crate::source::read_utf8(&path, &shown)?;
    if let Some(line) = text.lines().position(|l| {
        let l = l.trim_start().trim_start_matches(['"', '\'']);
        l.starts_with("email")
            && l[5..]
                .trim_start_matches(['"', '\''])
                .trim_start()
                .starts_with(':')
    }) {
        return Err(Error::in_file(&shown, "a published comment must not hold an email address")
            .at_line(line + 1)
            .hint("remove the `email:` line; the email stays in comments-pending/ for the moderator"));
    }
    let raw: CommentFile =
        serde_yaml::from_str(&text).map_err(|e| crate::error::yaml_error(&shown, &text, &e, 0))?;
    let line_of = |key: &str| {
        text.lines()
            .position(|l| l.starts_with(key))
            .map_or(1, |i| i + 1)
    };
    let stem = rel
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".yaml"))
        .unwrap_or(rel);
    let id = raw.id.unwrap_or_else(|| stem.to_string());
    if id != stem || !store::valid_id(&id) {
        return Err(Error::in_file(
            &shown,
            format!("the id `{id}` must be the file's name without .yaml (`{stem}`), in letters, digits and `-`"),
        )
        .at_line(line_of("id")));
    }
    let date = Date::parse(&raw.date).map_err(|m| {
        Error::in_file(&shown, m)
            .at_line(line_of("date"))
            .hint("write the date as 2026-03-01T09:30:00+01:00")
    })?;
    if raw.author.trim().is_empty() {
        return Err(Error::in_file(&shown, "`author` is empty").at_line(line_of("author")));
    }
    let website = match raw.website.filter(|w| !w.trim().is_empty()) {
        Some(w) if !view::http_url(&w) => {
            return Err(
                Error::in_file(&shown, format!("`{w}` is not an http(s) address"))
                    .at_line(line_of("website"))
                    .hint("write the website as https://..., or remove the line"),
            )
        }
        w => w,
    };
    Ok(Comment {
        id,
        author: raw.author.trim().to_string(),
        website,
        date,
        body: raw.body,
        reply_to: raw.reply_to.filter(|r| !r.trim().is_empty()),
    })
}

/// Where the comments of each published page live, by site path (`/guides/prova/`):
/// the endpoint and the moderation commands find a page's folder with it.
pub fn pages_by_path(config: &Config, content: &Content) -> HashMap<String, String> {
    content
        .pages
        .iter()
        .filter(|p| enabled(config, p))
        .map(|p| (p.path.clone(), p.rel.clone()))
        .collect()
}
