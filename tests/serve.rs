//! The preview server (`piazza::serve`) through raw HTTP over TCP: what a browser, a
//! curious neighbour on the network, or a stuck client would see.
//!
//! Every wait is bounded by a socket read timeout or a deadline; nothing sleeps and
//! hopes.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use piazza::serve::{start, Events, ServeOptions, Server};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const SECRET: &str = "TOP-SECRET-OUTSIDE-THE-ROOT";
const INDEX: &str = "<!doctype html>\n<html><head><title>Home</title>\
<link rel=\"stylesheet\" href=\"/style.css\"></head>\n<body><h1>Home page</h1></body></html>\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image bytes";

/// A served output folder inside a temporary directory, with a secret file next to it.
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    server: Server,
    events: Arc<Events>,
}

impl Site {
    fn new() -> Site {
        Site::with(|_| {})
    }

    /// A site whose files can be adjusted by `edit` before the server starts.
    fn with(edit: impl FnOnce(&Path)) -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("public");
        let write = |path: &str, bytes: &[u8]| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        };
        write("index.html", INDEX.as_bytes());
        write("a/index.html", b"<html><body><p>Folder A</p></body></html>");
        write("a/b c.html", b"<p>spaced</p>");
        write("style.css", b"body { color: red }");
        write("app.js", b"console.log(1)");
        write("data.json", b"{}");
        write("feed.xml", b"<rss/>");
        write("robots.txt", b"User-agent: *");
        write("img/photo.png", PNG);
        write("img/photo.JPG", b"jpeg");
        write("img/icon.svg", b"<svg/>");
        write("fonts/f.woff2", b"woff2");
        write("doc.pdf", b"%PDF-1.4");
        write("blob.bin", b"\0\x01");
        write("noext", b"x");
        write(
            "404.html",
            b"<html><body><h1>Custom not found</h1></body></html>",
        );
        std::fs::create_dir_all(root.join("empty")).expect("mkdir");
        std::fs::write(dir.path().join("secret.txt"), SECRET).expect("write");
        std::fs::create_dir_all(dir.path().join("secretdir")).expect("mkdir");
        std::fs::write(dir.path().join("secretdir/index.html"), SECRET).expect("write");
        std::fs::write(dir.path().join("secretdir/secret.txt"), SECRET).expect("write");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link-out"))
                .expect("symlink");
            std::os::unix::fs::symlink("../secret.txt", root.join("rel-link-out.txt"))
                .expect("symlink");
            std::os::unix::fs::symlink(dir.path().join("secretdir"), root.join("dir-out"))
                .expect("symlink");
            std::os::unix::fs::symlink("style.css", root.join("link-in.css")).expect("symlink");
        }
        edit(&root);
        let events = Events::new();
        let server = start(
            ServeOptions {
                bind: LOCALHOST,
                port: 0,
                root: root.clone(),
            },
            events.clone(),
        )
        .expect("server starts");
        Site {
            _dir: dir,
            root,
            server,
            events,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    fn get(&self, target: &str) -> Response {
        request(
            self.addr(),
            &format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
}

/// Sends `raw` and reads the whole response (the server closes every connection).
fn request(addr: SocketAddr, raw: &str) -> Response {
    let mut stream = connect(addr);
    stream.write_all(raw.as_bytes()).expect("send request");
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> Response {
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .expect("the server answers and closes within the read timeout");
    parse_response(&bytes)
}

fn parse_response(bytes: &[u8]) -> Response {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(bytes)));
    let head = std::str::from_utf8(&bytes[..end]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    // An HTTP/1.0 request is answered in HTTP/1.0 (hyper speaks the client's version).
    assert!(
        status_line.starts_with("HTTP/1.1 ") || status_line.starts_with("HTTP/1.0 "),
        "{status_line}"
    );
    let status = status_line[9..12].parse().expect("status code");
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("header line");
            (name.trim().to_string(), value.trim().to_string())
        })
        .collect();
    Response {
        status,
        headers,
        body: bytes[end + 4..].to_vec(),
    }
}

/// Reads from `stream` until `needle` appears; returns everything read.
fn read_until(stream: &mut TcpStream, needle: &str, so_far: &mut String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut chunk = [0u8; 4096];
    while !so_far.contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no {needle:?} within 10 s; got {so_far:?}"
        );
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        match stream.read(&mut chunk) {
            Ok(0) => panic!("stream closed before {needle:?}; got {so_far:?}"),
            Ok(n) => so_far.push_str(&String::from_utf8_lossy(&chunk[..n])),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
}

/// Opens an event stream and waits for its response head: from then on the server has
/// registered it and it receives every event.
fn subscribe(addr: SocketAddr) -> (TcpStream, String) {
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /__piazza/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
        .expect("send");
    let mut got = String::new();
    read_until(&mut stream, "\r\n\r\n", &mut got);
    (stream, got)
}

#[test]
fn content_types_follow_the_extension() {
    let site = Site::new();
    let cases = [
        ("/index.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css"),
        ("/app.js", "javascript"),
        ("/data.json", "application/json"),
        ("/feed.xml", "xml"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/img/photo.png", "image/png"),
        ("/img/photo.JPG", "image/jpeg"),
        ("/img/icon.svg", "image/svg+xml"),
        ("/fonts/f.woff2", "font/woff2"),
        ("/doc.pdf", "application/pdf"),
        ("/blob.bin", "application/octet-stream"),
        ("/noext", "application/octet-stream"),
        ("/a/b%20c.html", "text/html"),
        ("/link-in.css", "text/css"),
    ];
    for (path, expected) in cases {
        let response = site.get(path);
        assert_eq!(response.status, 200, "{path}");
        let content_type = response.header("Content-Type").unwrap_or_default();
        assert!(
            content_type.contains(expected),
            "{path}: {content_type} should contain {expected}"
        );
        assert_eq!(response.header("Cache-Control"), Some("no-store"), "{path}");
        assert_eq!(response.header("Connection"), Some("close"), "{path}");
        assert_eq!(
            response.header("Content-Length"),
            Some(response.body.len().to_string().as_str()),
            "{path}"
        );
    }
    assert_eq!(site.get("/img/photo.png").body, PNG);
    // The query string is the page's business, not a different file; a fragment
    // (which browsers never send) is ignored as well.
    assert_eq!(site.get("/style.css?v=123").body, b"body { color: red }");
    assert_eq!(site.get("/style.css#top").body, b"body { color: red }");
    // HTTP/1.0 and bare LF line ends are understood.
    let old = request(site.addr(), "GET /style.css HTTP/1.0\n\n");
    assert_eq!(old.body, b"body { color: red }");
}

#[test]
fn folders_serve_their_index_and_never_a_listing() {
    let site = Site::new();
    let home = site.get("/");
    assert_eq!(home.status, 200);
    assert!(home.text().contains("Home page"));
    let a = site.get("/a/");
    assert_eq!(a.status, 200);
    assert!(a.text().contains("Folder A"));

    let redirect = site.get("/a");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/a/"));
    let redirect = site.get("/a?x=1");
    assert_eq!(redirect.header("Location"), Some("/a/?x=1"));
    // Empty segments are ignored, and never make a redirect to another host.
    let redirect = site.get("//a");
    assert_eq!(redirect.header("Location"), Some("/a/"));

    // A folder without index.html is not listed.
    let empty = site.get("/empty/");
    assert_eq!(empty.status, 404);
    assert!(
        empty.text().contains("Custom not found"),
        "{}",
        empty.text()
    );
    let img = site.get("/img/");
    assert_eq!(img.status, 404);
    assert!(!img.text().contains("photo"), "{}", img.text());
}

#[test]
fn missing_files_get_the_site_404_page() {
    let site = Site::new();
    for path in ["/nope", "/nope/", "/a/missing.html", "/img/x.png"] {
        let response = site.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(response.text().contains("Custom not found"), "{path}");
        assert!(response.text().contains("/__piazza/events"), "{path}");
    }
    let bare = Site::with(|root| std::fs::remove_file(root.join("404.html")).expect("rm"));
    let response = bare.get("/nope");
    assert_eq!(response.status, 404);
    assert!(response
        .header("Content-Type")
        .unwrap_or_default()
        .starts_with("text/plain"));
    assert!(response.text().contains("Not Found"));
}

#[test]
fn head_sends_the_headers_of_get_without_a_body() {
    let site = Site::new();
    for path in ["/", "/img/photo.png", "/nope"] {
        let get = site.get(path);
        let head = request(
            site.addr(),
            &format!("HEAD {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        );
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}: {:?}", head.text());
        assert_eq!(
            head.header("Content-Length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
        assert_eq!(head.header("Content-Type"), get.header("Content-Type"));
    }
}

#[test]
fn other_methods_get_405() {
    let site = Site::new();
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let response = request(
            site.addr(),
            &format!("{method} / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nx=1"),
        );
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.header("Allow"), Some("GET, HEAD"));
    }
}

#[test]
fn malformed_requests_get_400() {
    let site = Site::new();
    for raw in [
        "GARBAGE\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/1.1 extra\r\n\r\n",
        "GET / SPDY/3\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(request(site.addr(), raw).status, 400, "{raw:?}");
    }
}

#[test]
fn nothing_outside_the_root_is_ever_served() {
    let site = Site::new();
    let outside = site.root.parent().expect("parent").join("secret.txt");
    let absolute = outside.to_string_lossy().into_owned();
    let targets = [
        "/../secret.txt".to_string(),
        "/%2e%2e/secret.txt".into(),
        "/%2E%2E/secret.txt".into(),
        "/.%2e/secret.txt".into(),
        "/a/../../secret.txt".into(),
        "/a/%2e%2e/%2e%2e/secret.txt".into(),
        "/..%2fsecret.txt".into(),
        "/%2e%2e%2fsecret.txt".into(),
        "/a/..%2f..%2fsecret.txt".into(),
        "/..\\secret.txt".into(),
        "/%5c..%5csecret.txt".into(),
        "/a\\..\\..\\secret.txt".into(),
        "//etc/passwd".into(),
        "/%2fetc%2fpasswd".into(),
        format!("/{absolute}"),
        format!("/{}", absolute.replace('/', "%2f")),
        absolute.clone(),
        "/C:/secret.txt".into(),
        "/c:%5csecret.txt".into(),
        "secret.txt".into(),
        "../secret.txt".into(),
        "http://localhost/../secret.txt".into(),
        "/link-out".into(),
        "/rel-link-out.txt".into(),
        "/dir-out".into(),
        "/dir-out/".into(),
        "/dir-out/secret.txt".into(),
        "/secret.txt%00.html".into(),
        "/%ff%fe".into(),
        "/%zz".into(),
        "/%".into(),
    ];
    for target in &targets {
        for method in ["GET", "HEAD"] {
            let response = request(
                site.addr(),
                &format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            );
            assert!(
                matches!(response.status, 400 | 404),
                "{method} {target}: status {}",
                response.status
            );
            let text = response.text();
            assert!(
                !text.contains(SECRET),
                "{method} {target} leaked the secret"
            );
            assert!(
                !text.contains("root:"),
                "{method} {target} leaked /etc/passwd"
            );
        }
    }
    // The checks are not so strict that ordinary names fail.
    assert_eq!(site.get("/a/./index.html").status, 200);
    assert_eq!(site.get("/a/b%20c.html").status, 200);
}

#[test]
fn html_responses_carry_the_live_reload_script_but_files_on_disk_do_not() {
    let site = Site::new();
    let response = site.get("/index.html");
    let text = response.text();
    assert!(
        text.contains("new EventSource(\"/__piazza/events\")"),
        "{text}"
    );
    let script = text.find("<script").expect("script injected");
    let body_end = text.rfind("</body>").expect("body end kept");
    assert!(script < body_end, "the script goes before </body>");
    assert!(text.starts_with("<!doctype html>"));
    assert!(text.contains("piazza-error"));
    assert!(text.contains("textContent"));
    assert!(
        !text.contains("innerHTML"),
        "the error message is never parsed as HTML"
    );
    assert_eq!(
        response.header("Content-Length"),
        Some(text.len().to_string().as_str())
    );
    assert_eq!(
        std::fs::read_to_string(site.root.join("index.html")).expect("read"),
        INDEX,
        "the built file is untouched"
    );

    // Without </body> the script is appended.
    let fragment = site.get("/a/b%20c.html").text();
    assert!(fragment.starts_with("<p>spaced</p><script"), "{fragment}");
    // Other types are served byte for byte.
    assert_eq!(site.get("/style.css").body, b"body { color: red }");
}

#[test]
fn events_reach_open_pages() {
    let site = Site::new();
    let (mut page, head) = subscribe(site.addr());
    let head = parse_response(head.as_bytes());
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Type"), Some("text/event-stream"));
    assert_eq!(head.header("Cache-Control"), Some("no-store"));
    assert_eq!(site.events.clients(), 1);

    let mut got = String::new();
    site.events.reload();
    read_until(&mut page, "event: reload\ndata: 1\n\n", &mut got);
    got.clear();
    site.events.css();
    read_until(&mut page, "event: css\ndata: 1\n\n", &mut got);
    got.clear();
    site.events
        .error("templates/guide.html:3: unknown filter\n<b>x</b> & y");
    read_until(
        &mut page,
        "event: error\ndata: templates/guide.html:3: unknown filter\ndata: <b>x</b> & y\n\n",
        &mut got,
    );

    // A page that went away is dropped at the next event, the others still get it.
    let (mut other, _) = subscribe(site.addr());
    drop(page);
    let deadline = Instant::now() + Duration::from_secs(10);
    while site.events.clients() > 1 {
        assert!(
            Instant::now() < deadline,
            "the closed page is never dropped"
        );
        site.events.reload();
        std::thread::yield_now();
    }
    let mut got = String::new();
    read_until(&mut other, "event: reload", &mut got);
}

#[test]
fn a_pending_error_reaches_pages_that_connect_later_until_a_good_build() {
    let site = Site::new();
    site.events.error("content/a.md:2: bad YAML");
    let (mut late, mut got) = subscribe(site.addr());
    read_until(
        &mut late,
        "event: error\ndata: content/a.md:2: bad YAML\n\n",
        &mut got,
    );

    site.events.reload();
    let (mut after, mut got) = subscribe(site.addr());
    site.events.css();
    read_until(&mut after, "event: css", &mut got);
    assert!(
        !got.contains("event: error"),
        "the error was cleared: {got}"
    );

    site.events.error("first");
    site.events.css();
    let (mut after_css, mut got) = subscribe(site.addr());
    site.events.reload();
    read_until(&mut after_css, "event: reload", &mut got);
    assert!(!got.contains("event: error"), "css() clears it too: {got}");
}

#[test]
fn event_streams_are_capped() {
    let site = Site::new();
    let pages: Vec<TcpStream> = (0..64).map(|_| subscribe(site.addr()).0).collect();
    let extra = request(
        site.addr(),
        "GET /__piazza/events HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    assert_eq!(extra.status, 503);
    // Ordinary pages are still served.
    assert_eq!(site.get("/").status, 200);
    drop(pages);
    // Once the pages are gone, their slots are freed for new ones.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut stream = connect(site.addr());
        stream
            .write_all(b"GET /__piazza/events HTTP/1.1\r\n\r\n")
            .expect("send");
        let mut got = String::new();
        read_until(&mut stream, "\r\n\r\n", &mut got);
        if got.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "slots never freed: {got}");
    }
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    let taken = TcpListener::bind((LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(
        ServeOptions {
            bind: LOCALHOST,
            port,
            root: dir.path().to_path_buf(),
        },
        Events::new(),
    )
    .expect("starts on another port");
    let took = server.addr.port();
    assert!(
        took > port && took <= port + 10,
        "asked for {port}, took {took}"
    );
    assert_eq!(server.addr.ip(), LOCALHOST);
    assert_eq!(request(server.addr, "GET / HTTP/1.1\r\n\r\n").status, 404);
    server.shutdown();
}

#[test]
fn all_ports_taken_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Find a run of 11 free ports and hold them all.
    let mut held = Vec::new();
    for _ in 0..50 {
        let first = TcpListener::bind((LOCALHOST, 0)).expect("bind");
        let port = first.local_addr().expect("addr").port();
        if port > u16::MAX - 10 {
            continue;
        }
        let rest: Result<Vec<_>, _> = (port + 1..=port + 10)
            .map(|p| TcpListener::bind((LOCALHOST, p)))
            .collect();
        if let Ok(rest) = rest {
            held.push(first);
            held.extend(rest);
            break;
        }
    }
    assert_eq!(held.len(), 11, "no run of 11 free ports found");
    let port = held[0].local_addr().expect("addr").port();
    let error = start(
        ServeOptions {
            bind: LOCALHOST,
            port,
            root: dir.path().to_path_buf(),
        },
        Events::new(),
    )
    .expect_err("every port is taken");
    let text = error.to_string();
    assert!(text.contains(&format!("port {port}")), "{text}");
    assert!(text.contains("in use"), "{text}");
    assert!(text.contains("--port"), "{text}");
}

#[test]
fn idle_connections_do_not_block_other_requests() {
    let site = Site::new();
    let idle: Vec<TcpStream> = (0..70).map(|_| connect(site.addr())).collect();
    let started = Instant::now();
    let response = site.get("/");
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn a_client_that_stops_mid_request_gets_408() {
    let site = Site::new();
    let started = Instant::now();
    let mut slow = connect(site.addr());
    slow.write_all(b"GET / HT").expect("send");
    let response = read_response(&mut slow);
    assert_eq!(response.status, 408);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "408 after {:?}",
        started.elapsed()
    );
}

#[test]
fn oversized_request_heads_are_refused() {
    let site = Site::new();
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let mut stream = connect(site.addr());
    // The server may answer before reading everything; what matters is the answer.
    let _ = stream.write_all(raw.as_bytes());
    assert_eq!(read_response(&mut stream).status, 431);
    // Just under the limit is fine.
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(15 * 1024)
    );
    assert_eq!(request(site.addr(), &raw).status, 200);
}

#[test]
fn shutdown_stops_accepting() {
    let site = Site::new();
    let addr = site.addr();
    assert_eq!(site.get("/").status, 200);
    site.server.shutdown();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            _ => assert!(Instant::now() < deadline, "still accepting after shutdown"),
        }
        std::thread::yield_now();
    }
}

#[test]
fn piazza_files_in_the_output_are_never_served() {
    let site = Site::with(|root| {
        std::fs::write(root.join(".piazza-output"), "written by piazza").expect("marker");
        std::fs::write(root.join(".piazza-lock"), "1234").expect("lock");
        std::fs::write(root.join("a/.index.html.piazza-tmp"), "half a page").expect("tmp");
        std::fs::create_dir_all(root.join(".well-known")).expect("mkdir");
        std::fs::write(root.join(".well-known/security.txt"), "Contact: x").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(".piazza-output", root.join("marker.txt")).expect("symlink");
    });
    for target in [
        "/.piazza-output",
        "/%2epiazza-output",
        "/.piazza-output/",
        "/.piazza-lock",
        "/a/.index.html.piazza-tmp",
        "/marker.txt",
    ] {
        for method in ["GET", "HEAD"] {
            let response = request(
                site.addr(),
                &format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            );
            assert_eq!(response.status, 404, "{method} {target}");
            let text = response.text();
            assert!(
                !text.contains("written by piazza") && !text.contains("half a page"),
                "{method} {target} served piazza's own file: {text}"
            );
        }
    }
    // A site's own dotfiles are published, and served.
    let security = site.get("/.well-known/security.txt");
    assert_eq!(security.status, 200);
    assert_eq!(security.text(), "Contact: x");
}

/// Normal GETs while 200 clients send their request a byte every 200 ms and 8 clients
/// have asked for a 16 MB file without reading it: each must be answered within 1 s.
#[test]
fn slow_and_stalled_clients_do_not_delay_normal_requests() {
    const SLOW: usize = 200;
    const STALLED: usize = 8;
    let site = Site::with(|root| {
        std::fs::write(root.join("big.bin"), vec![7u8; 16 << 20]).expect("big file");
    });
    let addr = site.addr();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let slow = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n";
            let mut clients: Vec<TcpStream> = (0..SLOW).map(|_| connect(addr)).collect();
            let mut sent = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                // The server may give up on a client; the others carry on.
                clients.retain_mut(|c| c.write_all(&head[sent % head.len()..][..1]).is_ok());
                sent += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let stalled: Vec<TcpStream> = (0..STALLED)
        .map(|_| {
            let mut stream = connect(addr);
            stream
                .write_all(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .expect("send");
            stream
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for i in 0..30 {
        let started = Instant::now();
        let response = site.get(if i % 2 == 0 { "/" } else { "/style.css" });
        let took = started.elapsed();
        assert_eq!(response.status, 200, "GET {i}");
        assert!(took < Duration::from_secs(1), "GET {i} took {took:?}");
        slowest = slowest.max(took);
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    slow.join().expect("slow clients");
    drop(stalled);
    eprintln!("slowest of 30 GETs under abuse: {slowest:?}");
}

/// On loopback the preview answers only requests for a loopback name: a page on
/// another site whose name was pointed at 127.0.0.1 (DNS rebinding) reads nothing.
#[test]
fn requests_for_other_host_names_are_refused() {
    let site = Site::new();
    let port = site.addr().port();
    for host in [
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let response = request(
            site.addr(),
            &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        );
        assert_eq!(response.status, 200, "Host: {host}");
    }
    for host in [
        format!("rebind.attacker.example:{port}"),
        "localhost.attacker.example".to_string(),
    ] {
        for path in ["/", "/__piazza/events"] {
            let response = request(
                site.addr(),
                &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"),
            );
            assert_eq!(response.status, 403, "Host: {host} {path}");
            assert!(response.text().contains("localhost"), "{}", response.text());
        }
    }
}
