//! Rendering: every output of a site as an [`Item`], rendered in parallel and written
//! as soon as it is made.
//!
//! Each item is rendered from the content index alone (plus, for a page, its own
//! Markdown file), so work per item does not grow with the size of the site.

use std::collections::BTreeMap;
use std::time::Instant;

use minijinja::{context, Value};
use rayon::prelude::*;

use crate::config::Config;
use crate::content::date::Date;
use crate::content::{frontmatter, Content, Page, PageKind, Section};
use crate::error::{Error, Errors};
use crate::limits::read_page;

use crate::files::Source;
use crate::markdown;
use crate::output::{xml_escape, Sink};
use crate::outputs::{list_path, page_count, Item};
use crate::site::Site;
use crate::social::{self, PageMeta, Schema};
use crate::templates::to_value;

mod images;
mod resolve;
mod views;

pub use crate::templates::DateView;
pub use resolve::ImageSize;
use views::*;
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

    fn render_page(&self, i: usize) -> Result<String, Error> {
        let c = &self.content;
        let p = &c.pages[i];
        let text = read_page(&p.source, &p.shown, self.config.markdown.max_page_size)?;
        let split = frontmatter::split(&text, &p.shown)?;
        let cover = self.page_images[i].as_ref().is_some_and(|im| !im.generated);
        let (html, headings) = markdown::render_with_headings(
            split.body,
            split.body_line,
            &self.markdown,
            self.config.markdown,
            &images::PageImages::new(self, &p.path, cover),
            p.toc,
        )
        .map_err(|errs| {
            let e = &errs[0];
            Error::in_file(&p.shown, e.message.clone())
                .at(e.line, e.column)
                .hint(e.hint.clone())
        })?;
        let section = &c.sections[p.section];
        let permalink = self.abs(&p.path);
        // og:url follows the canonical URL, as search engines and share previews expect.
        let canonical = p
            .canonical
            .as_deref()
            .and_then(|u| self.content.resolve_url(u, &self.config.base_url))
            .map_or_else(|| permalink.clone(), |(_, abs)| abs);
        let mut trail = self.trail(p.section);
        trail.push((p.title.clone(), p.path.clone()));
        let crumbs_abs: Vec<(String, String)> = trail
            .iter()
            .map(|(n, path)| (n.clone(), self.abs(path)))
            .collect();
        let author = p.author.as_ref().or(self.config.author.as_ref());
        let author_url = author
            .and_then(|a| a.url())
            .and_then(|u| self.content.resolve_url(u, &self.config.base_url));
        let image = self.page_images[i].as_ref();
        let description = p.description.as_deref().unwrap_or(&p.summary);
        let mut head = social::head(
            &self.config,
            &PageMeta {
                title: &p.title,
                description,
                url: &canonical,
                schema: match p.kind {
                    PageKind::Guide => Schema::BlogPosting,
                    PageKind::Thesis => Schema::Thesis,
                    PageKind::Page => Schema::WebPage,
                },
                image,
                published: p.date,
                modified: p.updated,
                author: author.map(|a| social::Person {
                    name: a.name(),
                    url: author_url.as_ref().map(|(_, abs)| abs.clone()),
                }),
                tags: &p.tags,
                section: (p.section != 0).then_some(section.title.as_str()),
                number: p.number,
                breadcrumbs: &crumbs_abs,
                comments: self.comments.json_ld(&self.config, i, p),
            },
            self.publisher_logo.as_ref(),
        );
        if p.noindex() {
            head.meta.push(social::Meta {
                attr: "name",
                key: "robots".into(),
                content: "noindex".into(),
            });
        }
        let share_links = if p.kind == PageKind::Page {
            Vec::new()
        } else {
            let text = match p.number {
                Some(n) => format!("{} {n}: {}", self.strings.text("thesis"), p.title),
                None => p.title.clone(),
            };
            social::share_links(&self.config, &self.strings, &permalink, &text)
        };
        let position = Some(c.positions[i]);
        let neighbour = |pos: Option<usize>| {
            pos.and_then(|j| section.pages.get(j)).map(|&j| Link {
                title: c.pages[j].title.clone(),
                url: self.url(&c.pages[j].path),
            })
        };
        let view = PageView {
            kind: p.kind,
            title: &p.title,
            description: p.description.as_deref(),
            summary: &p.summary,
            url: self.url(&p.path),
            permalink: permalink.clone(),
            date: self.date_view(p.date),
            updated: self.date_view(p.updated),
            author: author.map(|a| Link {
                title: a.name().to_string(),
                url: author_url.map(|(href, _)| href).unwrap_or_default(),
            }),
            tags: self.tag_links(i),
            image,
            number: p.number,
            content: Value::from_safe_string(html),
            reading_time: reading_time(p.words),
            theses: p
                .theses
                .iter()
                .filter_map(|n| c.theses.get(n).map(|&t| (n, t)))
                .map(|(&n, t)| ThesisRef {
                    number: n,
                    title: c.pages[t].title.clone(),
                    url: self.url(&c.pages[t].path),
                    permalink: self.abs(&c.pages[t].path),
                    summary: c.pages[t].summary.clone(),
                })
                .collect(),
            cited_by: c.cited_by[i].iter().map(|&j| self.card(j)).collect(),
            related: self.related(i).into_iter().map(|j| self.card(j)).collect(),
            section: Link {
                title: section.title.clone(),
                url: self.url(&section.path),
            },
            prev: neighbour(position.and_then(|x| x.checked_sub(1))),
            next: neighbour(position.map(|x| x + 1)),
            breadcrumbs: trail
                .iter()
                .map(|(n, path)| Link {
                    title: n.clone(),
                    url: self.url(path),
                })
                .collect(),
            share: share_links
                .iter()
                .map(|l| (l.network, l.url.clone()))
                .collect(),
            share_links,
            og: &head.meta,
            draft: p.draft,
            extra: &p.extra,
            toc: if p.toc { toc(headings) } else { Vec::new() },
            search: crate::searchable::indexed(&self.config, p),
            comments: self.comments.view(&self.config, &self.strings, i, p),
        };
        self.templates.render(
            &page_template(p),
            context! { page => to_value(&view), head => to_value(&head) },
        )
    }

    /// Up to three other guides that share the most tags with page `i`, taken from the
    /// pages next to it in each tag's list, so the cost does not grow with the site.
    pub(crate) fn related(&self, i: usize) -> Vec<usize> {
        let c = &self.content;
        let p = &c.pages[i];
        if p.kind != PageKind::Guide {
            return Vec::new();
        }
        let mut score: BTreeMap<usize, usize> = BTreeMap::new();
        for &t in &c.page_tags[i] {
            let tag = &c.tags[t];
            let key = |j: &usize| (std::cmp::Reverse(c.pages[*j].sort_date()), *j);
            let pos = tag.pages.binary_search_by_key(&key(&i), key).unwrap_or(0);
            let lo = pos.saturating_sub(3);
            let hi = (pos + 4).min(tag.pages.len());
            for &j in &tag.pages[lo..hi] {
                if j != i && c.pages[j].kind == PageKind::Guide {
                    *score.entry(j).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, usize)> = score.into_iter().collect();
        ranked.sort_by_key(|&(j, s)| {
            (
                std::cmp::Reverse(s),
                std::cmp::Reverse(c.pages[j].sort_date()),
                j,
            )
        });
        ranked.into_iter().take(3).map(|(j, _)| j).collect()
    }

    fn paginator(&self, all: &[usize], per_page: usize, n: usize, base_path: &str) -> Paginator {
        let total = page_count(all.len(), per_page);
        let start = (n - 1) * per_page;
        let end = (start + per_page).min(all.len());
        Paginator {
            pages: all[start.min(end)..end]
                .iter()
                .map(|&j| self.card(j))
                .collect(),
            current: n,
            total,
            prev: (n > 1).then(|| self.url(&list_path(base_path, n - 1))),
            next: (n < total).then(|| self.url(&list_path(base_path, n + 1))),
            first: self.url(base_path),
            last: self.url(&list_path(base_path, total)),
            label: self
                .strings
                .get(
                    "page_of",
                    &[("current", n.to_string()), ("total", total.to_string())],
                )
                .unwrap_or_else(|| format!("{n} / {total}")),
        }
    }

    fn section_intro(&self, s: &Section) -> Result<Value, Error> {
        if !s.has_body {
            return Ok(Value::from_safe_string(String::new()));
        }
        let source = self.config.root.join(&s.shown);
        let text = read_page(&source, &s.shown, self.config.markdown.max_page_size)?;
        let split = frontmatter::split(&text, &s.shown)?;
        let html = markdown::render(
            split.body,
            split.body_line,
            &self.markdown,
            self.config.markdown,
            self,
        )
        .map_err(|errs| {
            let e = &errs[0];
            Error::in_file(&s.shown, e.message.clone())
                .at(e.line, e.column)
                .hint(e.hint.clone())
        })?;
        Ok(Value::from_safe_string(html))
    }

    fn render_list(&self, si: usize, n: usize) -> Result<String, Error> {
        let c = &self.content;
        let s = &c.sections[si];
        let path = list_path(&s.path, n);
        let permalink = self.abs(&path);
        let is_home = si == 0;
        let title = s.title.clone();
        let description = s
            .description
            .clone()
            .or_else(|| is_home.then(|| self.config.description.clone()).flatten())
            .unwrap_or_else(|| {
                self.config
                    .description
                    .clone()
                    .unwrap_or_else(|| s.title.clone())
            });
        let mut trail: Vec<(String, String)> = self
            .trail(si)
            .into_iter()
            .map(|(t, p)| (t, self.abs(&p)))
            .collect();
        if n > 1 {
            trail.push((
                self.strings
                    .get(
                        "page_of",
                        &[
                            ("current", n.to_string()),
                            ("total", page_count(s.pages.len(), s.paginate).to_string()),
                        ],
                    )
                    .unwrap_or_default(),
                permalink.clone(),
            ));
        }
        let head = social::head(
            &self.config,
            &PageMeta {
                title: &title,
                description: &description,
                url: &permalink,
                schema: if is_home {
                    Schema::WebSite
                } else {
                    Schema::CollectionPage
                },
                image: self.section_images[si].as_ref(),
                published: None,
                modified: None,
                author: None,
                tags: &[],
                section: None,
                number: None,
                breadcrumbs: &trail,
                comments: None,
            },
            self.publisher_logo.as_ref(),
        );
        let section = SectionView {
            title: &title,
            description: s.description.as_deref(),
            url: self.url(&s.path),
            permalink: self.abs(&s.path),
            content: self.section_intro(s)?,
            subsections: s
                .subsections
                .iter()
                .map(|&j| Link {
                    title: c.sections[j].title.clone(),
                    url: self.url(&c.sections[j].path),
                })
                .collect(),
            image: self.section_images[si].as_ref(),
            is_theses: s.is_theses,
        };
        let ctx = if is_home {
            let guides = self.newest_guides(self.config.paginate_by.min(6));
            let theses: Vec<Card> = c.theses.values().map(|&j| self.card(j)).collect();
            context! {
                section => to_value(&section),
                head => to_value(&head),
                guides => to_value(&guides.iter().map(|&j| self.card(j)).collect::<Vec<_>>()),
                theses => to_value(&theses),
            }
        } else {
            context! {
                section => to_value(&section),
                head => to_value(&head),
                paginator => to_value(&self.paginator(&s.pages, s.paginate, n, &s.path)),
            }
        };
        self.templates.render(&section_template(s, si), ctx)
    }

    fn render_tag_index(&self) -> Result<String, Error> {
        let title = self.strings.text("tags");
        let permalink = self.abs("/tags/");
        let trail = vec![
            (self.strings.text("home"), self.abs("/")),
            (title.clone(), permalink.clone()),
        ];
        let description = self
            .strings
            .get("tags_description", &[("site", self.config.title.clone())])
            .unwrap_or_else(|| title.clone());
        let head = self.list_head(&title, &description, &permalink, &trail);
        let tags: Vec<TagView> = self
            .content
            .tags
            .iter()
            .map(|t| TagView {
                name: t.name.clone(),
                url: self.url(&t.path),
                count: t.pages.len(),
            })
            .collect();
        self.templates.render(
            "tags.html",
            context! { tags => to_value(&tags), head => to_value(&head) },
        )
    }

    fn render_tag(&self, ti: usize, n: usize) -> Result<String, Error> {
        let t = &self.content.tags[ti];
        let title = self
            .strings
            .get("tag_title", &[("tag", t.name.clone())])
            .unwrap_or_else(|| t.name.clone());
        let permalink = self.abs(&list_path(&t.path, n));
        let trail = vec![
            (self.strings.text("home"), self.abs("/")),
            (self.strings.text("tags"), self.abs("/tags/")),
            (t.name.clone(), self.abs(&t.path)),
        ];
        let description = self
            .strings
            .get(
                "tag_description",
                &[("tag", t.name.clone()), ("site", self.config.title.clone())],
            )
            .unwrap_or_else(|| title.clone());
        let head = self.list_head(&title, &description, &permalink, &trail);
        let tag = TagView {
            name: t.name.clone(),
            url: self.url(&t.path),
            count: t.pages.len(),
        };
        self.templates.render(
            "tag.html",
            context! {
                tag => to_value(&tag),
                head => to_value(&head),
                paginator => to_value(&self.paginator(&t.pages, self.config.paginate_by, n, &t.path)),
            },
        )
    }

    fn list_head(
        &self,
        title: &str,
        description: &str,
        permalink: &str,
        trail: &[(String, String)],
    ) -> social::Head {
        self.generic_head(Schema::CollectionPage, title, description, permalink, trail)
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

    fn render_not_found(&self) -> Result<String, Error> {
        let title = self.strings.text("not_found_title");
        let description = self.strings.text("not_found_text");
        let permalink = self.abs("/404.html");
        let head = self.generic_head(Schema::WebPage, &title, &description, &permalink, &[]);
        self.templates
            .render("404.html", context! { head => to_value(&head) })
    }

    /// Where the comment endpoint sends a reader: kept out of search results.
    fn render_comments_thanks(&self) -> Result<String, Error> {
        let title = self.strings.text("comments_thanks_title");
        let description = self.strings.text("comments_thanks_text");
        let permalink = self.abs(crate::comments::view::THANKS_PATH);
        let mut head = self.generic_head(Schema::WebPage, &title, &description, &permalink, &[]);
        head.meta.push(social::Meta {
            attr: "name",
            key: "robots".into(),
            content: "noindex".into(),
        });
        self.templates
            .render("comments-thanks.html", context! { head => to_value(&head) })
    }

    fn render_alias(&self, pi: usize) -> Result<String, Error> {
        let p = &self.content.pages[pi];
        self.templates.render(
            "alias.html",
            context! { url => self.url(&p.path), permalink => self.abs(&p.path), title => p.title.clone() },
        )
    }

    /// RSS 2.0 of the newest guides, with absolute links.
    fn feed(&self) -> String {
        let c = &self.content;
        let guides = self.feed_guides();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
        let e = xml_escape;
        out.push_str(&format!("<title>{}</title>\n", e(&self.config.title)));
        out.push_str(&format!("<link>{}</link>\n", e(&self.abs("/"))));
        out.push_str(&format!(
            "<description>{}</description>\n",
            e(self
                .config
                .description
                .as_deref()
                .unwrap_or(&self.config.title))
        ));
        out.push_str(&format!(
            "<language>{}</language>\n",
            e(&self.config.language)
        ));
        out.push_str(&format!(
            "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
            e(&self.abs("/feed.xml"))
        ));
        out.push_str("<generator>piazza</generator>\n");
        if let Some(d) = guides
            .iter()
            .filter_map(|&j| c.pages[j].last_modified())
            .max_by_key(|d| d.sort_key())
        {
            out.push_str(&format!("<lastBuildDate>{}</lastBuildDate>\n", d.rfc822()));
        }
        for &j in &guides {
            let p = &c.pages[j];
            let link = self.abs(&p.path);
            out.push_str("<item>\n");
            out.push_str(&format!("<title>{}</title>\n", e(&p.title)));
            out.push_str(&format!("<link>{}</link>\n", e(&link)));
            out.push_str(&format!("<guid isPermaLink=\"true\">{}</guid>\n", e(&link)));
            out.push_str(&format!("<description>{}</description>\n", e(&p.summary)));
            if let Some(d) = p.date {
                out.push_str(&format!("<pubDate>{}</pubDate>\n", d.rfc822()));
            }
            for t in &p.tags {
                out.push_str(&format!("<category>{}</category>\n", e(t)));
            }
            out.push_str("</item>\n");
        }
        out.push_str("</channel>\n</rss>\n");
        out
    }

    /// Every public page with its last change.
    fn sitemap(&self) -> String {
        let c = &self.content;
        let newest = |pages: &[usize]| {
            pages
                .iter()
                .filter_map(|&j| c.pages[j].last_modified())
                .max_by_key(|d| d.sort_key())
        };
        let mut entries: Vec<(String, Option<Date>)> = Vec::new();
        let all: Vec<usize> = (0..c.pages.len())
            .filter(|&j| c.pages[j].in_sitemap())
            .collect();
        for (i, s) in c.sections.iter().enumerate() {
            let lastmod = if i == 0 {
                newest(&all)
            } else {
                newest(&s.pages)
            };
            entries.push((s.path.clone(), lastmod));
        }
        for &j in &all {
            entries.push((c.pages[j].path.clone(), c.pages[j].last_modified()));
        }
        if self.config.tags && !c.tags.is_empty() {
            entries.push(("/tags/".into(), newest(&all)));
            for t in &c.tags {
                entries.push((t.path.clone(), newest(&t.pages)));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (path, lastmod) in entries {
            out.push_str("<url><loc>");
            out.push_str(&xml_escape(&self.abs(&path)));
            out.push_str("</loc>");
            if let Some(d) = lastmod {
                out.push_str(&format!("<lastmod>{}</lastmod>", d.iso_date()));
            }
            out.push_str("</url>\n");
        }
        out.push_str("</urlset>\n");
        out
    }
}

/// How many guides the feed carries.
pub const FEED_ITEMS: usize = 20;

impl Site {
    /// The `n` newest published guides, newest first (the home page).
    pub fn newest_guides(&self, n: usize) -> Vec<usize> {
        self.newest(n, |p| !p.draft)
    }

    /// The guides the feed carries: the newest published ones, without `noindex` pages.
    pub fn feed_guides(&self) -> Vec<usize> {
        self.newest(FEED_ITEMS, |p| !p.noindex())
    }

    /// The `n` newest guides that `keep`, newest first.
    fn newest(&self, n: usize, keep: impl Fn(&Page) -> bool) -> Vec<usize> {
        let c = &self.content;
        let mut guides: Vec<usize> = (0..c.pages.len())
            .filter(|&j| c.pages[j].kind == PageKind::Guide && keep(&c.pages[j]))
            .collect();
        let key = |j: &usize| (std::cmp::Reverse(c.pages[*j].sort_date()), *j);
        if guides.len() > n {
            guides.select_nth_unstable_by_key(n, key);
            guides.truncate(n);
        }
        guides.sort_by_key(key);
        guides
    }
}

/// Minutes at 200 words a minute, at least one.
fn reading_time(words: usize) -> usize {
    words.div_ceil(200).max(1)
}
