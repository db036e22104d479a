//! Watch mode's side of loading: file stamps, the parsed files kept between
//! rebuilds, and saved pages swapped into a kept index when they change nothing it
//! was built from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::error::{Error, Errors};
use crate::files::Walked;
use crate::source::Stamp;

use super::file::{load_file, Loaded};
use super::index::list_order;
use super::{Content, LoadOptions, Page, Target};

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
pub(super) fn same_place(old: &Page, new: &Page) -> bool {
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

/// Parsed Markdown files kept between builds, so a rebuild in watch mode reads only
/// the files whose size or modification time changed.
#[derive(Debug, Default)]
pub struct LoadCache {
    pub(super) files: HashMap<String, CachedFile>,
    /// The config and options the files were parsed with; when they change, every
    /// file may parse differently (section defaults, drafts), so the cache is dropped.
    pub(super) settings: u64,
    /// The last walk of content/ and its warnings.
    pub(super) walked: Option<(Vec<Walked>, Vec<Error>)>,
    /// Where each file is in `walked`, by its path relative to content/.
    pub(super) walked_at: HashMap<String, usize>,
    /// Files under content/ the watcher saw modified, set just before a load.
    pub(super) modified: Option<Vec<PathBuf>>,
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
    pub(super) fn restamp(&mut self, content_dir: &Path, rel: &str) -> Option<Stamp> {
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
    pub(super) fn reuse_walk(&mut self, content_dir: &Path) -> Option<(Vec<Walked>, Vec<Error>)> {
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
pub(super) struct CachedFile {
    pub(super) stamp: Stamp,
    /// What the parse depended on besides the file: section index, path, theses flag.
    pub(super) context: (usize, String, bool),
    pub(super) result: Result<Loaded, Error>,
}

impl Content {
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
}
