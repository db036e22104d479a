//! The persistent cache: generated images (share cards, resized variants) kept in a
//! folder at the site root (`.piazza-cache/` unless `cache_dir` says otherwise), so a
//! fresh checkout, a CI run or `rm -rf public` does not draw or encode them again.
//!
//! Entries are files named by a stable hash of everything that makes them, so an entry
//! is never stale: it is either the right bytes or not looked up at all. Deleting the
//! folder is always safe (the next build makes what it needs). Two builds at once are
//! safe: an entry is written to a temporary file and renamed into place, so a reader
//! sees a whole entry or none, and two writers of one name write the same bytes. An
//! entry a build uses is touched (at most once a day); a build removes entries nobody
//! touched for [`MAX_AGE`], at most once a day.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::output::is_private;

/// The cache folder's default name, at the site root.
pub use crate::config::DEFAULT_CACHE_DIR as DEFAULT_DIR;
/// Entries no build has used for this long are removed.
pub const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// An entry's modification time is refreshed when it is older than this.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The file whose modification time says when the cache was last pruned.
const PRUNED: &str = ".pruned";

/// The cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Cache {
    /// The cache at `dir` (made when something is first stored).
    pub fn new(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where entry `name` of `kind` (`cards`, `images`) is or would be.
    pub fn path(&self, kind: &str, name: &str) -> PathBuf {
        self.dir.join(kind).join(name)
    }

    /// Entry `name` of `kind` when it exists, marked as used.
    pub fn get(&self, kind: &str, name: &str) -> Option<PathBuf> {
        let path = self.path(kind, name);
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() {
            return None;
        }
        let now = SystemTime::now();
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > TOUCH_AFTER);
        if stale {
            // Best effort: an entry that cannot be touched is only pruned sooner.
            if let Ok(f) = std::fs::File::options().write(true).open(&path) {
                let _ = f.set_modified(now);
            }
        }
        Some(path)
    }

    /// A temporary name for entry `name` of `kind`, of this process and call alone.
    pub fn temp(&self, kind: &str, name: &str) -> PathBuf {
        self.dir.join(kind).join(format!(
            ".{name}.{}-{}.piazza-tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// Stores `bytes` as entry `name` of `kind`: written beside it under a name of this
    /// process's own and renamed into place, so no reader ever sees half an entry.
    pub fn put(&self, kind: &str, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let folder = self.dir.join(kind);
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(name);
        let temp = self.temp(kind, name);
        let written = std::fs::write(&temp, bytes).and_then(|_| std::fs::rename(&temp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map(|_| path)
    }

    /// Removes entries not used for [`MAX_AGE`] and temporary files killed builds left,
    /// when the cache was not pruned in the last day. Errors are ignored: another build
    /// may be pruning too, and a file that stays is only disk space.
    pub fn prune(&self) {
        let stamp = self.dir.join(PRUNED);
        let now = SystemTime::now();
        let recent = std::fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age < TOUCH_AFTER);
        if recent || !self.dir.is_dir() {
            return;
        }
        let _ = std::fs::write(&stamp, b"");
        self.prune_older(now, MAX_AGE);
    }

    /// Removes entries older than `max_age` at `now` (temporary files after an hour).
    pub fn prune_older(&self, now: SystemTime, max_age: Duration) {
        let Ok(kinds) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for kind in kinds.flatten() {
            if !kind.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(kind.path()) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name();
                let limit = if is_private(&name.to_string_lossy()) {
                    max_age.min(Duration::from_secs(3600))
                } else {
                    max_age
                };
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|age| age > limit);
                if old && e.file_type().is_ok_and(|t| t.is_file()) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

/// A cache entry's file name: the hash in hex and an extension.
pub fn entry_name(key: u64, ext: &str) -> String {
    format!("{key:016x}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_prune() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path().join("c"));
        assert!(cache.get("cards", "a.png").is_none());
        let p = cache.put("cards", "a.png", b"x").unwrap();
        assert_eq!(cache.get("cards", "a.png"), Some(p.clone()));
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
        let names: Vec<_> = std::fs::read_dir(tmp.path().join("c/cards"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.png"], "no temporary file is left");
        cache.prune_older(SystemTime::now(), Duration::from_secs(3600));
        assert!(p.exists(), "a fresh entry stays");
        cache.prune_older(
            SystemTime::now() + Duration::from_secs(7200),
            Duration::from_secs(3600),
        );
        assert!(
            !p.exists(),
            "an entry unused for longer than the limit goes"
        );
    }
}
