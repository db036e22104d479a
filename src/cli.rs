//! The command line: arguments in, one validated run out, errors printed and turned
//! into exit codes (0 success, 1 content or template error, 2 bad usage).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::{Error, Errors};
use crate::output::{check_output_folder, Staging};
use crate::render::Stats;
use crate::scaffold;
use crate::serve;
use crate::site::{Site, SiteOptions};
use crate::watch::{self, Rebuilder, Report};

/// piazza: Markdown guides and theses into a static site that is ready to be shared.
#[derive(Debug, Parser)]
#[command(name = "piazza", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into its output folder.
    Build(BuildArgs),
    /// Report what each page's share card shows and what falls short (writes nothing).
    Check(CheckArgs),
    /// Build, serve on 127.0.0.1, rebuild on every change and reload open pages.
    Serve(ServeArgs),
    /// Build the site and publish it to a deploy target, uploading only what changed.
    Deploy(DeployArgs),
    /// Create a new guide, thesis or page with its front matter.
    New {
        /// What to create.
        kind: NewKind,
        /// Its title.
        title: String,
        /// The site folder.
        #[arg(long, default_value = ".")]
        site: PathBuf,
    },
    /// Readers' comments: receive them, list, approve, reject, erase, import.
    Comments(crate::comments::cli::CommentsArgs),
    /// Create a new site from the starter.
    Init {
        /// The folder to create.
        dir: PathBuf,
        /// Language of the starter content and UI (en or it).
        #[arg(long, default_value = "en")]
        language: String,
    },
}

/// Arguments of `piazza build`.
#[derive(Debug, clap::Args)]
struct BuildArgs {
    /// The site folder.
    #[arg(long, default_value = ".")]
    site: PathBuf,
    /// Output folder [default: SITE/public].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override base_url from config.yaml (deploy previews).
    #[arg(long)]
    base_url: Option<String>,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    drafts: bool,
    /// Include pages dated in the future (scheduled), as if their date had come.
    #[arg(long)]
    future: bool,
    /// Replace an output folder even if it holds files piazza did not write.
    #[arg(long)]
    force: bool,
    /// Print errors only.
    #[arg(long)]
    quiet: bool,
    /// Keep watching the site and rebuild what each change affects.
    #[arg(long)]
    watch: bool,
    /// With --watch: look for changes every MS milliseconds instead of waiting for the
    /// system's notifications (network drives, WSL on /mnt/c, containers).
    #[arg(long, value_name = "MS", num_args = 0..=1, default_missing_value = "500", requires = "watch")]
    poll: Option<u64>,
}

/// Arguments of `piazza serve`.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The site folder.
    #[arg(long, default_value = ".")]
    site: PathBuf,
    /// Address to listen on; the default keeps the preview on this machine.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Port (the next free one is taken when it is busy).
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    drafts: bool,
    /// Include pages dated in the future (scheduled), as if their date had come.
    #[arg(long)]
    future: bool,
    /// Open the site in the browser.
    #[arg(long)]
    open: bool,
    /// Look for changes every MS milliseconds instead of waiting for the system's
    /// notifications (network drives, WSL on /mnt/c, containers).
    #[arg(long, value_name = "MS", num_args = 0..=1, default_missing_value = "500")]
    poll: Option<u64>,
}

/// Arguments of `piazza deploy`.
#[derive(Debug, clap::Args)]
struct DeployArgs {
    /// The site folder.
    #[arg(long, default_value = ".")]
    site: PathBuf,
    /// The target of `deploy.targets` to publish to [default: the first].
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
    /// Print the uploads and deletions (with sizes) and change nothing remotely.
    #[arg(long)]
    dry_run: bool,
    /// Go ahead with more deletions than --max-deletes, or into a folder piazza did
    /// not deploy.
    #[arg(long)]
    yes: bool,
    /// More deletions than this stop the deploy before any change (unless --yes).
    #[arg(long, value_name = "N", default_value_t = crate::deploy::MAX_DELETES)]
    max_deletes: usize,
    /// Write the public URLs whose content changed or disappeared to FILE (for a CDN purge).
    #[arg(long, value_name = "FILE")]
    changed_urls: Option<PathBuf>,
    /// Print errors only.
    #[arg(long)]
    quiet: bool,
}

/// Arguments of `piazza check`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The site folder.
    #[arg(long, default_value = ".")]
    site: PathBuf,
    /// Treat findings as errors: exit 1 when there is any.
    #[arg(long)]
    strict: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    drafts: bool,
    /// Check as if deployed under this base URL (raw HTML links must carry its path).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// Include pages dated in the future (scheduled), as if their date had come.
    #[arg(long)]
    future: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum NewKind {
    Guide,
    Thesis,
    Page,
}

/// Runs piazza with the process arguments and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Build(args) => build_command(&args),
        Command::Check(args) => return check_command(&args),
        Command::Serve(args) => serve_command(&args),
        Command::Comments(args) => crate::comments::cli::run(args),
        Command::Deploy(args) => return deploy_command(args),
        Command::New { kind, title, site } => {
            let kind = match kind {
                NewKind::Guide => scaffold::NewKind::Guide,
                NewKind::Thesis => scaffold::NewKind::Thesis,
                NewKind::Page => scaffold::NewKind::Page,
            };
            scaffold::new_content(&site, kind, &title).map(|path| {
                println!("created {}", path.display());
            })
        }
        Command::Init { dir, language } => scaffold::init(&dir, &language).map(|()| {
            println!("created a new site in {}", dir.display());
            println!("next: piazza build --site {}", dir.display());
        }),
    };
    match result {
        Ok(()) => 0,
        Err(errors) => {
            report(&errors);
            1
        }
    }
}

/// Prints errors to stderr, with a count when there are several.
pub fn report(errors: &Errors) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{errors}");
    if errors.0.len() > 1 {
        let _ = writeln!(err, "{} errors; nothing was written.", errors.0.len());
    } else {
        let _ = writeln!(err, "nothing was written.");
    }
}

/// Prints warnings to stderr.
pub fn warn(warnings: &[Error]) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

fn build_command(args: &BuildArgs) -> Result<(), Errors> {
    let out = args.out.clone().unwrap_or_else(|| args.site.join("public"));
    let options = SiteOptions {
        drafts: args.drafts,
        base_url: args.base_url.clone(),
        preview: false,
        future: args.future,
        now: None,
    };
    if args.watch {
        crate::shutdown::install("stopped.", 0);
        let mut rebuilder = Rebuilder::new(&args.site, &out, options, args.force)?;
        let search = crate::search::Background::start(&out)?;
        let how = watcher(args.poll, &args.site);
        watch::watch(&mut rebuilder, &args.site, &out, how, |result, changed| {
            print_rebuild(result, changed, args.quiet);
            search.after(result, changed);
            if changed.is_empty() {
                println!(
                    "watching {} for changes (Ctrl-C to stop)",
                    args.site.display()
                );
            }
        })?;
        return Ok(());
    }
    crate::shutdown::install(
        "interrupted: the output folder holds the last complete build.",
        130,
    );
    let stats = build(&args.site, &out, &options, args.force, args.quiet).inspect_err(|_| {
        crate::shutdown::wait_if_interrupted();
    })?;
    if !args.quiet {
        println!(
            "built {} pages in {} sections ({} files) into {} in {} ms",
            stats.pages,
            stats.sections,
            stats.files,
            out.display(),
            stats.millis
        );
    }
    Ok(())
}

/// `piazza deploy`: returns the exit code; a failure says whether the target changed.
fn deploy_command(args: DeployArgs) -> i32 {
    crate::shutdown::install(
        "interrupted: the target serves the files deployed so far, old or new, never half of one; run piazza deploy again to finish.",
        130,
    );
    let options = crate::deploy::Options {
        site: args.site,
        target: args.target,
        dry_run: args.dry_run,
        yes: args.yes,
        max_deletes: args.max_deletes,
        changed_urls: args.changed_urls,
        quiet: args.quiet,
    };
    let quiet = options.quiet;
    let build =
        |site: &Path, out: &Path| build_site(site, out, &SiteOptions::default(), false, quiet);
    match crate::deploy::deploy(&options, build) {
        Ok(_) => 0,
        Err(failure) => {
            crate::shutdown::wait_if_interrupted();
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{}", failure.errors);
            let _ = writeln!(
                err,
                "{}",
                match failure.reached {
                    crate::deploy::Reached::Nothing => "nothing was changed on the target.",
                    crate::deploy::Reached::Part => "the deploy stopped part-way: the target serves whole files, old or new; run piazza deploy again to finish.",
                    crate::deploy::Reached::All => "the target is up to date.",
                }
            );
            1
        }
    }
}

/// `piazza check`: loads the site (writing nothing), prints the share-readiness report
/// and returns the exit code: 1 on a content error, or on any finding with `--strict`.
fn check_command(args: &CheckArgs) -> i32 {
    let options = SiteOptions {
        drafts: args.drafts,
        base_url: args.base_url.clone(),
        preview: false,
        future: args.future,
        now: None,
    };
    let site = match Site::load(&args.site, &options) {
        Ok(site) => site,
        Err(errors) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{errors}");
            if errors.0.len() > 1 {
                let _ = writeln!(err, "{} errors", errors.0.len());
            }
            return 1;
        }
    };
    warn(&site.warnings);
    let report = crate::check::check(&site);
    let text = match args.format {
        CheckFormat::Text => report.text(args.strict),
        CheckFormat::Json => format!("{:#}\n", report.json(args.strict)),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    i32::from(args.strict && report.findings() > 0)
}

/// Prints what a rebuild in watch mode did, or its errors.
fn print_rebuild(result: &Result<Report, Errors>, changed: &[PathBuf], quiet: bool) {
    match result {
        Ok(r) if !quiet => {
            let what = changed
                .first()
                .map(|p| format!(" after a change to {}", p.display()))
                .unwrap_or_default();
            println!(
                "rebuilt{what}: {} files written, {} removed, {} outputs checked, in {} ms",
                r.written.len(),
                r.removed.len(),
                r.rendered,
                r.millis
            );
        }
        Ok(_) => {}
        Err(errors) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "{errors}
the last good site is kept; fix the error and save again."
            );
        }
    }
}

fn serve_command(args: &ServeArgs) -> Result<(), Errors> {
    // The preview lives in its own folder with local URLs, never in public/, so a
    // deploy of public/ can never carry localhost links.
    let out = args.site.join(".piazza-serve");
    crate::shutdown::install("stopped.", 0);
    let events = serve::Events::new();
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, &e))?;
    let server = serve::start(
        serve::ServeOptions {
            bind: args.bind,
            port: args.port,
            root: out.clone(),
        },
        events.clone(),
    )?;
    if server.addr.port() != args.port {
        println!(
            "port {} is busy; using {} instead",
            args.port,
            server.addr.port()
        );
    }
    let url = format!("http://{}/", server.addr);
    let options = SiteOptions {
        drafts: args.drafts,
        base_url: Some(url.clone()),
        preview: true,
        future: args.future,
        now: None,
    };
    let mut rebuilder = Rebuilder::new(&args.site, &out, options, false)?;
    // Indexed on a thread of its own after each rebuild, never before a page is served.
    let search = crate::search::Background::start(&out)?;
    let mut failing = false;
    let how = watcher(args.poll, &args.site);
    watch::watch(&mut rebuilder, &args.site, &out, how, |result, changed| {
        print_rebuild(result, changed, false);
        search.after(result, changed);
        if changed.is_empty() {
            // The first build: the site is ready to be opened.
            if let Err(e) = result {
                events.error(&e.to_string());
            }
            failing = result.is_err();
            println!("serving {} at {url} (Ctrl-C to stop)", args.site.display());
            if args.open {
                open_browser(&url);
            }
            return;
        }
        match result {
            Ok(r) if r.css_only() && !failing => events.css(),
            // Nothing changed and no error to clear: open pages are already current.
            Ok(r) if r.written.is_empty() && r.removed.is_empty() && !failing => {}
            Ok(_) => events.reload(),
            Err(e) => events.error(&e.to_string()),
        }
        failing = result.is_err();
    })?;
    Ok(())
}

/// The watcher `--poll` asks for; without it, native notifications, with a hint where
/// they are known not to arrive.
fn watcher(poll: Option<u64>, site: &Path) -> watch::Watcher {
    if let Some(ms) = poll {
        return watch::Watcher::Poll(std::time::Duration::from_millis(ms.max(10)));
    }
    let wsl = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .is_ok_and(|r| r.to_ascii_lowercase().contains("microsoft"));
    if wsl && crate::output::absolute(site).starts_with("/mnt") {
        println!(
            "hint: the site is on a Windows drive seen from WSL, where changes may go unnoticed; \
             if saves do not rebuild, add --poll"
        );
    }
    watch::Watcher::Native
}

/// Asks the desktop to open `url`; a failure only means the user opens it by hand.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        println!("could not open a browser; open {url} yourself");
    }
}

/// A full build of the site at `site` into `out`: all or nothing.
pub fn build(
    site: &Path,
    out: &Path,
    options: &SiteOptions,
    force: bool,
    quiet: bool,
) -> Result<Stats, Errors> {
    build_site(site, out, options, force, quiet).map(|(stats, _)| stats)
}

/// [`build`], returning the loaded site too (a deploy reads its aliases).
pub fn build_site(
    site: &Path,
    out: &Path,
    options: &SiteOptions,
    force: bool,
    quiet: bool,
) -> Result<(Stats, Site), Errors> {
    let start = std::time::Instant::now();
    let loaded = Site::load(site, options)?;
    if !quiet {
        warn(&loaded.warnings);
        // A `--base-url` is chosen for this build; the config's may be a leftover.
        if let Some(message) = options
            .base_url
            .is_none()
            .then(|| crate::check::placeholder_base_url(&loaded.config))
            .flatten()
        {
            warn(&[loaded.config.error_at(&["base_url"], message)]);
        }
    }
    check_output_folder(site, out, force)?;
    let staging = Staging::new(out)?;
    let rendered = match crate::search::Capture::new(&loaded, &staging)? {
        // Site search reads each page on its way out and writes its index last.
        Some(capture) => loaded.render_all(&capture).and_then(|mut stats| {
            stats.files += capture.finish()?;
            Ok(stats)
        }),
        None => loaded.render_all(&staging),
    };
    match rendered {
        Ok(mut stats) => {
            staging.commit()?;
            crate::cache::Cache::new(loaded.config.cache_dir.clone()).prune();
            stats.millis = start.elapsed().as_millis();
            if !quiet {
                let aliases = loaded.content.pages.iter().map(|p| p.aliases.len()).sum();
                let host = loaded.config.deploy.host;
                for w in crate::hosts::limits(host, stats.files, aliases) {
                    warn(&[Error::new(w)]);
                }
            }
            Ok((stats, loaded))
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}
