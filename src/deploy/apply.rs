//! Carrying out a plan: uploads phase by phase, each phase finished before the next
//! starts, deletions last, then the manifest.
//!
//! Each object is replaced whole (a PUT is atomic), so at any moment the live site
//! holds old or new objects; the order means a page is only replaced once every asset
//! it loads is there, and the feed and sitemap only once their pages are. An
//! interrupted deploy leaves the manifest of the last complete one: the next run
//! reads the objects written since by their own metadata and finishes the work.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

use crate::error::Error;

use super::local::{payload, Headers, LocalFile, Phase};
use super::plan::{store_path, Change, Manifest, Plan, Recorded, HASH_KEY, MANIFEST, PARALLEL};
use super::target::{describe, s3};
use crate::config::deploy::Target;

/// The clients of one deploy: the target's, and on S3 one per redirect location.
pub struct Clients {
    /// The target's own client.
    pub store: Arc<dyn ObjectStore>,
    /// Clients that add `x-amz-website-redirect-location`, by location.
    pub redirects: HashMap<String, Arc<dyn ObjectStore>>,
}

impl Clients {
    /// The clients `plan` needs.
    pub fn new(
        store: Arc<dyn ObjectStore>,
        target: &Target,
        plan: &Plan,
    ) -> Result<Clients, Error> {
        let mut redirects = HashMap::new();
        for (file, _) in &plan.uploads {
            if let Some(location) = &file.redirect {
                if !redirects.contains_key(location) {
                    let client: Arc<dyn ObjectStore> = Arc::new(s3(target, Some(location))?);
                    redirects.insert(location.clone(), client);
                }
            }
        }
        Ok(Clients { store, redirects })
    }
}

/// Uploads, deletes and writes the manifest. `quiet` prints nothing but errors.
pub async fn apply(
    clients: &Clients,
    target: &Target,
    headers: Headers,
    plan: &Plan,
    quiet: bool,
) -> Result<(), Error> {
    let mut etags: HashMap<String, Option<String>> = plan.etags.clone();
    let progress = Progress::new(plan.uploads.len(), quiet);
    for phase in [Phase::Assets, Phase::Pages, Phase::Announcements] {
        let files: Vec<&(LocalFile, Change)> = plan
            .uploads
            .iter()
            .filter(|(f, _)| f.phase == phase)
            .collect();
        if files.is_empty() {
            continue;
        }
        progress.phase(phase, files.len());
        // New pages go up before the changed pages (lists, other guides) that link to them.
        for change in [Change::New, Change::Changed] {
            let batch = files
                .iter()
                .filter(|(_, c)| phase != Phase::Pages || *c == change)
                .map(|(f, _)| f);
            let written: Vec<(String, Option<String>)> =
                futures_util::stream::iter(batch.map(|f| async {
                    let etag = upload(clients, target, f).await?;
                    progress.done();
                    Ok::<_, Error>((f.rel.clone(), etag))
                }))
                .buffer_unordered(PARALLEL)
                .try_collect()
                .await?;
            etags.extend(written);
            if phase != Phase::Pages {
                break;
            }
        }
    }
    progress.finish();
    if !plan.deletes.is_empty() {
        if !quiet {
            println!("deleting {} files", plan.deletes.len());
        }
        let prefix = target.url.prefix.clone();
        let paths: Vec<_> = plan
            .deletes
            .iter()
            .map(|(rel, _)| {
                store_path(&prefix, rel).map_err(|e| object_store::Error::Generic {
                    store: "piazza",
                    source: e.message.into(),
                })
            })
            .collect();
        let mut results = clients
            .store
            .delete_stream(futures_util::stream::iter(paths).boxed());
        while let Some(result) = results.next().await {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(describe(target, &e)),
            }
        }
    }
    let mut manifest = Manifest {
        version: 1,
        ..Manifest::default()
    };
    for file in plan
        .unchanged
        .iter()
        .chain(plan.uploads.iter().map(|(f, _)| f))
    {
        manifest.files.insert(
            file.rel.clone(),
            Recorded {
                hash: file.hash.clone(),
                etag: etags.get(&file.rel).cloned().flatten(),
            },
        );
    }
    let bytes = serde_json::to_vec(&manifest)
        .map_err(|e| Error::new(format!("cannot write the deploy manifest: {e}")))?;
    let mut attributes = Attributes::new();
    if headers == Headers::Stored {
        attributes.insert(Attribute::ContentType, "application/json".into());
        attributes.insert(Attribute::CacheControl, "no-store".into());
    }
    clients
        .store
        .put_opts(
            &store_path(&target.url.prefix, MANIFEST)?,
            PutPayload::from(bytes),
            PutOptions::from(attributes),
        )
        .await
        .map_err(|e| describe(target, &e))?;
    Ok(())
}

/// Uploads one file with its headers and hash; returns the ETag the store gave it.
async fn upload(
    clients: &Clients,
    target: &Target,
    file: &LocalFile,
) -> Result<Option<String>, Error> {
    if crate::shutdown::interrupted() {
        return Err(Error::new("interrupted"));
    }
    let bytes = payload(file)?;
    let mut attributes = Attributes::new();
    if let Some(t) = file.content_type {
        attributes.insert(Attribute::ContentType, t.into());
        attributes.insert(
            Attribute::Metadata(HASH_KEY.into()),
            file.hash.clone().into(),
        );
    }
    if let Some(c) = &file.cache_control {
        attributes.insert(Attribute::CacheControl, c.clone().into());
    }
    if file.gzip {
        attributes.insert(Attribute::ContentEncoding, "gzip".into());
    }
    let store = match &file.redirect {
        Some(location) => clients.redirects.get(location).unwrap_or(&clients.store),
        None => &clients.store,
    };
    let result = store
        .put_opts(
            &store_path(&target.url.prefix, &file.rel)?,
            PutPayload::from(bytes),
            PutOptions::from(attributes),
        )
        .await
        .map_err(|e| describe(target, &e))?;
    Ok(result.e_tag)
}

/// Upload progress: a counter redrawn in place on a terminal, a line per phase otherwise.
struct Progress {
    total: usize,
    done: AtomicUsize,
    terminal: bool,
    quiet: bool,
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Progress {
        Progress {
            total,
            done: AtomicUsize::new(0),
            terminal: std::io::stderr().is_terminal(),
            quiet,
        }
    }

    fn phase(&self, phase: Phase, count: usize) {
        if self.quiet {
            return;
        }
        let what = match phase {
            Phase::Assets => "assets",
            Phase::Pages => "pages",
            Phase::Announcements => "feed, sitemap and robots.txt",
        };
        if self.terminal {
            eprint!("\r\x1b[K");
        }
        println!(
            "uploading {count} {}: {what}",
            if count == 1 { "file" } else { "files" }
        );
    }

    fn done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.terminal && !self.quiet {
            let width = 30;
            let filled = done * width / self.total.max(1);
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r[{}{}] {done}/{}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total
            );
            let _ = err.flush();
        }
    }

    fn finish(&self) {
        if self.terminal && !self.quiet && self.total > 0 {
            eprint!("\r\x1b[K");
        }
    }
}
