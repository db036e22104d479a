//! Content loading: the `content/` folder read into one index of pages and sections.
//!
//! Loading reads every Markdown file once, in parallel, keeping only metadata (front
//! matter, URL, the theses and files the body refers to) and dropping the body: the
//! renderer reads it again when it renders the page, so memory stays proportional to
//! the metadata, not to the text of the whole site.

pub mod date;
pub mod frontmatter;
pub mod sitepath;
pub mod slug;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Author, Config};
use crate::error::{Error, Errors};
use crate::files::{self, Walked};
use crate::limits::ByteSize;
use crate::markdown;
use crate::sitelinks::SiteLink;
use date::Date;
use frontmatter::{PageFrontMatter, SectionFrontMatter, SortBy};
pub use slug::slugify;

/// What a page is, which decides its default template and its share metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// An article in a section (og:type article, listed in the feed).
    Guide,
    /// A numbered principle in the theses section.
    Thesis,
    /// A standalone page at the top of content/ (about, contacts).
    Page,
}

/// A file a page or section refers to from its text, found when loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    /// 1-based line in the source file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One page: its metadata, where it comes from and where it goes.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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

/// One Markdown file after reading, before it is placed in the index.
#[derive(Debug, Clone)]
enum Loaded {
    Page(
        Arc<Page>,
        Arc<[(u32, SourceRef)]>,
        Arc<[(String, SourceRef)]>,
    ),
    Section(
        Box<Section>,
        Vec<(u32, SourceRef)>,
        Vec<(String, SourceRef)>,
    ),
    Draft(String),
    /// A page dated after the build's "now", held back.
    Scheduled(Arc<Page>),
}

/// What re-reading a few modified files found; see [`Content::reread_pages`].
#[derive(Debug)]
pub enum PageEdits {
    /// Only what the pages themselves show changed: (page index, new page).
    Pages(Vec<(usize, Arc<Page>)>),
    /// Some files no longer load.
    Failed(Errors),
    /// The index changes (a URL, a date, tags, theses, links, a section file, a file
    /// that is new or gone): load it again.
    Reindex,
}

/// Whether a re-read page sits where the old one did in everything the index and
/// other pages' outputs read besides its card: URL, date, tags, theses, links,
/// aliases, number, image, template, draft and noindex state, whether it has a
/// canonical elsewhere (the sitemap and feed list by them). (Its file, section and
/// kind are the same by construction: it was read from the same file into the same
/// section.)
fn same_place(old: &Page, new: &Page) -> bool {
    old.path == new.path
        && old.sort_key == new.sort_key
        && old.tags == new.tags
        && old.theses == new.theses
        && old.links == new.links
        && old.aliases == new.aliases
        && old.number == new.number
        && old.image == new.image
        && old.image_alt == new.image_alt
        && old.template == new.template
        && old.draft == new.draft
        && old.noindex == new.noindex
        && old.canonical.is_some() == new.canonical.is_some()
}

/// When a file was last changed, as far as piazza can tell without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stamp {
    /// Modification time in nanoseconds since the epoch.
    pub modified: u128,
    /// Size in bytes.
    pub len: u64,
}

impl Stamp {
    /// The stamp of a file's metadata.
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            modified: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos()),
            len: meta.len(),
        }
    }
}

/// Parsed Markdown files kept between builds, so a rebuild in watch mode reads only
/// the files whose size or modification time changed.
#[derive(Debug, Default)]
pub struct LoadCache {
    files: HashMap<String, CachedFile>,
    /// The config and options the files were parsed with; when they change, every
    /// file may parse differently (section defaults, drafts), so the cache is dropped.
    settings: u64,
    /// The last walk of content/ and its warnings.
    walked: Option<(Vec<Walked>, Vec<Error>)>,
    /// Where each file is in `walked`, by its path relative to content/.
    walked_at: HashMap<String, usize>,
    /// Files under content/ the watcher saw modified, set just before a load.
    modified: Option<Vec<PathBuf>>,
}

impl LoadCache {
    /// Tells the next load that only these existing files changed since the last one,
    /// so it may re-stat them instead of walking content/ again. Any file it does not
    /// know (a new, deleted or renamed file) makes the load walk as usual.
    pub fn only_modified(&mut self, paths: Option<Vec<PathBuf>>) {
        self.modified = paths;
    }

    /// The current stamp of a known regular file `rel` under content/, recorded in the
    /// last walk; None when it is not a regular file or the walk never saw it.
    fn restamp(&mut self, content_dir: &Path, rel: &str) -> Option<Stamp> {
        let (walked, _) = self.walked.as_mut()?;
        let entry = walked.get_mut(*self.walked_at.get(rel)?)?;
        let meta = std::fs::symlink_metadata(content_dir.join(rel)).ok()?;
        if !meta.is_file() {
            return None;
        }
        entry.stamp = Stamp::of(&meta);
        Some(entry.stamp)
    }

    /// The previous walk, updated for `modified`, when those are all known files.
    fn reuse_walk(&mut self, content_dir: &Path) -> Option<(Vec<Walked>, Vec<Error>)> {
        for path in self.modified.take()? {
            let rel = path
                .strip_prefix(content_dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            self.restamp(content_dir, &rel)?;
        }
        self.walked.clone()
    }
}

#[derive(Debug)]
struct CachedFile {
    stamp: Stamp,
    /// What the parse depended on besides the file: section index, path, theses flag.
    context: (usize, String, bool),
    result: Result<Loaded, Error>,
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
        let settings = hash_of(&format!("{config:?}{options:?}"));
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

    /// Re-reads a few modified page files (paths relative to content/) for watch mode.
    /// When the edits leave the index as it is (every URL, date, tag, thesis, link and
    /// alias where it was; a list may reorder), the new pages come back to be swapped in with
    /// [`Content::replace_pages`]; otherwise the caller loads the index again, and
    /// `cache` spares it parsing these files twice.
    pub fn reread_pages(
        &self,
        config: &Config,
        options: LoadOptions,
        cache: &mut LoadCache,
        changed: &[String],
    ) -> PageEdits {
        let content_dir = config.root.join("content");
        let mut pages: Vec<(usize, Arc<Page>)> = Vec::with_capacity(changed.len());
        let mut errors = Errors::default();
        let mut reindex = false;
        for rel in changed {
            let Some(&Target::Page(i)) = self.by_source.get(rel) else {
                return PageEdits::Reindex;
            };
            if pages.iter().any(|(k, _)| *k == i) {
                continue;
            }
            let Some(stamp) = cache.restamp(&content_dir, rel) else {
                return PageEdits::Reindex;
            };
            let old = &self.pages[i];
            let section = &self.sections[old.section];
            let result = load_file(
                options,
                config.markdown.max_page_size,
                &content_dir,
                rel,
                section,
                old.section,
            );
            match &result {
                Ok(Loaded::Page(page, _, _)) if same_place(old, page) => {
                    pages.push((i, page.clone()))
                }
                Ok(_) => reindex = true,
                Err(e) => errors.push(e.clone()),
            }
            let context = (old.section, section.path.clone(), section.is_theses);
            cache.files.insert(
                rel.clone(),
                CachedFile {
                    stamp,
                    context,
                    result,
                },
            );
        }
        if reindex {
            return PageEdits::Reindex;
        }
        match errors.into_result() {
            Ok(()) => PageEdits::Pages(pages),
            Err(e) => PageEdits::Failed(e),
        }
    }

    /// Swaps in pages returned by [`Content::reread_pages`] and returns the pages whose
    /// place in their section's list changed (a new title can move a page among pages
    /// of the same date, or in a list sorted by title).
    pub fn replace_pages(&mut self, edits: Vec<(usize, Arc<Page>)>) -> Vec<usize> {
        let edited: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
        for (i, page) in edits {
            self.pages[i] = page;
        }
        let mut moved = Vec::new();
        let mut sections: Vec<usize> = edited.iter().map(|&i| self.pages[i].section).collect();
        sections.sort_unstable();
        sections.dedup();
        for si in sections {
            let pages = &self.pages;
            let s = &mut self.sections[si];
            let sort = s.sort;
            // The full sort is stable over pages in file order, so this is its order.
            let before = |a: usize, b: usize| {
                list_order(sort, &pages[a], &pages[b]).then(a.cmp(&b)) == std::cmp::Ordering::Less
            };
            let here: Vec<usize> = edited
                .iter()
                .copied()
                .filter(|&i| pages[i].section == si)
                .collect();
            let in_order = here.iter().all(|&i| {
                let pos = self.positions[i];
                pos.checked_sub(1).is_none_or(|p| before(s.pages[p], i))
                    && s.pages.get(pos + 1).is_none_or(|&n| before(i, n))
            });
            if in_order {
                continue;
            }
            s.pages.retain(|p| !here.contains(p));
            for &i in &here {
                let at = s.pages.partition_point(|&j| before(j, i));
                s.pages.insert(at, i);
            }
            for (pos, &p) in s.pages.iter().enumerate() {
                if self.positions[p] != pos {
                    self.positions[p] = pos;
                    moved.push(p);
                }
            }
        }
        moved
    }

    /// Numbers the theses, checks every citation and records who cites each thesis.
    fn index_theses(
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
    fn quoted_at(
        refs: &[(Target, (u32, SourceRef))],
        from: Target,
        n: u32,
    ) -> Option<(usize, usize)> {
        refs.iter()
            .find(|(who, (num, _))| *who == from && *num == n)
            .map(|(_, (_, r))| (r.line, r.column))
    }

    /// The error for a citation in `shown` of thesis `n`, which is not published.
    fn missing_thesis(&self, config: &Config, shown: &Path, n: u32) -> Error {
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

    fn known_theses_hint(&self, config: &Config) -> String {
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
    fn check_links(
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
    fn sort_sections(&mut self) {
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
    fn index_tags(&mut self) {
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
}

/// The order of two pages in a section list sorted by `sort`.
fn list_order(sort: SortBy, a: &Page, b: &Page) -> std::cmp::Ordering {
    let by_title = || a.title.to_lowercase().cmp(&b.title.to_lowercase());
    match sort {
        SortBy::Date => b.sort_date().cmp(&a.sort_date()).then_with(by_title),
        SortBy::Title => by_title(),
        SortBy::Number => a.number.cmp(&b.number).then_with(by_title),
    }
}

/// Reads one Markdown file: a page, or a section's `_index.md`.
fn load_file(
    options: LoadOptions,
    max_page_size: ByteSize,
    content_dir: &Path,
    rel: &str,
    section: &Section,
    section_index: usize,
) -> Result<Loaded, Error> {
    let source = content_dir.join(rel);
    let shown = Path::new("content").join(rel);
    let text = crate::limits::read_page(&source, &shown, max_page_size)?;
    let split = frontmatter::split(&text, &shown)?;
    let key_lines = frontmatter::key_lines(&split);
    let mut scan = markdown::scan(split.body, split.body_line, max_page_size);
    if let Some(e) = scan.errors.into_iter().next() {
        return Err(Error::in_file(&shown, e.message)
            .at(e.line, e.column)
            .hint(e.hint));
    }
    let file_name = rel.rsplit('/').next().unwrap_or(rel);
    if file_name == "_index.md" {
        let fm: SectionFrontMatter = frontmatter::parse(&split, &shown)?;
        let mut s = section.clone();
        s.shown = shown;
        s.has_index = true;
        if let Some(t) = fm.title {
            s.title = t;
        }
        s.description = fm.description;
        if let Some(sort) = fm.sort {
            s.sort = sort;
        }
        if let Some(n) = fm.paginate {
            if n == 0 {
                return Err(Error::in_file(&s.shown, "`paginate` must be at least 1")
                    .at_line(frontmatter::line_of(&key_lines, "paginate")));
            }
            s.paginate = n;
        }
        s.template = fm.template;
        s.image = fm.image;
        s.image_alt = fm.image_alt;
        s.key_lines = key_lines;
        s.body_line = split.body_line;
        s.has_body = !split.body.trim().is_empty();
        s.hash = hash_of(&text);
        s.links = scan.links.iter().map(|(t, _)| t.clone()).collect();
        s.shortcodes = std::mem::take(&mut scan.shortcodes);

        s.site_links = std::mem::take(&mut scan.site_links);
        s.theses = Vec::new();
        for &(n, _) in &scan.theses {
            if !s.theses.contains(&n) {
                s.theses.push(n);
            }
        }
        return Ok(Loaded::Section(Box::new(s), scan.theses, scan.links));
    }

    let fm: PageFrontMatter = frontmatter::parse(&split, &shown)?;
    if fm.draft && !options.drafts {
        return Ok(Loaded::Draft(rel.to_string()));
    }
    if fm.title.trim().is_empty() {
        return Err(Error::in_file(&shown, "`title` is empty")
            .at_line(frontmatter::line_of(&key_lines, "title"))
            .hint("every page needs a title"));
    }
    let is_bundle = file_name == "index.md" && rel.contains('/');
    let stem = if is_bundle {
        let dir = parent_dir(rel);
        dir.rsplit('/').next().unwrap_or(dir)
    } else {
        file_name.strip_suffix(".md").unwrap_or(file_name)
    };
    let slug = match &fm.slug {
        Some(s) => sitepath::slug(s).map_err(|r| {
            Error::in_file(&shown, r.message)
                .at_line(frontmatter::line_of(&key_lines, "slug"))
                .hint(r.hint)
        })?,
        None => {
            let slug = slugify(stem);
            if slug.is_empty() {
                return Err(
                    Error::in_file(&shown, "the file name gives an empty URL slug")
                        .at(1, 1)
                        .hint("rename the file with letters or digits, or add `slug:`"),
                );
            }
            slug
        }
    };
    let kind = if section_index == 0 {
        PageKind::Page
    } else if section.is_theses {
        PageKind::Thesis
    } else {
        PageKind::Guide
    };
    let mut aliases = Vec::with_capacity(fm.aliases.len());
    for a in &fm.aliases {
        aliases.push(sitepath::alias(a).map_err(|r| {
            Error::in_file(&shown, r.message)
                .at_line(frontmatter::line_of(&key_lines, "aliases"))
                .hint(r.hint)
        })?);
    }
    let date = frontmatter::date(fm.date.as_deref(), "date", &key_lines, &shown)?;
    let updated = frontmatter::date(fm.updated.as_deref(), "updated", &key_lines, &shown)?;
    let number = fm
        .number
        .map(|n| frontmatter::thesis_number(n, "number", &key_lines, &shown))
        .transpose()?;
    let mut cited = Vec::with_capacity(fm.theses.len());
    for &n in &fm.theses {
        cited.push(frontmatter::thesis_number(n, "theses", &key_lines, &shown)?);
    }
    let mut theses: Vec<u32> = Vec::new();
    for n in cited.into_iter().chain(scan.theses.iter().map(|(n, _)| *n)) {
        if !theses.contains(&n) {
            theses.push(n);
        }
    }
    let summary = match (&fm.summary, &fm.description) {
        (Some(s), _) if s.trim().is_empty() => {
            return Err(Error::in_file(&shown, "`summary` is empty")
                .at_line(frontmatter::line_of(&key_lines, "summary"))
                .hint(
                    "write the plain text lists and feeds show for this page, or remove the key",
                ))
        }
        (Some(s), _) => s.trim().to_string(),
        (None, Some(d)) => d.clone(),
        (None, None) => markdown::summary(split.body, 160),
    };
    let extra = match fm.extra {
        None | Some(serde_yaml::Value::Null) => serde_yaml::Value::Mapping(Default::default()),
        Some(map @ serde_yaml::Value::Mapping(_)) => map,
        Some(_) => {
            return Err(Error::in_file(&shown, "`extra` is not a map")
                .at_line(frontmatter::line_of(&key_lines, "extra"))
                .hint("write your own keys under it, indented: `extra:` then `  color: red` on the next line"))
        }
    };
    let mut canonical = fm.canonical;
    if let Some(url) = &canonical {
        match crate::links::check_canonical(url) {
            // Naming itself is the default: the page stays its own canonical page.
            Ok(Some(target)) if target == rel => canonical = None,
            Ok(Some(target)) => scan.links.push((
                target.to_string(),
                SourceRef {
                    line: frontmatter::line_of(&key_lines, "canonical"),
                    column: 1,
                },
            )),
            Ok(None) => {}
            Err(m) => {
                return Err(Error::in_file(&shown, format!("`canonical`: {m}"))
                    .at_line(frontmatter::line_of(&key_lines, "canonical"))
                    .hint("write the original's full address (https://example.org/original/) or a page of this site (@/guides/x.md)"))
            }
        }
    }
    let tag_slugs = fm.tags.iter().map(|t| slugify(t)).collect();
    // An author page named by `@/` is checked and tracked like a link in the text.
    if let Some(target) = fm
        .author
        .as_ref()
        .and_then(|a| a.url())
        .and_then(|u| u.strip_prefix("@/"))
    {
        scan.links.push((
            target.to_string(),
            SourceRef {
                line: frontmatter::line_of(&key_lines, "author"),
                column: 1,
            },
        ));
    }
    let loaded = Loaded::Page(
        Arc::new(Page {
            source,
            rel: rel.to_string(),
            shown,
            kind,
            section: section_index,
            path: format!("{}{slug}/", section.path),
            title: fm.title,
            description: fm.description,
            summary,
            date,
            updated,
            author: fm.author,
            tags: fm.tags,
            image: fm.image,
            image_alt: fm.image_alt,
            draft: fm.draft,
            number,
            theses,
            template: fm.template,
            aliases,
            body_line: split.body_line,
            bundle: is_bundle.then(|| source_parent(&content_dir.join(rel))),
            key_lines,
            words: scan.words,
            hash: hash_of(&text),
            links: scan.links.iter().map(|(t, _)| t.clone()).collect(),
            shortcodes: std::mem::take(&mut scan.shortcodes),

            site_links: scan.site_links,
            tag_slugs,
            sort_key: date.map_or(i64::MIN, |d| d.sort_key()),
            extra,
            canonical,
            noindex: fm.noindex,
            toc: fm.toc,
        }),
        scan.theses.into(),
        scan.links.into(),
    );
    match loaded {
        Loaded::Page(page, _, _) if page.sort_key > options.now && !options.future => {
            Ok(Loaded::Scheduled(page))
        }
        loaded => Ok(loaded),
    }
}

/// A stable hash of a file's text (stable within one run, which is all rebuilds need).
pub fn hash_of(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
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

/// Reads a file that must be UTF-8, naming the line and column of the first bad byte.
pub fn read_utf8(path: &Path, shown: &Path) -> Result<String, Error> {
    utf8(
        std::fs::read(path).map_err(|e| Error::io(shown, &e))?,
        shown,
    )
}

/// The text of a file's bytes, naming the line and column of the first bad byte.
pub fn utf8(bytes: Vec<u8>, shown: &Path) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = position_of(e.as_bytes(), e.utf8_error().valid_up_to());
        Error::in_file(shown, "this file is not valid UTF-8")
            .at(line, column)
            .hint("save it with UTF-8 encoding (most editors have it under \"Save with encoding\")")
    })
}

/// The 1-based line and column of byte `offset`.
pub fn position_of(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// A path as errors show it: relative to the site when inside it.
pub fn shown_path(site_root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(site_root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
