//! A real S3 API server for deploy tests: moto's `moto_server` on 127.0.0.1, started
//! by the test that needs it and stopped when it is dropped, and a small client that
//! reads what a browser or CDN would get from it (objects, their headers, listings).
//!
//! `.ci/run` installs moto into `~/.cache/piazza/moto`; `MOTO_SERVER` names another
//! binary. Without one the tests say so and skip.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// One object as a HEAD or GET returns it.
#[derive(Debug)]
pub struct Object {
    /// HTTP status.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// The body (empty for HEAD).
    pub body: Vec<u8>,
}

impl Object {
    /// A header's value, or "" when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Where the moto server binary is, if installed.
pub fn moto_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let cached = home.join(".cache/piazza/moto/bin/moto_server");
    if cached.is_file() {
        return Some(cached);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
}

impl Moto {
    /// Starts a server on a free port; `None` (with a notice) when moto is not installed.
    pub fn start() -> Option<Moto> {
        Moto::start_with(&[])
    }

    /// Starts a server with extra environment variables.
    pub fn start_with(env: &[(&str, &str)]) -> Option<Moto> {
        let Some(binary) = moto_binary() else {
            eprintln!("skipping: moto_server not found (pip install \"moto[server]\", or set MOTO_SERVER)");
            return None;
        };
        // Tests start servers in parallel: a free port can be handed out twice, and the
        // server that loses the race exits while the probe reaches the other one. So a
        // start counts only when our own server answers and is still running.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port");
            let mut command = Command::new(&binary);
            command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for (k, v) in env {
                command.env(k, v);
            }
            let child = command
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
            let mut moto = Moto { child, port };
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut exited = false;
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if moto.child.try_wait().ok().flatten().is_some() {
                    exited = true;
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "moto_server did not start on port {port}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            std::thread::sleep(Duration::from_millis(200));
            if exited || moto.child.try_wait().ok().flatten().is_some() {
                continue;
            }
            return Some(moto);
        }
        panic!("moto_server exited at start five times (is its port taken?)");
    }

    /// The endpoint a target URL names.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends one request and reads the whole answer. moto without authentication
    /// checks only that a request carries credentials, so a fixed header does.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Object {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send");
        stream.write_all(body).expect("send body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read answer");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Object {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, bucket: &str) {
        let r = self.request("PUT", &format!("/{bucket}"), &[], b"");
        assert_eq!(r.status, 200, "create bucket {bucket}");
    }

    /// Puts an object as another tool would (no piazza metadata).
    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) {
        let r = self.request(
            "PUT",
            &format!("/{bucket}/{}", encode(key)),
            &[("Content-Type", "application/octet-stream")],
            body,
        );
        assert_eq!(r.status, 200, "put {key}");
    }

    /// HEAD of an object.
    pub fn head(&self, bucket: &str, key: &str) -> Object {
        self.request("HEAD", &format!("/{bucket}/{}", encode(key)), &[], b"")
    }

    /// GET of an object.
    pub fn get(&self, bucket: &str, key: &str) -> Object {
        self.request("GET", &format!("/{bucket}/{}", encode(key)), &[], b"")
    }

    /// Every object of a bucket: key -> (ETag, size).
    pub fn list(&self, bucket: &str) -> BTreeMap<String, (String, u64)> {
        let mut out = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("/{bucket}?list-type=2");
            if let Some(t) = &token {
                path.push_str(&format!("&continuation-token={}", encode(t)));
            }
            let r = self.request("GET", &path, &[], b"");
            assert_eq!(
                r.status,
                200,
                "list {bucket}: {}",
                String::from_utf8_lossy(&r.body)
            );
            let text = String::from_utf8_lossy(&r.body).into_owned();
            let doc = roxmltree::Document::parse(&text).expect("a listing");
            let child = |n: roxmltree::Node, name: &str| {
                n.children()
                    .find(|c| c.tag_name().name() == name)
                    .and_then(|c| c.text())
                    .unwrap_or("")
                    .to_string()
            };
            for c in doc
                .descendants()
                .filter(|n| n.tag_name().name() == "Contents")
            {
                out.insert(
                    child(c, "Key"),
                    (child(c, "ETag"), child(c, "Size").parse().unwrap_or(0)),
                );
            }
            let root = doc.root_element();
            if child(root, "IsTruncated") != "true" {
                return out;
            }
            token = Some(child(root, "NextContinuationToken"));
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A key percent-encoded for a request path (slashes kept).
pub fn encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
