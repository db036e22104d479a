//! Site search: a Pagefind index of the guides, theses and pages, built in process
//! with the `pagefind` crate and written into `/pagefind/` of the output, and the
//! `/search/` page that queries it in the browser.
//!
//! What is indexed is decided by the rendered HTML, as Pagefind itself decides: a page
//! is in the index when its HTML carries `data-pagefind-body`, which the default theme
//! writes only on guides, theses and pages that search keeps ([`indexed`]): not
//! drafts, `noindex` or `search: false` pages, and never lists, tags, 404 or aliases.
//! The templates also carry the title, kind, thesis number and image as
//! `data-pagefind-meta` and the kind and tags as `data-pagefind-filter`, so a theme
//! controls what a result shows. Each page's `<html lang>` puts it in the index of its
//! language, which Pagefind stems (Italian for Italian pages).
//!
//! A full build hands every page to the index while it is written ([`Capture`]), so
//! nothing is read back from disk, and writes the index into the staging folder: it is
//! swapped in with the rest of the build or not at all. `serve` indexes in the
//! background instead ([`Background`]): after each rebuild it re-reads the pages that
//! changed, on a thread of its own, and never holds up the rebuild that shows an edit.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use minijinja::context;
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::error::{Error, Errors};
use crate::output::Sink;
pub use crate::searchable::{in_bundle, indexed, BUNDLE, PAGE, PAGE_PATH, TEMPLATE};
use crate::site::Site;
use crate::social::Schema;
use crate::templates::to_value;
use crate::watch::Report;

/// What marks an indexed page's HTML (Pagefind's own attribute).
const MARKER: &[u8] = b"data-pagefind-body";

/// Files Pagefind makes that the theme's search page does not load: its ready-made
/// UIs (the theme has its own, with the site's strings and thesis numbers first) and
/// their styles. Leaving them out keeps the output to what a reader can fetch.
const UNUSED: [&str; 7] = [
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

/// Whether `bytes` are an HTML page the index should read.
fn wants(rel: &str, bytes: &[u8]) -> bool {
    rel.ends_with(".html") && bytes.windows(MARKER.len()).any(|w| w == MARKER)
}

/// The files of an index: (path inside [`BUNDLE`], bytes).
type Bundle = Vec<(String, Vec<u8>)>;

/// One index, fed on a thread of its own: Pagefind's API is async and takes `&mut`,
/// so pages arrive over a channel while the rendering threads go on.
struct Indexer {
    tx: Option<SyncSender<(String, String)>>,
    /// Set when the build failed: the index is not worth finishing.
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<Bundle, String>>>,
}

impl Indexer {
    fn start() -> Result<Indexer, Error> {
        // Bounded: rendering waits rather than piling every page up in memory.
        let (tx, rx) = mpsc::sync_channel::<(String, String)>(256);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancel);
        let thread = std::thread::Builder::new()
            .name("piazza-search".into())
            .spawn(move || index_pages(rx.into_iter(), &stop))
            .map_err(|e| Error::new(format!("could not start the search indexer: {e}")))?;
        Ok(Indexer {
            tx: Some(tx),
            cancel,
            thread: Some(thread),
        })
    }

    fn add(&self, rel: &str, html: String) -> Result<(), Error> {
        match &self.tx {
            Some(tx) if tx.send((rel.to_string(), html)).is_ok() => Ok(()),
            _ => Err(Error::new(format!(
                "the search index stopped before {rel} was added"
            ))),
        }
    }

    /// Waits for every page and returns the index files (paths inside [`BUNDLE`]).
    fn finish(mut self) -> Result<Bundle, Error> {
        drop(self.tx.take());
        let thread = self.thread.take();
        match thread.map(JoinHandle::join) {
            Some(Ok(Ok(files))) => Ok(files),
            Some(Ok(Err(m))) => Err(Error::new(format!("the search index failed: {m}"))),
            _ => Err(Error::new("the search index stopped unexpectedly")),
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Builds an index of `pages` (output path, HTML) and returns its files; stops early
/// when `cancel` is set.
///
/// Pagefind numbers pages in the order they are added, and those numbers are in every
/// index file's bytes and name. Pages arrive in whatever order the rendering threads
/// finish, so they are put in path order first: the same site gives the same index,
/// and a deploy after an unchanged build uploads nothing.
fn index_pages(
    pages: impl Iterator<Item = (String, String)>,
    cancel: &AtomicBool,
) -> Result<Bundle, String> {
    let pages: BTreeMap<String, String> = pages.collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let options = PagefindServiceConfig::builder()
            .keep_index_url(false)
            .build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| e.to_string())?;
        for (rel, html) in pages {
            if cancel.load(Ordering::Relaxed) {
                return Err("cancelled".into());
            }
            index
                .add_html_file(Some(rel.clone()), None, html)
                .await
                .map_err(|e| format!("{rel}: {e}"))?;
        }
        let files = index.get_files().await.map_err(|e| e.to_string())?;
        Ok(files
            .into_iter()
            .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
            .filter(|(name, _)| !UNUSED.contains(&name.as_str()))
            .collect())
    })
}

/// A sink that passes every write on and hands each indexed page to the index on the
/// way: the build's hook.
pub struct Capture<'a> {
    inner: &'a dyn Sink,
    indexer: Indexer,
}

impl<'a> Capture<'a> {
    /// Captures what a build of `site` writes to `inner`; None when search is off.
    pub fn new(site: &Site, inner: &'a dyn Sink) -> Result<Option<Capture<'a>>, Error> {
        if !site.config.search {
            return Ok(None);
        }
        Ok(Some(Capture {
            inner,
            indexer: Indexer::start()?,
        }))
    }

    /// Builds the index from every page written and writes it into the output.
    pub fn finish(self) -> Result<usize, Error> {
        let inner = self.inner;
        let files = self.indexer.finish()?;
        for (name, bytes) in &files {
            inner.write(&format!("{BUNDLE}/{name}"), bytes)?;
        }
        Ok(files.len())
    }
}

impl Sink for Capture<'_> {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        self.inner.write(rel, bytes)?;
        if wants(rel, bytes) {
            self.indexer
                .add(rel, String::from_utf8_lossy(bytes).into_owned())?;
        }
        Ok(())
    }
    fn copy(&self, rel: &str, source: &Path) -> Result<(), Error> {
        self.inner.copy(rel, source)
    }
    fn previous(&self, rel: &str) -> Option<PathBuf> {
        self.inner.previous(rel)
    }
    fn reuse(&self, rel: &str, previous: &Path) -> Result<(), Error> {
        self.inner.reuse(rel, previous)
    }
}

/// What `serve` tells the background indexer after a rebuild.
enum Change {
    /// Index every page of the output (the first build).
    All,
    /// These output files were written or removed.
    Files(Vec<String>),
}

/// `serve`'s index: rebuilt on a thread of its own after each rebuild, a moment after
/// the last one, so a burst of saves makes one index and the edit is shown first.
pub struct Background {
    tx: Option<mpsc::Sender<Change>>,
    thread: Option<JoinHandle<()>>,
}

/// How long the background indexer waits for further rebuilds before it starts.
const SETTLE: Duration = Duration::from_millis(300);

impl Background {
    /// Starts indexing the output folder `out` in the background.
    pub fn start(out: &Path) -> Result<Background, Error> {
        let (tx, rx) = mpsc::channel();
        let out = out.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("piazza-search".into())
            .spawn(move || background(&out, &rx))
            .map_err(|e| Error::new(format!("could not start the search indexer: {e}")))?;
        Ok(Background {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Tells the indexer what a rebuild did (`changed` is empty for the first build):
    /// a send on a channel, so the rebuild's reload goes out at once.
    pub fn after(&self, result: &Result<Report, Errors>, changed: &[PathBuf]) {
        let (Ok(report), Some(tx)) = (result, &self.tx) else {
            return;
        };
        // The first build, or search just turned on: index every page.
        let change = if changed.is_empty() || report.written.iter().any(|w| w == PAGE) {
            Change::All
        } else {
            let html: Vec<String> = report
                .written
                .iter()
                .chain(&report.removed)
                .filter(|f| f.ends_with(".html"))
                .cloned()
                .collect();
            if html.is_empty() {
                return;
            }
            Change::Files(html)
        };
        let _ = tx.send(change);
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The background indexer's loop: waits for changes, lets them settle, and writes a
/// new index when an indexed page changed. Its own single-thread pool keeps Pagefind's
/// parallel work off the pool that renders the preview.
fn background(out: &Path, rx: &Receiver<Change>) {
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else {
        eprintln!("warning: search: could not start the indexer; the preview has no search");
        return;
    };
    let mut indexed: BTreeSet<String> = BTreeSet::new();
    let mut written: HashSet<String> = HashSet::new();
    let mut ready = false;
    while let Ok(first) = rx.recv() {
        let mut all = false;
        let mut files: HashSet<String> = HashSet::new();
        let mut take = |c: Change| match c {
            Change::All => all = true,
            Change::Files(f) => files.extend(f),
        };
        take(first);
        while let Ok(c) = rx.recv_timeout(SETTLE) {
            take(c);
        }
        // Until a first build succeeded nothing was indexed: any change starts afresh.
        let walked = all || !ready;
        if walked {
            indexed = walk_html(out);
            ready = true;
        }
        let mut touched = walked;
        for rel in &files {
            let now = std::fs::read(out.join(rel)).is_ok_and(|b| wants(rel, &b));
            touched |= now || indexed.contains(rel);
            if now {
                indexed.insert(rel.clone());
            } else {
                indexed.remove(rel);
            }
        }
        if !touched {
            continue;
        }
        if indexed.is_empty() {
            // Search was turned off, or no page is left to find.
            let _ = std::fs::remove_dir_all(out.join(BUNDLE));
            written.clear();
            continue;
        }
        let pages = indexed.iter().filter_map(|rel| {
            let html = std::fs::read(out.join(rel)).ok()?;
            wants(rel, &html).then(|| (rel.clone(), String::from_utf8_lossy(&html).into_owned()))
        });
        match pool.install(|| index_pages(pages, &AtomicBool::new(false))) {
            Ok(files) => match write_bundle(out, &files, &written) {
                Ok(names) => written = names,
                Err(e) => eprintln!("warning: search: {e}"),
            },
            Err(m) => eprintln!("warning: search: the index failed: {m}"),
        }
    }
}

/// The HTML files under `out` that carry the marker.
fn walk_html(out: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(out)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            if !rel.ends_with(".html") || in_bundle(&rel) {
                return None;
            }
            let bytes = std::fs::read(e.path()).ok()?;
            wants(&rel, &bytes).then_some(rel)
        })
        .collect()
}

/// Writes the index files into `out/pagefind/` in place of the last ones: each file is
/// written beside its target and renamed in, the entry file that names the others
/// last, then the files only the old index used are removed. Returns the names written.
fn write_bundle(
    out: &Path,
    files: &[(String, Vec<u8>)],
    previous: &HashSet<String>,
) -> Result<HashSet<String>, Error> {
    let dir = out.join(BUNDLE);
    let entry = "pagefind-entry.json";
    let mut order: Vec<&(String, Vec<u8>)> = files.iter().collect();
    order.sort_by_key(|(name, _)| (name == entry, name.clone()));
    let mut names = HashSet::new();
    for (name, bytes) in order {
        let target = dir.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        names.insert(name.clone());
        if std::fs::read(&target).is_ok_and(|old| &old == bytes) {
            continue;
        }
        let tmp = target.with_file_name(format!(
            ".{}.piazza-tmp",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, &e))?;
        std::fs::rename(&tmp, &target).map_err(|e| Error::io(&target, &e))?;
    }
    for old in previous.difference(&names) {
        let _ = std::fs::remove_file(dir.join(old));
    }
    Ok(names)
}

/// The search page's strings for its script, by the name the script reads.
const SCRIPT_STRINGS: [&str; 9] = [
    "search_results",
    "search_no_results",
    "search_loading",
    "search_unavailable",
    "search_all",
    "kind_guide",
    "kind_thesis",
    "kind_page",
    "thesis",
];

impl Site {
    /// The search page: the form, the filters and the list the theme's script fills.
    pub fn render_search(&self) -> Result<String, Error> {
        let title = self.strings.text("search_title");
        let permalink = self.config.base_url.absolute(PAGE_PATH);
        let description = self
            .strings
            .get("search_description", &[("site", self.config.title.clone())])
            .unwrap_or_else(|| title.clone());
        let trail = vec![
            (
                self.strings.text("home"),
                self.config.base_url.absolute("/"),
            ),
            (title.clone(), permalink.clone()),
        ];
        let mut head = self.generic_head(Schema::WebPage, &title, &description, &permalink, &trail);
        // A results page has nothing of its own for search engines to keep.
        head.meta.push(crate::social::Meta {
            attr: "name",
            key: "robots".into(),
            content: "noindex".into(),
        });
        let strings: BTreeMap<&str, String> = SCRIPT_STRINGS
            .iter()
            .map(|&k| (k, self.strings.text(k)))
            .collect();
        self.templates.render(
            TEMPLATE,
            context! {
                head => to_value(&head),
                search => context! {
                    title => title,
                    bundle => self.config.base_url.url(&format!("/{BUNDLE}/")),
                    base => self.config.base_url.url("/"),
                    strings => strings,
                },
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{index_pages, AtomicBool};

    fn page(n: usize) -> (String, String) {
        (
            format!("guides/g{n}/index.html"),
            format!(
                "<html lang=\"it\"><head><title>Guida {n}</title></head><body>\
                 <main data-pagefind-body><h1>Guida {n}</h1><p>parola{n} mercato</p></main>\
                 </body></html>"
            ),
        )
    }

    #[test]
    fn the_index_does_not_depend_on_the_order_pages_arrive_in() {
        let forward: Vec<_> = (0..40).map(page).collect();
        let backward: Vec<_> = forward.iter().rev().cloned().collect();
        let a = index_pages(forward.into_iter(), &AtomicBool::new(false)).unwrap();
        let b = index_pages(backward.into_iter(), &AtomicBool::new(false)).unwrap();
        assert!(a.len() > 3, "{} files", a.len());
        assert_eq!(a, b);
    }
}
