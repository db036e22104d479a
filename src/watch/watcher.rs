//! The watcher: file system events (or polling) turned into debounced batches of
//! changed paths, each answered by a rebuild.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use super::{Rebuilder, Report};
use crate::error::{Error, Errors};

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
const WATCHED: [&str; 7] = [
    "content",
    "static",
    "templates",
    "themes",
    "i18n",
    "data",
    crate::comments::COMMENTS_DIR,
];

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
    let scan = move || -> HashMap<PathBuf, crate::source::Stamp> {
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
                Some((p, crate::source::Stamp::of(&meta)))
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
