//! The index's cross references: thesis numbers and citations, `@/` links, section
//! order and tags, built once the files are read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::config::{BaseUrl, Config};
use crate::error::{Error, Errors};
use crate::links::{self, ConfigUrl};
use crate::slug::slugify;
use crate::source::SourceRef;

use super::frontmatter::SortBy;
use super::{Content, Page, PageKind, Tag, Target};

impl Content {
    /// Numbers the theses, checks every citation and records who cites each thesis.
    pub(super) fn index_theses(
        &mut self,
        config: &Config,
        refs: &[(Target, (u32, SourceRef))],
        errors: &mut Errors,
    ) {
        for (i, p) in self.pages.iter().enumerate() {
            match (p.kind, p.number) {
                (PageKind::Thesis, Some(n)) => {
                    if let Some(&other) = self.theses.get(&n) {
                        errors.push(
                            Error::in_file(
                                &p.shown,
                                format!(
                                    "thesis number {n} is already used by {}",
                                    self.pages[other].shown.display()
                                ),
                            )
                            .at_line(p.line_of("number"))
                            .hint("every thesis needs its own number"),
                        );
                    } else {
                        self.theses.insert(n, i);
                    }
                }
                (PageKind::Thesis, None) => errors.push(
                    Error::in_file(&p.shown, "this thesis has no `number:`")
                        .at_line(1)
                        .hint("add `number: N` to the front matter; theses are cited by number"),
                ),
                (_, Some(_)) => errors.push(
                    Error::in_file(&p.shown, "`number:` is only for thesis pages")
                        .at_line(p.line_of("number"))
                        .hint(format!(
                            "move the page into content/{}/ or remove `number:`",
                            config.theses_section
                        )),
                ),
                _ => {}
            }
        }
        let mut cited_by = vec![Vec::new(); self.pages.len()];
        for (i, p) in self.pages.iter().enumerate() {
            for &n in &p.theses {
                match self.theses.get(&n) {
                    Some(&t) if t != i => cited_by[t].push(i),
                    Some(_) => {}
                    None => {
                        let at = Self::quoted_at(refs, Target::Page(i), n)
                            .unwrap_or((p.line_of("theses"), 1));
                        errors.push(self.missing_thesis(config, &p.shown, n).at(at.0, at.1));
                    }
                }
            }
        }
        for (i, s) in self.sections.iter().enumerate() {
            for &n in s.theses.iter().filter(|n| !self.theses.contains_key(n)) {
                let at = Self::quoted_at(refs, Target::Section(i), n).unwrap_or((1, 1));
                errors.push(self.missing_thesis(config, &s.shown, n).at(at.0, at.1));
            }
        }
        for list in &mut cited_by {
            list.sort_by_key(|&i| (std::cmp::Reverse(self.pages[i].sort_date()), i));
        }
        self.cited_by = cited_by;
    }

    /// Where `from` first quotes thesis `n`: (line, column).
    pub(super) fn quoted_at(
        refs: &[(Target, (u32, SourceRef))],
        from: Target,
        n: u32,
    ) -> Option<(usize, usize)> {
        refs.iter()
            .find(|(who, (num, _))| *who == from && *num == n)
            .map(|(_, (_, r))| (r.line, r.column))
    }

    /// The error for a citation in `shown` of thesis `n`, which is not published.
    pub(super) fn missing_thesis(&self, config: &Config, shown: &Path, n: u32) -> Error {
        let scheduled = self
            .scheduled
            .iter()
            .find(|p| p.kind == PageKind::Thesis && p.number == Some(n));
        match scheduled.and_then(|p| p.date) {
            Some(date) => Error::in_file(
                shown,
                format!("thesis number {n} is scheduled for {date}, which is not built yet"),
            )
            .hint("cite it once it is published, or build with --future to preview both"),
            None => Error::in_file(shown, format!("there is no thesis number {n}"))
                .hint(self.known_theses_hint(config)),
        }
    }

    pub(super) fn known_theses_hint(&self, config: &Config) -> String {
        if self.theses.is_empty() {
            return format!(
                "there are no theses yet; add one in content/{}/ with `number: 1`",
                config.theses_section
            );
        }
        let numbers: Vec<String> = self.theses.keys().map(|n| n.to_string()).collect();
        format!("the theses are numbered {}", numbers.join(", "))
    }

    /// Checks that every `@/` link names a file that is published.
    pub(super) fn check_links(
        &self,
        links: &[(Target, (String, SourceRef))],
        drafts: &[String],
        errors: &mut Errors,
    ) {
        for (from, (target, at)) in links {
            let file = target.split('#').next().unwrap_or_default();
            if self.by_source.contains_key(file) {
                continue;
            }
            let shown = match *from {
                Target::Page(i) => &self.pages[i].shown,
                Target::Section(i) => &self.sections[i].shown,
            };
            let scheduled = self.scheduled.iter().find(|p| p.rel == file);
            let (message, hint) = match scheduled.and_then(|p| p.date) {
                Some(date) => (
                    format!("the link @/{target} points to a page scheduled for {date}, which is not built yet"),
                    "link to it once it is published, or build with --future to preview both".to_string(),
                ),
                None if drafts.iter().any(|d| d == file) => (
                    format!("the link @/{target} points to no file in content/"),
                    "that page is a draft: publish it (remove `draft: true`), build with --drafts, or remove the link".to_string(),
                ),
                None => (
                    format!("the link @/{target} points to no file in content/"),
                    "the path is relative to content/, e.g. @/guides/my-guide.md; check the spelling"
                        .to_string(),
                ),
            };
            errors.push(
                Error::in_file(shown, message)
                    .at(at.line, at.column)
                    .hint(hint),
            );
        }
    }

    /// Lists each section's pages in its order.
    pub(super) fn sort_sections(&mut self) {
        for (i, p) in self.pages.iter().enumerate() {
            self.sections[p.section].pages.push(i);
        }
        let pages = &self.pages;
        for s in &mut self.sections {
            // A stable sort: pages that compare equal keep the order of their files.
            s.pages
                .sort_by(|&a, &b| list_order(s.sort, &pages[a], &pages[b]));
        }
        self.positions = vec![0; self.pages.len()];
        for s in &self.sections {
            for (pos, &p) in s.pages.iter().enumerate() {
                self.positions[p] = pos;
            }
        }
    }

    /// Groups pages by tag slug; "SEO" and "seo" are one tag, named as first written.
    pub(super) fn index_tags(&mut self) {
        let mut by_slug: BTreeMap<String, Tag> = BTreeMap::new();
        let mut slugs_of_page: Vec<Vec<String>> = Vec::with_capacity(self.pages.len());
        for (i, p) in self.pages.iter().enumerate() {
            let mut slugs: Vec<String> = Vec::with_capacity(p.tags.len());
            let mut seen: HashSet<&str> = HashSet::with_capacity(p.tags.len());
            for (name, slug) in p.tags.iter().zip(&p.tag_slugs) {
                if slug.is_empty() || !seen.insert(slug) {
                    continue;
                }
                let slug = slug.clone();
                let tag = by_slug.entry(slug.clone()).or_insert_with(|| Tag {
                    name: name.clone(),
                    path: format!("/tags/{slug}/"),
                    slug: slug.clone(),
                    pages: Vec::new(),
                });
                tag.pages.push(i);
                slugs.push(slug);
            }
            slugs_of_page.push(slugs);
        }
        let pages = &self.pages;
        self.tags = by_slug
            .into_values()
            .map(|mut t| {
                t.pages
                    .sort_by_key(|&i| (std::cmp::Reverse(pages[i].sort_date()), i));
                t
            })
            .collect();
        let index: HashMap<&str, usize> = self
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug.as_str(), i))
            .collect();
        self.page_tags = slugs_of_page
            .iter()
            .map(|slugs| {
                slugs
                    .iter()
                    .filter_map(|s| index.get(s.as_str()).copied())
                    .collect()
            })
            .collect();
    }

    /// The tag with this name, if any.
    pub fn tag(&self, name: &str) -> Option<&Tag> {
        let slug = slugify(name);
        self.tags
            .binary_search_by(|t| t.slug.cmp(&slug))
            .ok()
            .map(|i| &self.tags[i])
    }

    /// The site path of an `@/` link target (`guides/x.md#part`), if it exists.
    pub fn resolve_link(&self, target: &str) -> Option<String> {
        let (file, fragment) = match target.split_once('#') {
            Some((f, frag)) => (f, Some(frag)),
            None => (target, None),
        };
        let path = match self.by_source.get(file)? {
            Target::Page(i) => &self.pages[*i].path,
            Target::Section(i) => &self.sections[*i].path,
        };
        Some(match fragment {
            Some(f) => format!("{path}#{f}"),
            None => path.clone(),
        })
    }

    /// Where a URL from the config, already checked by [`links::parse_link`], points:
    /// the href for pages (with the base path) and the absolute URL for share metadata.
    /// None when an `@/` link names no published page.
    pub fn resolve_url(&self, url: &str, base: &BaseUrl) -> Option<(String, String)> {
        match links::parse_link(url).ok()? {
            ConfigUrl::Absolute(u) => Some((u.to_string(), u.to_string())),
            ConfigUrl::Path(p) => Some((base.url(p), base.absolute(p))),
            ConfigUrl::Page(target) => {
                let p = self.resolve_link(target)?;
                Some((base.url(&p), base.absolute(&p)))
            }
        }
    }
}

/// The order of two pages in a section list sorted by `sort`. Titles compare as a
/// reader files them: "Èra" with the e's, "annunci" before "Budget"; the title as
/// written only breaks ties.
pub(super) fn list_order(sort: SortBy, a: &Page, b: &Page) -> std::cmp::Ordering {
    let by_title = || {
        let folded = |t: &str| deunicode::deunicode(t).to_lowercase();
        folded(&a.title)
            .cmp(&folded(&b.title))
            .then_with(|| a.title.cmp(&b.title))
    };
    match sort {
        SortBy::Date => b.sort_date().cmp(&a.sort_date()).then_with(by_title),
        SortBy::Title => by_title(),
        SortBy::Number => a.number.cmp(&b.number).then_with(by_title),
    }
}

/// The index built from pages made in memory, as the loader leaves them before
/// indexing: no files, no config.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::content::{index_rel, Section};

    fn page(rel: &str, section: usize, title: &str, day: i64, tags: &[&str]) -> Arc<Page> {
        Arc::new(Page {
            rel: rel.into(),
            section,
            path: format!("/{}/", rel.trim_end_matches(".md")),
            title: title.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            tag_slugs: tags.iter().map(|t| slugify(t)).collect(),
            sort_key: day,
            ..Page::default()
        })
    }

    fn section(dir: &str, sort: SortBy) -> Section {
        Section {
            dir: dir.into(),
            path: if dir.is_empty() {
                "/".into()
            } else {
                format!("/{dir}/")
            },
            sort,
            ..Section::default()
        }
    }

    fn content(pages: Vec<Arc<Page>>, sections: Vec<Section>) -> Content {
        let mut by_source: HashMap<String, Target> = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.rel.clone(), Target::Page(i)))
            .collect();
        for (i, s) in sections.iter().enumerate() {
            by_source.insert(index_rel(&s.dir), Target::Section(i));
        }
        let mut c = Content {
            pages,
            sections,
            by_source,
            ..Content::default()
        };
        c.sort_sections();
        c.index_tags();
        c
    }

    fn titles(c: &Content, pages: &[usize]) -> Vec<String> {
        pages.iter().map(|&i| c.pages[i].title.clone()).collect()
    }

    #[test]
    fn sections_list_their_pages_in_their_order() {
        let c = content(
            vec![
                page("guides/b.md", 1, "Budget", 10, &[]),
                page("guides/a.md", 1, "annunci", 30, &[]),
                page("guides/c.md", 1, "Clienti", 20, &[]),
                page("glossario/z.md", 2, "Zeta", 0, &[]),
                page("glossario/e.md", 2, "Èra", 0, &[]),
                page("glossario/a.md", 2, "Ascolto", 0, &[]),
            ],
            vec![
                section("", SortBy::Date),
                section("guides", SortBy::Date),
                section("glossario", SortBy::Title),
            ],
        );
        assert_eq!(
            titles(&c, &c.sections[1].pages),
            ["annunci", "Clienti", "Budget"]
        );
        // Neither case nor accents decide the order.
        assert_eq!(titles(&c, &c.sections[2].pages), ["Ascolto", "Èra", "Zeta"]);
        assert_eq!(c.positions[0], 2, "Budget is third in its list");
        assert_eq!(c.positions[1], 0);
    }

    #[test]
    fn equal_dates_keep_the_order_of_titles_then_files() {
        let c = content(
            vec![
                page("guides/y.md", 1, "Stesso", 5, &[]),
                page("guides/x.md", 1, "Stesso", 5, &[]),
                page("guides/w.md", 1, "Altro", 5, &[]),
            ],
            vec![section("", SortBy::Date), section("guides", SortBy::Date)],
        );
        assert_eq!(c.sections[1].pages, [2, 0, 1]);
    }

    #[test]
    fn tags_are_one_per_slug_named_as_first_written_newest_first() {
        let c = content(
            vec![
                page("guides/a.md", 1, "A", 10, &["SEO", "Social media"]),
                page("guides/b.md", 1, "B", 30, &["seo", "seo"]),
                page("guides/c.md", 1, "C", 20, &["Social Media", ""]),
            ],
            vec![section("", SortBy::Date), section("guides", SortBy::Date)],
        );
        let names: Vec<&str> = c.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["SEO", "Social media"]);
        let seo = c.tag("Seo").expect("the tag SEO, found in any case");
        assert_eq!(seo.path, "/tags/seo/");
        assert_eq!(
            titles(&c, &seo.pages),
            ["B", "A"],
            "B named it twice, listed once"
        );
        assert_eq!(
            titles(&c, &c.tag("social media").unwrap().pages),
            ["C", "A"]
        );
        assert_eq!(c.page_tags, [vec![0, 1], vec![0], vec![1]]);
        assert!(c.tag("marketing").is_none());
    }

    #[test]
    fn at_links_resolve_to_pages_and_sections_with_their_fragment() {
        let c = content(
            vec![page("guides/a.md", 1, "A", 0, &[])],
            vec![section("", SortBy::Date), section("guides", SortBy::Date)],
        );
        assert_eq!(c.resolve_link("guides/a.md").as_deref(), Some("/guides/a/"));
        assert_eq!(
            c.resolve_link("guides/a.md#costi").as_deref(),
            Some("/guides/a/#costi")
        );
        assert_eq!(
            c.resolve_link("guides/_index.md").as_deref(),
            Some("/guides/")
        );
        assert_eq!(c.resolve_link("guides/b.md"), None);
        let base = BaseUrl::parse("https://example.org/repo/").unwrap();
        assert_eq!(
            c.resolve_url("@/guides/a.md", &base),
            Some((
                "/repo/guides/a/".to_string(),
                "https://example.org/repo/guides/a/".to_string()
            ))
        );
        assert_eq!(c.resolve_url("@/nessuna.md", &base), None);
    }
}
