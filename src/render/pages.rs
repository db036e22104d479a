//! The pages an author writes (guides, theses, standalone pages) and the single pages
//! piazza adds (404, comment thanks, aliases): each is one URL with its own head, unlike
//! the paginated lists beside it.

use std::collections::BTreeMap;

use minijinja::{context, Value};

use crate::content::{frontmatter, PageKind};
use crate::error::Error;
use crate::limits::read_page;
use crate::markdown;
use crate::site::Site;
use crate::social::{self, PageMeta, Schema};
use crate::templates::to_value;

use super::images;
use super::views::{toc, Link, PageView, ThesisRef};
use super::{page_template, reading_time};

impl Site {
    pub(super) fn render_page(&self, i: usize) -> Result<String, Error> {
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

    pub(super) fn render_not_found(&self) -> Result<String, Error> {
        let title = self.strings.text("not_found_title");
        let description = self.strings.text("not_found_text");
        let permalink = self.abs("/404.html");
        let head = self.generic_head(Schema::WebPage, &title, &description, &permalink, &[]);
        self.templates
            .render("404.html", context! { head => to_value(&head) })
    }

    /// Where the comment endpoint sends a reader: kept out of search results.
    pub(super) fn render_comments_thanks(&self) -> Result<String, Error> {
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

    pub(super) fn render_alias(&self, pi: usize) -> Result<String, Error> {
        let p = &self.content.pages[pi];
        self.templates.render(
            "alias.html",
            context! { url => self.url(&p.path), permalink => self.abs(&p.path), title => p.title.clone() },
        )
    }
}
