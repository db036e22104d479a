//! Content loading: the `content/` folder read into one index of pages and sections.
//!
//! Loading reads every Markdown file once, in parallel, keeping only metadata (front
//! matter, URL, the theses and files the body refers to) and dropping the body: the
//! renderer reads it again when it renders the page, so memory stays proportional to
//! the metadata, not to the text of the whole site.

mod cache;
pub mod date;
mod file;
pub mod frontmatter;
mod index;
pub mod sitepath;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Author, Config};
use crate::error::{Error, Errors};
use crate::files;
use crate::links::SiteLink;
use crate::markdown;
use crate::slug::slugify;
use crate::source::Stamp;
use date::Date;
use frontmatter::SortBy;

use cache::CachedFile;
pub use cache::{LoadCache, PageEdits};
use file::{load_file, Loaded};

/// What a page is, which decides its default template and its share metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// An article in a section (og:type article, listed in the feed).
    #[default]
    Guide,
    /// A numbered principle in the theses section.
    Thesis,
    /// A standalone page at the top of content/ (about, contacts).
    Page,
}

/// One page: its metadata, where it comes from and where it goes.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The Markdown file on disk.
    pub source: PathBuf,
    /// The file relative to content/, with `/` separators (`guides/x.md`): what `@/` links name.
    pub rel: String,
    /// The file as errors show it (`content/guides/x.md`).
    pub shown: PathBuf,
    /// Guide, thesis or standalone page.
    pub kind: PageKind,
    /// Index of the section the page belongs to.
    pub section: usize,
    /// Site path, `/guides/x/`, without the base URL's prefix.
    pub path: String,
    /// Title, plain text.
    pub title: String,
    /// Description as written.
    pub description: Option<String>,
    /// Description, or a summary taken from the text when there is none.
    pub summary: String,
    /// Publication date.
    pub date: Option<Date>,
    /// Last update.
    pub updated: Option<Date>,
    /// Author override.
    pub author: Option<Author>,
    /// Tags as written.
    pub tags: Vec<String>,
    /// `image:` as written.
    pub image: Option<String>,
    /// `image_alt:` as written.
    pub image_alt: Option<String>,
    /// Draft (only present in the index with `--drafts`).
    pub draft: bool,
    /// Thesis number.
    pub number: Option<u32>,
    /// Theses the page discusses, from `theses:` and from shortcodes, in first-cited order.
    pub theses: Vec<u32>,
    /// Template override.
    pub template: Option<String>,
    /// Old paths that redirect here, normalised to `/old/path/`.
    pub aliases: Vec<String>,
    /// 1-based line where the Markdown body starts.
    pub body_line: usize,
    /// For a page bundle (`x/index.md`), the bundle folder.
    pub bundle: Option<PathBuf>,
    /// The line of each front matter key.
    pub key_lines: Vec<(String, usize)>,
    /// Words in the body, for reading time.
    pub words: usize,
    /// Hash of the whole file, so a rebuild can tell whether its text changed.
    pub hash: u64,
    /// The `@/` targets its text and its author link to (their URLs end up in the page).
    pub links: Vec<String>,
    /// The calls of the site's or theme's shortcodes in its text (their templates make
    /// the page), with their file lines.
    pub shortcodes: Vec<markdown::shortcodes::Call>,

    /// Its Markdown links and images into the site, checked against the outputs.
    pub site_links: Vec<SiteLink>,
    /// The slug of each tag in `tags`, computed once when the file is read.
    pub tag_slugs: Vec<String>,
    /// `date` as a number that orders pages (oldest smallest), computed once.
    pub sort_key: i64,
    /// `extra:`, always a map (empty when the key is absent).
    pub extra: serde_yaml::Value,
    /// `canonical:` as written, checked: an absolute http(s) URL or an `@/` link.
    pub canonical: Option<String>,
    /// `noindex: true`.
    pub noindex: bool,
    /// `toc: true`.
    pub toc: bool,
    /// Kept by site search unless `search: false`.
    pub search: bool,
    /// `comments:` as written (None: the site's default).
    pub comments: Option<bool>,
}

impl Page {
    /// The line of front matter key `key`, or the first line.
    pub fn line_of(&self, key: &str) -> usize {
        self.key_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(1, |(_, l)| *l)
    }

    /// The date to sort and print by: `updated` never reorders a list, `date` does.
    pub fn sort_date(&self) -> i64 {
        self.sort_key
    }

    /// The last time the page changed: `updated`, else `date`.
    pub fn last_modified(&self) -> Option<Date> {
        self.updated.or(self.date)
    }

    /// Whether crawlers are told to leave the page out of search results: a draft
    /// (built with `--drafts`) or `noindex: true`.
    pub fn noindex(&self) -> bool {
        self.draft || self.noindex
    }

    /// Whether the sitemap offers the page: indexable and its own canonical page.
    pub fn in_sitemap(&self) -> bool {
        !self.noindex() && self.canonical.is_none()
    }
}

/// A folder of content/ with its list page; index 0 is content/ itself (the home page).
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Folder relative to content/ (`guides`), empty for the home page.
    pub dir: String,
    /// `_index.md` as errors show it, or the folder when there is none.
    pub shown: PathBuf,
    /// Whether `_index.md` exists.
    pub has_index: bool,
    /// Site path: `/` or `/guides/`.
    pub path: String,
    /// Title (from `_index.md`, else the folder name).
    pub title: String,
    /// Description as written.
    pub description: Option<String>,
    /// Order of the list.
    pub sort: SortBy,
    /// Items per list page.
    pub paginate: usize,
    /// Template override.
    pub template: Option<String>,
    /// Share image as written.
    pub image: Option<String>,
    /// Share image alt text.
    pub image_alt: Option<String>,
    /// The line of each front matter key.
    pub key_lines: Vec<(String, usize)>,
    /// Line where the intro text starts.
    pub body_line: usize,
    /// Whether the intro text is non-empty.
    pub has_body: bool,
    /// Hash of `_index.md`, so a rebuild can tell whether it changed.
    pub hash: u64,
    /// The `@/` targets its intro links to.
    pub links: Vec<String>,
    /// The shortcode calls of its intro, like a page's.
    pub shortcodes: Vec<markdown::shortcodes::Call>,

    /// Its intro's Markdown links and images into the site.
    pub site_links: Vec<SiteLink>,
    /// Theses its intro quotes, in first-quoted order.
    pub theses: Vec<u32>,
    /// Parent section.
    pub parent: Option<usize>,
    /// Pages, in list order.
    pub pages: Vec<usize>,
    /// Child sections.
    pub subsections: Vec<usize>,
    /// Whether this is the theses section.
    pub is_theses: bool,
}

impl Section {
    /// The line of front matter key `key`, or the first line.
    pub fn line_of(&self, key: &str) -> usize {
        self.key_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(1, |(_, l)| *l)
    }
}

/// A tag with the pages that carry it, newest first.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The name as first written.
    pub name: String,
    /// URL slug.
    pub slug: String,
    /// Site path `/tags/slug/`.
    pub path: String,
    /// Pages, newest first.
    pub pages: Vec<usize>,
}

/// A file that is copied to the output as it is.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Where it is read from.
    pub source: PathBuf,
    /// Output path relative to the output folder, `/` separated (`guides/x/cover.jpg`).
    pub out: String,
}

/// Where an `@/` link lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A page, by index.
    Page(usize),
    /// A section, by index.
    Section(usize),
}

/// Everything under content/, indexed.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// All pages (drafts only with `--drafts`).
    pub pages: Vec<Arc<Page>>,
    /// All sections; 0 is the home page.
    pub sections: Vec<Section>,
    /// Source path relative to content/ -> page or section.
    pub by_source: HashMap<String, Target>,
    /// Thesis number -> page.
    pub theses: BTreeMap<u32, usize>,
    /// For each page, the pages that cite it (non-empty only for theses), newest first.
    pub cited_by: Vec<Vec<usize>>,
    /// Tags, sorted by slug.
    pub tags: Vec<Tag>,
    /// For each page, its position in its section's list.
    pub positions: Vec<usize>,
    /// For each page, its tags as indices into `tags`, in the order written.
    pub page_tags: Vec<Vec<usize>>,
    /// Co-located files of page bundles and sections.
    pub assets: Vec<Asset>,
    /// Pages dated after the build's "now", oldest first: held back (not in `pages`)
    /// unless building with `--future`, listed by `piazza check` either way.
    pub scheduled: Vec<Arc<Page>>,
    /// Problems that do not stop the build.
    pub warnings: Vec<Error>,
}

/// What loading needs besides the config.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Include drafts.
    pub drafts: bool,
    /// Include pages dated after `now`.
    pub future: bool,
    /// The build's "now", as a [`Date::sort_key`]: a page dated later is scheduled.
    pub now: i64,
}

impl Content {
    /// Reads content/ under `config.root`.
    pub fn load(config: &Config, options: LoadOptions) -> Result<Content, Errors> {
        Content::load_cached(config, options, &mut LoadCache::default())
    }

    /// Reads content/, reusing the files in `cache` that did not change.
    pub fn load_cached(
        config: &Config,
        options: LoadOptions,
        cache: &mut LoadCache,
    ) -> Result<Content, Errors> {
        let content_dir = config.root.join("content");
        // Without content there is no site: a content/ link that is not read is an error.
        let mut refused = Vec::new();
        if files::folder(
            &config.root,
            &files::real(&config.root),
            &content_dir,
            &mut refused,
        )
        .is_none()
        {
            return Err(match refused.pop() {
                Some(e) => e.into(),
                None => Error::in_file("content", "the site has no content/ folder")
                    .hint(
                        "create content/_index.md for the home page and content/guides/ for guides",
                    )
                    .into(),
            });
        }
        let mut errors = Errors::default();
        let mut warnings = Vec::new();
        let settings = crate::hash::of(&format!("{config:?}{options:?}"));
        if cache.settings != settings {
            *cache = LoadCache {
                settings,
                ..LoadCache::default()
            };
        }
        let walked = match cache.reuse_walk(&content_dir) {
            Some((walked, old_warnings)) => {
                warnings = old_warnings;
                walked
            }
            None => {
                let mut walk_errors = Errors::default();
                let walked = files::walk(
                    &config.root,
                    &content_dir,
                    files::Names::NoHidden,
                    &mut warnings,
                    &mut walk_errors,
                );
                if walk_errors.is_empty() {
                    cache.walked = Some((walked.clone(), warnings.clone()));
                    cache.walked_at = walked
                        .iter()
                        .enumerate()
                        .map(|(i, w)| (w.rel.clone(), i))
                        .collect();
                } else {
                    cache.walked = None;
                }
                errors.0.extend(walk_errors.0);
                walked
            }
        };
        let stamps: HashMap<&str, Stamp> =
            walked.iter().map(|w| (w.rel.as_str(), w.stamp)).collect();
        let files: Vec<String> = walked.iter().map(|w| w.rel.clone()).collect();

        let bundles: std::collections::HashSet<&str> = files
            .iter()
            .filter_map(|f| f.strip_suffix("/index.md"))
            .collect();
        // The innermost bundle folder holding `rel`, as `dir/` (an ancestor lookup, so
        // the cost is the path's depth, not the number of bundles).
        let bundle_of = |rel: &str| -> Option<String> {
            let mut dir = parent_dir(rel);
            let mut found = None;
            while !dir.is_empty() {
                if bundles.contains(dir) {
                    found = Some(format!("{dir}/"));
                }
                dir = parent_dir(dir);
            }
            found
        };

        let mut section_dirs: BTreeMap<String, ()> = BTreeMap::new();
        section_dirs.insert(String::new(), ());
        let mut markdown_files = Vec::new();
        let mut assets = Vec::new();
        for rel in &files {
            let is_md = rel.ends_with(".md");
            match bundle_of(rel).as_deref() {
                Some(b) if rel.as_str() != format!("{b}index.md") => assets.push(rel.clone()),
                Some(b) => {
                    markdown_files.push(rel.clone());
                    let parent = parent_dir(b.trim_end_matches('/'));
                    add_section_dirs(&mut section_dirs, parent);
                }
                None if is_md => {
                    markdown_files.push(rel.clone());
                    add_section_dirs(&mut section_dirs, parent_dir(rel));
                }
                None => assets.push(rel.clone()),
            }
        }
        let mut sections: Vec<Section> = section_dirs
            .keys()
            .map(|dir| default_section(config, dir))
            .collect();
        let section_index: HashMap<String, usize> = sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.dir.clone(), i))
            .collect();
        for i in 1..sections.len() {
            let mut parent = parent_dir(&sections[i].dir).to_string();
            loop {
                if let Some(&p) = section_index.get(&parent) {
                    sections[i].parent = Some(p);
                    sections[p].subsections.push(i);
                    break;
                }
                parent = parent_dir(&parent).to_string();
            }
        }

        let section_of = |rel: &str| -> usize {
            let bundle = bundle_of(rel);
            let dir = match &bundle {
                Some(b) => parent_dir(b.trim_end_matches('/')),
                None => parent_dir(rel),
            };
            section_index.get(dir).copied().unwrap_or(0)
        };
        let context = |i: usize| (i, sections[i].path.clone(), sections[i].is_theses);
        let stale: Vec<&String> = markdown_files
            .iter()
            .filter(|rel| match cache.files.get(rel.as_str()) {
                Some(c) => {
                    let i = section_of(rel);
                    Some(&c.stamp) != stamps.get(rel.as_str())
                        || (c.context.0, c.context.1.as_str(), c.context.2)
                            != (i, sections[i].path.as_str(), sections[i].is_theses)
                }
                None => true,
            })
            .collect();
        let fresh: Vec<(String, CachedFile)> = stale
            .par_iter()
            .map(|rel| {
                let section = section_of(rel);
                let result = load_file(
                    options,
                    config.markdown.max_page_size,
                    &content_dir,
                    rel,
                    &sections[section],
                    section,
                );
                let cached = CachedFile {
                    stamp: stamps.get(rel.as_str()).copied().unwrap_or_default(),
                    context: context(section),
                    result,
                };
                (rel.to_string(), cached)
            })
            .collect();
        cache.files.extend(fresh);
        cache
            .files
            .retain(|rel, _| stamps.contains_key(rel.as_str()));
        let loaded: Vec<Result<Loaded, Error>> = markdown_files
            .iter()
            .filter_map(|rel| cache.files.get(rel).map(|c| c.result.clone()))
            .collect();

        let mut content = Content {
            sections,
            ..Content::default()
        };
        let mut drafts = Vec::new();
        let mut thesis_refs = Vec::new();
        let mut links = Vec::new();
        for item in loaded {
            match item {
                Err(e) => errors.push(e),
                Ok(Loaded::Draft(rel)) => drafts.push(rel),
                Ok(Loaded::Scheduled(page)) => content.scheduled.push(page),
                Ok(Loaded::Section(section, refs, section_links)) => {
                    let i = section_index[&section.dir];
                    let keep = std::mem::take(&mut content.sections[i].subsections);
                    let parent = content.sections[i].parent;
                    content.sections[i] = Section {
                        subsections: keep,
                        parent,
                        ..*section
                    };
                    let rel = index_rel(&content.sections[i].dir);
                    content.by_source.insert(rel, Target::Section(i));
                    thesis_refs.extend(refs.into_iter().map(|r| (Target::Section(i), r)));
                    links.extend(section_links.into_iter().map(|l| (Target::Section(i), l)));
                }
                Ok(Loaded::Page(page, refs, page_links)) => {
                    let i = content.pages.len();
                    content.by_source.insert(page.rel.clone(), Target::Page(i));
                    thesis_refs.extend(refs.iter().map(|r| (Target::Page(i), r.clone())));
                    links.extend(page_links.iter().map(|l| (Target::Page(i), l.clone())));
                    if page.sort_key > options.now {
                        content.scheduled.push(page.clone());
                    }
                    content.pages.push(page);
                }
            }
        }
        // A held page's bundle files wait with it: an image can give a launch away.
        let held: std::collections::HashSet<&str> = drafts
            .iter()
            .map(String::as_str)
            .chain(content.scheduled.iter().map(|p| p.rel.as_str()))
            .filter(|rel| !content.by_source.contains_key(*rel))
            .collect();
        let assets: Vec<String> = assets
            .into_iter()
            .filter(|rel| {
                bundle_of(rel).is_none_or(|b| !held.contains(format!("{b}index.md").as_str()))
            })
            .collect();
        content.assets = assets
            .into_iter()
            .map(|rel| Asset {
                source: content_dir.join(&rel),
                out: asset_out_path(&content, &rel, bundle_of(&rel).as_deref()),
            })
            .collect();
        content.warnings = warnings;

        content.index_theses(config, &thesis_refs, &mut errors);
        content
            .scheduled
            .sort_by_key(|p| (p.sort_key, p.rel.clone()));
        content.check_links(&links, &drafts, &mut errors);
        content.sort_sections();
        if config.tags {
            content.index_tags();
        } else {
            content.page_tags = vec![Vec::new(); content.pages.len()];
        }
        errors.into_result().map(|()| content)
    }
}

fn source_parent(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The section a folder would have when it has no `_index.md`.
fn default_section(config: &Config, dir: &str) -> Section {
    let name = dir.rsplit('/').next().unwrap_or(dir);
    let is_theses =
        !dir.is_empty() && dir.split('/').next() == Some(config.theses_section.as_str());
    let title = if dir.is_empty() {
        config.title.clone()
    } else {
        let mut c = name.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
            .replace(['-', '_'], " ")
    };
    let path = if dir.is_empty() {
        "/".to_string()
    } else {
        let slugs: Vec<String> = dir.split('/').map(slugify).collect();
        format!("/{}/", slugs.join("/"))
    };
    Section {
        dir: dir.to_string(),
        shown: if dir.is_empty() {
            PathBuf::from("content")
        } else {
            Path::new("content").join(dir)
        },
        has_index: false,
        path,
        title,
        description: None,
        sort: if is_theses {
            SortBy::Number
        } else {
            SortBy::Date
        },
        paginate: config.paginate_by,
        template: None,
        image: None,
        image_alt: None,
        key_lines: Vec::new(),
        body_line: 1,
        has_body: false,
        hash: 0,
        links: Vec::new(),
        shortcodes: Vec::new(),

        site_links: Vec::new(),
        theses: Vec::new(),
        parent: None,
        pages: Vec::new(),
        subsections: Vec::new(),
        is_theses,
    }
}

/// A section's `_index.md`, relative to content/.
pub fn index_rel(dir: &str) -> String {
    if dir.is_empty() {
        "_index.md".into()
    } else {
        format!("{dir}/_index.md")
    }
}

fn add_section_dirs(dirs: &mut BTreeMap<String, ()>, dir: &str) {
    let mut d = dir;
    while !d.is_empty() {
        dirs.insert(d.to_string(), ());
        d = parent_dir(d);
    }
}

/// `guides/x.md` -> `guides`; `x.md` -> ``.
fn parent_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// Where a non-Markdown file under content/ lands in the output.
fn asset_out_path(content: &Content, rel: &str, bundle: Option<&str>) -> String {
    if let Some(b) = bundle {
        let index = format!("{b}index.md");
        if let Some(Target::Page(i)) = content.by_source.get(&index) {
            let inner = &rel[b.len()..];
            return format!("{}{inner}", &content.pages[*i].path[1..]);
        }
    }
    let dir = parent_dir(rel);
    let name = &rel[dir.len()..].trim_start_matches('/');
    let section_path = content
        .sections
        .iter()
        .find(|s| s.dir == dir)
        .map_or_else(|| format!("/{dir}/"), |s| s.path.clone());
    format!("{}{name}", &section_path[1..])
}
