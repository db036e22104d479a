//! One request to the preview: GET or HEAD of a file of the site, or the live-reload
//! event stream. hyper parses the request; this module decides the answer.

use std::convert::Infallible;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

use super::events::Events;
use super::files::{lookup, Content, Reply};
use super::EVENTS_PATH;

/// What every request needs.
pub(super) struct Site {
    /// The output folder, canonicalized.
    pub root: PathBuf,
    pub events: Arc<Events>,
    /// Whether the server listens on a loopback address only; then it answers only
    /// requests addressed to a loopback name (see [`local_host`]).
    pub loopback: bool,
}

/// How far a connection's request got, for its connection task's deadlines.
pub(super) struct Progress(AtomicU8);

impl Progress {
    const WAITING: u8 = 0;
    const ANSWERING: u8 = 1;
    const STREAMING: u8 = 2;

    pub fn new() -> Arc<Progress> {
        Arc::new(Progress(AtomicU8::new(Self::WAITING)))
    }

    /// Whether the request head has arrived.
    pub fn head_read(&self) -> bool {
        self.0.load(Ordering::SeqCst) != Self::WAITING
    }

    /// Whether the answer is an event stream, open for as long as the page is.
    pub fn streaming(&self) -> bool {
        self.0.load(Ordering::SeqCst) == Self::STREAMING
    }

    /// The request head has arrived: the connection is being answered.
    pub fn head_arrived(&self) {
        self.set(Self::ANSWERING);
    }

    fn set(&self, state: u8) {
        self.0.store(state, Ordering::SeqCst);
    }
}

/// Answers one request.
pub(super) async fn handle(
    site: Arc<Site>,
    progress: Arc<Progress>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    progress.head_arrived();
    let head_only = request.method() == Method::HEAD;
    if request.method() != Method::GET && !head_only {
        let mut response = plain(405, "only GET and HEAD are supported\n", false);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(response);
    }
    if site.loopback && !request.headers().get(header::HOST).is_none_or(local_host) {
        let text = "piazza's preview answers only requests for localhost or 127.0.0.1\n";
        return Ok(plain(403, text, head_only));
    }
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    if path == EVENTS_PATH {
        return Ok(event_stream(&site.events, head_only, &progress));
    }
    let reply = {
        let site = Arc::clone(&site);
        tokio::task::spawn_blocking(move || lookup(&site.root, &path, query.as_deref())).await
    };
    Ok(match reply {
        Ok(reply) => response(reply, head_only),
        Err(_) => plain(500, "the file could not be read\n", head_only),
    })
}

/// Whether a `Host` header names this machine: `localhost` (or a name under it),
/// `127.x.y.z` or `[::1]`, with any port. A web page elsewhere whose name an attacker
/// points at 127.0.0.1 (DNS rebinding) sends its own name, and gets nothing of the
/// unpublished site.
fn local_host(value: &HeaderValue) -> bool {
    let Ok(host) = value.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => return v6.split(']').next() == Some("::1"),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The live-reload stream, or 503 when too many pages are open.
fn event_stream(events: &Events, head_only: bool, progress: &Progress) -> Response<Body> {
    let body = if head_only {
        Body::empty()
    } else {
        match events.subscribe() {
            Some(frames) => {
                progress.set(Progress::STREAMING);
                Body::Events(frames)
            }
            None => {
                let text = "too many live-reload connections; close some preview tabs\n";
                return plain(503, text, false);
            }
        }
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// A short plain text answer.
pub(super) fn plain(status: u16, text: &str, head_only: bool) -> Response<Body> {
    response(Reply::text(status, text), head_only)
}

/// The response for `reply`, with the headers every answer carries. Its body is left
/// out for HEAD (the Content-Length stays that of GET).
fn response(reply: Reply, head_only: bool) -> Response<Body> {
    let len = reply.len();
    let body = match reply.content {
        _ if head_only => Body::empty(),
        Content::Bytes(bytes) => Body::Bytes(Some(bytes.into())),
        Content::File(file, len) => Body::File {
            file: tokio::fs::File::from_std(file),
            left: len,
            buf: vec![0; CHUNK].into_boxed_slice(),
        },
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    if reply.status == 503 {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    // The location is built from checked, percent-encoded segments and the query as
    // received, which hyper has already checked to be visible ASCII.
    if let Some(value) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, value);
    }
    response
}

/// How much of a file is read at a time: enough for loopback speed, and what an
/// unread download holds in memory.
const CHUNK: usize = 64 * 1024;

/// A response body: bytes in memory, a file read chunk by chunk as the client takes
/// them, or a page's live-reload frames.
pub(super) enum Body {
    Bytes(Option<Bytes>),
    File {
        file: tokio::fs::File,
        /// Bytes still to send: never more than the Content-Length promised, even if
        /// a rebuild makes the file grow meanwhile.
        left: u64,
        buf: Box<[u8]>,
    },
    Events(mpsc::Receiver<Bytes>),
}

impl Body {
    fn empty() -> Body {
        Body::Bytes(None)
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Body::Bytes(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Body::File { file, left, buf } => {
                if *left == 0 {
                    return Poll::Ready(None);
                }
                let want = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
                let mut read = ReadBuf::new(&mut buf[..want]);
                ready!(Pin::new(file).poll_read(cx, &mut read))?;
                let chunk = read.filled();
                if chunk.is_empty() {
                    // The file shrank (a rebuild) after its length was sent: the
                    // response cannot be completed, so the connection is cut.
                    return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())));
                }
                *left -= chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(chunk)))))
            }
            Body::Events(frames) => frames
                .poll_recv(cx)
                .map(|frame| frame.map(|f| Ok(Frame::data(f)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Bytes(bytes) => bytes.is_none(),
            Body::File { left, .. } => *left == 0,
            Body::Events(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Bytes(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Body::File { left, .. } => SizeHint::with_exact(*left),
            Body::Events(_) => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_are_local_hosts() {
        let local = |h: &str| local_host(&HeaderValue::from_str(h).unwrap());
        for h in [
            "localhost",
            "localhost:1111",
            "LOCALHOST.",
            "site.localhost:1111",
            "127.0.0.1:1111",
            "127.1.2.3",
            "[::1]:1111",
        ] {
            assert!(local(h), "{h}");
        }
        for h in [
            "evil.example:1111",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:1111",
            "[::2]:1111",
            "",
        ] {
            assert!(!local(h), "{h}");
        }
    }
}
