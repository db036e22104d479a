//! Reading the site's input folders without leaving them.
//!
//! Every folder piazza reads files from (content/, static/, data/, templates/, a theme)
//! is listed by [`walk`]. A file counts only when its real path (symbolic links
//! resolved) lies inside the real folder it is read from, so a link can never bring in,
//! or publish, a file from elsewhere: not /etc, and not the site's own config.yaml,
//! .git or .env. A folder that is itself a link counts only when it leads to a folder
//! inside the site (not the site itself). Links that stay inside keep working. Each
//! link left out is a warning naming it.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Errors};
use crate::source::{shown_path, Stamp};

/// Where a copied file's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Bytes in memory (the embedded theme's files).
    Bytes(Cow<'static, [u8]>),
}

/// A file copied to the output as it is: static files, theme assets, bundle files.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Output path, `/`-separated, without a leading slash.
    pub out: String,
    /// Where the bytes come from.
    pub source: Source,
    /// The file as errors show it.
    pub shown: PathBuf,
}

/// Which names a walk leaves out. Litter (version control folders, OS and editor
/// files) is always left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Also every name that starts with a dot (content, data, templates).
    NoHidden,
    /// Dotfiles count (static/ publishes `.well-known/`, `.nojekyll`, `.htaccess`).
    Dotfiles,
}

impl Names {
    /// Whether a file or folder called `name` is left out.
    fn skips(self, name: &str) -> bool {
        (self == Names::NoHidden && name.starts_with('.')) || is_litter(name)
    }
}

/// Names no site means to publish: version control folders, what file managers leave
/// (`.DS_Store`, `Thumbs.db`, macOS `._` forks) and editors' backup, swap and lock
/// files.
fn is_litter(name: &str) -> bool {
    matches!(name, ".git" | ".svn" | ".hg" | ".DS_Store")
        || name.eq_ignore_ascii_case("thumbs.db")
        || name.starts_with("._")
        || name.starts_with(".#")
        || name.ends_with('~')
        || (name.starts_with('.') && name.ends_with(".swp"))
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
}

/// A file found by [`walk`].
#[derive(Debug, Clone)]
pub struct Walked {
    /// Path relative to the walked folder, `/`-separated.
    pub rel: String,
    /// Its stamp.
    pub stamp: Stamp,
}

/// `path` with every link resolved, or as it is when that fails.
pub fn real(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// A real path as messages show it: relative to the site when inside it.
fn shown_real(site_root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(real(site_root)) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

/// The real path of `dir` when it may be read: it exists and lies strictly inside
/// `within` (a real path: the site, or a theme's folder). Otherwise None, with a
/// warning when `dir` is a link that leads elsewhere.
pub fn folder(
    site_root: &Path,
    within: &Path,
    dir: &Path,
    warnings: &mut Vec<Error>,
) -> Option<PathBuf> {
    let dir_real = dir.canonicalize().ok().filter(|r| r.is_dir())?;
    if dir_real.starts_with(within) && dir_real != within {
        return Some(dir_real);
    }
    let whose = if within == real(site_root) {
        "the site"
    } else {
        "its theme"
    };
    let leads = if dir_real == within {
        format!("{whose} folder itself")
    } else {
        format!(
            "{}, outside {whose} folder",
            shown_real(site_root, &dir_real).display()
        )
    };
    warnings.push(
        Error::in_file(
            shown_path(site_root, dir),
            format!("symbolic link to {leads}, not read"),
        )
        .hint("piazza reads only files inside the folder they are in; move or copy the files here instead of linking"),
    );
    None
}

/// Whether `path`, a file under the real folder `folder_real`, really lies inside it;
/// a warning naming `path` when not.
pub fn file_inside(
    site_root: &Path,
    folder_real: &Path,
    path: &Path,
    warnings: &mut Vec<Error>,
) -> bool {
    let shown = shown_path(site_root, path);
    match path.canonicalize() {
        Ok(target) if target.starts_with(folder_real) => true,
        Ok(target) => {
            warnings.push(
                Error::in_file(
                    shown,
                    format!(
                        "symbolic link to {}, outside {}/, left out",
                        shown_real(site_root, &target).display(),
                        shown_real(site_root, folder_real).display()
                    ),
                )
                .hint("piazza reads a file only from inside the folder it is in; copy the file here instead of linking"),
            );
            false
        }
        Err(_) => {
            warnings.push(Error::in_file(shown, "broken symbolic link, skipped"));
            false
        }
    }
}

/// Lists the files under `dir`, a folder of the site (relative paths, sorted, `/`
/// separated), leaving out the names `names` skips and links that lead out of `dir`.
pub fn walk(
    site_root: &Path,
    dir: &Path,
    names: Names,
    warnings: &mut Vec<Error>,
    errors: &mut Errors,
) -> Vec<Walked> {
    walk_within(site_root, &real(site_root), dir, names, warnings, errors)
}

/// [`walk`] for a folder that must lie inside `within` (a real path): the site, or
/// the folder of a theme.
pub fn walk_within(
    site_root: &Path,
    within: &Path,
    dir: &Path,
    names: Names,
    warnings: &mut Vec<Error>,
    errors: &mut Errors,
) -> Vec<Walked> {
    let Some(dir_real) = folder(site_root, within, dir, warnings) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !names.skips(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dir.to_path_buf());
                errors.push(Error::in_file(
                    shown_path(site_root, &path),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        // The folder itself, checked above (walkdir follows it when it is a link).
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        if entry.path_is_symlink() {
            if !file_inside(site_root, &dir_real, path, warnings) {
                continue;
            }
            if path.is_dir() {
                warnings.push(
                    Error::in_file(
                        shown_path(site_root, path),
                        "symbolic link to a folder, not followed",
                    )
                    .hint("copy or move the folder here instead"),
                );
                continue;
            }
        } else if !entry.file_type().is_file() {
            continue;
        }
        if let Ok(rel) = path.strip_prefix(dir) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((rel.join("/"), entry.into_path()));
        }
    }
    // Stamps in parallel: on a large site the stat calls are most of a walk.
    files
        .into_par_iter()
        .map(|(rel, path)| Walked {
            // Follows a link (checked above to stay inside) to its target.
            stamp: std::fs::metadata(&path)
                .map(|m| Stamp::of(&m))
                .unwrap_or_default(),
            rel,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn litter_is_left_out_everywhere_and_dotfiles_only_outside_static() {
        for name in [
            ".git",
            ".svn",
            ".hg",
            ".DS_Store",
            "Thumbs.db",
            "._a.css",
            "a.css~",
            ".a.css.swp",
            "#a.md#",
            ".#a.md",
        ] {
            assert!(Names::Dotfiles.skips(name), "{name}");
            assert!(Names::NoHidden.skips(name), "{name}");
        }
        for name in [".well-known", ".nojekyll", ".htaccess"] {
            assert!(!Names::Dotfiles.skips(name), "{name}");
            assert!(Names::NoHidden.skips(name), "{name}");
        }
        for name in ["a.css", "#", "swp", "a.swp", "index.md"] {
            assert!(!Names::Dotfiles.skips(name), "{name}");
        }
    }
}
