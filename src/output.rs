//! The output folder: where a build writes, and the rules that keep it safe.
//!
//! A full build writes into a fresh folder beside the output and swaps it in only when
//! everything succeeded, so a failed build leaves the previous site untouched. piazza
//! marks folders it writes, and refuses to replace a folder that holds files it did not
//! write (unless `--force`), the site folder itself or any folder that contains it.

use std::collections::{BTreeSet, HashSet};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;
use crate::files;

/// The file piazza leaves in every output folder it writes, so it can recognise its own.
pub const MARKER: &str = ".piazza-output";

pub const MARKER_TEXT: &str =
    "This folder is written by piazza. Each build replaces everything in it.\n";

/// Whether a file or folder name is one of piazza's own, never part of the site: the
/// marker, locks (`.piazza-*`), temporary files (`.NAME.piazza-tmp`) and build folders
/// (`.NAME.piazza-new-PID`). A site's own dotfiles (`.well-known/`) are not.
pub fn is_private(name: &str) -> bool {
    name.starts_with('.') && name.contains(".piazza-")
}

/// Where rendered files go. Implemented by a full build's staging folder and by the
/// watch mode's in-place writer.
pub trait Sink: Sync {
    /// Writes `bytes` to `rel` (a `/`-separated path inside the output).
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error>;
    /// Copies the file at `source` to `rel`.
    fn copy(&self, rel: &str, source: &Path) -> Result<(), Error>;
    /// The file at `rel` in the output this build replaces, if there is one (generated
    /// share cards reuse it when it shows the same thing).
    fn previous(&self, _rel: &str) -> Option<PathBuf> {
        None
    }
    /// Puts `previous` (a file of the output being replaced) at `rel` unchanged.
    fn reuse(&self, rel: &str, previous: &Path) -> Result<(), Error> {
        self.copy(rel, previous)
    }
}

/// Checks that `out` may be written by a build of the site at `site`.
pub fn check_output_folder(site: &Path, out: &Path, force: bool) -> Result<(), Error> {
    let site_abs = absolute(site);
    let out_abs = absolute(out);
    if site_abs.starts_with(&out_abs) {
        return Err(Error::new(format!(
            "refusing to write the site into {}: it is the site folder or contains it, and a build replaces its output folder",
            out.display()
        ))
        .hint("choose an output folder of its own, such as public/ (the default)"));
    }
    for input in ["content", "static", "templates", "themes", "i18n", "data"] {
        // Resolved: with content/ a link to texts/, texts/public is inside content/.
        // A link that leads out of the site or to the site itself is never read.
        let dir = site_abs.join(input);
        let read = !dir.exists() || files::folder(site, &site_abs, &dir, &mut Vec::new()).is_some();
        if read && out_abs.starts_with(absolute(&dir)) {
            return Err(Error::new(format!(
                "refusing to write the site into {}: it is inside the site's {input}/ folder, which piazza reads",
                out.display()
            ))
            .hint("choose an output folder outside the site's input folders"));
        }
    }
    if out_abs.is_file() {
        return Err(Error::new(format!(
            "{} is a file, not a folder",
            out.display()
        )));
    }
    if out_abs.is_dir() && !force && !out_abs.join(MARKER).is_file() {
        let mut entries = std::fs::read_dir(&out_abs).map_err(|e| Error::io(out, &e))?;
        if entries.next().is_some() {
            return Err(Error::new(format!(
                "{} holds files piazza did not write, and a build would replace them",
                out.display()
            ))
            .hint(
                "choose an empty or new output folder, or pass --force to replace its contents",
            ));
        }
    }
    Ok(())
}

/// `path` made absolute with every link resolved, without requiring it to exist: the
/// part that exists is resolved one component at a time (so `link/..` is the parent
/// of the link's target, as the system sees it) and the rest appended.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => {
                out.push(c);
                if let Ok(real) = out.canonicalize() {
                    out = real;
                }
            }
        }
    }
    out
}

/// A fresh folder beside the output that receives a whole build.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    /// Where the output being replaced goes while the new one moves in.
    old: PathBuf,
    made: Mutex<HashSet<PathBuf>>,
    /// Held until the build ends; None where the file system cannot lock.
    _claim: Option<Claim>,
}

impl Staging {
    /// Creates the staging folder for `out`, after removing what killed builds of
    /// `out` left beside it.
    pub fn new(out: &Path) -> Result<Staging, Error> {
        let out = absolute(out);
        let parent = out
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, &e))?;
        let pid = std::process::id();
        let claim = Claim::take(&beside(&parent, &name, "lock", pid), true)
            .ok()
            .flatten();
        if claim.is_some() {
            sweep(&out, &parent, &name, pid);
        }
        // Left by a dead build that had this process id.
        let old = beside(&parent, &name, "old", pid);
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, &e))?;
        }
        let dir = beside(&parent, &name, "new", pid);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        }
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, &e))?;
        std::fs::write(dir.join(MARKER), MARKER_TEXT).map_err(|e| Error::io(&dir, &e))?;
        crate::shutdown::remove_on_interrupt(&dir);
        Ok(Staging {
            out,
            dir,
            old,
            made: Mutex::new(HashSet::new()),
            _claim: claim,
        })
    }

    fn target(&self, rel: &str) -> Result<PathBuf, Error> {
        if crate::shutdown::interrupted() {
            return Err(Error::new("interrupted"));
        }
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            let known = self
                .made
                .lock()
                .map(|m| m.contains(parent))
                .unwrap_or(false);
            if !known {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
                if let Ok(mut m) = self.made.lock() {
                    m.insert(parent.to_path_buf());
                }
            }
        }
        Ok(path)
    }

    /// Puts the finished build in place of the output folder.
    pub fn commit(self) -> Result<(), Error> {
        let old = &self.old;
        {
            // Ctrl-C waits for the swap: the output is always the old site or the new one.
            let _writing = crate::shutdown::writing();
            if self.out.exists() {
                std::fs::rename(&self.out, old).map_err(|e| Error::io(&self.out, &e))?;
                if let Err(e) = std::fs::rename(&self.dir, &self.out) {
                    let _ = std::fs::rename(old, &self.out);
                    return Err(Error::io(&self.out, &e));
                }
                crate::shutdown::remove_on_interrupt(old);
            } else {
                std::fs::rename(&self.dir, &self.out).map_err(|e| Error::io(&self.out, &e))?;
            }
            crate::shutdown::keep(&self.dir);
        }
        if old.exists() {
            std::fs::remove_dir_all(old).map_err(|e| Error::io(old, &e))?;
            crate::shutdown::keep(old);
        }
        Ok(())
    }

    /// Throws the unfinished build away.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        crate::shutdown::keep(&self.dir);
    }
}

impl Sink for Staging {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let path = self.target(rel)?;
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, &e))
    }

    fn copy(&self, rel: &str, source: &Path) -> Result<(), Error> {
        let path = self.target(rel)?;
        std::fs::copy(source, &path)
            .map(|_| ())
            .map_err(|e| Error::io(source, &e))
    }

    fn previous(&self, rel: &str) -> Option<PathBuf> {
        Some(self.out.join(rel))
    }

    /// A hard link: the old output is never written in place (only replaced whole),
    /// so sharing the file is safe, and far cheaper than copying it.
    fn reuse(&self, rel: &str, previous: &Path) -> Result<(), Error> {
        let path = self.target(rel)?;
        if std::fs::hard_link(previous, &path).is_ok() {
            return Ok(());
        }
        std::fs::copy(previous, &path)
            .map(|_| ())
            .map_err(|e| Error::io(previous, &e))
    }
}

/// What a full build of the output `name` puts in `parent`, beside it:
/// `.NAME.piazza-KIND-PID`, KIND being `new` (the staging folder), `old` (the output
/// being replaced, for an instant) or `lock`.
fn beside(parent: &Path, name: &str, kind: &str, pid: u32) -> PathBuf {
    parent.join(format!(".{name}.piazza-{kind}-{pid}"))
}

/// A build's claim on what it puts beside the output: an exclusive lock on its
/// `lock` file, held for the life of the build. The system releases a lock when its
/// process ends, however it ends (`kill -9` too), so a later build tells a dead
/// build's leftovers (lock free) from a live build's (lock held).
struct Claim {
    _lock: File,
    path: PathBuf,
}

impl Claim {
    /// Locks the file at `path`, creating it; waits for the lock when `wait`, else
    /// returns None when another process holds it.
    fn take(path: &Path, wait: bool) -> std::io::Result<Option<Claim>> {
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)?;
            if wait {
                file.lock()?;
            } else {
                match file.try_lock() {
                    Ok(()) => {}
                    Err(TryLockError::WouldBlock) => return Ok(None),
                    Err(TryLockError::Error(e)) => return Err(e),
                }
            }
            // A sweeping build removes the file while it holds the lock: a lock on a
            // removed file claims nothing, so open the path again.
            if same_file(&file, path) {
                return Ok(Some(Claim {
                    _lock: file,
                    path: path.to_path_buf(),
                }));
            }
        }
    }
}

impl Drop for Claim {
    /// Removed while still locked, so whoever opens the path next makes a fresh file.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `path` is still the file `file` has open.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `path` is still the file `file` has open (Windows refuses to remove a
/// file another process has locked, so it is whenever it exists).
#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Removes what dead builds of the output `out` (called `name`, in `parent`) left
/// beside it, except those of `own` process id. A build killed between moving the
/// output aside and moving its new one in left no output: the old one goes back.
fn sweep(out: &Path, parent: &Path, name: &str, own: u32) {
    let prefix = format!(".{name}.piazza-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let pids: BTreeSet<u32> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file_name = e.file_name();
            let (kind, pid) = file_name.to_str()?.strip_prefix(&prefix)?.split_once('-')?;
            matches!(kind, "new" | "old" | "lock").then_some(())?;
            pid.parse().ok()
        })
        .filter(|&pid| pid != own)
        .collect();
    for pid in pids {
        // Held by a live build (or unusable): leave its files alone.
        let Ok(Some(claim)) = Claim::take(&beside(parent, name, "lock", pid), false) else {
            continue;
        };
        let old = beside(parent, name, "old", pid);
        if !out.exists() && old.is_dir() {
            let _ = std::fs::rename(&old, out);
        }
        for kind in ["new", "old"] {
            let _ = std::fs::remove_dir_all(beside(parent, name, kind, pid));
        }
        drop(claim);
    }
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_site_and_parents() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("content")).unwrap();
        assert!(check_output_folder(&site, &site, false).is_err());
        assert!(check_output_folder(&site, dir.path(), false).is_err());
        assert!(check_output_folder(&site, &site.join("content/x"), false).is_err());
        assert!(check_output_folder(&site, &site.join("public"), false).is_ok());
        let foreign = dir.path().join("foreign");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("x"), "x").unwrap();
        assert!(check_output_folder(&site, &foreign, false).is_err());
        assert!(check_output_folder(&site, &foreign, true).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn compares_real_paths() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("texts")).unwrap();
        std::os::unix::fs::symlink("texts", site.join("content")).unwrap();
        std::os::unix::fs::symlink("site/texts", dir.path().join("link")).unwrap();
        assert!(check_output_folder(&site, &site.join("texts/public"), false).is_err());
        assert!(check_output_folder(&site, &dir.path().join("link/a/b"), false).is_err());
        assert!(check_output_folder(&site, &site.join("texts/../public"), false).is_ok());
        // A link to the site itself is never read, so it holds no input.
        std::os::unix::fs::symlink(".", site.join("static")).unwrap();
        assert!(check_output_folder(&site, &site.join("public"), false).is_ok());
    }

    #[test]
    fn xml_escapes_everything() {
        assert_eq!(xml_escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
