//! The preview server behind `piazza serve`: static files from the output folder, plus a
//! live-reload channel to every open page.
//!
//! HTTP is hyper's, on a small tokio runtime of its own thread, so the rest of piazza
//! (rendering on rayon, the file watcher) stays synchronous. Because it serves files
//! from disk to a browser, and may be bound to a LAN address, it is written
//! defensively:
//!
//! - **No access outside the output folder**: see [`files`].
//! - **Bounded resources, and no client can starve the others.** Every connection is a
//!   task, not a thread: a client that sends its request a byte at a time, or never
//!   reads a 50 MB answer, costs a task and a 64 KiB buffer, while other requests are
//!   answered at once. A request head must arrive within [`READ_TIMEOUT`] (else 408)
//!   and be at most [`MAX_HEAD`] (else 431); an answer must be taken within
//!   [`RESPONSE_DEADLINE`]. At most [`MAX_CONNECTIONS`] are open: beyond, a new one
//!   takes the slot of the oldest whose request head is still arriving (see
//!   [`slots`]), or gets a 503 at once. Files are streamed in chunks, never read whole.
//! - **Live reload that never waits on a page.** Pages open an `EventSource`; each
//!   stream reads from a small queue that [`Events`] fills after a rebuild, and a page
//!   that stops reading is dropped (its browser reconnects).
//!
//! The built files on disk are never modified: the live-reload script is injected into
//! HTML responses only, so `build` output never contains it.

mod events;
mod files;
mod http;
mod slots;

/// The Content-Type of a file by its extension, as the preview serves it and a deploy stores it.
pub use files::content_type;

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::Error;
pub use events::Events;
use http::{Progress, Site};
use slots::{Slot, Slots};

/// The URL path of the live-reload event stream. Under `/__piazza/` so that it cannot
/// collide with a page of the site (slugs never start with `_`).
pub const EVENTS_PATH: &str = "/__piazza/events";

/// Open connections; beyond this, 503. Each costs a task and its buffers, so the limit
/// is high; it stays under the 1,024 open files many systems allow a process.
const MAX_CONNECTIONS: usize = 512;
/// The largest request head accepted (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// hyper's read buffer: larger than [`MAX_HEAD`], so an oversized head is read whole
/// and answered with 431 (closing a socket with unread data makes the kernel reset the
/// connection, and the client may lose the answer).
const READ_BUFFER: usize = 64 * 1024;
/// How long a client may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long sending one whole response may take (event streams excepted): a client
/// that reads a byte every few seconds, or nothing, is given up.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(60);
/// How often open event streams get a comment line, so dead ones are noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How many ports after the requested one are tried when it is taken.
const PORT_TRIES: u16 = 10;

/// Where and what to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (the CLI default is 127.0.0.1: the preview is private).
    pub bind: IpAddr,
    /// The port to try first; 0 lets the system pick one.
    pub port: u16,
    /// The output folder to serve.
    pub root: PathBuf,
}

/// A running server. It runs until [`Server::shutdown`] or the end of the process;
/// dropping this value does not stop it.
#[derive(Debug)]
pub struct Server {
    /// The address actually listened on (the port may be a later one than asked for).
    pub addr: SocketAddr,
    stop: Arc<Notify>,
}

impl Server {
    /// Stops the server: the port is closed and open connections are ended.
    pub fn shutdown(self) {
        self.stop.notify_one();
    }
}

/// Binds (if the port is taken, tries the next 10 ports and says which one it took in
/// the returned addr; if all are taken, an error that says the port is in use and
/// suggests --port), starts the server's thread and returns.
pub fn start(options: ServeOptions, events: Arc<Events>) -> Result<Server, Error> {
    // Canonical once, so every served file can be checked against it with starts_with.
    let root = options
        .root
        .canonicalize()
        .map_err(|e| Error::io(&options.root, &e))?;
    if !root.is_dir() {
        return Err(Error::in_file(
            &options.root,
            "the output folder is not a folder",
        ));
    }
    let listener = bind(options.bind, options.port)?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot read the server's address: {e}")))?;
    let fail = |e: io::Error| Error::new(format!("cannot start the server: {e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        // File lookups and reads; a preview needs few at once.
        .max_blocking_threads(16)
        .thread_name("piazza-serve-files")
        .build()
        .map_err(fail)?;
    listener.set_nonblocking(true).map_err(fail)?;
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(fail)?
    };
    let stop = Arc::new(Notify::new());
    let site = Arc::new(Site {
        root,
        events,
        loopback: options.bind.is_loopback(),
    });
    let stopped = Arc::clone(&stop);
    thread::Builder::new()
        .name("piazza-serve".into())
        .spawn(move || {
            runtime.block_on(run(listener, site, &stopped));
            runtime.shutdown_timeout(Duration::from_secs(1));
        })
        .map_err(fail)?;
    Ok(Server { addr, stop })
}

/// Binds `ip:port`, or the first free one of the next [`PORT_TRIES`] ports: a second
/// preview (another site, or one left running) should not stop a writer from working.
fn bind(ip: IpAddr, port: u16) -> Result<TcpListener, Error> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_TRIES)
    };
    for candidate in port..=last {
        match TcpListener::bind((ip, candidate)) {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => {
                let hint = if e.kind() == io::ErrorKind::PermissionDenied {
                    "ports below 1024 need administrator rights; choose another with --port"
                } else {
                    "check the address given with --bind, or choose another port with --port"
                };
                return Err(Error::new(format!(
                    "cannot listen on {}: {e}",
                    SocketAddr::new(ip, candidate)
                ))
                .hint(hint));
            }
        }
    }
    let tried = if last > port {
        format!(" (and so are ports {} to {last})", port + 1)
    } else {
        String::new()
    };
    Err(
        Error::new(format!("port {port} on {ip} is in use{tried}"))
            .hint("another program, or another piazza serve, is using it; choose a free port with --port, e.g. --port 8080"),
    )
}

/// Accepts connections until `stop`, each served by a task of its own.
async fn run(listener: tokio::net::TcpListener, site: Arc<Site>, stop: &Notify) {
    let events = Arc::clone(&site.events);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(KEEPALIVE).await;
            events.ping();
        }
    });
    let slots = Slots::new(MAX_CONNECTIONS);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.notified() => return,
        };
        match accepted {
            Ok((stream, _)) => {
                let progress = Progress::new();
                match slots.take(&progress) {
                    Some(slot) => {
                        let id = slot.id();
                        let site = Arc::clone(&site);
                        let task = tokio::spawn(connection(stream, site, progress, slot));
                        slots.served_by(id, task.abort_handle());
                    }
                    None => refuse(&stream),
                }
            }
            // Out of file descriptors and the like: wait a little for connections to
            // close instead of spinning on the same error.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Serves the one request of a connection (no keep-alive: a preview on this machine
/// gains nothing from it, and every answer ends cleanly with the connection), within
/// the deadlines.
async fn connection(stream: TcpStream, site: Arc<Site>, progress: Arc<Progress>, _slot: Slot) {
    let accepted = Instant::now();
    let _ = stream.set_nodelay(true);
    let service = {
        let progress = Arc::clone(&progress);
        service_fn(move |request| {
            Box::pin(http::handle(
                Arc::clone(&site),
                Arc::clone(&progress),
                request,
            ))
        })
    };
    let mut conn = http1::Builder::new()
        .keep_alive(false)
        .title_case_headers(true)
        .max_buf_size(READ_BUFFER)
        .max_header_size(MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = &mut conn => return,
        () = tokio::time::sleep_until(accepted + READ_TIMEOUT) => {}
    }
    if !progress.head_read() {
        // hyper would close without a word; the client is told why.
        let mut stream = conn.into_parts().io.into_inner();
        let answer = simple_response(408, "the request did not arrive in time\n");
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            stream.write_all(answer.as_bytes()).await?;
            stream.shutdown().await
        })
        .await;
    } else if progress.streaming() {
        let _ = conn.await;
    } else {
        let _ = tokio::time::timeout_at(accepted + RESPONSE_DEADLINE, conn).await;
    }
}

/// Answers 503 to a connection there is no room for, without waiting on it: the write
/// is a few bytes into an empty socket buffer, and is given up if it would block.
fn refuse(stream: &TcpStream) {
    let response = simple_response(503, "the preview server is busy; try again\n");
    let _ = stream.try_write(response.as_bytes());
}

/// A complete plain text response, for the answers given outside hyper.
fn simple_response(status: u16, text: &str) -> String {
    let reason = match status {
        408 => "Request Timeout",
        _ => "Service Unavailable",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Retry-After: 1\r\n\
         Connection: close\r\n\
         \r\n\
         {text}",
        text.len()
    )
}
