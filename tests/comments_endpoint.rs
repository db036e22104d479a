//! `piazza comments serve`: what it accepts into the queue, what it refuses (with the
//! status, writing nothing), and that concurrent posts lose nothing.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use common::TestSite;
use piazza::comments::endpoint::{self, Endpoint, EndpointOptions, Limits};
use piazza::comments::token::Key;

const PAGE: &str = "/guides/aperti/";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The fixture with an empty queue, and its endpoint on a free loopback port.
fn serve(per_minute: u32) -> (TestSite, Endpoint, Key) {
    let site = TestSite::fixture("comments");
    std::fs::remove_dir_all(site.path("comments-pending")).unwrap();
    let server = endpoint::start(EndpointOptions {
        site: site.root().to_path_buf(),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        limits: Limits { per_minute },
        trust_proxy: false,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let key = Key::load_or_create(site.root()).unwrap();
    (site, server, key)
}

/// Sends one raw HTTP request; returns the status and the whole answer.
fn send(addr: SocketAddr, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    // A refused oversized body may close the socket before all of it is written.
    let _ = s.write_all(request);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    (status, answer)
}

fn post(addr: SocketAddr, body: &str) -> (u16, String) {
    let request = format!(
        "POST /commenti HTTP/1.1\r\nHost: ricevi.example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    send(addr, request.as_bytes())
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A form as the page sends it, rendered `age` seconds ago.
fn form(key: &Key, age: i64, extra: &[(&str, &str)]) -> String {
    let token = key.sign(PAGE, now() - age);
    let mut fields = vec![
        ("page", PAGE.to_string()),
        ("token", token),
        ("name", "Anna Rossi".into()),
        ("email", "anna.rossi@posta.example.it".into()),
        ("website", "https://anna.example.it/".into()),
        ("body", "Un commento <b>vero</b>, con caffè ☕.".into()),
        ("fax", String::new()),
    ];
    for (k, v) in extra {
        match fields.iter_mut().find(|(f, _)| f == k) {
            Some(f) => f.1 = v.to_string(),
            None => fields.push((k, v.to_string())),
        }
    }
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn queued(site: &TestSite) -> Vec<std::path::PathBuf> {
    let dir = site.path("comments-pending");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn a_good_post_is_queued_with_the_email_and_redirected_to_the_thanks_page() {
    let (site, server, key) = serve(0);
    let (status, answer) = post(server.addr, &form(&key, 10, &[]));
    assert_eq!(status, 303, "{answer}");
    assert!(
        answer.contains("Location: https://commenti.example.org/blog/comments/thanks/")
            || answer.contains("location: https://commenti.example.org/blog/comments/thanks/"),
        "{answer}"
    );
    let files = queued(&site);
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("anna.rossi@posta.example.it"), "{text}");
    assert!(text.contains("caffè ☕"), "{text}");
    assert!(text.contains("source: guides/aperti.md"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the queue file is readable by others: {mode:o}"
        );
    }
    // Approved and rebuilt, it is on the page, its HTML escaped, its email nowhere.
    let id = files[0].file_stem().unwrap().to_str().unwrap().to_string();
    piazza::comments::moderate::approve(site.root(), &id).unwrap();
    server.shutdown();
    site.build_ok(&[]);
    let doc = site.html("guides/aperti/index.html");
    assert_eq!(
        doc.text(&format!("#comment-{id} .comment-author a")),
        "Anna Rossi"
    );
    assert!(doc
        .text(&format!("#comment-{id} .comment-body"))
        .contains("<b>vero</b>"));
    assert!(
        !std::fs::read_to_string(site.out().join("guides/aperti/index.html"))
            .unwrap()
            .contains("anna.rossi@")
    );
}

#[test]
fn bad_posts_are_refused_with_their_status_and_write_nothing() {
    let (site, server, key) = serve(0);
    let a = server.addr;
    let long = "x".repeat(5001);
    let cases: Vec<(&str, u16, String)> = vec![
        (
            "honeypot filled",
            400,
            form(&key, 10, &[("fax", "0612345678")]),
        ),
        ("too fast", 422, form(&key, 0, &[])),
        // The token is signed for the guide, the post names the thesis.
        (
            "another page's token",
            403,
            form(&key, 10, &[("page", "/theses/01-ascoltare/")]),
        ),
        (
            "forged token",
            403,
            form(
                &key,
                10,
                &[("token", "1000-00000000000000000000000000000000")],
            ),
        ),
        ("no token", 403, form(&key, 10, &[("token", "")])),
        (
            "not a page of the site",
            404,
            form(&key, 10, &[("page", "/guides/non-esiste/")]),
        ),
        (
            "comments off",
            404,
            form(&key, 10, &[("page", "/guides/chiusa/")]),
        ),
        ("no email", 400, form(&key, 10, &[("email", "")])),
        (
            "bad email",
            400,
            form(&key, 10, &[("email", "anna at posta")]),
        ),
        ("no name", 400, form(&key, 10, &[("name", "  ")])),
        ("empty body", 400, form(&key, 10, &[("body", "")])),
        (
            "javascript website",
            400,
            form(&key, 10, &[("website", "javascript:alert(1)")]),
        ),
        (
            "bad reply_to",
            400,
            form(&key, 10, &[("reply_to", "../../x")]),
        ),
        (
            "body over the limit",
            413,
            form(&key, 10, &[("body", &long)]),
        ),
        ("broken escape", 400, "name=%zz&email=a%40b.it".to_string()),
        (
            "field twice",
            400,
            format!("{}&name=Altro", form(&key, 10, &[])),
        ),
    ];
    for (what, status, body) in &cases {
        let (got, answer) = post(a, body);
        assert_eq!(got, *status, "{what}: {answer}");
        assert!(queued(&site).is_empty(), "{what} wrote a file");
    }
    // Not a form, not a POST, a body larger than the endpoint reads.
    let json = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    assert_eq!(send(a, json.as_bytes()).0, 415);
    assert_eq!(send(a, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").0, 405);
    let huge = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        10 * 1024 * 1024
    );
    assert_eq!(send(a, huge.as_bytes()).0, 413);
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        70 * 1024,
        "a".repeat(70 * 1024)
    );
    assert_eq!(send(a, chunked.as_bytes()).0, 413);
    assert_eq!(
        send(
            a,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"
        )
        .0,
        400
    );
    assert!(queued(&site).is_empty());
    // The endpoint is still well after all of that.
    assert_eq!(post(a, &form(&key, 10, &[])).0, 303);
    assert_eq!(queued(&site).len(), 1);
    server.shutdown();
}

#[test]
fn one_address_is_rate_limited() {
    let (site, server, key) = serve(3);
    for _ in 0..3 {
        assert_eq!(post(server.addr, &form(&key, 10, &[])).0, 303);
    }
    let (status, answer) = post(server.addr, &form(&key, 10, &[]));
    assert_eq!(status, 429, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 60"),
        "{answer}"
    );
    assert_eq!(queued(&site).len(), 3);
    server.shutdown();
}

#[test]
fn two_hundred_concurrent_posts_make_two_hundred_files() {
    let (site, server, key) = serve(0);
    let addr = server.addr;
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let body = form(&key, 10, &[("body", &format!("Commento numero {i}"))]);
            std::thread::spawn(move || post(addr, &body).0)
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(statuses.iter().all(|&s| s == 303), "{statuses:?}");
    let files = queued(&site);
    assert_eq!(files.len(), 200);
    let mut bodies: Vec<String> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.lines()
                .find_map(|l| l.strip_prefix("body: "))
                .unwrap()
                .to_string()
        })
        .collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), 200, "a comment was lost or duplicated");
    server.shutdown();
    // No temporary file is left behind.
    let leftovers = std::fs::read_dir(site.path("comments-pending"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn a_write_cut_short_leaves_no_comment_and_is_cleaned_up() {
    let site = TestSite::fixture("comments");
    let dir = site.path("comments-pending");
    // What a kill between the write and the link leaves: a temporary file only.
    std::fs::write(dir.join(".tmp-0123456789abcdef"), "id: mezzo\nauthor: A").unwrap();
    let list = piazza::comments::moderate::list(site.root()).unwrap();
    assert!(!list.contains("mezzo"), "{list}");
    let server = endpoint::start(EndpointOptions {
        site: site.root().to_path_buf(),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        limits: Limits { per_minute: 0 },
        trust_proxy: false,
    })
    .unwrap();
    assert!(!dir.join(".tmp-0123456789abcdef").exists());
    server.shutdown();
    assert!(Path::new(&dir).is_dir());
}

#[test]
fn the_serve_command_listens_on_loopback_by_default() {
    let site = TestSite::fixture("comments");
    let help = common::piazza_str(&["comments", "serve", "--help"], site.tmp()).success();
    assert!(
        help.stdout.contains("[default: 127.0.0.1]"),
        "{}",
        help.stdout
    );
}
