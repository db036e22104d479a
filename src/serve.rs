//! The preview server behind `piazza serve`: static files from the output folder, plus a
//! live-reload channel to every open page.
//!
//! It is a small hand-rolled HTTP/1.1 server on `std::net`, because a preview needs very
//! little (GET, HEAD, one event stream) and every dependency is code to audit and compile.
//! Because it serves files from disk to a browser, and may be bound to a LAN address, it
//! is written defensively:
//!
//! - **No access outside the output folder.** Paths are percent-decoded strictly, `..`,
//!   backslashes and drive prefixes are refused, and the file finally opened must, once
//!   canonicalized, still be inside the canonicalized root (so a symlink pointing out is
//!   a 404). There is never a directory listing.
//! - **Bounded resources.** One accept thread, one thread that collects request heads
//!   from all connections without blocking on any of them, and a fixed pool of workers
//!   fed by a bounded queue. When a queue is full the client gets a 503 at once instead
//!   of waiting; a client that sends nothing is dropped after a few seconds; a request
//!   head is at most 16 KiB. A slow or silent client therefore never holds a worker.
//! - **Live reload without a thread per page.** Pages open an `EventSource`; the stream
//!   is handed over to [`Events`], which writes to all of them when a rebuild finishes.
//!
//! The built files on disk are never modified: the live-reload script is injected into
//! HTML responses only, so `build` output never contains it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;

/// The URL path of the live-reload event stream. Under `/__piazza/` so that it cannot
/// collide with a page of the site (slugs never start with `_`).
pub const EVENTS_PATH: &str = "/__piazza/events";

/// Worker threads that answer requests. Answering is reading a file and writing it to a
/// socket, so a few are plenty for one writer's browser.
const WORKERS: usize = 8;
/// Requests with a complete head waiting for a worker; beyond this, 503.
const QUEUE: usize = 64;
/// Connections whose request head is still being received; beyond this, 503. Also the
/// size of the hand-over from the accept thread, so that a burst of connections (say 70
/// at once while the CPU is busy with a rebuild) waits for the head reader to run
/// instead of being refused.
const MAX_PENDING: usize = 256;
/// Open live-reload streams; beyond this, 503 (a writer has a few tabs, not hundreds).
const MAX_EVENT_CLIENTS: usize = 64;
/// The largest request head accepted (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a write of a response may block before the client is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long sending one whole response may take. The write timeout alone would let a
/// client that reads a byte every few seconds hold a worker for as long as it likes.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(60);
/// How often open event streams get a comment line, so dead ones are noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How many ports after the requested one are tried when it is taken.
const PORT_TRIES: u16 = 10;

/// Live-reload channel to every open page.
///
/// The server hands each `/__piazza/events` connection to this object, which keeps the
/// socket (non-blocking, so a stalled page can never stall a rebuild) and writes
/// Server-Sent Events to all of them. A write that fails or would block drops that page;
/// its browser reconnects by itself.
pub struct Events {
    state: Mutex<EventState>,
}

struct EventState {
    clients: Vec<TcpStream>,
    /// The message of the last failed build, until a good one; sent to pages that
    /// connect meanwhile, so a page opened after the failure shows it too.
    error: Option<String>,
}

impl Events {
    /// A channel with no pages connected and no pending error.
    pub fn new() -> Arc<Events> {
        Arc::new(Events {
            state: Mutex::new(EventState {
                clients: Vec::new(),
                error: None,
            }),
        })
    }

    /// After a successful rebuild: open pages reload (and any error overlay goes away).
    pub fn reload(&self) {
        let mut state = self.lock();
        state.error = None;
        broadcast(&mut state.clients, b"event: reload\ndata: 1\n\n");
    }

    /// After a rebuild that changed only CSS files: pages swap their stylesheets without
    /// a reload.
    pub fn css(&self) {
        let mut state = self.lock();
        state.error = None;
        broadcast(&mut state.clients, b"event: css\ndata: 1\n\n");
    }

    /// A rebuild failed: pages show `message` (plain text, may contain < & etc.) in an
    /// overlay; remembered and sent to pages that connect later, until the next
    /// [`reload`](Self::reload) or [`css`](Self::css).
    pub fn error(&self, message: &str) {
        let frame = error_frame(message);
        let mut state = self.lock();
        state.error = Some(message.to_string());
        broadcast(&mut state.clients, frame.as_bytes());
    }

    /// How many pages are connected (dead connections not yet noticed included).
    pub fn clients(&self) -> usize {
        self.lock().clients.len()
    }

    /// Takes over an event-stream connection whose request has been read: writes the
    /// response head (and the pending error, if any) and keeps the stream. Gives the
    /// stream back when the channel is full.
    fn subscribe(&self, mut stream: TcpStream) -> Result<(), TcpStream> {
        let mut state = self.lock();
        // Pages that were closed or reloaded leave their streams behind; drop those
        // first so they do not count against the limit.
        state.clients.retain(is_alive);
        if state.clients.len() >= MAX_EVENT_CLIENTS {
            return Err(stream);
        }
        let mut hello = String::from(
            "HTTP/1.1 200 OK\r\n\
             Content-Type: text/event-stream\r\n\
             Cache-Control: no-store\r\n\
             Connection: close\r\n\
             X-Accel-Buffering: no\r\n\
             \r\n\
             retry: 1000\n\n",
        );
        if let Some(message) = &state.error {
            hello.push_str(&error_frame(message));
        }
        // Written under the lock, so no event can slip between the head and the
        // registration: once a client has read the head, it receives every later event.
        if stream.set_nonblocking(true).is_ok() && write_frame(&mut stream, hello.as_bytes()) {
            state.clients.push(stream);
        }
        Ok(())
    }

    /// Sends a comment line to every page, dropping the ones that are gone.
    fn ping(&self) {
        broadcast(&mut self.lock().clients, b": ping\n\n");
    }

    /// The state is only ever left consistent, so a panic elsewhere while holding the
    /// lock is no reason to stop live reload.
    fn lock(&self) -> MutexGuard<'_, EventState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An `error` event: one `data:` line per line of the message, as SSE requires (the
/// browser joins them back with newlines).
///
/// Long messages (a build with many broken files) are cut: the whole frame must fit in
/// a socket buffer without blocking, or the page would be dropped, reconnect, and be
/// dropped again without ever showing it. The terminal has the full text.
fn error_frame(message: &str) -> String {
    const MAX: usize = 8 * 1024;
    let cut;
    let message = if message.len() > MAX {
        let mut end = MAX;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        cut = format!(
            "{}\n… (cut; the terminal shows the whole message)",
            &message[..end]
        );
        cut.as_str()
    } else {
        message
    };
    let mut frame = String::from("event: error\n");
    let mut any = false;
    for line in message.lines() {
        frame.push_str("data: ");
        frame.push_str(line.trim_end_matches('\r'));
        frame.push('\n');
        any = true;
    }
    if !any {
        frame.push_str("data: \n");
    }
    frame.push('\n');
    frame
}

/// Writes `frame` to every client, dropping those that are gone or whose write fails.
fn broadcast(clients: &mut Vec<TcpStream>, frame: &[u8]) {
    clients.retain_mut(|stream| is_alive(stream) && write_frame(stream, frame));
}

/// Writes a whole frame to a non-blocking stream. A socket whose buffer is full belongs
/// to a page that has not read for a long while: it counts as a failure (the page is
/// dropped and reconnects) instead of blocking everyone else.
fn write_frame(stream: &mut TcpStream, frame: &[u8]) -> bool {
    let mut rest = frame;
    while !rest.is_empty() {
        match stream.write(rest) {
            Ok(0) => return false,
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    true
}

/// Whether the page at the other end of an event stream is still there. Browsers send
/// nothing after the request, so end-of-stream or an error means it is gone.
fn is_alive(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.peek(&mut byte) {
        Ok(0) => false,
        Ok(_) => true,
        Err(e) => matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ),
    }
}

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

/// A running server. Its threads run until [`Server::shutdown`] or the end of the
/// process; dropping this value does not stop them.
#[derive(Debug)]
pub struct Server {
    /// The address actually listened on (the port may be a later one than asked for).
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    keepalive: thread::Thread,
}

impl Server {
    /// Stops accepting connections; requests already being answered finish on their own.
    pub fn shutdown(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.keepalive.unpark();
        // The accept thread is blocked in accept(): a connection wakes it up to see the
        // flag. An unspecified bind address is reached through loopback.
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let _ = TcpStream::connect_timeout(
            &SocketAddr::new(ip, self.addr.port()),
            Duration::from_secs(1),
        );
    }
}

/// Binds (if the port is taken, tries the next 10 ports and says which one it took in
/// the returned addr; if all are taken, an error that says the port is in use and
/// suggests --port), spawns the threads and returns.
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

    let stop = Arc::new(AtomicBool::new(false));
    let ctx = Arc::new(Context { root, events });
    let spawn_error = |e: io::Error| Error::new(format!("cannot start the server threads: {e}"));

    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(QUEUE);
    let job_rx = Arc::new(Mutex::new(job_rx));
    for i in 0..WORKERS {
        let jobs = Arc::clone(&job_rx);
        let ctx = Arc::clone(&ctx);
        thread::Builder::new()
            .name(format!("piazza-serve-{i}"))
            .spawn(move || worker_loop(&jobs, &ctx))
            .map_err(spawn_error)?;
    }

    let (conn_tx, conn_rx) = mpsc::sync_channel::<TcpStream>(MAX_PENDING);
    thread::Builder::new()
        .name("piazza-serve-read".into())
        .spawn(move || reader_loop(&conn_rx, &job_tx))
        .map_err(spawn_error)?;

    let weak = Arc::downgrade(&ctx.events);
    let keepalive_stop = Arc::clone(&stop);
    let keepalive = thread::Builder::new()
        .name("piazza-serve-ping".into())
        .spawn(move || keepalive_loop(&weak, &keepalive_stop))
        .map_err(spawn_error)?
        .thread()
        .clone();

    let accept_stop = Arc::clone(&stop);
    thread::Builder::new()
        .name("piazza-serve-accept".into())
        .spawn(move || accept_loop(&listener, &conn_tx, &accept_stop))
        .map_err(spawn_error)?;

    Ok(Server {
        addr,
        stop,
        keepalive,
    })
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

/// What every worker needs to answer a request.
struct Context {
    /// The output folder, canonicalized.
    root: PathBuf,
    events: Arc<Events>,
}

/// A connection whose request head has been received (or that must get an error).
struct Job {
    stream: TcpStream,
    /// The request head, or the error status to answer with.
    head: Result<Vec<u8>, u16>,
}

/// Accepts connections and hands them to the head reader; never waits on a client.
fn accept_loop(listener: &TcpListener, to_reader: &SyncSender<TcpStream>, stop: &AtomicBool) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match conn {
            Ok(stream) => match to_reader.try_send(stream) {
                Ok(()) => {}
                Err(TrySendError::Full(stream)) => refuse(stream),
                Err(TrySendError::Disconnected(_)) => return,
            },
            // Out of file descriptors and the like: wait a little for connections to
            // close instead of spinning on the same error.
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Answers 503 to a connection there is no room for, without waiting on it: the write
/// is a few bytes into an empty socket buffer, and is given up if it would block.
fn refuse(stream: TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let mut stream = stream;
        let response = simple_response(503, "the preview server is busy; try again\n");
        let _ = write_frame(&mut stream, response.as_bytes());
        let _ = stream.shutdown(Shutdown::Write);
    }
}

/// A connection whose request head is still arriving.
struct Pending {
    stream: TcpStream,
    head: Vec<u8>,
    since: Instant,
}

/// What became of a pending connection after a look at its socket.
enum Progress {
    Waiting,
    Gone,
    Ready(Result<Vec<u8>, u16>),
}

/// Collects request heads from all connections at once with non-blocking reads, so a
/// client that sends nothing (or one byte a second) costs a slot in a list, not a
/// thread. Complete heads go to the workers.
///
/// std has no portable readiness API (poll/epoll), so this polls: every millisecond
/// while a connection is fresh (its request is normally already on the way), every
/// 10 ms for the rare slow ones, and not at all while there are none.
fn reader_loop(from_accept: &Receiver<TcpStream>, to_workers: &SyncSender<Job>) {
    let mut pending: Vec<Pending> = Vec::new();
    loop {
        let first = if pending.is_empty() {
            match from_accept.recv() {
                Ok(stream) => Some(stream),
                Err(_) => return,
            }
        } else {
            let fresh = pending
                .iter()
                .any(|p| p.since.elapsed() < Duration::from_millis(50));
            let tick = Duration::from_millis(if fresh { 1 } else { 10 });
            match from_accept.recv_timeout(tick) {
                Ok(stream) => Some(stream),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        for stream in first.into_iter().chain(from_accept.try_iter()) {
            if pending.len() >= MAX_PENDING || stream.set_nonblocking(true).is_err() {
                refuse(stream);
                continue;
            }
            pending.push(Pending {
                stream,
                head: Vec::new(),
                since: Instant::now(),
            });
        }
        let mut i = 0;
        while i < pending.len() {
            match read_some(&mut pending[i]) {
                Progress::Waiting => i += 1,
                Progress::Gone => {
                    pending.swap_remove(i);
                }
                Progress::Ready(head) => {
                    let stream = pending.swap_remove(i).stream;
                    match to_workers.try_send(Job { stream, head }) {
                        Ok(()) => {}
                        Err(TrySendError::Full(job)) => refuse(job.stream),
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                }
            }
        }
    }
}

/// Reads what a pending connection has sent so far, without blocking.
fn read_some(pending: &mut Pending) -> Progress {
    let mut chunk = [0u8; 4096];
    loop {
        match pending.stream.read(&mut chunk) {
            Ok(0) => return Progress::Gone,
            Ok(n) => {
                let from = pending.head.len().saturating_sub(3);
                pending.head.extend_from_slice(&chunk[..n]);
                if let Some(end) = head_end(&pending.head, from) {
                    if end > MAX_HEAD {
                        return Progress::Ready(Err(431));
                    }
                    pending.head.truncate(end);
                    return Progress::Ready(Ok(std::mem::take(&mut pending.head)));
                }
                if pending.head.len() > MAX_HEAD {
                    return Progress::Ready(Err(431));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Progress::Gone,
        }
    }
    if pending.since.elapsed() > READ_TIMEOUT {
        Progress::Ready(Err(408))
    } else {
        Progress::Waiting
    }
}

/// The length of the request head (up to and including the blank line), if complete.
/// Bare `\n` line ends are accepted too, as RFC 9112 allows.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    (from..buf.len()).find_map(|i| {
        if buf[i..].starts_with(b"\r\n\r\n") {
            Some(i + 4)
        } else if buf[i..].starts_with(b"\n\n") {
            Some(i + 2)
        } else if buf[i..].starts_with(b"\n\r\n") {
            Some(i + 3)
        } else {
            None
        }
    })
}

/// Takes jobs off the shared queue until the server stops.
fn worker_loop(jobs: &Mutex<Receiver<Job>>, ctx: &Context) {
    loop {
        let job = {
            let jobs = jobs.lock().unwrap_or_else(PoisonError::into_inner);
            jobs.recv()
        };
        match job {
            Ok(job) => handle(job, ctx),
            Err(_) => return,
        }
    }
}

/// A response ready to be written.
struct Response {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

enum Body {
    Bytes(Vec<u8>),
    /// A file streamed from disk with its length at open time, so large images and PDFs
    /// are not read into memory.
    File(File, u64),
}

impl Response {
    fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: Body::Bytes(text.as_bytes().to_vec()),
        }
    }

    fn len(&self) -> u64 {
        match &self.body {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File(_, len) => *len,
        }
    }
}

/// Answers one request and closes the connection.
fn handle(job: Job, ctx: &Context) {
    let stream = job.stream;
    if stream.set_nonblocking(false).is_err()
        || stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err()
        || stream.set_read_timeout(Some(READ_TIMEOUT)).is_err()
    {
        return;
    }
    let head = match job.head {
        Ok(head) => head,
        Err(status) => {
            let text = match status {
                408 => "the request did not arrive in time\n",
                431 => "the request head is too large\n",
                _ => "bad request\n",
            };
            finish(stream, Response::text(status, text), false, true);
            return;
        }
    };
    let (method, target) = match request_line(&head) {
        Ok(parts) => parts,
        Err(status) => {
            finish(stream, Response::text(status, "bad request\n"), false, true);
            return;
        }
    };
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        let mut response = Response::text(405, "only GET and HEAD are supported\n");
        response.headers.push(("Allow", "GET, HEAD".into()));
        // The request may carry a body that was not read: drain it.
        finish(stream, response, false, true);
        return;
    }
    // The fragment never reaches a server from a browser, but a hand-made request may
    // carry one; the query only matters to the page's own scripts.
    let target = target.split('#').next().unwrap_or_default();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    if path == EVENTS_PATH {
        if head_only {
            let mut response = Response::text(200, "");
            response.content_type = "text/event-stream";
            finish(stream, response, true, false);
        } else if let Err(stream) = ctx.events.subscribe(stream) {
            let text = "too many live-reload connections; close some preview tabs\n";
            finish(stream, Response::text(503, text), false, false);
        }
        return;
    }
    let response = match resolve(&ctx.root, path) {
        Err(status) => Response::text(status, "bad request path\n"),
        Ok(Target::Redirect(mut location)) => {
            if let Some(query) = query {
                location.push('?');
                location.push_str(query);
            }
            let mut response = Response::text(301, "moved to the folder's address\n");
            response.headers.push(("Location", location));
            response
        }
        Ok(Target::File(file)) => serve_file(&file, 200).unwrap_or_else(|| not_found(&ctx.root)),
        Ok(Target::NotFound) => not_found(&ctx.root),
    };
    finish(stream, response, head_only, false);
}

/// Splits the request line into method and target; 400 when it is not HTTP/1.x.
fn request_line(head: &[u8]) -> Result<(&str, &str), u16> {
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = std::str::from_utf8(&head[..end]).map_err(|_| 400u16)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    if !token(method) || target.is_empty() || !version.starts_with("HTTP/1.") {
        return Err(400);
    }
    Ok((method, target))
}

/// Where a request path leads.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// An existing file inside the root, canonicalized.
    File(PathBuf),
    /// A folder asked for without its trailing slash: its address with one, so that the
    /// relative links of its index page resolve against the folder.
    Redirect(String),
    NotFound,
}

/// Maps a request path (percent-encoded, without query) to a file inside `root`, which
/// must be canonical. Refuses (400) anything that could name a file elsewhere; what is
/// left and still leads outside (a symlink) is a 404, like a missing file, so the
/// response says nothing about what exists outside.
fn resolve(root: &Path, raw_path: &str) -> Result<Target, u16> {
    if !raw_path.starts_with('/') {
        return Err(400);
    }
    let decoded = percent_decode(raw_path).ok_or(400u16)?;
    let decoded = String::from_utf8(decoded).map_err(|_| 400u16)?;
    if decoded.contains(['\0', '\\']) {
        return Err(400);
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return Err(400),
            _ => {}
        }
        // Exactly one plain component: no root, prefix or parent, on any platform.
        let mut components = Path::new(segment).components();
        let plain = matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        );
        // "C:" is a plain name on Unix but a drive on Windows; no site has such names.
        let drive = segment.len() >= 2
            && segment.as_bytes()[0].is_ascii_alphabetic()
            && segment.as_bytes()[1] == b':';
        if !plain || drive {
            return Err(400);
        }
        segments.push(segment);
    }
    let mut candidate = root.to_path_buf();
    candidate.extend(&segments);
    let Some(real) = inside(root, &candidate) else {
        return Ok(Target::NotFound);
    };
    if real.is_dir() {
        if !decoded.ends_with('/') {
            // Built from the checked segments, never from the raw path, so `//host`
            // cannot turn into a redirect to another site.
            let mut location = String::from("/");
            for segment in &segments {
                location.push_str(&percent_encode(segment));
                location.push('/');
            }
            return Ok(Target::Redirect(location));
        }
        return match inside(root, &real.join("index.html")) {
            Some(index) if index.is_file() => Ok(Target::File(index)),
            _ => Ok(Target::NotFound),
        };
    }
    if real.is_file() {
        Ok(Target::File(real))
    } else {
        Ok(Target::NotFound)
    }
}

/// `path` with every symlink resolved, if it exists and is inside `root`.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    real.starts_with(root).then_some(real)
}

/// Strict percent-decoding: a `%` not followed by two hex digits is an error rather
/// than passed through, so there is exactly one reading of every path.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = bytes.get(i + 1..i + 3)?;
            out.push(hex(pair[0])? * 16 + hex(pair[1])?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Percent-encodes one path segment for a Location header.
fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for &b in segment.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The site's 404 page (with the live-reload script, so fixing a broken link reloads
/// it), or a plain text one when the site has none.
fn not_found(root: &Path) -> Response {
    inside(root, &root.join("404.html"))
        .and_then(|page| serve_file(&page, 404))
        .unwrap_or_else(|| Response::text(404, "404 Not Found\n"))
}

/// A response with the file at `path`; HTML gets the live-reload script. `None` when the
/// file cannot be read (for instance deleted by a rebuild since it was resolved).
fn serve_file(path: &Path, status: u16) -> Option<Response> {
    let content_type = content_type(path);
    let body = if content_type.starts_with("text/html") {
        let html = std::fs::read(path).ok()?;
        Body::Bytes(inject(html))
    } else {
        let file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        Body::File(file, len)
    };
    Some(Response {
        status,
        content_type,
        headers: Vec::new(),
        body,
    })
}

/// The Content-Type for a file, from its extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        // application/xml rather than application/rss+xml: browsers show it instead of
        // downloading it, which is what a preview wants.
        "xml" | "xsl" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// The live-reload script. The message of a failed build is set with textContent, so
/// whatever it contains (`<`, `&`, a quoted template) is shown, never interpreted.
/// A connection error of the EventSource also fires an `error` event, without data;
/// those are ignored (the browser reconnects by itself).
const LIVE_RELOAD_SCRIPT: &str = r#"<script data-piazza-live-reload>
(() => {
  "use strict";
  const source = new EventSource("/__piazza/events");
  const clearError = () => {
    const box = document.getElementById("piazza-error");
    if (box) box.remove();
  };
  source.addEventListener("reload", () => location.reload());
  source.addEventListener("css", () => {
    clearError();
    const stamp = String(Date.now());
    for (const link of document.querySelectorAll("link[href]")) {
      if (!/(^|\s)stylesheet(\s|$)/i.test(link.rel)) continue;
      const url = new URL(link.getAttribute("href"), document.baseURI);
      if (url.origin !== location.origin) continue;
      url.searchParams.set("v", stamp);
      link.href = url.href;
    }
  });
  source.addEventListener("error", (event) => {
    if (typeof event.data !== "string") return;
    let box = document.getElementById("piazza-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "piazza-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;" +
        "max-height:100vh;overflow:auto;box-sizing:border-box;margin:0;padding:16px 20px;" +
        "background:#1b1b1f;color:#fff;border-top:4px solid #e5484d;text-align:left;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;" +
        "white-space:pre-wrap;overflow-wrap:anywhere;";
      (document.body || document.documentElement).appendChild(box);
    }
    box.textContent = "piazza: the build failed; this page shows the last good version.\n\n" + event.data;
  });
})();
</script>
"#;

/// Inserts the live-reload script before the last `</body>`, or at the end when the
/// page has none. Works on bytes, so a page in any ASCII-compatible encoding survives.
fn inject(mut html: Vec<u8>) -> Vec<u8> {
    const CLOSE: &[u8] = b"</body";
    let at = html
        .windows(CLOSE.len())
        .rposition(|w| w.eq_ignore_ascii_case(CLOSE))
        .unwrap_or(html.len());
    html.splice(at..at, LIVE_RELOAD_SCRIPT.bytes());
    html
}

/// Writes the response and closes the connection. `drain` discards what the client sent
/// beyond the request head (a body, the rest of an oversized head): closing a socket
/// with unread data makes the kernel reset the connection, and the client may lose the
/// answer.
fn finish(mut stream: TcpStream, response: Response, head_only: bool, drain: bool) {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n\
         Content-Type: {}\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.len(),
    );
    for (name, value) in &response.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let deadline = Instant::now() + RESPONSE_DEADLINE;
    let written = send(&mut stream, &mut head.as_bytes(), deadline).and_then(|()| {
        if head_only {
            return Ok(());
        }
        match response.body {
            Body::Bytes(bytes) => send(&mut stream, &mut bytes.as_slice(), deadline),
            // take(): the file may grow while it is sent (a rebuild); never send more
            // than Content-Length promised.
            Body::File(file, len) => send(&mut stream, &mut file.take(len), deadline),
        }
    });
    if written.is_err() {
        return;
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    // Without blocking: a worker never waits on a client that keeps its socket open.
    if drain && stream.set_nonblocking(true).is_ok() {
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    }
}

/// Copies `from` to the client, giving up at `deadline` however slowly it reads.
fn send(stream: &mut TcpStream, from: &mut impl Read, deadline: Instant) -> io::Result<()> {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut rest = &chunk[..n];
        while !rest.is_empty() {
            let left = deadline
                .checked_duration_since(Instant::now())
                .filter(|left| !left.is_zero())
                .ok_or(io::ErrorKind::TimedOut)?;
            stream.set_write_timeout(Some(left.min(WRITE_TIMEOUT)))?;
            match stream.write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => rest = &rest[written..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// A minimal complete response, for answers written outside the workers.
fn simple_response(status: u16, text: &str) -> String {
    format!(
        "HTTP/1.1 {status} {}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Retry-After: 1\r\n\
         Connection: close\r\n\
         \r\n\
         {text}",
        reason(status),
        text.len()
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Pings every open event stream every [`KEEPALIVE`], so pages whose browser went away
/// without closing are noticed, and proxies keep the stream open. Ends with the server
/// or when the [`Events`] is dropped.
fn keepalive_loop(events: &Weak<Events>, stop: &AtomicBool) {
    loop {
        let until = Instant::now() + KEEPALIVE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if stop.load(Ordering::SeqCst) || left.is_zero() {
                break;
            }
            thread::park_timeout(left);
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match events.upgrade() {
            Some(events) => events.ping(),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(percent_decode("/a%20b").as_deref(), Some(&b"/a b"[..]));
        assert_eq!(percent_decode("/%2e%2E").as_deref(), Some(&b"/.."[..]));
        assert_eq!(percent_decode("/a%2"), None);
        assert_eq!(percent_decode("/a%zz"), None);
    }

    #[test]
    fn error_frames_have_one_data_line_per_line() {
        assert_eq!(
            error_frame("a <b>\r\nc & d"),
            "event: error\ndata: a <b>\ndata: c & d\n\n"
        );
        assert_eq!(error_frame(""), "event: error\ndata: \n\n");
        let long = "é".repeat(10_000);
        let frame = error_frame(&long);
        assert!(frame.len() < 9 * 1024, "{}", frame.len());
        assert!(frame.contains("the terminal shows the whole message"));
    }

    #[test]
    fn script_goes_before_the_last_body_end() {
        let page = inject(b"<html><body>x</BODY></html>".to_vec());
        let page = String::from_utf8(page).unwrap_or_default();
        let script = page.find("<script data-piazza-live-reload>");
        let end = page.find("</BODY>");
        assert!(script.is_some() && script < end, "{page}");
        let bare = String::from_utf8(inject(b"plain".to_vec())).unwrap_or_default();
        assert!(bare.starts_with("plain<script"), "{bare}");
    }

    #[test]
    fn head_end_accepts_crlf_and_lf() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nrest", 0), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n", 0), None);
    }

    #[test]
    fn request_lines() {
        assert_eq!(request_line(b"GET /a HTTP/1.1\r\n"), Ok(("GET", "/a")));
        assert_eq!(request_line(b"GET /a\r\n"), Err(400));
        assert_eq!(request_line(b"GET /a b HTTP/1.1\r\n"), Err(400));
        assert_eq!(request_line(b"GET /a SPDY/3\r\n"), Err(400));
    }
}
