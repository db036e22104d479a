//! Rendering: every output of a site as an [`Item`], rendered in parallel and written
//! as soon as it is made.
//!
//! Each item is rendered from the content index alone (plus, for a page, its own
//! Markdown file), so work per item does not grow with the size of the site.

use std::time::Instant;

use minijinja::Value;
use rayon::prelude::*;

use crate::config::Config;
use crate::content::date::Date;
use crate::content::{Content, Page, PageKind, Section};
use crate::error::{Error, Errors};
use crate::files::Source;
use crate::output::Sink;
use crate::outputs::Item;
use crate::site::Site;
use crate::social::{self, PageMeta, Schema};
use crate::templates::to_value;

mod feeds;
mod images;
mod lists;
mod pages;
mod resolve;
mod views;

pub use crate::templates::DateView;
pub use feeds::FEED_ITEMS;
pub use resolve::ImageSize;
pub use views::{Card, Link, SiteView, ThesisRef};

/// What a build did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Pages rendered (guides, theses, standalone pages).
    pub pages: usize,
    /// Sections.
    pub sections: usize,
    /// Files written or copied.
    pub files: usize,
    /// Share cards drawn (the others were reused from the output this build replaced).
    pub cards_drawn: usize,
    /// Image variants encoded (the others were taken from the cache).
    pub images_encoded: usize,
    /// Wall time in milliseconds.
    pub millis: u128,
}

/// The default template of a page: `guide.html`, `thesis.html` or `page.html`.
pub fn page_template(p: &Page) -> String {
    p.template.clone().unwrap_or_else(|| {
        match p.kind {
            PageKind::Guide => "guide.html",
            PageKind::Thesis => "thesis.html",
            PageKind::Page => "page.html",
        }
        .to_string()
    })
}

/// The default template of a section: `index.html` for the home page, else `section.html`.
pub fn section_template(s: &Section, index: usize) -> String {
    s.template.clone().unwrap_or_else(|| {
        if index == 0 {
            "index.html"
        } else {
            "section.html"
        }
        .to_string()
    })
}

/// Each page's tags as templates see them (a list of [`Link`]s), made once per build:
/// a page's card is on each of its tag pages, so making its tags per card would make
/// build time quadratic in the tags of one page. A [`Value`] is shared, not copied.
pub fn tag_links(config: &Config, content: &Content) -> Vec<Value> {
    content
        .page_tags
        .iter()
        .map(|tags| {
            let links: Vec<Link> = tags
                .iter()
                .map(|&t| Link {
                    title: content.tags[t].name.clone(),
                    url: config.base_url.url(&content.tags[t].path),
                })
                .collect();
            to_value(&links)
        })
        .collect()
}

impl Site {
    /// Renders and writes every item in parallel; all errors are collected.
    pub fn render_all(&self, sink: &dyn Sink) -> Result<Stats, Errors> {
        let start = Instant::now();
        let items = self.items();
        let errors: Vec<Error> = items
            .par_iter()
            .filter_map(|&item| self.write_item(item, sink).err())
            .collect();
        Errors(errors).into_result()?;
        Ok(Stats {
            pages: self.content.pages.len(),
            sections: self.content.sections.len(),
            files: items.len(),
            cards_drawn: self.cards.drawn(),
            images_encoded: self.images.encoded(),
            millis: start.elapsed().as_millis(),
        })
    }

    /// Renders one item and hands it to the sink.
    pub fn write_item(&self, item: Item, sink: &dyn Sink) -> Result<(), Error> {
        let rel = self.out_path(item);
        if let Item::File(f) = item {
            return match &self.files[f].source {
                Source::File(path) => sink.copy(&rel, path),
                Source::Bytes(b) => sink.write(&rel, b),
            };
        }
        if let Item::Card(c) = item {
            return match self.card_file(c, sink.previous(&rel).as_deref())? {
                crate::card::CardFile::Reuse(path) => sink.reuse(&rel, &path),
                crate::card::CardFile::Drawn(png) => sink.write(&rel, &png),
            };
        }
        if let Item::Variant(v) = item {
            return match self.variant_file(v)? {
                crate::images::VariantFile::Cached(path) => sink.reuse(&rel, &path),
                crate::images::VariantFile::Encoded(bytes) => sink.write(&rel, &bytes),
            };
        }
        let bytes = self.render_item(item)?;
        sink.write(&rel, bytes.as_bytes())
    }

    /// Renders one generated item (not a copied file) to text.
    pub fn render_item(&self, item: Item) -> Result<String, Error> {
        match item {
            Item::Page(i) => self.render_page(i),
            Item::List(s, n) => self.render_list(s, n),
            Item::TagIndex => self.render_tag_index(),
            Item::Tag(t, n) => self.render_tag(t, n),
            Item::NotFound => self.render_not_found(),
            Item::Search => self.render_search(),
            Item::Alias(p, _) => self.render_alias(p),
            Item::Feed => Ok(self.feed()),
            Item::Sitemap => Ok(self.sitemap()),
            Item::Robots => Ok(format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}\n",
                self.config.base_url.absolute("/sitemap.xml")
            )),
            Item::CommentsThanks => self.render_comments_thanks(),
            Item::HostRedirects => Ok(crate::hosts::redirects(&self.config, &self.content)),
            Item::File(f) => Err(Error::new(format!(
                "{} is copied, not rendered",
                self.files[f].out
            ))),
            Item::Card(c) => Err(Error::new(format!(
                "{} is drawn, not rendered",
                self.card_out(c)
            ))),
            Item::Variant(v) => Err(Error::new(format!(
                "{} is encoded, not rendered",
                self.images.variants[v].out
            ))),
        }
    }

    fn url(&self, path: &str) -> String {
        self.config.base_url.url(path)
    }

    fn abs(&self, path: &str) -> String {
        self.config.base_url.absolute(path)
    }

    fn date_view(&self, d: Option<Date>) -> Option<DateView> {
        d.map(|d| DateView::new(&d, &self.strings))
    }

    fn tag_links(&self, page: usize) -> Value {
        self.tag_links[page].clone()
    }

    /// A page as a list shows it.
    pub fn card(&self, i: usize) -> Card {
        let p = &self.content.pages[i];
        Card {
            kind: p.kind,
            title: p.title.clone(),
            url: self.url(&p.path),
            summary: p.summary.clone(),
            date: self.date_view(p.date),
            number: p.number,
            image: self.page_images[i].clone(),
            tags: self.tag_links(i),
            reading_time: reading_time(p.words),
        }
    }

    /// Breadcrumbs from the home page to section `s`, as (name, site path).
    fn trail(&self, s: usize) -> Vec<(String, String)> {
        let mut trail = Vec::new();
        let mut cur = Some(s);
        while let Some(i) = cur {
            let sec = &self.content.sections[i];
            let name = if i == 0 {
                self.strings.text("home")
            } else {
                sec.title.clone()
            };
            trail.push((name, sec.path.clone()));
            cur = sec.parent;
        }
        trail.reverse();
        trail
    }

    /// The head of a page piazza makes itself (tag lists, 404): the site's share image,
    /// no dates or author.
    pub(crate) fn generic_head(
        &self,
        schema: Schema,
        title: &str,
        description: &str,
        permalink: &str,
        trail: &[(String, String)],
    ) -> social::Head {
        social::head(
            &self.config,
            &PageMeta {
                title,
                description,
                url: permalink,
                schema,
                image: self.default_image.as_ref(),
                published: None,
                modified: None,
                author: None,
                tags: &[],
                section: None,
                number: None,
                breadcrumbs: trail,
                comments: None,
            },
            self.publisher_logo.as_ref(),
        )
    }
}

/// Minutes at 200 words a minute, at least one.
fn reading_time(words: usize) -> usize {
    words.div_ceil(200).max(1)
}
