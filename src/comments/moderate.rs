//! The moderator's commands: list the queue, approve (publish without the email),
//! reject, and erase everything one email address sent (pending and published).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::store::{self, Approved, Pending, APPROVED_DIR, PENDING_DIR};
use crate::error::Error;

/// The queue as text: one block per waiting comment, oldest first.
pub fn list(root: &Path) -> Result<String, Error> {
    let pending = store::pending(root)?;
    if pending.is_empty() {
        return Ok("no comments await moderation\n".into());
    }
    let mut out = String::new();
    for p in &pending {
        let first: String = p
            .body
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(72)
            .collect();
        let _ = writeln!(out, "{}  {}  {}", p.id, p.date, p.page);
        let _ = writeln!(
            out,
            "    {} <{}>{}",
            p.author,
            p.email,
            p.website
                .as_deref()
                .map(|w| format!(" {w}"))
                .unwrap_or_default()
        );
        if let Some(r) = &p.reply_to {
            let _ = writeln!(out, "    in reply to {r}");
        }
        let _ = writeln!(out, "    {first}");
    }
    let _ = writeln!(
        out,
        "{} waiting; `piazza comments approve ID` or `reject ID`",
        pending.len()
    );
    Ok(out)
}

/// The queue file of comment `id`, which must exist.
fn pending_file(root: &Path, id: &str) -> Result<(PathBuf, PathBuf), Error> {
    let shown = Path::new(PENDING_DIR).join(format!("{id}.yaml"));
    let path = root.join(&shown);
    if !store::valid_id(id) || !path.is_file() {
        return Err(
            Error::in_file(&shown, format!("no comment `{id}` awaits moderation"))
                .hint("`piazza comments list` shows the ids"),
        );
    }
    Ok((path, shown))
}

/// Whether `rel` (relative to content/) is a plain path inside it: the queue can be
/// edited by hand, and a published file must land under comments/ only.
fn plain_source(rel: &str) -> bool {
    rel.ends_with(".md")
        && !rel.starts_with('/')
        && rel
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains(['\\', ':']))
}

/// Publishes comment `id`: writes `comments/PAGE/ID.yaml` without the email, keeps
/// the email in the approved record for erasure, and removes it from the queue.
/// Returns the published file, relative to the site.
pub fn approve(root: &Path, id: &str) -> Result<String, Error> {
    let (path, shown) = pending_file(root, id)?;
    let p: Pending = store::read_record(&path, &shown)?;
    if p.id != id || !plain_source(&p.source) {
        return Err(Error::in_file(&shown, "this record's `id` or `source` was changed by hand")
            .hint("`id` must be the file's name, `source` a page under content/ such as guides/prova.md"));
    }
    let rel = p.published_rel();
    let target = root.join(&rel);
    let dir = target.parent().unwrap_or(root);
    // A folder link could take the file out of comments/.
    if dir.exists()
        && !crate::files::real(dir).starts_with(crate::files::real(&root.join(super::COMMENTS_DIR)))
    {
        return Err(
            Error::in_file(&rel, "this folder leads outside comments/").hint("remove the link")
        );
    }
    let yaml = p.published_yaml()?;
    match store::write_new(dir, &format!("{id}.yaml"), yaml.as_bytes()) {
        Ok(true) => {}
        Ok(false) => {
            return Err(Error::in_file(
                &rel,
                "a published comment with this id exists already",
            ))
        }
        Err(e) => return Err(Error::io(Path::new(&rel), &e)),
    }
    let record = Approved {
        id: p.id.clone(),
        email: p.email.clone(),
        file: rel.clone(),
    };
    let yaml = serde_yaml::to_string(&record).map_err(|e| Error::new(e.to_string()))?;
    let approved = root.join(PENDING_DIR).join(APPROVED_DIR);
    store::write_replace(&approved, &format!("{id}.yaml"), yaml.as_bytes())
        .map_err(|e| Error::io(&approved, &e))?;
    std::fs::remove_file(&path).map_err(|e| Error::io(&shown, &e))?;
    Ok(rel)
}

/// Removes comment `id` from the queue.
pub fn reject(root: &Path, id: &str) -> Result<(), Error> {
    let (path, shown) = pending_file(root, id)?;
    std::fs::remove_file(&path).map_err(|e| Error::io(&shown, &e))
}

/// What [`erase`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// Waiting comments removed.
    pub pending: usize,
    /// Published comment files removed (relative to the site).
    pub published: Vec<String>,
}

/// Removes every comment sent with `email`: waiting ones, published ones and the
/// records that tie them to it.
pub fn erase(root: &Path, email: &str) -> Result<Erased, Error> {
    let key = store::email_key(email);
    let mut erased = Erased::default();
    for p in store::pending(root)? {
        if store::email_key(&p.email) == key {
            let path = root.join(PENDING_DIR).join(format!("{}.yaml", p.id));
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, &e))?;
            erased.pending += 1;
        }
    }
    let dir = root.join(PENDING_DIR).join(APPROVED_DIR);
    for path in store::yaml_files(&dir)? {
        let shown = crate::source::shown_path(root, &path);
        let record: Approved = store::read_record(&path, &shown)?;
        if store::email_key(&record.email) != key {
            continue;
        }
        let inside = record
            .file
            .starts_with(&format!("{}/", super::COMMENTS_DIR))
            && !record.file.split('/').any(|s| s == ".." || s.is_empty());
        if inside {
            match std::fs::remove_file(root.join(&record.file)) {
                Ok(()) => erased.published.push(record.file.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(Path::new(&record.file), &e)),
            }
        }
        std::fs::remove_file(&path).map_err(|e| Error::io(&shown, &e))?;
    }
    Ok(erased)
}
