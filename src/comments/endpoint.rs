//! `piazza comments serve`: the endpoint the comment form posts to. It faces the
//! internet (behind a reverse proxy), so it trusts nothing it is sent:
//!
//! - hyper parses HTTP; a request must arrive whole within [`REQUEST_DEADLINE`], its
//!   body may be at most [`MAX_FORM`] bytes (else 413, read no further), and at most
//!   [`MAX_CONNECTIONS`] are served at once (beyond, the connection is closed).
//! - A submission must be a form (415), with a name, a valid email and a body within
//!   the limits (400, 413), for a page of this site with comments (404), its honeypot
//!   empty (400), a token signed by this site for that page (403) and sent at least
//!   `comments.min_seconds` after the page was rendered (422); one client address may
//!   send [`Limits::per_minute`] a minute (429).
//! - An accepted comment is written whole into `comments-pending/` ([`store`]) before
//!   the answer, a 303 redirect to the thanks page; nothing is written otherwise.
//!
//! It listens on 127.0.0.1 unless told otherwise; behind a proxy, `--trust-proxy`
//! takes the client's address from the last `X-Forwarded-For` entry.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::{Body as _, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{Notify, Semaphore};

use super::store;
use super::submission::{self, refuse, Refusal};
use super::token::Key;
use crate::config::Config;
use crate::content::{Content, LoadOptions};
use crate::error::{Error, Errors};

/// The largest form accepted, in bytes (a 5,000-character comment of emoji, encoded).
pub const MAX_FORM: usize = 64 * 1024;
/// Connections served at once.
const MAX_CONNECTIONS: usize = 256;
/// How long a whole request and its answer may take.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// How often the list of pages may be read again, when a post names a page not in it.
const RELOAD_EVERY: Duration = Duration::from_secs(30);
/// A token more than this far in the future is not accepted (clocks may differ a little).
const CLOCK_SKEW: i64 = 300;

/// How many submissions a client may make.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Submissions per minute from one address; 0 for no limit.
    pub per_minute: u32,
}

/// How to run the endpoint.
#[derive(Debug, Clone)]
pub struct EndpointOptions {
    /// The site folder.
    pub site: PathBuf,
    /// The address to listen on.
    pub bind: IpAddr,
    /// The port; 0 lets the system choose.
    pub port: u16,
    /// Rate limits.
    pub limits: Limits,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
}

/// A running endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Endpoint {
    /// Stops it and waits until every write in progress is done.
    pub fn shutdown(mut self) {
        self.stop.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What every request reads.
struct State {
    root: PathBuf,
    config: Config,
    key: Key,
    pages: Mutex<(HashMap<String, String>, Instant)>,
    limits: Limits,
    trust_proxy: bool,
    recent: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// The pages of the site that take comments, by site path.
fn load_pages(config: &Config) -> Result<HashMap<String, String>, Errors> {
    let now = crate::content::date::now_key().map_err(Error::new)?;
    let content = Content::load(
        config,
        LoadOptions {
            drafts: false,
            future: false,
            now,
        },
    )?;
    Ok(super::pages_by_path(config, &content))
}

fn clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Loads the site, binds and serves on a thread of its own.
pub fn start(options: EndpointOptions) -> Result<Endpoint, Errors> {
    let config = Config::load(&options.site)?;
    let pages = load_pages(&config)?;
    let key = Key::load_or_create(&options.site)?;
    let pending = options.site.join(store::PENDING_DIR);
    std::fs::create_dir_all(&pending).map_err(|e| Error::io(&pending, &e))?;
    store::remove_temp_files(&pending);
    let listener = std::net::TcpListener::bind((options.bind, options.port)).map_err(|e| {
        Error::new(format!(
            "cannot listen on {}:{}: {e}",
            options.bind, options.port
        ))
        .hint("choose another port with --port, or check --bind")
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::new(format!("cannot read the address: {e}")))?;
    let fail = |e: std::io::Error| Error::new(format!("cannot start the endpoint: {e}"));
    listener.set_nonblocking(true).map_err(fail)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(32)
        .build()
        .map_err(fail)?;
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(fail)?
    };
    let state = Arc::new(State {
        root: options.site.clone(),
        config,
        key,
        pages: Mutex::new((pages, Instant::now())),
        limits: options.limits,
        trust_proxy: options.trust_proxy,
        recent: Mutex::new(HashMap::new()),
    });
    let stop = Arc::new(Notify::new());
    let stopped = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("piazza-comments".into())
        .spawn(move || {
            runtime.block_on(run(listener, state, &stopped));
            // Writes run on blocking threads; they finish before the runtime goes.
            runtime.shutdown_timeout(Duration::from_secs(10));
        })
        .map_err(fail)?;
    Ok(Endpoint {
        addr,
        stop,
        thread: Some(thread),
    })
}

async fn run(listener: tokio::net::TcpListener, state: Arc<State>, stop: &Notify) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = stop.notified() => return,
        };
        let Ok((stream, peer)) = accepted else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        // Beyond the limit the connection is closed at once: no queue to fill.
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handle(&state, peer.ip(), request).await) }
            });
            let conn = http1::Builder::new()
                .keep_alive(false)
                .max_buf_size(MAX_FORM)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(REQUEST_DEADLINE, conn).await;
            drop(permit);
        });
    }
}

/// Answers one request.
async fn handle(state: &State, peer: IpAddr, request: Request<Incoming>) -> Response<String> {
    match receive(state, peer, request).await {
        Ok(location) => {
            let mut r = Response::new(String::new());
            *r.status_mut() = StatusCode::SEE_OTHER;
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(refusal) => {
            let mut r = Response::new(format!("{}\n", refusal.message));
            *r.status_mut() =
                StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            if refusal.status == 429 {
                h.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            }
            if refusal.status == 405 {
                h.insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            r
        }
    }
}

/// Checks and queues one submission; returns where to send the browser.
async fn receive(
    state: &State,
    peer: IpAddr,
    request: Request<Incoming>,
) -> Result<String, Refusal> {
    if request.method() != Method::POST {
        return Err(refuse(
            405,
            "this address takes comments sent with the form (POST)",
        ));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !is_form {
        return Err(refuse(
            415,
            "send the comment form (application/x-www-form-urlencoded)",
        ));
    }
    if !allow(state, client_address(state, peer, &request)) {
        return Err(refuse(
            429,
            "too many comments from this address; try again in a minute",
        ));
    }
    if let Some(len) = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > MAX_FORM as u64 {
            return Err(refuse(413, "the comment is too long"));
        }
    }
    let bytes = read_body(request.into_body()).await?;
    let fields = submission::parse_form(&bytes)?;
    let honeypot = fields.get("fax").is_some_and(|v| !v.is_empty());
    if honeypot {
        return Err(refuse(400, "the comment could not be accepted"));
    }
    let filled = submission::check_filled(&fields)?;
    let page_field = fields
        .get("page")
        .ok_or_else(|| refuse(400, "the page is missing"))?;
    let page = page_for(state, page_field)
        .await
        .ok_or_else(|| refuse(404, "this page does not take comments"))?;
    let now = clock();
    let token = fields.get("token").map_or("", String::as_str);
    let rendered = state
        .key
        .verify(&page.0, token)
        .filter(|&t| t <= now + CLOCK_SKEW)
        .ok_or_else(|| {
            refuse(
                403,
                "the form is not one of this site's; reload the page and send again",
            )
        })?;
    if now - rendered < state.config.comments.min_seconds as i64 {
        return Err(refuse(
            422,
            "the comment was sent too fast; wait a few seconds and send it again",
        ));
    }
    let record = submission::pending(filled, page, now, None)?;
    let root = state.root.clone();
    let written = tokio::task::spawn_blocking(move || {
        // Ctrl-C waits for the comment to be on disk.
        let _writing = crate::shutdown::writing();
        store::enqueue(&root, &record)
    })
    .await;
    match written {
        Ok(Ok(())) => Ok(state.config.base_url.absolute(super::view::THANKS_PATH)),
        _ => Err(refuse(
            503,
            "the comment could not be saved; try again later",
        )),
    }
}

/// The body, at most [`MAX_FORM`] bytes; a longer one is refused unread.
async fn read_body(mut body: Incoming) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|_| refuse(400, "the request was cut short"))?;
        if let Some(data) = frame.data_ref() {
            if bytes.len() + data.len() > MAX_FORM {
                return Err(refuse(413, "the comment is too long"));
            }
            bytes.extend_from_slice(data);
        }
    }
    Ok(bytes)
}

/// The client's address: the connection's, or behind a trusted proxy the last
/// address it appended to `X-Forwarded-For`.
fn client_address(state: &State, peer: IpAddr, request: &Request<Incoming>) -> IpAddr {
    if !state.trust_proxy {
        return peer;
    }
    // Only the proxy's own entry counts: earlier ones are whatever the client sent.
    request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
}

/// Counts a submission from `client`; false once it is over the limit this minute.
fn allow(state: &State, client: IpAddr) -> bool {
    if state.limits.per_minute == 0 {
        return true;
    }
    let Ok(mut recent) = state.recent.lock() else {
        return false;
    };
    let now = Instant::now();
    // Forget quiet addresses, so the table cannot grow without bound.
    if recent.len() > 10_000 {
        recent.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
    }
    let entry = recent.entry(client).or_insert((now, 0));
    if now.duration_since(entry.0) >= Duration::from_secs(60) {
        *entry = (now, 0);
    }
    entry.1 += 1;
    entry.1 <= state.limits.per_minute
}

/// The page a post names, reading the site's pages again (at most every
/// [`RELOAD_EVERY`]) when it is not among them: it may be newly published.
async fn page_for(state: &State, page: &str) -> Option<(String, String)> {
    let find = |pages: &HashMap<String, String>| {
        submission::page_of(
            &submission::Site {
                pages,
                prefix: &state.config.base_url.prefix,
            },
            page,
        )
    };
    {
        let guard = state.pages.lock().ok()?;
        if let Some(found) = find(&guard.0) {
            return Some(found);
        }
        if guard.1.elapsed() < RELOAD_EVERY {
            return None;
        }
    }
    let config = state.config.clone();
    let fresh = tokio::task::spawn_blocking(move || load_pages(&config))
        .await
        .ok()?
        .ok()?;
    let mut guard = state.pages.lock().ok()?;
    *guard = (fresh, Instant::now());
    find(&guard.0)
}
