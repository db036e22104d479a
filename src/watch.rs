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

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::card::CardOf;
use crate::content::{LoadCache, LoadOptions, PageEdits};
use crate::error::{Error, Errors};
use crate::output::{check_output_folder, MARKER};
use crate::outputs::{list_path, Item};
use crate::render::{page_template, section_template};
use crate::site::{Site, SiteOptions, Source, THESIS_SHORTCODE};

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
        let mut h = std::collections::hash_map::DefaultHasher::new();
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

type Hasher64 = std::collections::hash_map::DefaultHasher;

fn hash<T: Hash + ?Sized>(h: &mut impl Hasher, v: &T) {
    v.hash(h);
}

/// How an output's fingerprint read a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// The page's own data (its page, aliases, share card).
    Own(u32),
    /// What lists show of it: its card hash.
    Card(u32),
}

/// What every output's fingerprint shares: site-wide inputs and the pages the home
/// page and the feed list.
struct Scope {
    global: u64,
    home_guides: Vec<usize>,
    feed_guides: Vec<usize>,
    theses: Vec<usize>,
}

/// The fingerprints of a site's outputs and, per page, which outputs read it.
struct Prints {
    items: Vec<Item>,
    /// Output path of each item.
    outs: Vec<String>,
    /// Fingerprint of each item.
    values: Vec<u64>,
    /// The pages each item's fingerprint read.
    reads: Vec<Vec<Read>>,
    /// Per page: the hash of what lists show of it.
    cards: Vec<u64>,
    /// Per page: the hash of its sitemap entry (URL, dates, draft state).
    entries: Vec<u64>,
    /// The sitemap among the items: it reads every page's entry, kept apart so an
    /// edit need not walk all pages to learn that it is unchanged.
    sitemap: Option<usize>,
    /// Per page: the items that read its own data.
    own: Vec<Vec<u32>>,
    /// Per page: the items that show its card.
    shown_in: Vec<Vec<u32>>,
    scope: Scope,
}

impl Prints {
    /// Fingerprints every output of `site`.
    fn of(site: &Site) -> Prints {
        let cards: Vec<u64> = (0..site.content.pages.len())
            .into_par_iter()
            .map(|i| card_hash(site, i))
            .collect();
        let entries: Vec<u64> = (0..site.content.pages.len())
            .into_par_iter()
            .map(|i| sitemap_entry(site, i))
            .collect();
        let scope = Scope::of(site);
        let items = site.items();
        let hashes = PageHashes {
            cards: &cards,
            entries: &entries,
        };
        let computed: Vec<(String, u64, Vec<Read>)> = items
            .par_iter()
            .map(|&item| {
                let mut reads = Vec::new();
                let value = fingerprint(site, &scope, hashes, item, &mut reads);
                (site.out_path(item), value, reads)
            })
            .collect();
        let pages = site.content.pages.len();
        let sitemap = items.iter().position(|&i| i == Item::Sitemap);
        let mut prints = Prints {
            sitemap,
            entries,
            items,
            outs: Vec::with_capacity(computed.len()),
            values: Vec::with_capacity(computed.len()),
            reads: Vec::with_capacity(computed.len()),
            cards,
            own: vec![Vec::new(); pages],
            shown_in: vec![Vec::new(); pages],
            scope,
        };
        for (k, (out, value, reads)) in computed.into_iter().enumerate() {
            prints.outs.push(out);
            prints.values.push(value);
            prints.link(k, &reads);
            prints.reads.push(reads);
        }
        prints
    }

    /// Records in the per-page lists that item `k` reads `reads`.
    fn link(&mut self, k: usize, reads: &[Read]) {
        for &read in reads {
            match read {
                Read::Own(p) => self.own[p as usize].push(k as u32),
                Read::Card(p) => self.shown_in[p as usize].push(k as u32),
            }
        }
    }

    /// Removes item `k` from the per-page lists of `reads`.
    fn unlink(&mut self, k: usize, reads: &[Read]) {
        for &read in reads {
            let list = match read {
                Read::Own(p) => &mut self.own[p as usize],
                Read::Card(p) => &mut self.shown_in[p as usize],
            };
            list.retain(|&x| x as usize != k);
        }
    }

    /// Fingerprints again the outputs that read `edited` pages after they were
    /// replaced in place, and those that read `moved` pages (whose place in a list
    /// changed, so what lists them may list others now); returns the items whose
    /// fingerprint changed.
    fn update(&mut self, site: &Site, edited: &[usize], moved: &[usize]) -> Vec<usize> {
        let mut dirty: BTreeSet<u32> = BTreeSet::new();
        for &i in edited {
            let card = card_hash(site, i);
            if card != self.cards[i] {
                self.cards[i] = card;
                dirty.extend(&self.shown_in[i]);
            }
            let entry = sitemap_entry(site, i);
            if entry != self.entries[i] {
                self.entries[i] = entry;
                dirty.extend(self.sitemap.map(|k| k as u32));
            }
            dirty.extend(&self.own[i]);
        }
        for &i in moved {
            dirty.extend(&self.own[i]);
            dirty.extend(&self.shown_in[i]);
        }
        let mut changed = Vec::new();
        for k in dirty {
            let k = k as usize;
            let mut reads = Vec::new();
            let hashes = PageHashes {
                cards: &self.cards,
                entries: &self.entries,
            };
            let value = fingerprint(site, &self.scope, hashes, self.items[k], &mut reads);
            if reads != self.reads[k] {
                let old = std::mem::take(&mut self.reads[k]);
                self.unlink(k, &old);
                self.link(k, &reads);
                self.reads[k] = reads;
            }
            if value != self.values[k] {
                self.values[k] = value;
                changed.push(k);
            }
        }
        changed
    }
}

impl Scope {
    fn of(site: &Site) -> Scope {
        let mut h = Hasher64::new();
        hash(&mut h, &format!("{:?}", site.config));
        hash(&mut h, &site.strings.fingerprint());
        hash(
            &mut h,
            &format!(
                "{:?}{:?}{:?}",
                site.theme.meta, site.default_image, site.publisher_logo
            ),
        );
        hash(&mut h, &format!("{:?}", site.site_view));
        Scope {
            global: h.finish(),
            home_guides: site.newest_guides(site.config.paginate_by.min(6)),
            feed_guides: site.feed_guides(),
            theses: site.content.theses.values().copied().collect(),
        }
    }
}

/// What a list shows of page `i`; anything listing or linking the page includes it.
fn card_hash(site: &Site, i: usize) -> u64 {
    let c = &site.content;
    let p = &c.pages[i];
    let mut h = Hasher64::new();
    hash(
        &mut h,
        &(
            &p.title, &p.path, &p.summary, p.date, p.updated, p.number, p.kind, p.words, p.draft,
        ),
    );
    hash(&mut h, &site.page_images[i]);
    for &t in &c.page_tags[i] {
        hash(&mut h, &(&c.tags[t].name, &c.tags[t].path));
    }
    h.finish()
}

/// What the sitemap shows of page `i`.
fn sitemap_entry(site: &Site, i: usize) -> u64 {
    let p = &site.content.pages[i];
    let mut h = Hasher64::new();
    hash(&mut h, &(&p.path, p.date, p.updated, p.in_sitemap()));
    h.finish()
}

/// Per-page hashes that outputs combine.
#[derive(Clone, Copy)]
struct PageHashes<'a> {
    cards: &'a [u64],
    entries: &'a [u64],
}

/// The fingerprint of one output: a hash of everything its rendering reads. The
/// pages it reads are recorded in `reads`.
fn fingerprint(
    site: &Site,
    scope: &Scope,
    hashes: PageHashes<'_>,
    item: Item,
    reads: &mut Vec<Read>,
) -> u64 {
    let c = &site.content;
    let cards = hashes.cards;
    let mut h = Hasher64::new();
    let cards_of = |h: &mut Hasher64, reads: &mut Vec<Read>, pages: &[usize]| {
        for &j in pages {
            hash(h, &(j, cards[j]));
            reads.push(Read::Card(j as u32));
        }
    };
    let links = |h: &mut Hasher64, targets: &[String]| {
        for t in targets {
            hash(h, &c.resolve_link(t));
        }
    };
    // Where a link into the site lands decides whether it gets the base path.
    let site_links = |h: &mut Hasher64, from: &str, written: &[crate::sitelinks::SiteLink]| {
        for l in written {
            hash(
                h,
                &site
                    .published
                    .land(&l.url, from, &site.config.base_url.prefix),
            );
        }
    };
    // A card is fingerprinted by what it is made from alone (its input key), and
    // redrawn only when its SVG changed: see `Site::card_file`.
    if let Item::Card(card) = item {
        if let CardOf::Page(i) = card {
            reads.push(Read::Own(i as u32));
        }
        return site.card_fingerprint(card);
    }
    hash(&mut h, &scope.global);
    hash(&mut h, &item);
    // The templates the output is rendered with, and those they use: a template
    // change re-renders only the outputs it reaches.
    let template = |h: &mut Hasher64, name: &str| hash(h, &site.templates.hash_of(name));
    match item {
        Item::Page(i) => {
            reads.push(Read::Own(i as u32));
            let p = &c.pages[i];
            template(&mut h, &page_template(p));
            template(&mut h, THESIS_SHORTCODE);
            for call in &p.shortcodes {
                template(&mut h, &format!("shortcodes/{}.html", call.name));
                hash(&mut h, &site.call_images(call));
            }
            hash(&mut h, &(p.hash, cards[i], &p.source));
            links(&mut h, &p.links);
            site_links(&mut h, &p.path, &p.site_links);
            let mut s = Some(p.section);
            while let Some(si) = s {
                hash(&mut h, &(&c.sections[si].title, &c.sections[si].path));
                s = c.sections[si].parent;
            }
            let cited: Vec<usize> = p
                .theses
                .iter()
                .filter_map(|n| c.theses.get(n).copied())
                .collect();
            cards_of(&mut h, reads, &cited);
            cards_of(&mut h, reads, &c.cited_by[i]);
            cards_of(&mut h, reads, &site.related(i));
            let section = &c.sections[p.section].pages;
            let pos = c.positions[i];
            let neighbours: Vec<usize> = [pos.checked_sub(1), Some(pos + 1)]
                .into_iter()
                .flatten()
                .filter_map(|x| section.get(x).copied())
                .collect();
            cards_of(&mut h, reads, &neighbours);
        }
        Item::List(si, n) => {
            let s = &c.sections[si];
            template(&mut h, &section_template(s, si));
            template(&mut h, THESIS_SHORTCODE);
            for call in &s.shortcodes {
                template(&mut h, &format!("shortcodes/{}.html", call.name));
                hash(&mut h, &site.call_images(call));
            }
            hash(
                &mut h,
                &(
                    &s.title,
                    &s.description,
                    &s.path,
                    s.paginate,
                    s.hash,
                    s.pages.len(),
                ),
            );
            hash(&mut h, &site.section_images[si]);
            links(&mut h, &s.links);
            site_links(&mut h, &s.path, &s.site_links);
            let quoted: Vec<usize> = s
                .theses
                .iter()
                .filter_map(|n| c.theses.get(n).copied())
                .collect();
            cards_of(&mut h, reads, &quoted);
            for &sub in &s.subsections {
                hash(&mut h, &(&c.sections[sub].title, &c.sections[sub].path));
            }
            if si == 0 {
                cards_of(&mut h, reads, &scope.home_guides);
                cards_of(&mut h, reads, &scope.theses);
            } else {
                let per = s.paginate.max(1);
                let start = ((n - 1) * per).min(s.pages.len());
                let end = (start + per).min(s.pages.len());
                cards_of(&mut h, reads, &s.pages[start..end]);
                hash(&mut h, &list_path(&s.path, n));
            }
        }
        Item::TagIndex => {
            template(&mut h, "tags.html");
            for t in &c.tags {
                hash(&mut h, &(&t.name, &t.path, t.pages.len()));
            }
        }
        Item::Tag(t, n) => {
            template(&mut h, "tag.html");
            let tag = &c.tags[t];
            hash(&mut h, &(&tag.name, &tag.path, tag.pages.len()));
            let per = site.config.paginate_by.max(1);
            let start = ((n - 1) * per).min(tag.pages.len());
            let end = (start + per).min(tag.pages.len());
            cards_of(&mut h, reads, &tag.pages[start..end]);
        }
        Item::Alias(p, a) => {
            template(&mut h, "alias.html");
            reads.push(Read::Own(p as u32));
            hash(
                &mut h,
                &(&c.pages[p].aliases[a], &c.pages[p].path, &c.pages[p].title),
            );
        }
        Item::Feed => {
            cards_of(&mut h, reads, &scope.feed_guides);
            for &j in &scope.feed_guides {
                hash(&mut h, &c.pages[j].tags);
            }
        }
        Item::Sitemap => {
            hash(&mut h, hashes.entries);
            for s in &c.sections {
                hash(&mut h, &s.path);
            }
            for t in &c.tags {
                hash(&mut h, &(&t.path, &t.pages));
            }
        }
        Item::File(f) => match &site.files[f].source {
            Source::File(path) => {
                let stamp = std::fs::metadata(path)
                    .map(|m| crate::content::Stamp::of(&m))
                    .ok();
                hash(&mut h, &(path, stamp));
            }
            Source::Bytes(b) => hash(&mut h, b.as_ref()),
        },
        Item::NotFound => template(&mut h, "404.html"),
        Item::Robots | Item::Card(_) => {}
    }
    h.finish()
}

/// Whether a changed path is an editor's temporary or backup file, not content.
pub fn is_temp_file(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return true;
    };
    name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".swo",
            ".tmp",
            ".bck",
            ".kate-swp",
            "___jb_tmp___",
            "___jb_old___",
            ".piazza-tmp",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// The folders and files of a site that a change in may alter the output.
const WATCHED: [&str; 6] = ["content", "static", "templates", "themes", "i18n", "data"];

/// Whether the watched folder `dir` of the site at `root` (a real path) is one a
/// build reads: a link out of the site (`static -> /etc`) is neither read nor watched.
fn readable(root: &Path, dir: &str) -> bool {
    crate::files::folder(root, root, &root.join(dir), &mut Vec::new()).is_some()
}

/// How the watcher learns about changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Watcher {
    /// The operating system's notifications (inotify, FSEvents, ReadDirectoryChangesW).
    #[default]
    Native,
    /// Looking at every watched file again at this interval: for network drives,
    /// Windows folders seen from WSL and container mounts, where no notifications
    /// arrive.
    Poll(Duration),
}

/// Quiet time after the last event before a rebuild. An editor's save (write a
/// temporary file, rename it over the page, remove the backup) takes microseconds to
/// a few milliseconds, so it arrives as one change; a longer wait would only delay
/// every preview. A burst that outlasts it (a branch checkout) gives a few rebuilds
/// in a row, the last of which sees everything.
const DEBOUNCE: Duration = Duration::from_millis(10);

/// Changed paths, or a watcher's complaint to print.
type Batch = Result<Vec<PathBuf>, String>;

/// Adds a path to the running native watcher.
type AddWatch = Box<dyn FnMut(&Path, notify::RecursiveMode) -> notify::Result<()>>;

/// Starts the debounced native watcher; its batches go to `tx`.
fn start_native(tx: mpsc::Sender<Batch>) -> Result<AddWatch, Error> {
    use notify_debouncer_full::{new_debouncer, DebounceEventResult};
    let handler = move |result: DebounceEventResult| {
        let batch = match result {
            // Reading a file (as every rebuild does) raises access events; only
            // changes count.
            Ok(events) => Ok(events
                .into_iter()
                .filter(|e| !matches!(e.kind, notify::EventKind::Access(_)))
                .flat_map(|e| e.event.paths)
                .collect()),
            Err(errors) => Err(errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")),
        };
        let _ = tx.send(batch);
    };
    let mut debouncer = new_debouncer(DEBOUNCE, None, handler)
        .map_err(|e| Error::new(format!("cannot watch the site: {e}")))?;
    Ok(Box::new(move |path, mode| debouncer.watch(path, mode)))
}

/// Scans the watched files of the site at `root` every `every` and sends the paths
/// that appeared, vanished or changed size or modification time (to the nanosecond:
/// notify's own poll watcher compares whole seconds and misses a second save within
/// the same second). Ends when the receiver is gone.
fn start_polling(root: PathBuf, ignore: PathBuf, every: Duration, tx: mpsc::Sender<Batch>) {
    let scan = move || -> HashMap<PathBuf, crate::content::Stamp> {
        let config = root.join(crate::config::CONFIG_FILE);
        WATCHED
            .iter()
            .filter(|dir| readable(&root, dir))
            .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).into_iter())
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && !e.path().starts_with(&ignore))
            .map(|e| e.into_path())
            .chain(config.is_file().then_some(config))
            .filter_map(|p| {
                let meta = std::fs::metadata(&p).ok()?;
                Some((p, crate::content::Stamp::of(&meta)))
            })
            .collect()
    };
    // The first look is taken before returning, so a save made during the first
    // build is a change.
    let mut before = scan();
    std::thread::spawn(move || loop {
        std::thread::sleep(every);
        let now = scan();
        let changed: Vec<PathBuf> = now
            .iter()
            .filter(|(p, stamp)| before.get(*p) != Some(stamp))
            .map(|(p, _)| p.clone())
            .chain(before.keys().filter(|p| !now.contains_key(*p)).cloned())
            .collect();
        before = now;
        if !changed.is_empty() && tx.send(Ok(changed)).is_err() {
            return;
        }
    });
}

/// Builds the site, then watches it and calls `on_change` with the result of each
/// rebuild (the first with no changed paths), until the watcher fails. `ignore` is
/// the output folder (never read as input).
pub fn watch(
    rebuilder: &mut Rebuilder,
    root: &Path,
    ignore: &Path,
    how: Watcher,
    mut on_change: impl FnMut(&Result<Report, Errors>, &[PathBuf]),
) -> Result<(), Error> {
    use notify::RecursiveMode;
    let (tx, rx) = mpsc::channel();
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let ignore = crate::output::absolute(ignore);
    let mut watched: HashSet<PathBuf> = HashSet::new();
    // Watches every watched folder that exists and is not watched yet (a folder
    // created after the start, such as templates/, is picked up at the next change).
    let add_watches = |add_watch: &mut AddWatch, watched: &mut HashSet<PathBuf>| {
        for dir in WATCHED {
            let path = root.join(dir);
            if readable(&root, dir)
                && !watched.contains(&path)
                && add_watch(&path, RecursiveMode::Recursive).is_ok()
            {
                watched.insert(path);
            }
        }
        watched.retain(|p| p.is_dir());
    };
    let mut native = match how {
        Watcher::Native => {
            let mut add_watch = start_native(tx)?;
            add_watch(&root, RecursiveMode::NonRecursive)
                .map_err(|e| Error::new(format!("cannot watch {}: {e}", root.display())))?;
            add_watches(&mut add_watch, &mut watched);
            Some(add_watch)
        }
        Watcher::Poll(every) => {
            start_polling(root.clone(), ignore.clone(), every, tx);
            None
        }
    };
    // The first build runs with the watcher already listening, so a save made while it
    // runs still triggers a rebuild.
    let first = rebuilder.rebuild();
    on_change(&first, &[]);
    for batch in rx {
        let mut changed = match batch {
            Ok(paths) => paths,
            Err(text) => {
                eprintln!("warning: file watching: {text}");
                continue;
            }
        };
        changed.retain(|p| relevant(p, &root, &ignore));
        changed.sort();
        changed.dedup();
        if changed.is_empty() {
            continue;
        }
        if let Some(add_watch) = &mut native {
            add_watches(add_watch, &mut watched);
        }
        if changed.iter().any(|p| {
            p.file_name()
                .is_some_and(|n| n == crate::config::CONFIG_FILE)
        }) {
            rebuilder.clear_cache();
        }
        let result = rebuilder.rebuild_after(&changed);
        on_change(&result, &changed);
    }
    Ok(())
}

/// Whether a path reported by the watcher can change the site.
fn relevant(path: &Path, root: &Path, ignore: &Path) -> bool {
    if path.starts_with(ignore) || is_temp_file(path) {
        return false;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    match first.as_deref() {
        Some(crate::config::CONFIG_FILE) => true,
        Some(dir) => WATCHED.contains(&dir),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_temp_files_are_ignored() {
        for name in [
            "a.md~",
            ".#a.md",
            "#a.md#",
            "4913",
            "a.md.swp",
            "a.md___jb_tmp___",
            "x.bck",
        ] {
            assert!(is_temp_file(Path::new(name)), "{name}");
        }
        assert!(!is_temp_file(Path::new("a.md")));
    }
}
