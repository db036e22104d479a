//! Live reload in a real browser: `piazza serve` on a copy of the `watch` fixture, a
//! guide open in headless Chromium, and edits to the guide's source file. The browser
//! must show each change by itself: the test never reloads or navigates after opening
//! the page.
//!
//! Chromium is driven through chromedriver's W3C WebDriver HTTP API, spoken over a
//! plain `TcpStream` with `serde_json`: no browser-automation crate, nothing
//! downloaded. Debian's `chromium` and `chromium-driver` packages provide both
//! programs (`.ci/run` installs them). Without them the test prints `SKIPPED: ...` and
//! passes, unless the environment variable `CI` is set, where it fails.
//! `PIAZZA_TEST_CHROMIUM` and `PIAZZA_TEST_CHROMEDRIVER` point at other binaries.
//!
//! Every wait is a bounded poll; nothing sleeps and hopes.

mod common;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::TestSite;

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);
/// How long the browser may take to show a change after the source file is saved.
const LIVE: Duration = Duration::from_secs(10);
/// How long the server and chromedriver may take to start.
const STARTUP: Duration = Duration::from_secs(20);
/// The guide the test edits, and where it is served.
const GUIDE: &str = "content/guides/guida-1.md";
const GUIDE_PATH: &str = "/guides/guida-1/";
const OLD_TITLE: &str = "Guida 1";
const NEW_TITLE: &str = "Guida 1, riveduta nel browser";
const FIXED_TEXT: &str = "Testo corretto dopo la correzione.";

/// Installed in every document before its own scripts (over the DevTools protocol):
/// keeps the page's `EventSource` objects, otherwise unchanged, so the test can wait
/// until the page's live-reload stream is open before it edits a file. The server
/// registers a stream before the browser sees its response head, so an event sent
/// after that reaches the page; an edit made earlier could be lost on the way.
const STREAM_PROBE: &str = r#"(() => {
  const Native = window.EventSource;
  if (!Native) return;
  const sources = [];
  window.__piazzaTestStreams = sources;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      sources.push(this);
    }
  };
})();"#;

/// The readyState of each live-reload stream of the page (1 is OPEN).
const STREAM_STATES: &str = "const s = window.__piazzaTestStreams; \
return Array.isArray(s) ? s.map((x) => x.readyState) : null;";

#[test]
fn the_browser_follows_edits_errors_and_fixes_by_itself() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let started = Instant::now();
    let site = TestSite::fixture("watch");
    assert!(site
        .read(GUIDE)
        .contains(&format!("title: \"{OLD_TITLE}\"")));
    // A folder for the probe that shows the watcher is running (see `Serve::start`).
    std::fs::create_dir_all(site.path("static")).expect("create static/");

    let serve = Serve::start(&site);
    let driver = Driver::start(&tools, site.tmp());
    let browser = driver.session(&tools.chromium, &site.tmp().join("chromium-profile"));
    browser.on_new_document(STREAM_PROBE);
    let ready = started.elapsed();

    // The page as first served.
    let url = format!("http://{}{GUIDE_PATH}", serve.addr);
    browser.navigate(&url);
    wait_for("the live-reload stream to open", || browser.streams_open());
    assert_eq!(browser.text("article h1").expect("h1"), OLD_TITLE);

    // 1. A new title: the page reloads itself and shows it.
    let edited = Instant::now();
    site.edit(GUIDE, |s| {
        s.replace(&format!("\"{OLD_TITLE}\""), &format!("\"{NEW_TITLE}\""))
    });
    wait_for(&format!("the h1 to become {NEW_TITLE:?}"), || {
        let h1 = browser.text("article h1")?;
        if h1 == NEW_TITLE {
            Ok(())
        } else {
            Err(format!("the h1 is {h1:?}"))
        }
    });
    let title_shown = edited.elapsed();
    assert_eq!(browser.current_url(), url, "the page moved");
    wait_for("the reloaded page's live-reload stream to open", || {
        browser.streams_open()
    });

    // 2. An unknown thesis: the error shows over the last good page.
    let edited = Instant::now();
    site.edit(GUIDE, |s| format!("{s}\n{{{{ thesis(99) }}}}\n"));
    let overlay = wait_for("the #piazza-error overlay", || {
        browser
            .texts("#piazza-error")?
            .into_iter()
            .next()
            .ok_or_else(|| "no overlay".to_string())
    });
    let error_shown = edited.elapsed();
    assert!(
        overlay.contains(GUIDE) && overlay.contains("99"),
        "the overlay should name {GUIDE} and thesis 99:\n{overlay}"
    );
    assert_eq!(
        browser.text("article h1").expect("h1 under the overlay"),
        NEW_TITLE,
        "the last good page should stay under the overlay"
    );

    // 3. The fix: the overlay goes and the fixed page shows.
    let edited = Instant::now();
    site.edit(GUIDE, |s| {
        s.replace("\n{{ thesis(99) }}\n", &format!("\n{FIXED_TEXT}\n"))
    });
    wait_for("the overlay to go and the fixed text to show", || {
        let overlays = browser.texts("#piazza-error")?;
        let prose = browser.text("article .prose")?;
        if overlays.is_empty() && prose.contains(FIXED_TEXT) {
            Ok(())
        } else {
            Err(format!("overlays {overlays:?}, text {prose:?}"))
        }
    });
    let fix_shown = edited.elapsed();
    assert_eq!(browser.text("article h1").expect("h1"), NEW_TITLE);
    assert_eq!(browser.current_url(), url, "the page moved");

    eprintln!(
        "browser test: server, chromedriver and chromium ready in {ready:?}; \
         saved to shown: title {title_shown:?}, error overlay {error_shown:?}, \
         fix {fix_shown:?}; total {:?}",
        started.elapsed()
    );
}

/// Pages of each kind, as a reader opens them: the browser must log no error, and so
/// make no request that fails (a missing `/favicon.ico` is logged as a failed load).
#[test]
fn pages_load_without_failed_requests_or_console_errors() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let site = TestSite::copy_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("site"));
    let mut serve = Serve::spawn(&site);
    let addr = serve.addr;
    serve
        .process
        .poll_until("the home page", Instant::now() + STARTUP, || {
            http(addr, "GET", "/", None).is_ok_and(|(status, _)| status == 200)
        });
    let driver = Driver::start(&tools, site.tmp());
    let browser = driver.session(&tools.chromium, &site.tmp().join("chromium-profile"));
    for path in [
        "/",
        "/guides/",
        "/guides/seo-locale/",
        "/theses/03-una-voce-umana/",
        "/tags/",
    ] {
        browser.navigate(&format!("http://{addr}{path}"));
        // The icon is fetched after the load event: give it a moment to fail.
        wait_for("the page to load", || {
            let state = browser.script("return document.readyState;")?;
            (state == json!("complete"))
                .then_some(())
                .ok_or_else(|| format!("readyState {state}"))
        });
        std::thread::sleep(Duration::from_millis(500));
        let errors: Vec<String> = browser
            .logs()
            .into_iter()
            .filter(|entry| entry["level"] == json!("SEVERE"))
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(errors.is_empty(), "{path}: the browser logged {errors:#?}");
    }
}

/// A reader comments on the served example site with JavaScript's help nowhere in the
/// form: the post goes to `piazza comments serve`, the browser lands on the thanks
/// page, the moderator approves, and the rebuilt guide shows the comment.
#[test]
fn a_comment_sent_from_the_browser_appears_once_approved() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let site = TestSite::copy_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("site"));
    let (port, endpoint_port) = (free_port(), free_port());
    let _ = std::fs::remove_file(site.path(".piazza-comments-key"));
    site.edit("config.yaml", |c| {
        c.replace(
            "base_url: \"https://piazza.example.org\"",
            &format!("base_url: \"http://127.0.0.1:{port}/\""),
        )
        .replace(
            "endpoint: \"https://commenti.piazza.example.org/\"",
            &format!("endpoint: \"http://127.0.0.1:{endpoint_port}/\"\n  min_seconds: 1"),
        )
    });
    let mut serve = Serve::spawn_on(&site, port);
    let addr = serve.addr;
    let page = "/guides/social-media-per-chi/";
    serve
        .process
        .poll_until("the guide", Instant::now() + STARTUP, || {
            http(addr, "GET", page, None).is_ok_and(|(status, _)| status == 200)
        });
    let mut endpoint = Guard::spawn(
        "piazza comments serve",
        Path::new(env!("CARGO_BIN_EXE_piazza")),
        &[
            OsStr::new("comments"),
            OsStr::new("serve"),
            OsStr::new("--site"),
            site.root().as_os_str(),
            OsStr::new("--port"),
            OsStr::new(&endpoint_port.to_string()),
        ],
        site.tmp().join("endpoint.log"),
    );
    let endpoint_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, endpoint_port));
    endpoint.poll_until("the endpoint", Instant::now() + STARTUP, || {
        TcpStream::connect_timeout(&endpoint_addr, POLL).is_ok()
    });
    let driver = Driver::start(&tools, site.tmp());
    let browser = driver.session(&tools.chromium, &site.tmp().join("chromium-profile"));
    browser.navigate(&format!("http://{addr}{page}"));
    assert_eq!(
        browser.text("#comments-title").expect("the count"),
        "3 commenti"
    );
    // The page was built at least `min_seconds` ago before the post.
    std::thread::sleep(Duration::from_millis(1100));
    let form = "#comments > form";
    browser.type_into(&format!("{form} [name=name]"), "Teresa Galli");
    browser.type_into(
        &format!("{form} [name=email]"),
        "teresa.galli@posta.example.it",
    );
    browser.type_into(
        &format!("{form} [name=body]"),
        "Ho letto la guida in pausa pranzo: domani provo a rispondere a tutte le recensioni.",
    );
    browser.click(&format!("{form} button[type=submit]"));
    wait_for("the thanks page", || {
        let h1 = browser.text("h1")?;
        (h1 == "Grazie del tuo commento")
            .then_some(())
            .ok_or_else(|| format!("h1 {h1:?} at {}", browser.current_url()))
    });
    assert!(browser.current_url().ends_with("/comments/thanks/"));

    let list = common::piazza_str(
        &["comments", "list", "--site", site.root().to_str().unwrap()],
        site.tmp(),
    )
    .success()
    .stdout;
    let id = list
        .split_whitespace()
        .next()
        .expect("a waiting comment")
        .to_string();
    assert!(list.contains("teresa.galli@posta.example.it"), "{list}");
    common::piazza_str(
        &[
            "comments",
            "approve",
            &id,
            "--site",
            site.root().to_str().unwrap(),
        ],
        site.tmp(),
    )
    .success();
    // `serve` watches comments/: the page is rebuilt with the comment.
    browser.navigate(&format!("http://{addr}{page}"));
    wait_for("the approved comment", || {
        browser.navigate(&format!("http://{addr}{page}"));
        let author = browser.text(&format!("#comment-{id} .comment-author"))?;
        let count = browser.text("#comments-title")?;
        (author == "Teresa Galli" && count == "4 commenti")
            .then_some(())
            .ok_or_else(|| format!("{author:?}, {count:?}"))
    });
    let html = http(addr, "GET", page, None).expect("the guide").1;
    assert!(!html.contains("teresa.galli"), "the email is on the page");
}

/// Site search on the example site as `piazza serve` serves it: the index is built in
/// the background after the first build, and the search page finds a guide by a word
/// of its body (in another form: Italian stemming), thesis 3 first for "tesi 3", and
/// narrows by tag and kind, all without a failed request or a console error.
#[test]
fn search_finds_guides_theses_and_tags() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let site = TestSite::copy_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("site"));
    // The word is in one guide's body only; the query is another form of it.
    let word = "sgradevole";
    let holders: Vec<PathBuf> = common::walk(&site.path("content"))
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.to_lowercase().contains("sgradevol"))
        })
        .collect();
    assert_eq!(
        holders.len(),
        1,
        "{word} should be in one file: {holders:?}"
    );
    let mut serve = Serve::spawn(&site);
    let addr = serve.addr;
    serve
        .process
        .poll_until("the search index", Instant::now() + STARTUP, || {
            http(addr, "GET", "/pagefind/pagefind-entry.json", None)
                .is_ok_and(|(status, _)| status == 200)
        });
    let driver = Driver::start(&tools, site.tmp());
    let browser = driver.session(&tools.chromium, &site.tmp().join("chromium-profile"));

    browser.navigate(&format!("http://{addr}/search/"));
    browser.clear("#search-q");
    browser.type_into("#search-q", "sgradevoli");
    let first = wait_for("the guide as the first result", || {
        let titles = browser.texts(".search-result h2")?;
        match titles.first() {
            Some(t) if t == "Ascoltare e aiutare i clienti sui social" => Ok(titles),
            _ => Err(format!("results {titles:?}")),
        }
    });
    assert_eq!(first.len(), 1, "only one page has the word: {first:?}");
    let kind = browser.texts(".search-result .search-kind").expect("kinds");
    assert_eq!(kind, ["Guida"]);
    let excerpt = browser
        .text(".search-result .search-excerpt mark")
        .expect("a highlighted word");
    assert!(
        excerpt.to_lowercase().starts_with(word),
        "the excerpt should highlight {word}: {excerpt:?}"
    );

    browser.clear("#search-q");
    browser.type_into("#search-q", "tesi 3");
    wait_for("thesis 3 first", || {
        let kinds = browser.texts(".search-result .search-kind")?;
        let titles = browser.texts(".search-result h2")?;
        match (kinds.first(), titles.first()) {
            (Some(k), Some(t)) if k == "Tesi 3" && t == "Una voce umana vale più di un logo" => {
                Ok(())
            }
            _ => Err(format!("kinds {kinds:?}, titles {titles:?}")),
        }
    });
    browser.clear("#search-q");
    browser.type_into("#search-q", "3");
    wait_for("thesis 3 first for a bare number", || {
        let kinds = browser.texts(".search-result .search-kind")?;
        (kinds.first().map(String::as_str) == Some("Tesi 3"))
            .then_some(())
            .ok_or_else(|| format!("kinds {kinds:?}"))
    });

    // A tag alone lists its pages; with a kind, only those of that kind.
    browser.clear("#search-q");
    browser.click("#search-tag option[value='budget']");
    wait_for("the pages tagged budget", || {
        let mut titles = browser.texts(".search-result h2")?;
        titles.sort();
        (titles
            == [
                "Misura ciò che conta, non ciò che è facile",
                "Quanto costa davvero fare bene i social",
            ])
        .then_some(())
        .ok_or_else(|| format!("results {titles:?}"))
    });
    browser.click("#search-kind option[value='guide']");
    wait_for("the guide tagged budget", || {
        let titles = browser.texts(".search-result h2")?;
        (titles == ["Quanto costa davvero fare bene i social"])
            .then_some(())
            .ok_or_else(|| format!("results {titles:?}"))
    });
    assert!(
        browser
            .current_url()
            .ends_with("/search/?kind=guide&tag=budget"),
        "the filters should be in the address: {}",
        browser.current_url()
    );
    let errors: Vec<String> = browser
        .logs()
        .into_iter()
        .filter(|entry| entry["level"] == json!("SEVERE") || entry["level"] == json!("WARNING"))
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(errors.is_empty(), "the search page logged {errors:#?}");

    // After an edit the server's rebuild is followed by a new index, in the background.
    let entry = || {
        http(addr, "GET", "/pagefind/pagefind-entry.json", None)
            .map(|(_, body)| body)
            .unwrap_or_default()
    };
    let before = entry();
    site.edit("content/guides/calendario-editoriale.md", |s| {
        format!("{s}\nUna parola nuova: zanzibaresco.\n")
    });
    wait_for("a new index", || {
        let now = entry();
        (now != before && !now.is_empty())
            .then_some(())
            .ok_or_else(|| format!("the entry is still {now}"))
    });
    browser.navigate(&format!("http://{addr}/search/?q=zanzibaresco"));
    wait_for("the edited guide found by its new word", || {
        let titles = browser.texts(".search-result h2")?;
        (titles == ["Un calendario editoriale su misura per una PMI"])
            .then_some(())
            .ok_or_else(|| format!("results {titles:?}"))
    });
}

/// Polls `probe` every [`POLL`] until it returns `Ok`, for at most [`LIVE`]. An `Err`
/// means "not yet" and says what the probe saw (a page that is reloading has no
/// elements for a moment, so WebDriver errors are "not yet" too); the last one is
/// reported on timeout.
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + LIVE;
    loop {
        let last = match probe() {
            Ok(value) => return value,
            Err(e) => e,
        };
        assert!(
            Instant::now() < deadline,
            "waited {LIVE:?} for {what}; last seen: {last}"
        );
        std::thread::sleep(POLL);
    }
}

/// The two programs the test drives.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// Chromium and chromedriver, or `None` (after saying so) when one is missing and the
/// test may be skipped. Under CI a missing one is a failure.
fn browser_tools() -> Option<Tools> {
    let chromium = find_program("PIAZZA_TEST_CHROMIUM", "chromium");
    let chromedriver = find_program("PIAZZA_TEST_CHROMEDRIVER", "chromedriver");
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Tools {
            chromium,
            chromedriver,
        }),
        (chromium, chromedriver) => {
            let missing: Vec<&str> = [("chromium", &chromium), ("chromedriver", &chromedriver)]
                .into_iter()
                .filter(|(_, found)| found.is_none())
                .map(|(name, _)| name)
                .collect();
            let message = format!(
                "the live-reload browser test needs {} (Debian: apt-get install chromium \
                 chromium-driver)",
                missing.join(" and ")
            );
            assert!(std::env::var_os("CI").is_none(), "{message}; CI is set");
            eprintln!("SKIPPED: {message}");
            None
        }
    }
}

/// The program named by the environment variable `var`, or `name` on the PATH.
fn find_program(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|dir| dir.join(name))
        .find(|path| is_executable(path))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// A child process that is killed when this value is dropped (also when the test
/// panics, when its log is printed too).
struct Guard {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Guard {
    /// Starts `program` with `args`, its output going to `log`.
    fn spawn(name: &'static str, program: &Path, args: &[&OsStr], log: PathBuf) -> Guard {
        let out = std::fs::File::create(&log).expect("create a log file");
        let err = out.try_clone().expect("clone the log file");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
        Guard { name, child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `done` every [`POLL`] until it is true; panics (with the log) when the
    /// process ends first or `deadline` passes.
    fn poll_until(&mut self, what: &str, deadline: Instant, mut done: impl FnMut() -> bool) {
        while !done() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "{}: no {what} within {STARTUP:?}:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} output ---\n{}", self.name, self.log());
        }
    }
}

/// `piazza serve` on the test site.
struct Serve {
    addr: SocketAddr,
    process: Guard,
}

impl Serve {
    /// Starts `piazza serve` on the site and returns once it takes connections.
    fn spawn(site: &TestSite) -> Serve {
        Serve::spawn_on(site, free_port())
    }

    /// [`Serve::spawn`] on a port chosen beforehand (written into the site's config).
    fn spawn_on(site: &TestSite, port: u16) -> Serve {
        let mut process = Guard::spawn(
            "piazza serve",
            Path::new(env!("CARGO_BIN_EXE_piazza")),
            &[
                OsStr::new("serve"),
                OsStr::new("--site"),
                site.root().as_os_str(),
                OsStr::new("--port"),
                OsStr::new(&port.to_string()),
            ],
            site.tmp().join("serve.log"),
        );
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + STARTUP;
        process.poll_until("a connection", deadline, || {
            TcpStream::connect_timeout(&addr, POLL).is_ok()
        });
        assert!(
            !process.log().contains("is busy"),
            "port {port} was taken meanwhile:\n{}",
            process.log()
        );
        Serve { addr, process }
    }

    /// Starts the server and returns once it serves the built guide and its watcher
    /// sees changes: a probe file written into `static/` must come out of a rebuild.
    /// (A page that loads proves the build, not the watcher.) The probe is written
    /// again every second in case a write was missed.
    fn start(site: &TestSite) -> Serve {
        let mut serve = Serve::spawn(site);
        let (addr, process) = (serve.addr, &mut serve.process);
        let deadline = Instant::now() + STARTUP;
        process.poll_until("the guide page", deadline, || {
            http(addr, "GET", GUIDE_PATH, None)
                .is_ok_and(|(status, body)| status == 200 && body.contains(OLD_TITLE))
        });
        let probe = site.path("static/watch-probe.txt");
        let mut written: Option<Instant> = None;
        process.poll_until("a rebuild after a change", deadline, || {
            if written.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                std::fs::write(&probe, "probe").expect("write the probe");
                written = Some(Instant::now());
            }
            http(addr, "GET", "/watch-probe.txt", None)
                .is_ok_and(|(status, body)| status == 200 && body == "probe")
        });
        serve
    }
}

/// A running chromedriver.
struct Driver {
    addr: SocketAddr,
    process: Guard,
}

impl Driver {
    fn start(tools: &Tools, tmp: &Path) -> Driver {
        let port = free_port();
        let mut process = Guard::spawn(
            "chromedriver",
            &tools.chromedriver,
            &[OsStr::new(&format!("--port={port}"))],
            tmp.join("chromedriver.log"),
        );
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        process.poll_until("a ready /status", Instant::now() + STARTUP, || {
            webdriver(addr, "GET", "/status", None).is_ok_and(|s| s["ready"] == json!(true))
        });
        Driver { addr, process }
    }

    /// A new headless Chromium with a fresh profile in `profile`.
    fn session(&self, chromium: &Path, profile: &Path) -> Browser<'_> {
        std::fs::create_dir_all(profile).expect("create the profile folder");
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--no-first-run",
                            "--no-default-browser-check",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--disable-extensions",
                            format!("--user-data-dir={}", profile.display()),
                        ]
                    }
                }
            }
        });
        let session =
            webdriver(self.addr, "POST", "/session", Some(&capabilities)).unwrap_or_else(|e| {
                panic!(
                    "start chromium through chromedriver: {e}\n{}",
                    self.process.log()
                )
            });
        let id = session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        let pid = session["capabilities"]["goog:processID"].as_u64();
        Browser {
            driver: self,
            id,
            pid,
        }
    }
}

/// A browser session; quits the browser when dropped.
struct Browser<'a> {
    driver: &'a Driver,
    id: String,
    /// Chromium's process, ended by hand if chromedriver cannot close it.
    pid: Option<u64>,
}

impl Browser<'_> {
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.id);
        webdriver(self.driver.addr, method, &path, body)
    }

    /// Runs `source` in every document this tab loads from now on, before the page's
    /// own scripts (chromedriver's DevTools pass-through).
    fn on_new_document(&self, source: &str) {
        let body = json!({
            "cmd": "Page.addScriptToEvaluateOnNewDocument",
            "params": { "source": source }
        });
        self.command("POST", "/goog/cdp/execute", Some(&body))
            .expect("install the stream probe");
    }

    /// The WebDriver reference of the one element matching `css`.
    fn element(&self, css: &str) -> Result<String, String> {
        let found = self.command(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("odd element reference {found}"))
    }

    /// Types `text` into the field matching `css`.
    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).unwrap_or_else(|e| panic!("{css}: {e}"));
        self.command(
            "POST",
            &format!("/element/{id}/value"),
            Some(&json!({ "text": text })),
        )
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Empties the text field matching `css`.
    fn clear(&self, css: &str) {
        let id = self.element(css).unwrap_or_else(|e| panic!("{css}: {e}"));
        self.command("POST", &format!("/element/{id}/clear"), Some(&json!({})))
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
    }

    /// Clicks the element matching `css`.
    fn click(&self, css: &str) {
        let id = self.element(css).unwrap_or_else(|e| panic!("{css}: {e}"));
        self.command("POST", &format!("/element/{id}/click"), Some(&json!({})))
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    fn navigate(&self, url: &str) {
        self.command("POST", "/url", Some(&json!({ "url": url })))
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    fn current_url(&self) -> String {
        let url = self.command("GET", "/url", None).expect("current URL");
        url.as_str().unwrap_or_default().to_string()
    }

    /// The rendered text of every element matching `css`.
    fn texts(&self, css: &str) -> Result<Vec<String>, String> {
        let found = self.command(
            "POST",
            "/elements",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        let mut texts = Vec::new();
        for element in found.as_array().into_iter().flatten() {
            let id = element
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .ok_or_else(|| format!("odd element reference {element}"))?;
            let text = self.command("GET", &format!("/element/{id}/text"), None)?;
            texts.push(text.as_str().unwrap_or_default().to_string());
        }
        Ok(texts)
    }

    /// The rendered text of the one element matching `css`.
    fn text(&self, css: &str) -> Result<String, String> {
        let mut texts = self.texts(css)?;
        match texts.len() {
            1 => Ok(texts.remove(0)),
            n => Err(format!("{n} elements match {css:?}")),
        }
    }

    /// `Ok` when the page has opened a live-reload stream and all its streams are open.
    fn streams_open(&self) -> Result<(), String> {
        let states = self.script(STREAM_STATES)?;
        match states.as_array() {
            Some(s) if !s.is_empty() && s.iter().all(|x| x == &json!(1)) => Ok(()),
            _ => Err(format!("stream readyStates {states}")),
        }
    }

    /// The browser's console log since the last call (chromedriver's log endpoint).
    fn logs(&self) -> Vec<Value> {
        let logs = self
            .command("POST", "/se/log", Some(&json!({ "type": "browser" })))
            .expect("read the browser log");
        logs.as_array().cloned().unwrap_or_default()
    }

    /// The value a synchronous script returns.
    fn script(&self, source: &str) -> Result<Value, String> {
        self.command(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": source, "args": [] })),
        )
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        if self.command("DELETE", "", None).is_err() {
            if let Some(pid) = self.pid {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
    }
}

/// One WebDriver command: its `value`, or the error chromedriver reported.
fn webdriver(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let (status, text) = http(addr, method, path, body)?;
    let mut reply: Value =
        serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}: {text}"))?;
    let value = reply["value"].take();
    if status == 200 {
        Ok(value)
    } else {
        Err(format!(
            "{method} {path}: {status} {}: {}",
            value["error"].as_str().unwrap_or("?"),
            value["message"].as_str().unwrap_or("?")
        ))
    }
}

/// One HTTP/1.1 request on a fresh connection: status and body (as text).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let fail = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(fail)?;
    // Long enough for chromedriver to start a browser or wait out a page load.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(fail)?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(fail)?;
    // chromedriver keeps the connection open despite `Connection: close`, so the body
    // ends where its Content-Length says (both servers send one, never chunks).
    let mut reply = Vec::new();
    let mut buf = [0u8; 8192];
    let (head, body_start, length) = loop {
        let n = stream.read(&mut buf).map_err(fail)?;
        if n == 0 {
            return Err(format!(
                "{method} {path}: connection closed before the head"
            ));
        }
        reply.extend_from_slice(&buf[..n]);
        if let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&reply[..end]).into_owned();
            let length = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse::<usize>().ok())
                .ok_or_else(|| format!("{method} {path}: no Content-Length in {head:?}"))?;
            break (head, end + 4, length);
        }
    };
    let head_only = method == "HEAD";
    while !head_only && reply.len() < body_start + length {
        let n = stream.read(&mut buf).map_err(fail)?;
        if n == 0 {
            return Err(format!("{method} {path}: connection closed in the body"));
        }
        reply.extend_from_slice(&buf[..n]);
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method} {path}: bad status line in {head:?}"))?;
    let end = if head_only {
        body_start
    } else {
        body_start + length
    };
    let body = String::from_utf8_lossy(&reply[body_start..end]).into_owned();
    Ok((status, body))
}
