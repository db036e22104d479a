//! What templates see: the views of the site, a page, a section, a tag and a list
//! entry, made from the content index.

use std::collections::BTreeMap;

use minijinja::Value;
use serde::Serialize;

use crate::config::Config;
use crate::content::{Content, Page, PageKind};
use crate::error::Error;
use crate::markdown;
use crate::social;
use crate::social::ImageView;
use crate::templates::{AssetFiles, DateView};

/// A link in a list or menu.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Text.
    pub title: String,
    /// URL with the base path.
    pub url: String,
}

/// A thesis as guides cite it.
#[derive(Debug, Clone, Serialize)]
pub struct ThesisRef {
    /// Number.
    pub number: u32,
    /// The thesis itself (its title).
    pub title: String,
    /// URL with the base path.
    pub url: String,
    /// Absolute URL.
    pub permalink: String,
    /// Its description or summary.
    pub summary: String,
}

/// A page as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    /// Guide, thesis or page.
    pub kind: PageKind,
    /// Title.
    pub title: String,
    /// URL with the base path.
    pub url: String,
    /// Description or summary.
    pub summary: String,
    /// Publication date.
    pub date: Option<DateView>,
    /// Thesis number.
    pub number: Option<u32>,
    /// Share image.
    pub image: Option<ImageView>,
    /// Tags: a list of [`Link`]s, shared with every other card of the page.
    pub tags: Value,
    /// Minutes to read.
    pub reading_time: usize,
}

/// The site, as the `site` template global.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) language: String,
    pub(super) lang: String,
    pub(super) url: String,
    pub(super) permalink: String,
    pub(super) feed_url: String,
    pub(super) author: Option<Link>,
    pub(super) nav: Vec<Link>,
    pub(super) theses_url: Option<String>,
    pub(super) tags_url: Option<String>,
    pub(super) favicon: Option<IconView>,
    /// The search page, when site search is on.
    pub(super) search_url: Option<String>,
    pub(super) data: BTreeMap<String, serde_yaml::Value>,
}

/// `site.favicon`: the site's own icon, when config.yaml names one.
#[derive(Debug, Clone, Serialize)]
pub(super) struct IconView {
    pub(super) url: String,
    pub(super) mime: &'static str,
}

impl SiteView {
    /// The global view of a site; `assets` fingerprints the site's own favicon.
    pub fn new(
        config: &Config,
        content: &Content,
        assets: &AssetFiles<'_>,
        data: BTreeMap<String, serde_yaml::Value>,
    ) -> Result<SiteView, Error> {
        let b = &config.base_url;
        let mut nav: Vec<Link> = content.sections[0]
            .subsections
            .iter()
            .map(|&i| &content.sections[i])
            .map(|s| Link {
                title: s.title.clone(),
                url: b.url(&s.path),
            })
            .collect();
        let mut pages: Vec<&Page> = content.sections[0]
            .pages
            .iter()
            .map(|&i| content.pages[i].as_ref())
            .collect();
        pages.sort_by(|a, b| a.title.cmp(&b.title));
        nav.extend(pages.iter().map(|p| Link {
            title: p.title.clone(),
            url: b.url(&p.path),
        }));
        Ok(SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            language: config.language.clone(),
            lang: config.lang_primary(),
            url: b.url("/"),
            permalink: b.absolute("/"),
            feed_url: b.url("/feed.xml"),
            author: config.author.as_ref().map(|a| Link {
                title: a.name().to_string(),
                url: a
                    .url()
                    .and_then(|u| content.resolve_url(u, b))
                    .map(|(href, _)| href)
                    .unwrap_or_default(),
            }),
            nav,
            theses_url: content
                .sections
                .iter()
                .find(|s| s.is_theses && s.dir == config.theses_section)
                .map(|s| b.url(&s.path)),
            tags_url: (config.tags && !content.tags.is_empty()).then(|| b.url("/tags/")),
            favicon: match &config.favicon {
                Some(f) => Some(IconView {
                    url: assets.url(&f.path)?.unwrap_or_else(|| b.url(&f.path)),
                    mime: f.mime,
                }),
                None => None,
            },
            search_url: config.search.then(|| b.url(crate::searchable::PAGE_PATH)),
            data,
        })
    }
}

/// Pagination of a list.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Paginator {
    pub(super) pages: Vec<Card>,
    pub(super) current: usize,
    pub(super) total: usize,
    pub(super) prev: Option<String>,
    pub(super) next: Option<String>,
    pub(super) first: String,
    pub(super) last: String,
    pub(super) label: String,
}

/// The page being rendered, with everything its template may show.
#[derive(Debug, Serialize)]
pub(super) struct PageView<'a> {
    pub(super) kind: PageKind,
    pub(super) title: &'a str,
    pub(super) description: Option<&'a str>,
    pub(super) summary: &'a str,
    pub(super) url: String,
    pub(super) permalink: String,
    pub(super) date: Option<DateView>,
    pub(super) updated: Option<DateView>,
    pub(super) author: Option<Link>,
    pub(super) tags: Value,
    pub(super) image: Option<&'a ImageView>,
    pub(super) number: Option<u32>,
    pub(super) content: Value,
    pub(super) reading_time: usize,
    pub(super) theses: Vec<ThesisRef>,
    pub(super) cited_by: Vec<Card>,
    pub(super) related: Vec<Card>,
    pub(super) section: Link,
    pub(super) prev: Option<Link>,
    pub(super) next: Option<Link>,
    pub(super) breadcrumbs: Vec<Link>,
    pub(super) share: BTreeMap<&'static str, String>,
    pub(super) share_links: Vec<social::ShareLink>,
    pub(super) og: &'a [social::Meta],
    pub(super) draft: bool,
    pub(super) extra: &'a serde_yaml::Value,
    pub(super) toc: Vec<TocEntry>,
    /// Whether site search indexes the page (its template marks what to index).
    pub(super) search: bool,
    /// Readers' comments and the form, when the page takes comments.
    pub(super) comments: Option<crate::comments::view::CommentsView>,
}

/// One heading in `page.toc`, with the headings under it.
#[derive(Debug, Serialize)]
pub(super) struct TocEntry {
    pub(super) level: u8,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) children: Vec<TocEntry>,
}

/// Nests headings under the nearest previous heading of a higher level.
pub(super) fn toc(headings: Vec<markdown::Heading>) -> Vec<TocEntry> {
    // The open path from the top level down to the last heading.
    let mut path: Vec<TocEntry> = Vec::new();
    let mut top: Vec<TocEntry> = Vec::new();
    let close = |path: &mut Vec<TocEntry>, top: &mut Vec<TocEntry>| {
        if let Some(done) = path.pop() {
            match path.last_mut() {
                Some(parent) => parent.children.push(done),
                None => top.push(done),
            }
        }
    };
    for h in headings {
        while path.last().is_some_and(|open| open.level >= h.level) {
            close(&mut path, &mut top);
        }
        path.push(TocEntry {
            level: h.level,
            id: h.id,
            title: h.title,
            children: Vec::new(),
        });
    }
    while !path.is_empty() {
        close(&mut path, &mut top);
    }
    top
}

#[derive(Serialize)]
pub(super) struct SectionView<'a> {
    pub(super) title: &'a str,
    pub(super) description: Option<&'a str>,
    pub(super) url: String,
    pub(super) permalink: String,
    pub(super) content: Value,
    pub(super) subsections: Vec<Link>,
    pub(super) image: Option<&'a ImageView>,
    pub(super) is_theses: bool,
}

#[derive(Serialize)]
pub(super) struct TagView {
    pub(super) name: String,
    pub(super) url: String,
    pub(super) count: usize,
}
