//! What a deploy must do: compare the output with the target and list the uploads
//! and deletions, in the order that keeps the live site whole.
//!
//! The truth is each object's own hash, stored in its metadata (`piazza-hash`; S3
//! ETags are MD5 only for single-part uploads, and a folder has none). Reading the
//! metadata of every object would cost a request per file, so the last deploy leaves
//! a manifest (`.piazza-deploy.json`) with each object's hash and the ETag the store
//! gave it: an object the listing shows with that same ETag still holds that hash.
//! Only objects the manifest does not vouch for (an interrupted deploy, a change made
//! by hand) are read one by one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path as StorePath;
use object_store::{Attribute, GetOptions, ObjectStore, ObjectStoreExt as _};
use serde::{Deserialize, Serialize};

use crate::error::Error;

use super::local::{hash, Headers, LocalFile, Phase};
use super::target::describe;
use crate::config::deploy::Target;

/// The manifest's name inside the target's prefix (a name piazza never publishes).
pub const MANIFEST: &str = ".piazza-deploy.json";

/// The metadata key of piazza's hash (`x-amz-meta-piazza-hash` on S3).
pub const HASH_KEY: &str = "piazza-hash";

/// Requests under way at once while reading or writing objects.
pub const PARALLEL: usize = 16;

/// The manifest as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Its format.
    pub version: u32,
    /// Each object's piazza hash and ETag, by path inside the prefix.
    pub files: BTreeMap<String, Recorded>,
}

/// What the manifest knows of one object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded {
    /// piazza's hash of the object's bytes and headers.
    pub hash: String,
    /// The ETag the store gave it when it was written.
    pub etag: Option<String>,
}

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Not on the target.
    New,
    /// On the target with other bytes or headers.
    Changed,
}

/// One object on the target.
#[derive(Debug, Clone)]
pub struct RemoteObject {
    /// Its size.
    pub size: u64,
    /// Its ETag.
    pub etag: Option<String>,
}

/// The work of one deploy.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to upload, in order: assets, new pages, changed pages, announcements.
    pub uploads: Vec<(LocalFile, Change)>,
    /// Paths (inside the prefix) to delete, with their sizes.
    pub deletes: Vec<(String, u64)>,
    /// Files already on the target as they are.
    pub unchanged: Vec<LocalFile>,
    /// The ETags of unchanged objects, for the next manifest.
    pub etags: HashMap<String, Option<String>>,
}

impl Plan {
    /// Bytes to upload (before compression).
    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|(f, _)| f.size).sum()
    }
}

/// The store path of `rel` under `prefix`, exactly as written: object_store's
/// `Path::from` would percent-encode characters such as `~` and `%` in the key, and
/// the object would no longer be at the file's URL.
pub fn store_path(prefix: &str, rel: &str) -> Result<StorePath, Error> {
    let full = if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    };
    StorePath::parse(&full)
        .map_err(|e| Error::new(format!("`{full}` cannot be an object name: {e}")))
}

/// Lists the target under its prefix: every object by path inside the prefix.
///
/// A folder's listing names files with characters such as `~` or `%` percent-encoded
/// (object_store's own key encoding); they are decoded back to the file names, which
/// are what the output and the store's writes and deletions use.
pub async fn list(
    store: &Arc<dyn ObjectStore>,
    target: &Target,
    headers: Headers,
) -> Result<HashMap<String, RemoteObject>, Error> {
    let prefix = &target.url.prefix;
    let root = (!prefix.is_empty()).then(|| StorePath::from(prefix.as_str()));
    let mut listing = store.list(root.as_ref());
    let mut objects = HashMap::new();
    while let Some(item) = listing.next().await {
        let meta = item.map_err(|e| describe(target, &e))?;
        let full = meta.location.as_ref();
        let rel = if prefix.is_empty() {
            full
        } else {
            match full
                .strip_prefix(prefix.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                Some(r) => r,
                None => continue,
            }
        };
        let rel = match headers {
            Headers::Stored => rel.to_string(),
            Headers::None => percent_encoding::percent_decode_str(rel)
                .decode_utf8_lossy()
                .into_owned(),
        };
        objects.insert(
            rel,
            RemoteObject {
                size: meta.size,
                etag: meta.e_tag,
            },
        );
    }
    Ok(objects)
}

/// Reads the manifest the last deploy left; none, or one piazza cannot read, is empty.
pub async fn manifest(store: &Arc<dyn ObjectStore>, target: &Target) -> Result<Manifest, Error> {
    let path = store_path(&target.url.prefix, MANIFEST)?;
    let bytes = match store.get(&path).await {
        Ok(got) => got.bytes().await.map_err(|e| describe(target, &e))?,
        Err(object_store::Error::NotFound { .. }) => return Ok(Manifest::default()),
        Err(e) => return Err(describe(target, &e)),
    };
    Ok(serde_json::from_slice::<Manifest>(&bytes)
        .ok()
        .filter(|m| m.version == 1)
        .unwrap_or_default())
}

/// Compares `local` with the target and orders the work.
pub async fn plan(
    store: &Arc<dyn ObjectStore>,
    target: &Target,
    headers: Headers,
    local: Vec<LocalFile>,
) -> Result<Plan, Error> {
    let mut remote = list(store, target, headers).await?;
    let manifest = if remote.contains_key(MANIFEST) {
        manifest(store, target).await?
    } else {
        Manifest::default()
    };
    let mut plan = Plan::default();
    let mut unknown = Vec::new();
    for file in local {
        let Some(object) = remote.remove(&file.rel) else {
            plan.uploads.push((file, Change::New));
            continue;
        };
        let known = manifest
            .files
            .get(&file.rel)
            .filter(|r| r.etag.is_some() && r.etag == object.etag);
        match known {
            Some(r) if r.hash == file.hash => {
                plan.etags.insert(file.rel.clone(), object.etag);
                plan.unchanged.push(file);
            }
            Some(_) => plan.uploads.push((file, Change::Changed)),
            None => unknown.push((file, object)),
        }
    }
    // Objects the manifest does not vouch for: their own hash decides.
    let checked: Vec<(LocalFile, RemoteObject, bool)> =
        futures_util::stream::iter(unknown.into_iter().map(|(file, object)| async move {
            let same = stored_hash(store, target, headers, &file.rel)
                .await?
                .is_some_and(|h| h == file.hash);
            Ok::<_, Error>((file, object, same))
        }))
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    for (file, object, same) in checked {
        if same {
            plan.etags.insert(file.rel.clone(), object.etag);
            plan.unchanged.push(file);
        } else {
            plan.uploads.push((file, Change::Changed));
        }
    }
    plan.deletes = remote
        .into_iter()
        .filter(|(rel, _)| !rel.split('/').any(crate::output::is_private))
        .map(|(rel, o)| (rel, o.size))
        .collect();
    plan.deletes.sort();
    // Stable order: by phase, new pages before the changed pages that may link to
    // them, then by path.
    plan.uploads.sort_by(|(a, ca), (b, cb)| {
        let key = |f: &LocalFile, c: Change| {
            (
                f.phase,
                if f.phase == Phase::Pages {
                    c
                } else {
                    Change::New
                },
            )
        };
        key(a, *ca)
            .cmp(&key(b, *cb))
            .then_with(|| a.rel.cmp(&b.rel))
    });
    plan.unchanged.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(plan)
}

/// The hash an object carries: its `piazza-hash` metadata on object storage, the hash
/// of its bytes in a folder. `None` when it has none (written by something else).
async fn stored_hash(
    store: &Arc<dyn ObjectStore>,
    target: &Target,
    headers: Headers,
    rel: &str,
) -> Result<Option<String>, Error> {
    let path = store_path(&target.url.prefix, rel)?;
    match headers {
        Headers::Stored => {
            let options = GetOptions {
                head: true,
                ..GetOptions::default()
            };
            let got = store
                .get_opts(&path, options)
                .await
                .map_err(|e| describe(target, &e))?;
            Ok(got
                .attributes
                .get(&Attribute::Metadata(HASH_KEY.into()))
                .map(|v| v.as_ref().to_string()))
        }
        Headers::None => {
            let bytes = store
                .get(&path)
                .await
                .map_err(|e| describe(target, &e))?
                .bytes()
                .await
                .map_err(|e| describe(target, &e))?;
            Ok(Some(hash(&bytes, &["", "", "", ""])))
        }
    }
}
