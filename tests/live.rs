//! The real binary in watch mode: `piazza serve` and `piazza build --watch` run as child
//! processes on a copy of the `watch` fixture, so the real file watcher (notify) sees
//! real file system changes: edits, an editor's atomic saves, renames, deletions, new
//! folders and broken front matter. The tests look at what a user sees: HTTP status
//! codes, the parsed HTML of served pages and lists, the live-reload events, and the
//! files of the output folder.
//!
//! HTTP is spoken over a plain `TcpStream`. Every wait is a bounded poll (every
//! [`POLL`], at most [`TIMEOUT`]) whose failure message carries the child's output;
//! nothing sleeps and hopes. Every child process is killed when its guard is dropped.

mod common;

use std::cell::RefCell;
use std::ffi::OsStr;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use scraper::{Html, Selector};

use common::{text_of, TestSite};

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(20);
/// How long any one wait may take (startup, a rebuild, an event).
const TIMEOUT: Duration = Duration::from_secs(20);
/// The heading of the fixture's 404 page (Italian UI strings).
const NOT_FOUND_H1: &str = "Pagina non trovata";
/// The attribute that marks the script `serve` injects into HTML responses.
const LIVE_RELOAD_MARK: &str = "data-piazza-live-reload";
/// The file the watcher probe writes into `static/`, and its text.
const PROBE: &str = "watch-probe.txt";
const PROBE_TEXT: &str = "probe";

// ---------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------

/// A running `piazza` child process, its stdout and stderr captured together in a log
/// file. Killed when dropped (also when the test panics, when its log is printed too).
struct Process {
    name: &'static str,
    child: RefCell<Child>,
    log: PathBuf,
}

impl Process {
    /// Starts the piazza binary with `args`, its output going to `log`.
    fn spawn(name: &'static str, args: &[&OsStr], log: PathBuf) -> Process {
        let out = std::fs::File::create(&log).expect("create a log file");
        let err = out.try_clone().expect("clone the log file");
        let child = Command::new(env!("CARGO_BIN_EXE_piazza"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        Process {
            name,
            child: RefCell::new(child),
            log,
        }
    }

    /// Everything the process printed so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls `probe` every [`POLL`] until it returns `Ok`, for at most [`TIMEOUT`]. An
    /// `Err` means "not yet" and says what the probe saw; on timeout the last one is
    /// reported with the process's log. Panics as well when the process ends.
    fn wait_for<T>(&self, what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
        let started = Instant::now();
        loop {
            let last = match probe() {
                Ok(value) => return value,
                Err(e) => e,
            };
            if let Ok(Some(status)) = self.child.borrow_mut().try_wait() {
                panic!(
                    "{} exited ({status}) while waiting for {what}; last seen: {last}\n\
                     --- {} output:\n{}",
                    self.name,
                    self.name,
                    self.log()
                );
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "waited {TIMEOUT:?} for {what}; last seen: {last}\n--- {} output:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(POLL);
        }
    }

    /// How many rebuilds the log reports as caused by a change to a file named `name`.
    fn rebuilds_after_change_to(&self, name: &str) -> usize {
        self.log()
            .lines()
            .filter_map(|line| line.strip_prefix("rebuilt after a change to "))
            .filter(|rest| {
                rest.split(": ")
                    .next()
                    .is_some_and(|path| Path::new(path).file_name() == Some(OsStr::new(name)))
            })
            .count()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let child = self.child.get_mut();
        let _ = child.kill();
        let _ = child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} output ---\n{}", self.name, self.log());
        }
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// `piazza serve` on a test site.
struct Server {
    addr: SocketAddr,
    process: Process,
}

impl Server {
    /// Starts the server and returns once the first build is served and the watcher is
    /// shown to be live: a probe file written into `static/` must come out of a rebuild.
    /// The probe is written again every second in case a write was missed.
    ///
    /// The port comes from binding port 0; another process may take it before piazza
    /// binds it. piazza then moves to the next free port and says "is busy": that is a
    /// race of the test setup, not a product failure, so the address piazza reports in
    /// its "serving" line is used (with a notice).
    fn start(site: &TestSite) -> Server {
        Server::start_with(site, &[])
    }

    /// [`Server::start`] with more arguments for `piazza serve`.
    fn start_with(site: &TestSite, extra: &[&str]) -> Server {
        std::fs::create_dir_all(site.path("static")).expect("create static/");
        let port = free_port();
        let port_text = port.to_string();
        let mut args = vec![
            OsStr::new("serve"),
            OsStr::new("--site"),
            site.root().as_os_str(),
            OsStr::new("--port"),
            OsStr::new(&port_text),
        ];
        args.extend(extra.iter().map(OsStr::new));
        let process = Process::spawn("piazza serve", &args, site.tmp().join("serve.log"));
        let addr = process.wait_for("the \"serving\" line after the first build", || {
            serving_addr(&process.log()).ok_or_else(|| "no \"serving ... at\" line".to_string())
        });
        if addr.port() != port {
            let log = process.log();
            assert!(
                log.contains("is busy"),
                "asked for port {port}, piazza serves on {addr} without saying the port was \
                 busy:\n{log}"
            );
            eprintln!("notice: port {port} was taken meanwhile (a test setup race); using {addr}");
        }
        let server = Server { addr, process };
        let probe = site.path(&format!("static/{PROBE}"));
        let mut written: Option<Instant> = None;
        server.wait_for("the watcher to pick up a probe file in static/", || {
            if written.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                std::fs::write(&probe, PROBE_TEXT).expect("write the probe");
                written = Some(Instant::now());
            }
            match server.get(&format!("/{PROBE}"))? {
                (200, body) if body == PROBE_TEXT => Ok(()),
                (status, body) => Err(format!("/{PROBE}: {status} {body:?}")),
            }
        });
        server
    }

    /// One GET request to the server.
    fn get(&self, path: &str) -> Result<(u16, String), String> {
        get(self.addr, path)
    }

    /// One GET request to the server, parsed as an HTML page.
    fn page(&self, path: &str) -> Result<Page, String> {
        let (status, body) = self.get(path)?;
        Ok(Page::parse(path, status, &body))
    }

    /// A GET request that must succeed at the HTTP level (any status).
    fn page_now(&self, path: &str) -> Page {
        self.page(path).unwrap_or_else(|e| {
            panic!(
                "GET {path} failed: {e}\n--- piazza serve output:\n{}",
                self.process.log()
            )
        })
    }

    /// The cards of a section list over all its pages, from the server.
    fn list(&self, first: &str) -> Result<Vec<Card>, String> {
        list_cards(&|path| self.get(path), first)
    }

    /// See [`Process::wait_for`].
    fn wait_for<T>(&self, what: &str, probe: impl FnMut() -> Result<T, String>) -> T {
        self.process.wait_for(what, probe)
    }

    /// The server's output so far.
    fn log(&self) -> String {
        self.process.log()
    }
}

/// The address of the "serving SITE at http://ADDR/ (Ctrl-C to stop)" line.
fn serving_addr(log: &str) -> Option<SocketAddr> {
    let line = log.lines().find(|line| line.starts_with("serving "))?;
    let rest = &line[line.rfind(" at http://")? + " at http://".len()..];
    rest.split('/').next()?.parse().ok()
}

// ---------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------

/// One HTTP/1.1 GET on a fresh connection (`Connection: close`, bounded by timeouts):
/// the status and the body as text. A body shorter or longer than its Content-Length
/// is an error.
fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let fail = |e: std::io::Error| format!("GET {path}: {e}");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(fail)?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .map_err(fail)?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).map_err(fail)?;
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: no response head in {reply:?}"))?;
    let head = String::from_utf8_lossy(&reply[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("GET {path}: bad status line in {head:?}"))?;
    let body = &reply[end + 4..];
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok());
    if length.is_some_and(|n| n != body.len()) {
        return Err(format!(
            "GET {path}: Content-Length {length:?} but {} bytes",
            body.len()
        ));
    }
    Ok((status, String::from_utf8_lossy(body).into_owned()))
}

// ---------------------------------------------------------------------------------
// Pages and lists
// ---------------------------------------------------------------------------------

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

/// A fetched page: its status, its text and the parsed document.
struct Page {
    url: String,
    status: u16,
    body: String,
    html: Html,
}

impl Page {
    fn parse(url: &str, status: u16, body: &str) -> Page {
        Page {
            url: url.to_string(),
            status,
            body: body.to_string(),
            html: Html::parse_document(body),
        }
    }

    /// The text of every element matching `css`, whitespace collapsed.
    fn texts(&self, css: &str) -> Vec<String> {
        self.html.select(&sel(css)).map(text_of).collect()
    }

    /// The text of the one element matching `css`, or what was found instead.
    fn text(&self, css: &str) -> Result<String, String> {
        let mut found = self.texts(css);
        match found.len() {
            1 => Ok(found.remove(0)),
            n => Err(format!(
                "{} (status {}): {n} elements match {css:?}: {found:?}",
                self.url, self.status
            )),
        }
    }

    /// The heading of a guide, a section list or the 404 page.
    fn h1(&self) -> Result<String, String> {
        self.text("main h1")
    }

    /// The `<title>`.
    fn title(&self) -> Result<String, String> {
        self.text("head title")
    }

    /// `Ok` when the page has status 200 and `h1` as its heading; else what it has.
    fn expect_h1(&self, h1: &str) -> Result<(), String> {
        let seen = self.h1()?;
        if self.status == 200 && seen == h1 {
            Ok(())
        } else {
            Err(format!(
                "{}: status {}, h1 {seen:?} (want 200, {h1:?})",
                self.url, self.status
            ))
        }
    }

    /// `Ok` when the page is the site's own 404 page served with status 404.
    fn expect_not_found(&self) -> Result<(), String> {
        let seen = self.h1().unwrap_or_default();
        if self.status == 404 && seen == NOT_FOUND_H1 {
            Ok(())
        } else {
            Err(format!(
                "{}: status {}, h1 {seen:?} (want the site's 404 page with status 404)",
                self.url, self.status
            ))
        }
    }
}

/// One card of a list page: where it links and the title it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Card {
    href: String,
    title: String,
}

/// Answers a site path (`/guides/`) with a status and a body: from the server, or from
/// an output folder on disk.
type Fetch<'a> = dyn Fn(&str) -> Result<(u16, String), String> + 'a;

/// The cards a section list shows over all its pages, following its "next page" links
/// from `first`.
fn list_cards(fetch: &Fetch<'_>, first: &str) -> Result<Vec<Card>, String> {
    let mut cards = Vec::new();
    let mut path = first.to_string();
    for _ in 0..20 {
        let (status, body) = fetch(&path)?;
        if status != 200 {
            return Err(format!("list page {path}: status {status}"));
        }
        let html = Html::parse_document(&body);
        for a in html.select(&sel("main .card-title a[href]")) {
            cards.push(Card {
                href: site_path(a.value().attr("href").unwrap_or_default()),
                title: text_of(a),
            });
        }
        let next = html
            .select(&sel("nav.pagination a[rel=next][href]"))
            .next()
            .and_then(|a| a.value().attr("href"))
            .map(site_path);
        match next {
            Some(next) => path = next,
            None => return Ok(cards),
        }
    }
    Err(format!("{first}: more than 20 list pages"))
}

/// The site path of a link: `/guides/x/` from it or from `http://host/guides/x/`.
fn site_path(href: &str) -> String {
    match href.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".into(), |i| rest[i..].to_string()),
        None => href.to_string(),
    }
}

/// The card linking to `href`, if the list has one.
fn card_for<'a>(cards: &'a [Card], href: &str) -> Option<&'a Card> {
    cards.iter().find(|c| c.href == href)
}

// ---------------------------------------------------------------------------------
// Live-reload events
// ---------------------------------------------------------------------------------

/// One server-sent event.
#[derive(Debug, Clone)]
struct Event {
    name: String,
    /// The `data:` lines joined with newlines, as a browser sees them.
    data: String,
}

/// An open `GET /__piazza/events` stream, read as a page's `EventSource` would.
struct EventStream {
    stream: TcpStream,
    /// Bytes read and not yet parsed into events.
    unread: Vec<u8>,
}

impl EventStream {
    /// Opens a stream and reads its response head: from then on the server has
    /// registered it and it receives every event.
    fn open(server: &Server) -> EventStream {
        let mut stream = TcpStream::connect_timeout(&server.addr, Duration::from_secs(2))
            .expect("connect to the event stream");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("set a read timeout");
        stream
            .write_all(
                b"GET /__piazza/events HTTP/1.1\r\nHost: localhost\r\n\
                  Accept: text/event-stream\r\n\r\n",
            )
            .expect("send the event stream request");
        let mut events = EventStream {
            stream,
            unread: Vec::new(),
        };
        let started = Instant::now();
        let end = loop {
            if let Some(end) = events.unread.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            events.read_some(server, started, "the event stream's response head");
        };
        let head = String::from_utf8_lossy(&events.unread[..end]).into_owned();
        assert!(
            head.starts_with("HTTP/1.1 200") && head.contains("text/event-stream"),
            "the event stream was refused:\n{head}"
        );
        events.unread.drain(..end + 4);
        events
    }

    /// Reads what has arrived (waiting at most the read timeout); panics when the
    /// stream closes or [`TIMEOUT`] has passed since `started`.
    fn read_some(&mut self, server: &Server, started: Instant, what: &str) {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) => panic!(
                "the event stream closed while waiting for {what}; unread: {:?}\n\
                 --- piazza serve output:\n{}",
                String::from_utf8_lossy(&self.unread),
                server.log()
            ),
            Ok(n) => self.unread.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("reading the event stream: {e}"),
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "waited {TIMEOUT:?} for {what}; unread: {:?}\n--- piazza serve output:\n{}",
            String::from_utf8_lossy(&self.unread),
            server.log()
        );
    }

    /// Reads events until one named `name` arrives; returns the events before it and
    /// that one. Comments (pings) and `retry:` frames are skipped.
    fn until(&mut self, server: &Server, name: &str) -> (Vec<Event>, Event) {
        let started = Instant::now();
        let mut before = Vec::new();
        loop {
            while let Some(end) = self.unread.windows(2).position(|w| w == b"\n\n") {
                let frame = String::from_utf8_lossy(&self.unread[..end]).into_owned();
                self.unread.drain(..end + 2);
                let Some(event) = parse_frame(&frame) else {
                    continue;
                };
                if event.name == name {
                    return (before, event);
                }
                before.push(event);
            }
            let what = format!("an `event: {name}` (seen before it: {before:?})");
            self.read_some(server, started, &what);
        }
    }
}

/// An SSE frame with an `event:` line as an [`Event`]; `None` for comments and others.
fn parse_frame(frame: &str) -> Option<Event> {
    let mut name = None;
    let mut data: Vec<&str> = Vec::new();
    for line in frame.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_string());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    Some(Event {
        name: name?,
        data: data.join("\n"),
    })
}

// ---------------------------------------------------------------------------------
// Site edits
// ---------------------------------------------------------------------------------

/// Replaces `from` (which must be there) with `to` in a site file.
fn replace_in(site: &TestSite, rel: &str, from: &str, to: &str) {
    site.edit(rel, |text| {
        assert!(text.contains(from), "{rel} has no {from:?}:\n{text}");
        text.replacen(from, to, 1)
    });
}

/// Saves `text` into `rel` as an editor with atomic saves does: write a temporary
/// file named `temp` in the same folder, then rename it over the target.
fn atomic_save(site: &TestSite, rel: &str, temp: &str, text: &str) {
    let target = site.path(rel);
    let tmp = target.parent().expect("a folder").join(temp);
    std::fs::write(&tmp, text).expect("write the temporary file");
    std::fs::rename(&tmp, &target).expect("rename it over the target");
}

const GUIDE_1: &str = "content/guides/guida-1.md";
const GUIDE_2: &str = "content/guides/guida-2.md";

// ---------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------

#[test]
fn a_new_title_shows_on_the_page_and_in_the_list_after_one_rebuild() {
    let site = TestSite::fixture("watch");
    let server = Server::start(&site);
    const NEW: &str = "Prima guida, rivista";

    let page = server.page_now("/guides/guida-1/");
    assert_eq!(page.h1(), Ok("Guida 1".to_string()), "{}", page.body);
    assert!(
        page.body.contains(LIVE_RELOAD_MARK),
        "served pages carry the live-reload script"
    );
    let cards = server.list("/guides/").expect("the guides list");
    assert_eq!(
        card_for(&cards, "/guides/guida-1/").map(|c| c.title.as_str()),
        Some("Guida 1"),
        "{cards:?}"
    );

    let before = server.process.rebuilds_after_change_to("guida-1.md");
    replace_in(
        &site,
        GUIDE_1,
        "title: \"Guida 1\"",
        &format!("title: \"{NEW}\""),
    );
    // Once the rebuild for the edit has finished, the page and every list that shows
    // the guide hold the new title: no second rebuild, no waiting for the list.
    server.wait_for("the rebuild after the edit", || {
        let now = server.process.rebuilds_after_change_to("guida-1.md");
        if now > before {
            Ok(())
        } else {
            Err(format!("{now} rebuilds after a change"))
        }
    });
    let page = server.page_now("/guides/guida-1/");
    assert_eq!(page.status, 200);
    assert_eq!(page.text("article h1"), Ok(NEW.to_string()));
    let title = page.title().expect("a <title>");
    assert!(
        title.starts_with(NEW),
        "the <title> should show the new title: {title:?}"
    );
    let cards = server.list("/guides/").expect("the guides list");
    assert_eq!(
        card_for(&cards, "/guides/guida-1/").map(|c| c.title.as_str()),
        Some(NEW),
        "the guides list should show the new title: {cards:?}"
    );
    assert!(
        !cards.iter().any(|c| c.title == "Guida 1"),
        "the old title is still listed: {cards:?}"
    );
}

#[test]
fn atomic_saves_and_renames_are_followed() {
    let site = TestSite::fixture("watch");
    let server = Server::start(&site);
    server
        .page_now("/guides/guida-2/")
        .expect_h1("Guida 2")
        .unwrap();

    // Save by renaming a temporary file over the guide (vim, gedit, many others).
    let text = site
        .read(GUIDE_2)
        .replace("title: \"Guida 2\"", "title: \"Guida 2, salvata\"")
        .replace("Testo della guida 2", "Testo salvato della guida 2");
    atomic_save(&site, GUIDE_2, ".guida-2.md.tmp", &text);
    server.wait_for("the atomically saved guide", || {
        let page = server.page("/guides/guida-2/")?;
        page.expect_h1("Guida 2, salvata")?;
        let prose = page.text("article .prose")?;
        if prose.contains("Testo salvato della guida 2") {
            Ok(())
        } else {
            Err(format!("the text is {prose:?}"))
        }
    });

    // JetBrains' safe write: the new text in `NAME___jb_tmp___`, the old file moved to
    // `NAME___jb_old___`, the new one renamed into place, the old one deleted.
    let text = text.replace("Guida 2, salvata", "Guida 2, salvata di nuovo");
    let guide = site.path(GUIDE_2);
    let folder = guide.parent().expect("a folder").to_path_buf();
    std::fs::write(folder.join("guida-2.md___jb_tmp___"), &text).expect("write");
    std::fs::rename(&guide, folder.join("guida-2.md___jb_old___")).expect("rename");
    std::fs::rename(folder.join("guida-2.md___jb_tmp___"), &guide).expect("rename");
    std::fs::remove_file(folder.join("guida-2.md___jb_old___")).expect("remove");
    server.wait_for("the guide saved the JetBrains way", || {
        server
            .page("/guides/guida-2/")?
            .expect_h1("Guida 2, salvata di nuovo")
    });

    // A page renamed to a new file name moves to the new address.
    std::fs::rename(
        site.path("content/guides/guida-3.md"),
        site.path("content/guides/guida-tre.md"),
    )
    .expect("rename the guide");
    server.wait_for("the renamed guide at its new address only", || {
        server.page("/guides/guida-tre/")?.expect_h1("Guida 3")?;
        server.page("/guides/guida-3/")?.expect_not_found()?;
        let cards = server.list("/guides/")?;
        if card_for(&cards, "/guides/guida-tre/").is_some()
            && card_for(&cards, "/guides/guida-3/").is_none()
        {
            Ok(())
        } else {
            Err(format!("the guides list shows {cards:?}"))
        }
    });
}

#[test]
fn a_deleted_page_gets_the_404_page_and_leaves_the_list() {
    let site = TestSite::fixture("watch");
    let server = Server::start(&site);
    server
        .page_now("/guides/guida-5/")
        .expect_h1("Guida 5")
        .unwrap();
    let cards = server.list("/guides/").expect("the guides list");
    assert!(card_for(&cards, "/guides/guida-5/").is_some(), "{cards:?}");

    std::fs::remove_file(site.path("content/guides/guida-5.md")).expect("delete the guide");
    server.wait_for("the deleted guide to be gone", || {
        server.page("/guides/guida-5/")?.expect_not_found()?;
        let cards = server.list("/guides/")?;
        match card_for(&cards, "/guides/guida-5/") {
            None => Ok(()),
            Some(card) => Err(format!("the guides list still shows {card:?}")),
        }
    });
    let page = server.page_now("/guides/guida-5/");
    let title = page.title().expect("a <title>");
    assert!(
        title.contains(NOT_FOUND_H1),
        "the 404 page's <title>: {title:?}"
    );
    let cards = server.list("/guides/").expect("the guides list");
    assert_eq!(
        cards.len(),
        5,
        "the other five guides stay listed: {cards:?}"
    );
}

#[test]
fn a_page_in_a_new_folder_is_served_under_the_folder() {
    let site = TestSite::fixture("watch");
    let server = Server::start(&site);
    let url = "/guides/nuova-cartella/nuova/";
    server.page_now(url).expect_not_found().unwrap();

    site.write(
        "content/guides/nuova-cartella/nuova.md",
        "---\ntitle: \"Una guida nuova\"\ndescription: \"Scritta in una cartella nuova.\"\n\
         date: 2024-06-01\ntags: [officina, novita]\n---\n\nIl testo della guida nuova.\n",
    );
    server.wait_for("the new guide", || {
        let page = server.page(url)?;
        page.expect_h1("Una guida nuova")?;
        let prose = page.text("article .prose")?;
        if prose.contains("Il testo della guida nuova.") {
            Ok(())
        } else {
            Err(format!("the text is {prose:?}"))
        }
    });
    // The folder is a section: its list shows the guide, and so does the new tag.
    let cards = server
        .list("/guides/nuova-cartella/")
        .expect("the new folder's list");
    assert_eq!(
        card_for(&cards, url).map(|c| c.title.as_str()),
        Some("Una guida nuova"),
        "{cards:?}"
    );
    let cards = server.list("/tags/novita/").expect("the new tag's list");
    assert_eq!(
        card_for(&cards, url).map(|c| c.title.as_str()),
        Some("Una guida nuova"),
        "{cards:?}"
    );
}

#[test]
fn broken_front_matter_keeps_the_last_good_page_until_it_is_fixed() {
    let site = TestSite::fixture("watch");
    let server = Server::start(&site);
    let mut events = EventStream::open(&server);
    server
        .page_now("/guides/guida-1/")
        .expect_h1("Guida 1")
        .unwrap();

    // An unterminated flow sequence on line 2.
    replace_in(&site, GUIDE_1, "title: \"Guida 1\"", "title: [Guida");
    let (_, error) = events.until(&server, "error");
    common::assert_located(&error.data, GUIDE_1, 2, None);
    // The last good page is still served.
    let page = server.page_now("/guides/guida-1/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text("article h1"), Ok("Guida 1".to_string()));
    assert!(
        page.text("article .prose")
            .is_ok_and(|t| t.contains("Testo della guida 1")),
        "{}",
        page.body
    );
    // A page opened while the build is broken learns of the error at once.
    let mut opened_during = EventStream::open(&server);
    let (_, pending) = opened_during.until(&server, "error");
    assert_eq!(pending.data, error.data);

    replace_in(
        &site,
        GUIDE_1,
        "title: [Guida",
        "title: \"Guida 1, corretta\"",
    );
    events.until(&server, "reload");
    // The reload is sent once the fixed site is in place.
    let page = server.page_now("/guides/guida-1/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text("article h1"), Ok("Guida 1, corretta".to_string()));

    // A page opened after the fix gets no error: the next event it sees is a reload
    // (caused here by a change to a static file).
    let mut opened_after = EventStream::open(&server);
    site.write("static/after-the-fix.txt", "fixed");
    let (before, _) = opened_after.until(&server, "reload");
    assert!(
        before.is_empty(),
        "a page opened after the fix got {before:?}"
    );
    assert_eq!(
        server.get("/after-the-fix.txt"),
        Ok((200, "fixed".to_string()))
    );
}

#[test]
fn requests_outside_the_site_are_refused() {
    const SENTINEL: &str = "config-sentinel-4f1c";
    let site = TestSite::fixture("watch");
    let config = format!("{}# {SENTINEL}\n", site.read("config.yaml"));
    site.write("config.yaml", &config);
    let server = Server::start(&site);
    // A page of the site is served, so the refusals below are not a dead server.
    server
        .page_now("/guides/guida-1/")
        .expect_h1("Guida 1")
        .unwrap();
    for target in [
        "/../config.yaml",
        "/%2e%2e/config.yaml",
        "/..%2fconfig.yaml",
        "/guides/..\\..\\config.yaml",
        "/guides/%2e%2e/%2e%2e/config.yaml",
        "//etc/passwd",
        "/../../../../../../etc/passwd",
    ] {
        let (status, body) = server
            .get(target)
            .unwrap_or_else(|e| panic!("{e}\n--- piazza serve output:\n{}", server.log()));
        assert!(
            matches!(status, 400 | 404),
            "GET {target}: status {status}\n{body}"
        );
        assert!(
            !body.contains(SENTINEL) && !body.contains("paginate_by"),
            "GET {target} served config.yaml:\n{body}"
        );
        assert!(
            !body.contains("root:x:") && !body.contains("/bin/"),
            "GET {target} served /etc/passwd:\n{body}"
        );
    }
}

#[test]
fn build_watch_rebuilds_the_output_folder_without_live_reload() {
    let site = TestSite::fixture("watch");
    std::fs::create_dir_all(site.path("static")).expect("create static/");
    let out = site.tmp().join("out");
    let process = Process::spawn(
        "piazza build --watch",
        &[
            OsStr::new("build"),
            OsStr::new("--watch"),
            OsStr::new("--site"),
            site.root().as_os_str(),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
        site.tmp().join("build-watch.log"),
    );
    process.wait_for("the \"watching\" line after the first build", || {
        if process.log().contains("watching") {
            Ok(())
        } else {
            Err("no \"watching\" line".to_string())
        }
    });
    assert_no_live_reload(&out, "after the first build");
    let page_file = out.join("guides/guida-1/index.html");
    let read_page = || -> Result<Page, String> {
        let text = std::fs::read_to_string(&page_file)
            .map_err(|e| format!("{}: {e}", page_file.display()))?;
        Ok(Page::parse(&page_file.to_string_lossy(), 200, &text))
    };
    assert_eq!(
        read_page().and_then(|p| p.text("article h1")),
        Ok("Guida 1".to_string())
    );

    // The watcher is live: a probe file in static/ reaches the output.
    let probe = site.path(&format!("static/{PROBE}"));
    let mut written: Option<Instant> = None;
    process.wait_for("the watcher to copy a probe file from static/", || {
        if written.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
            std::fs::write(&probe, PROBE_TEXT).expect("write the probe");
            written = Some(Instant::now());
        }
        match std::fs::read_to_string(out.join(PROBE)) {
            Ok(text) if text == PROBE_TEXT => Ok(()),
            other => Err(format!("{PROBE} in the output: {other:?}")),
        }
    });

    const NEW: &str = "Prima guida, dal terminale";
    replace_in(
        &site,
        GUIDE_1,
        "title: \"Guida 1\"",
        &format!("title: \"{NEW}\""),
    );
    process.wait_for("the new title in the output file", || {
        let h1 = read_page()?.text("article h1")?;
        if h1 == NEW {
            Ok(())
        } else {
            Err(format!("the h1 is {h1:?}"))
        }
    });
    let from_disk = |path: &str| -> Result<(u16, String), String> {
        let file = out.join(path.trim_start_matches('/')).join("index.html");
        std::fs::read_to_string(&file)
            .map(|text| (200, text))
            .map_err(|e| format!("{}: {e}", file.display()))
    };
    process.wait_for("the new title in the guides list files", || {
        let cards = list_cards(&from_disk, "/guides/")?;
        match card_for(&cards, "/guides/guida-1/") {
            Some(card) if card.title == NEW => Ok(()),
            other => Err(format!("the list shows {other:?}")),
        }
    });
    // A deployable build: the site's own base URL, and no live-reload script.
    let canonical = read_page()
        .expect("the page")
        .html
        .select(&sel("link[rel=canonical]"))
        .next()
        .and_then(|l| l.value().attr("href").map(str::to_string));
    assert_eq!(
        canonical.as_deref(),
        Some("https://example.org/guides/guida-1/")
    );
    assert_no_live_reload(&out, "after a rebuild");
}

/// Panics when any file of `out` holds the live-reload script.
fn assert_no_live_reload(out: &Path, when: &str) {
    let files = common::walk(out);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("guides/guida-1/index.html")),
        "{} holds no built guide ({when})",
        out.display()
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(LIVE_RELOAD_MARK) && !text.contains("/__piazza/events"),
            "{} carries the live-reload script ({when})",
            file.display()
        );
    }
}

#[test]
fn polling_watcher_sees_edits_even_two_in_one_second() {
    let site = TestSite::fixture("watch");
    let server = Server::start_with(&site, &["--poll", "50"]);
    for (from, to) in [("Guida 1", "Guida 1, vista dal poll"), ("vista", "letta")] {
        // The second save comes well within a second of the first and keeps the
        // file's size: a watcher comparing sizes or whole-second modification times
        // would miss it.
        replace_in(&site, GUIDE_1, from, to);
        let want = site.read(GUIDE_1);
        let want = want
            .lines()
            .find_map(|l| l.strip_prefix("title: \""))
            .and_then(|t| t.strip_suffix('"'))
            .expect("a title line")
            .to_string();
        server.wait_for("the polled edit to be served", || {
            server.page("/guides/guida-1/")?.expect_h1(&want)
        });
    }
}

#[test]
#[cfg(unix)]
fn ctrl_c_stops_the_server_cleanly() {
    let site = TestSite::fixture("watch");
    let server = Server::start(&site);
    let pid = server.process.child.borrow().id();
    // SAFETY: kill(2) on the child this test spawned, with a standard signal.
    let sent = unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    let status = server.wait_for("piazza serve to exit after SIGINT", || {
        match server.process.child.borrow_mut().try_wait() {
            Ok(Some(status)) => Ok(status),
            Ok(None) => Err("still running".to_string()),
            Err(e) => Err(e.to_string()),
        }
    });
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(server.log().contains("stopped."), "{}", server.log());
    assert!(
        TcpStream::connect_timeout(&server.addr, POLL).is_err(),
        "the port still accepts connections"
    );
    let leftovers: Vec<PathBuf> = common::walk(&site.path(".piazza-serve"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".piazza-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Every file under `dir` (relative path -> bytes) and every folder (ending in `/`).
fn output_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
            let rel = rel.to_string_lossy().replace('\\', "/");
            if e.file_type().is_dir() {
                (format!("{rel}/"), Vec::new())
            } else {
                (rel, std::fs::read(e.path()).unwrap_or_default())
            }
        })
        .collect()
}

#[test]
fn build_watch_starts_from_what_a_fresh_build_writes() {
    let site = TestSite::fixture("watch");
    site.write(
        "content/guides/bozza.md",
        "---\ntitle: \"Bozza\"\ndate: 2024-01-01\ndraft: true\n---\n\nNon ancora.\n",
    );
    site.build_ok(&["--drafts"]);
    let out = site.out();
    assert!(out.join("guides/bozza/index.html").is_file());
    // A rebuild killed mid-write left its temporary file.
    std::fs::write(out.join("guides/.index.html.piazza-tmp"), "half a page").expect("write");

    let process = Process::spawn(
        "piazza build --watch",
        &[
            OsStr::new("build"),
            OsStr::new("--watch"),
            OsStr::new("--site"),
            site.root().as_os_str(),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
        site.tmp().join("build-watch.log"),
    );
    process.wait_for("the \"watching\" line after the first build", || {
        if process.log().contains("watching") {
            Ok(())
        } else {
            Err("no \"watching\" line".to_string())
        }
    });
    assert!(
        !out.join("guides/bozza").exists(),
        "the draft built with --drafts is still in the output"
    );
    let fresh = site.tmp().join("fresh");
    site.build_raw(&[OsStr::new("--out"), fresh.as_os_str()])
        .success();
    let (got, expected) = (output_tree(&out), output_tree(&fresh));
    let differ: Vec<&String> = expected
        .keys()
        .chain(got.keys())
        .filter(|k| expected.get(*k) != got.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "the watched output differs from a fresh build in {differ:?}"
    );
}

#[test]
fn a_page_deleted_while_serve_was_stopped_is_gone_after_a_restart() {
    let site = TestSite::fixture("watch");
    {
        let server = Server::start(&site);
        server
            .page_now("/guides/guida-5/")
            .expect_h1("Guida 5")
            .unwrap();
        let (status, body) = server.get("/.piazza-output").expect("GET the marker");
        assert_eq!(status, 404, "{body}");
        assert!(!body.contains(piazza::output::MARKER_TEXT.trim()), "{body}");
    }
    std::fs::remove_file(site.path("content/guides/guida-5.md")).expect("delete the guide");
    let server = Server::start(&site);
    server
        .page_now("/guides/guida-5/")
        .expect_not_found()
        .unwrap();
    let cards = server.list("/guides/").expect("the guides list");
    assert!(card_for(&cards, "/guides/guida-5/").is_none(), "{cards:?}");
}
