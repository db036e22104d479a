//! The files comments are kept in, and how they are written: whole or not at all.
//!
//! `comments-pending/ID.yaml` is a submission awaiting moderation, with the email;
//! `comments-pending/approved/ID.yaml` remembers, for erasure, whose email a published
//! comment came with; `comments/PAGE/ID.yaml` is the published comment, without it.
//! Every file is written to a temporary name in its folder, synced, then linked or
//! renamed into place and the folder synced, so a kill mid-write leaves either the
//! whole file or a temporary one that no reader looks at (and the next run removes).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::content::date::Date;
use crate::error::Error;

/// The moderation queue, in the site folder but outside content/.
pub const PENDING_DIR: &str = "comments-pending";
/// Inside it: the records of approved comments.
pub const APPROVED_DIR: &str = "approved";
/// The longest comment, in characters.
pub const MAX_BODY: usize = 5000;
/// The longest name, in characters.
pub const MAX_NAME: usize = 100;
/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// The longest website address.
pub const MAX_WEBSITE: usize = 300;
/// How temporary files are named: a leading dot, so listings skip them.
const TEMP_PREFIX: &str = ".tmp-";

/// A submission awaiting moderation, as kept in `comments-pending/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// Its id, also the file's name.
    pub id: String,
    /// The site path of the page (`/guides/prova/`).
    pub page: String,
    /// The page's source, relative to content/ (`guides/prova.md`).
    pub source: String,
    /// The name given.
    pub author: String,
    /// The email given: kept here only, never published.
    pub email: String,
    /// The website given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// When it arrived (RFC 3339).
    pub date: String,
    /// The comment, Markdown.
    pub body: String,
    /// The comment it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

/// A published comment as written into `comments/` (no email field exists).
#[derive(Debug, Serialize)]
struct Published<'a> {
    id: &'a str,
    author: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    website: Option<&'a str>,
    date: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<&'a str>,
    body: &'a str,
}

/// What the moderator's side remembers of an approved comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approved {
    /// The comment's id.
    pub id: String,
    /// The email it was sent with.
    pub email: String,
    /// The published file, relative to the site folder.
    pub file: String,
}

impl Pending {
    /// The published file's YAML: everything but the email.
    pub fn published_yaml(&self) -> Result<String, Error> {
        serde_yaml::to_string(&Published {
            id: &self.id,
            author: &self.author,
            website: self.website.as_deref(),
            date: &self.date,
            reply_to: self.reply_to.as_deref(),
            body: &self.body,
        })
        .map_err(|e| Error::new(format!("cannot write comment {}: {e}", self.id)))
    }

    /// The published file's path, relative to the site (`comments/guides/prova/ID.yaml`).
    pub fn published_rel(&self) -> String {
        format!(
            "{}/{}/{}.yaml",
            super::COMMENTS_DIR,
            super::folder_of(&self.source),
            self.id
        )
    }
}

/// Whether `id` can name a comment file and an HTML anchor: 1 to 64 letters, digits,
/// `-` and `_`, starting with a letter or digit.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A new id for a comment arriving at `now` (Unix seconds): its UTC minute and 32
/// random bits, `2026-03-01-0930-a1b2c3d4`, so ids sort by time and never collide.
pub fn new_id(now: i64) -> Result<String, Error> {
    let d = Date::from_unix(now);
    let (hour, minute) = d.time.map_or((0, 0), |t| (t.hour, t.minute));
    Ok(format!(
        "{}-{hour:02}{minute:02}-{:08x}",
        d.iso_date(),
        u32::from_le_bytes(random::<4>()?)
    ))
}

/// `N` random bytes from the system.
pub fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::new(format!("no random numbers: {e}")))?;
    Ok(bytes)
}

/// Writes `bytes` as `dir/name`, which must not exist yet: the whole file appears at
/// once or not at all. Returns false when the name is taken.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<bool> {
    let tmp = write_temp(dir, bytes)?;
    let target = dir.join(name);
    // A hard link never replaces a file, so two writers can never overwrite each other.
    let placed = match std::fs::hard_link(&tmp, &target) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        // File systems without hard links: check, then rename (ids are random, so
        // a race for one name is out of reach).
        Err(_) if !target.exists() => std::fs::rename(&tmp, &target).map(|()| true),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&tmp);
    let placed = placed?;
    sync_dir(dir);
    Ok(placed)
}

/// Writes `bytes` as `dir/name`, replacing the file if there is one, atomically.
pub fn write_replace(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(dir, bytes)?;
    let result = std::fs::rename(&tmp, dir.join(name));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir);
    Ok(())
}

/// Writes and syncs a temporary file in `dir`.
fn write_temp(dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let suffix = random::<8>().map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = dir.join(format!("{TEMP_PREFIX}{:016x}", u64::from_le_bytes(suffix)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // The queue holds emails: readable by the moderator's account only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Makes a rename in `dir` durable (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes the temporary files a killed writer left in `dir`.
pub fn remove_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The `*.yaml` files directly in `dir`, sorted by name (temporary files excluded).
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, &e)),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a YAML record of the queue, naming the file and line on a mistake.
pub fn read_record<T: for<'de> Deserialize<'de>>(path: &Path, shown: &Path) -> Result<T, Error> {
    let text = crate::source::read_utf8(path, shown)?;
    serde_yaml::from_str(&text).map_err(|e| crate::error::yaml_error(shown, &text, &e, 0))
}

/// Every pending submission of the site at `root`, oldest first.
pub fn pending(root: &Path) -> Result<Vec<Pending>, Error> {
    let dir = root.join(PENDING_DIR);
    let mut out = Vec::new();
    for path in yaml_files(&dir)? {
        let shown = crate::source::shown_path(root, &path);
        out.push(read_record::<Pending>(&path, &shown)?);
    }
    Ok(out)
}

/// Adds a submission to the queue of the site at `root`.
pub fn enqueue(root: &Path, p: &Pending) -> Result<(), Error> {
    let dir = root.join(PENDING_DIR);
    let yaml = serde_yaml::to_string(p)
        .map_err(|e| Error::new(format!("cannot write comment {}: {e}", p.id)))?;
    match write_new(&dir, &format!("{}.yaml", p.id), yaml.as_bytes()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::in_file(
            Path::new(PENDING_DIR).join(format!("{}.yaml", p.id)),
            "a comment with this id is already waiting",
        )),
        Err(e) => Err(Error::io(&dir, &e)),
    }
}

/// Normalises an email for comparison: trimmed, lower case.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}
