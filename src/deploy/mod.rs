//! `piazza deploy`: build the site, then make a target (S3 and compatible stores,
//! Google Cloud Storage, Azure Blob, a local folder) equal to the output folder,
//! uploading only what changed and never leaving the live site broken half-way.
//!
//! The run: [`crate::config::deploy`] names the target, [`target`] opens it with credentials from
//! the environment, a full build writes the output, [`local`] lists its files with
//! their headers and hashes, [`plan`] compares them with the target, and [`apply`]
//! uploads in the safe order (assets, pages, feed and sitemap), deletes last and
//! records the manifest. Nothing remote changes before the build and the plan are
//! complete, and `--dry-run` stops after printing the plan.

pub mod apply;
pub mod local;
pub mod plan;
pub mod target;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::Config;
use crate::error::{Error, Errors};
use crate::output::absolute;
use crate::render::Stats;
use crate::site::Site;

use crate::config::deploy::{Store, Target};
use local::LocalFile;
use plan::{Change, Plan, MANIFEST};

/// Deletions a deploy makes without `--yes`, unless `--max-deletes` says otherwise.
pub const MAX_DELETES: usize = 256;

/// What `piazza deploy` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site folder.
    pub site: PathBuf,
    /// The target's name; the first target when `None`.
    pub target: Option<String>,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Go ahead past `max_deletes` deletions, or into a folder piazza did not deploy.
    pub yes: bool,
    /// More deletions than this stop the deploy before any change.
    pub max_deletes: usize,
    /// Write the public URLs that changed or disappeared to this file.
    pub changed_urls: Option<PathBuf>,
    /// Print errors only.
    pub quiet: bool,
}

/// What a deploy did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Files uploaded.
    pub uploaded: usize,
    /// Their bytes (uncompressed).
    pub uploaded_bytes: u64,
    /// Objects deleted.
    pub deleted: usize,
    /// Files left as they were.
    pub unchanged: usize,
}

/// Why a deploy stopped, and whether the target had been changed by then.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub errors: Errors,
    /// How far the target got.
    pub reached: Reached,
}

/// How much of a failed deploy reached the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// Nothing: the failure came before any upload or deletion.
    Nothing,
    /// Part: whole files, in the safe order; running the deploy again completes it.
    Part,
    /// All of it: only `deploy.after` failed.
    All,
}

impl From<Errors> for Failure {
    fn from(errors: Errors) -> Self {
        Failure {
            errors,
            reached: Reached::Nothing,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Errors::from(e).into()
    }
}

/// Builds the site and deploys it to the chosen target.
/// `build` is the full build (`crate::cli::build_site`), passed in so deploying
/// stays below the command line that calls it.
pub fn deploy(
    options: &Options,
    build: impl FnOnce(&Path, &Path) -> Result<(Stats, Site), Errors>,
) -> Result<Summary, Failure> {
    let config = Config::load(&options.site)?;
    let target = config
        .deploy
        .target(options.target.as_deref())
        .map_err(|m| config.error_at(&["deploy"], m))?
        .clone();
    let out = options.site.join("public");
    check_folder_target(&target, &options.site, &out, options.yes)?;
    let opened = target::open(&target)?;
    let (stats, site) = build(&options.site, &out)?;
    if !options.quiet {
        println!(
            "built {} pages ({} files) into {} in {} ms",
            stats.pages,
            stats.files,
            out.display(),
            stats.millis
        );
    }
    // The summary's time is the deploy's own: listing, comparing, uploading.
    let start = Instant::now();
    let settings = &site.config.deploy;
    let redirects = if opened.s3 {
        alias_redirects(&site)
    } else {
        HashMap::new()
    };
    let files = local::files(&out, settings, opened.headers, &redirects)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the network client: {e}")))?;
    let plan = runtime.block_on(plan::plan(&opened.store, &target, opened.headers, files))?;
    let summary = Summary {
        uploaded: plan.uploads.len(),
        uploaded_bytes: plan.upload_bytes(),
        deleted: plan.deletes.len(),
        unchanged: plan.unchanged.len(),
    };
    if options.dry_run {
        print_plan(&target, &plan);
        println!(
            "dry run: would upload {} ({}), delete {}, leave {} unchanged; nothing was changed",
            files_count(summary.uploaded),
            size(summary.uploaded_bytes),
            summary.deleted,
            thousands(summary.unchanged)
        );
        return Ok(summary);
    }
    if plan.deletes.len() > options.max_deletes && !options.yes {
        return Err(Error::new(format!(
            "deploy target `{}` ({}): this deploy would delete {} files, more than --max-deletes {}; nothing was changed",
            target.name,
            target.url.shown,
            plan.deletes.len(),
            options.max_deletes
        ))
        .hint("check the target with --dry-run, then pass --yes (or a larger --max-deletes) to go ahead")
        .into());
    }
    let clients = apply::Clients::new(opened.store.clone(), &target, &plan)?;
    runtime
        .block_on(apply::apply(
            &clients,
            &target,
            opened.headers,
            &plan,
            options.quiet,
        ))
        .map_err(|e| Failure {
            errors: e.into(),
            reached: Reached::Part,
        })?;
    let urls = match (&options.changed_urls, &settings.after) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => Some(
            std::env::temp_dir().join(format!("piazza-changed-urls-{}.txt", std::process::id())),
        ),
        (None, None) => None,
    };
    if let Some(path) = &urls {
        write_changed_urls(path, &site.config.base_url.prefix, &plan)?;
    }
    if !options.quiet {
        println!(
            "deployed to `{}` ({}): uploaded {} ({}), deleted {}, unchanged {} in {:.1} s",
            target.name,
            target.url.shown,
            files_count(summary.uploaded),
            size(summary.uploaded_bytes),
            summary.deleted,
            thousands(summary.unchanged),
            start.elapsed().as_secs_f64()
        );
    }
    if let (Some(command), Some(path)) = (&settings.after, &urls) {
        let result = run_after(command, path, &target, &options.site);
        if options.changed_urls.is_none() {
            let _ = std::fs::remove_file(path);
        }
        result.map_err(|e| Failure {
            errors: e.into(),
            reached: Reached::All,
        })?;
    }
    Ok(summary)
}

/// Runs `deploy.after` in the site folder, with the list of changed URLs.
fn run_after(command: &str, urls: &Path, target: &Target, site: &Path) -> Result<(), Error> {
    let mut shell = if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.arg("/C");
        c
    } else {
        let mut c = std::process::Command::new("sh");
        c.arg("-c");
        c
    };
    let status = shell
        .arg(command)
        .current_dir(site)
        .env("PIAZZA_CHANGED_URLS", urls)
        .env("PIAZZA_DEPLOY_TARGET", &target.name)
        .status()
        .map_err(|e| {
            Error::new(format!(
                "the deploy is complete, but `deploy.after` could not start: {e}"
            ))
        })?;
    if status.success() {
        return Ok(());
    }
    Err(Error::new(format!(
        "the deploy is complete, but `deploy.after` ({command}) failed with {status}"
    ))
    .hint("the site is deployed; to run the command again by hand, deploy with --changed-urls FILE to keep the list it reads"))
}

/// A folder target must not be the site, hold it, or sit in a folder piazza reads or
/// writes; and a folder with files of its own is replaced only with `--yes`.
fn check_folder_target(target: &Target, site: &Path, out: &Path, yes: bool) -> Result<(), Error> {
    let Store::File { path } = &target.url.store else {
        return Ok(());
    };
    let name = format!("deploy target `{}` ({})", target.name, target.url.shown);
    let folder = absolute(path);
    if folder.starts_with(absolute(out)) || absolute(out).starts_with(&folder) {
        return Err(Error::new(format!(
            "{name}: the folder is the build's output folder, inside it or around it, which each build replaces"
        ))
        .hint("deploy into a folder of its own, such as /srv/www/site"));
    }
    crate::output::check_output_folder(site, &folder, true).map_err(|e| {
        Error::new(format!("{name}: {}", e.message)).hint("deploy into a folder outside the site")
    })?;
    let has_files = std::fs::read_dir(&folder).is_ok_and(|mut d| d.next().is_some());
    if has_files && !folder.join(MANIFEST).is_file() && !yes {
        return Err(Error::new(format!(
            "{name}: the folder holds files piazza did not deploy, and a deploy deletes what the site does not publish"
        ))
        .hint("deploy into an empty or new folder, or pass --yes to replace its contents"));
    }
    Ok(())
}

/// What an address in an HTTP header must escape besides non-ASCII.
const HEADER: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ').add(b'"');

/// Each alias file with the address it redirects to, under the base path and
/// percent-encoded (an S3 header is ASCII).
fn alias_redirects(site: &Site) -> HashMap<String, String> {
    let outputs = site.outputs();
    let mut redirects = HashMap::new();
    for (p, page) in site.content.pages.iter().enumerate() {
        for a in 0..page.aliases.len() {
            let rel = outputs.out_path(crate::outputs::Item::Alias(p, a));
            let to = site.config.base_url.url(&page.path);
            let encoded = percent_encoding::utf8_percent_encode(&to, HEADER).to_string();
            redirects.insert(rel, encoded);
        }
    }
    redirects
}

/// Prints each upload and deletion of a dry run.
fn print_plan(target: &Target, plan: &Plan) {
    println!("plan for `{}` ({}):", target.name, target.url.shown);
    for (file, change) in &plan.uploads {
        let why = match change {
            Change::New => "new",
            Change::Changed => "changed",
        };
        let redirect = file
            .redirect
            .as_deref()
            .map(|r| format!(", redirect to {r}"))
            .unwrap_or_default();
        println!(
            "  upload {} ({}, {why}{redirect})",
            file.rel,
            size(file.size)
        );
    }
    for (rel, bytes) in &plan.deletes {
        println!("  delete {rel} ({})", size(*bytes));
    }
}

/// Writes the public URLs whose content changed or disappeared, one per line, for a
/// CDN purge. Written beside and renamed, so a reader never sees half a list.
fn write_changed_urls(path: &Path, base_path: &str, plan: &Plan) -> Result<(), Error> {
    let mut urls: Vec<String> = plan
        .uploads
        .iter()
        .filter(|(_, c)| *c == Change::Changed)
        .map(|(f, _): &(LocalFile, Change)| local::public_url(base_path, &f.rel))
        .chain(
            plan.deletes
                .iter()
                .map(|(rel, _)| local::public_url(base_path, rel)),
        )
        .collect();
    urls.sort();
    urls.dedup();
    let mut text = urls.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    let tmp = path.with_extension("piazza-tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, &e)
        })
}

fn files_count(n: usize) -> String {
    format!("{} {}", thousands(n), if n == 1 { "file" } else { "files" })
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size as people read it: `340 KB`, `1.2 MB`.
fn size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.0} KB", b / KB)
    } else {
        format!("{:.1} MB", b / KB / KB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(thousands(10412), "10,412");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000000), "1,000,000");
        assert_eq!(size(340 * 1024), "340 KB");
        assert_eq!(size(12), "12 B");
    }
}
