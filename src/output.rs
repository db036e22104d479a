//! The output folder: where a build writes, and the rules that keep it safe.
//!
//! A full build writes into a fresh folder beside the output and swaps it in only when
//! everything succeeded, so a failed build leaves the previous site untouched. piazza
//! marks folders it writes, and refuses to replace a folder that holds files it did not
//! write (unless `--force`), the site folder itself or any folder that contains it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;

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
        if out_abs.starts_with(site_abs.join(input)) {
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

/// `path` made absolute and normalised without requiring it to exist.
pub fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    // Resolve the longest existing ancestor so symlinked parents compare correctly.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return out,
        }
    }
    let mut resolved = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// A fresh folder beside the output that receives a whole build.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    made: Mutex<HashSet<PathBuf>>,
}

impl Staging {
    /// Creates the staging folder for `out`.
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
        let dir = parent.join(format!(".{name}.piazza-new-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        }
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, &e))?;
        std::fs::write(dir.join(MARKER), MARKER_TEXT).map_err(|e| Error::io(&dir, &e))?;
        crate::shutdown::remove_on_interrupt(&dir);
        Ok(Staging {
            out,
            dir,
            made: Mutex::new(HashSet::new()),
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
        let old = self.dir.with_file_name(
            self.dir
                .file_name()
                .map(|n| n.to_string_lossy().replace("piazza-new", "piazza-old"))
                .unwrap_or_default(),
        );
        {
            // Ctrl-C waits for the swap: the output is always the old site or the new one.
            let _writing = crate::shutdown::writing();
            if self.out.exists() {
                std::fs::rename(&self.out, &old).map_err(|e| Error::io(&self.out, &e))?;
                if let Err(e) = std::fs::rename(&self.dir, &self.out) {
                    let _ = std::fs::rename(&old, &self.out);
                    return Err(Error::io(&self.out, &e));
                }
                crate::shutdown::remove_on_interrupt(&old);
            } else {
                std::fs::rename(&self.dir, &self.out).map_err(|e| Error::io(&self.out, &e))?;
            }
            crate::shutdown::keep(&self.dir);
        }
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, &e))?;
            crate::shutdown::keep(&old);
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

    #[test]
    fn xml_escapes_everything() {
        assert_eq!(xml_escape("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
