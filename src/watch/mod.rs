//! Watch mode: incremental rebuilds in place, driven by file system events.
//!
//! Every output file gets a fingerprint: a hash of exactly the data its rendering
//! reads (the page's own text, the cards of the pages it lists or links to, the
//! templates, strings and config). A rebuild renders only the outputs whose
//! fingerprint changed and writes only files whose bytes differ. New files are written
//! beside their target and renamed into place only when every render succeeded, so a
//! broken edit leaves the last good site being served.
//!
//! The common case, a writer saving a page, takes a shorter road: the few saved files
//! are parsed again and, when they leave the index as it was (same URLs, dates, tags,
//! theses; a page may move among pages of its date), swapped into the live site; then
//! only the outputs recorded as reading those pages are fingerprinted again. Anything else reloads the site, re-reading
//! only the files whose stamps changed.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::content::{LoadCache, LoadOptions, PageEdits};
use crate::error::{Error, Errors};
use crate::files::Source;
use crate::output::{check_output_folder, MARKER};
use crate::outputs::Item;
use crate::site::{Site, SiteOptions};

mod fingerprint;
mod watcher;

use fingerprint::Prints;
pub use watcher::{is_temp_file, watch, Watcher};

/// What one rebuild did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Output files written (their bytes changed), relative to the output folder.
    pub written: Vec<String>,
    /// Output files removed.
    pub removed: Vec<String>,
    /// Outputs re-rendered (written or found unchanged).
    pub rendered: usize,
    /// Wall time.
    pub millis: u128,
    /// When each phase ended (load, fingerprint, commit = render and write), in
    /// microseconds since the start.
    pub phases: Vec<(&'static str, u128)>,
    /// Whether only the saved pages were re-read (no reload of the whole site).
    pub patched: bool,
}

impl Report {
    /// Whether the rebuild changed only stylesheets, so pages can swap CSS instead of reloading.
    pub fn css_only(&self) -> bool {
        self.removed.is_empty()
            && !self.written.is_empty()
            && self.written.iter().all(|w| w.ends_with(".css"))
    }
}

/// The site as last built without errors, with the fingerprints of its outputs.
struct Live {
    site: Site,
    prints: Prints,
}

/// Keeps a site's output folder up to date across rebuilds.
pub struct Rebuilder {
    root: PathBuf,
    out: PathBuf,
    options: SiteOptions,
    cache: LoadCache,
    /// Output path -> fingerprint of its inputs and hash of its bytes, as last written.
    written: HashMap<String, (u64, u64)>,
    /// Present only while the output matches the sources: any failed rebuild drops
    /// it, so the next one reloads the whole site and reports every error again.
    live: Option<Live>,
    /// Whether the output folder holds only files this rebuilder accounts for. Until
    /// then it may hold an earlier run's (pages deleted since, drafts, a killed
    /// rebuild's temporary files), which the next full rebuild sweeps away.
    swept: bool,
}

impl Rebuilder {
    /// Prepares to keep `out` in sync with the site at `root`.
    pub fn new(
        root: &Path,
        out: &Path,
        options: SiteOptions,
        force: bool,
    ) -> Result<Rebuilder, Error> {
        check_output_folder(root, out, force)?;
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, &e))?;
        std::fs::write(out.join(MARKER), crate::output::MARKER_TEXT)
            .map_err(|e| Error::io(out, &e))?;
        // "Now" is read once: a page whose date passes while watching appears at the
        // next start, and the parsed files stay valid between rebuilds.
        let options = SiteOptions {
            now: Some(options.now()?),
            ..options
        };
        Ok(Rebuilder {
            root: root.to_path_buf(),
            out: out.to_path_buf(),
            options,
            cache: LoadCache::default(),
            written: HashMap::new(),
            live: None,
            swept: false,
        })
    }

    /// Forgets parsed files (after a config change, every file may parse differently).
    pub fn clear_cache(&mut self) {
        self.cache = LoadCache::default();
    }

    /// Rebuilds after the watcher saw `changed`. When they are all modified Markdown
    /// files the saved pages are patched into the live site; failing that, when they
    /// are at least known files, the content folder is not walked again.
    pub fn rebuild_after(&mut self, changed: &[PathBuf]) -> Result<Report, Errors> {
        let content = self.root.join("content");
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let content_abs = root.join("content");
        let modified: Option<Vec<String>> = changed
            .iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(&content_abs)
                    .or_else(|_| p.strip_prefix(&content))
                    .ok()?;
                (p.extension().is_some_and(|x| x == "md") && p.is_file())
                    .then(|| rel.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        let modified = modified.map(|mut rels| {
            rels.sort();
            rels.dedup();
            rels
        });
        if let Some(rels) = &modified {
            if let Some(result) = self.patch(rels) {
                return result;
            }
        }
        self.cache
            .only_modified(modified.map(|m| m.iter().map(|r| content.join(r)).collect()));
        self.rebuild()
    }

    /// Brings the output folder up to date. On error no output file changes (a rename
    /// that fails after others succeeded, as on a full disk, is reported and the next
    /// rebuild starts over).
    pub fn rebuild(&mut self) -> Result<Report, Errors> {
        let start = Instant::now();
        self.live = None;
        let site = Site::load_cached(&self.root, &self.options, &mut self.cache)?;
        let mut phases = vec![("load", start.elapsed().as_micros())];
        let prints = Prints::of(&site);
        phases.push(("fingerprint", start.elapsed().as_micros()));
        let todo: Vec<usize> = (0..prints.items.len())
            .filter(|&k| self.written.get(&prints.outs[k]).map(|w| w.0) != Some(prints.values[k]))
            .collect();
        let current: HashSet<&str> = prints.outs.iter().map(String::as_str).collect();
        // Ctrl-C waits until the output is whole: new files in place, stale ones gone.
        let _writing = crate::shutdown::writing();
        // Before the commit, so that a folder left where a file now goes (or the
        // other way round) is out of the way.
        let swept = if self.swept {
            Vec::new()
        } else {
            sweep(&self.out, &current)?
        };
        self.swept = true;
        let stale: Vec<String> = self
            .written
            .keys()
            .filter(|k| !current.contains(k.as_str()))
            .cloned()
            .collect();
        // A stale output where a new one needs a folder, or inside a folder where a new
        // file goes, would make the commit fail: it goes first. The rest go after the
        // commit, so a failed render leaves the output as it was.
        let folders: HashSet<&str> = if stale.is_empty() {
            HashSet::new()
        } else {
            current.iter().flat_map(|c| folders_of(c)).collect()
        };
        let (in_the_way, stale): (Vec<String>, Vec<String>) = stale
            .into_iter()
            .partition(|rel| blocks(rel, &current, &folders));
        for rel in &in_the_way {
            remove_output(&self.out, rel);
            self.written.remove(rel);
        }
        let mut report = commit(&site, &prints, &todo, &self.out, &mut self.written)?;
        report.removed = swept;
        report.removed.extend(in_the_way);
        for rel in stale {
            remove_output(&self.out, &rel);
            self.written.remove(&rel);
            report.removed.push(rel);
        }
        report.removed.sort();
        self.live = Some(Live { site, prints });
        Ok(report.finish(start, phases))
    }

    /// The short road for saved pages (`rels`, relative to content/): None when the
    /// edits change the index or there is no live site, and the site must be reloaded.
    fn patch(&mut self, rels: &[String]) -> Option<Result<Report, Errors>> {
        let start = Instant::now();
        let live = self.live.as_mut()?;
        let options = LoadOptions {
            drafts: self.options.drafts,
            future: self.options.future,
            // Set when the rebuilder was made; failing that, a full rebuild reports it.
            now: self.options.now().ok()?,
        };
        let content = &live.site.content;
        let edits = match content.reread_pages(&live.site.config, options, &mut self.cache, rels) {
            PageEdits::Pages(edits) => edits,
            PageEdits::Reindex => return None,
            PageEdits::Failed(errors) => {
                self.live = None;
                return Some(Err(errors));
            }
        };
        let pages: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
        let moved = match live.site.replace_pages(edits) {
            Ok(Some(moved)) => moved,
            Ok(None) => return None,
            Err(errors) => {
                self.live = None;
                return Some(Err(errors));
            }
        };
        let mut phases = vec![("load", start.elapsed().as_micros())];
        let changed = live.prints.update(&live.site, &pages, &moved);
        phases.push(("fingerprint", start.elapsed().as_micros()));
        let todo: Vec<usize> = changed
            .into_iter()
            .filter(|&k| {
                self.written.get(&live.prints.outs[k]).map(|w| w.0) != Some(live.prints.values[k])
            })
            .collect();
        let _writing = crate::shutdown::writing();
        let result = commit(
            &live.site,
            &live.prints,
            &todo,
            &self.out,
            &mut self.written,
        );
        if result.is_err() {
            self.live = None;
        }
        Some(result.map(|r| Report {
            patched: true,
            ..r.finish(start, phases)
        }))
    }
}

impl Report {
    fn finish(mut self, start: Instant, mut phases: Vec<(&'static str, u128)>) -> Report {
        self.written.sort();
        self.millis = start.elapsed().as_millis();
        phases.push(("commit", start.elapsed().as_micros()));
        self.phases = phases;
        self
    }
}

/// Renders the outputs `todo` (indices into `prints`) in parallel and, when all of
/// them succeeded, moves the changed ones into place and records them in `written`.
/// The caller holds [`crate::shutdown::writing`]; on Ctrl-C rendering stops early
/// and the temporary files are removed.
fn commit(
    site: &Site,
    prints: &Prints,
    todo: &[usize],
    out: &Path,
    written: &mut HashMap<String, (u64, u64)>,
) -> Result<Report, Errors> {
    let results: Vec<Result<Staged, Error>> = todo
        .par_iter()
        .map(|&k| {
            if crate::shutdown::interrupted() {
                return Err(Error::new("interrupted"));
            }
            let rel = &prints.outs[k];
            let known = written.get(rel).map(|w| w.1);
            stage(site, prints.items[k], rel, out, known).map(|(bytes_hash, tmp)| Staged {
                item: k,
                bytes_hash,
                tmp,
            })
        })
        .collect();
    let mut staged = Vec::with_capacity(results.len());
    let mut errors = Errors::default();
    for r in results {
        match r {
            Ok(s) => staged.push(s),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        for tmp in staged.iter().filter_map(|s| s.tmp.as_ref()) {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(errors.sorted());
    }
    // Renaming over an existing file frees its old blocks, the slow part of a commit
    // that replaces every page; the renames are independent, so they run in parallel.
    let renamed: Vec<Result<(), Error>> = staged
        .par_iter()
        .map(|s| match &s.tmp {
            Some(tmp) => {
                let target = out.join(&prints.outs[s.item]);
                std::fs::rename(tmp, &target).map_err(|e| Error::io(&target, &e))
            }
            None => Ok(()),
        })
        .collect();
    let mut report = Report {
        rendered: todo.len(),
        ..Report::default()
    };
    for (s, result) in staged.into_iter().zip(renamed) {
        let rel = &prints.outs[s.item];
        match (result, &s.tmp) {
            (Err(e), Some(tmp)) => {
                let _ = std::fs::remove_file(tmp);
                errors.push(e);
                continue;
            }
            (Ok(()), Some(_)) => report.written.push(rel.clone()),
            _ => {}
        }
        written.insert(rel.clone(), (prints.values[s.item], s.bytes_hash));
    }
    errors.into_result().map(|()| report)
}

/// One rendered output: the hash of its bytes and, when they changed, the temporary
/// file to rename into place.
struct Staged {
    /// Index of the item in [`Prints`].
    item: usize,
    bytes_hash: u64,
    tmp: Option<PathBuf>,
}

/// Renders one output and, when its bytes differ from what is on disk, writes them
/// beside it; returns the hash of the bytes and the file written. `known` is the hash
/// of the bytes piazza last wrote there, which spares reading the file back; without
/// it the file on disk is compared.
fn stage(
    site: &Site,
    item: Item,
    rel: &str,
    out: &Path,
    known: Option<u64>,
) -> Result<(u64, Option<PathBuf>), Error> {
    let target = out.join(rel);
    let bytes: std::borrow::Cow<'_, [u8]> = match item {
        Item::File(f) => match &site.files[f].source {
            Source::File(p) => std::fs::read(p)
                .map_err(|e| Error::io(&site.files[f].shown, &e))?
                .into(),
            Source::Bytes(b) => b.as_ref().into(),
        },
        Item::Card(c) => site.card_png(c, Some(&target))?.into(),
        _ => site.render_item(item)?.into_bytes().into(),
    };
    let bytes_hash = {
        let mut h = crate::hash::hasher();
        bytes.as_ref().hash(&mut h);
        h.finish()
    };
    let unchanged = match known {
        Some(k) => k == bytes_hash && target.is_file(),
        None => std::fs::read(&target).is_ok_and(|old| old == bytes.as_ref()),
    };
    if unchanged {
        return Ok((bytes_hash, None));
    }
    let parent = target.parent().unwrap_or(out);
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.piazza-tmp"));
    if let Err(e) = std::fs::write(&tmp, &bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, &e));
    }
    Ok((bytes_hash, Some(tmp)))
}

/// Removes from `out` every file that is none of the outputs `current`, and every
/// folder left empty, so that an output folder written by an earlier run becomes what
/// a fresh full build writes. piazza's own files at its top (the marker, a lock) stay.
/// Returns the files removed.
fn sweep(out: &Path, current: &HashSet<&str>) -> Result<Vec<String>, Error> {
    let mut removed = Vec::new();
    let entries = walkdir::WalkDir::new(out).min_depth(1).contents_first(true);
    for entry in entries {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(out).to_path_buf();
            Error::io(&path, &e.into())
        })?;
        let path = entry.path();
        if entry.file_type().is_dir() {
            // A folder that still holds outputs is not empty, and stays.
            let _ = std::fs::remove_dir(path);
            continue;
        }
        let rel = path
            .strip_prefix(out)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let own = entry.depth() == 1 && rel.starts_with(".piazza-");
        if !own && !current.contains(rel.as_str()) {
            std::fs::remove_file(path).map_err(|e| Error::io(path, &e))?;
            removed.push(rel);
        }
    }
    Ok(removed)
}

/// The folders an output path lies in: `a/b/c.html` -> `a`, `a/b`.
fn folders_of(rel: &str) -> impl Iterator<Item = &str> {
    rel.match_indices('/').map(|(i, _)| &rel[..i])
}

/// Whether the stale output `rel` stands in the way of a current output: one of its
/// folders is a current file, or it is a file where current outputs need a folder.
fn blocks(rel: &str, current: &HashSet<&str>, folders: &HashSet<&str>) -> bool {
    folders.contains(rel) || folders_of(rel).any(|f| current.contains(f))
}

/// Removes an output file piazza wrote, and the folders it leaves empty.
fn remove_output(out: &Path, rel: &str) {
    let path = out.join(rel);
    let _ = std::fs::remove_file(&path);
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == out || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
