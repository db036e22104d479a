//! Sections, the tag index and tag pages: the outputs that list other pages, most of
//! them split over numbered pages, so pagination and list heads have one home.

use minijinja::{context, Value};

use crate::content::{frontmatter, Section};
use crate::error::Error;
use crate::limits::read_page;
use crate::markdown;
use crate::outputs::{list_path, page_count};
use crate::site::Site;
use crate::social::{self, PageMeta, Schema};
use crate::templates::to_value;

use super::section_template;
use super::views::{Card, Link, Paginator, SectionView, TagView};

impl Site {
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

    pub(super) fn render_list(&self, si: usize, n: usize) -> Result<String, Error> {
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

    pub(super) fn render_tag_index(&self) -> Result<String, Error> {
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

    pub(super) fn render_tag(&self, ti: usize, n: usize) -> Result<String, Error> {
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
}
