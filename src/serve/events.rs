//! Live reload: the Server-Sent Events stream every open page listens to, and the
//! script injected into HTML responses that listens.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hyper::body::Bytes;
use tokio::sync::mpsc;

/// Open live-reload streams; beyond this, 503 (a writer has a few tabs, not hundreds).
const MAX_EVENT_CLIENTS: usize = 64;
/// Frames waiting for one page. A page that has not read this many is stalled: it is
/// dropped (its browser reconnects) instead of holding frames for ever.
const FRAMES_PER_CLIENT: usize = 16;

/// Live-reload channel to every open page.
///
/// Each `/__piazza/events` response streams from a small queue that this object fills.
/// Filling never waits (it is called from the rebuild thread), so a stalled page can
/// never stall a rebuild: a page whose queue is full is dropped, and its browser
/// reconnects by itself.
pub struct Events {
    state: Mutex<EventState>,
}

struct EventState {
    clients: Vec<mpsc::Sender<Bytes>>,
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
        broadcast(
            &mut state.clients,
            Bytes::from_static(b"event: reload\ndata: 1\n\n"),
        );
    }

    /// After a rebuild that changed only CSS files: pages swap their stylesheets without
    /// a reload.
    pub fn css(&self) {
        let mut state = self.lock();
        state.error = None;
        broadcast(
            &mut state.clients,
            Bytes::from_static(b"event: css\ndata: 1\n\n"),
        );
    }

    /// A rebuild failed: pages show `message` (plain text, may contain < & etc.) in an
    /// overlay; remembered and sent to pages that connect later, until the next
    /// [`reload`](Self::reload) or [`css`](Self::css).
    pub fn error(&self, message: &str) {
        let frame = error_frame(message);
        let mut state = self.lock();
        state.error = Some(message.to_string());
        broadcast(&mut state.clients, Bytes::from(frame));
    }

    /// How many pages are connected.
    pub fn clients(&self) -> usize {
        let mut state = self.lock();
        state.clients.retain(|c| !c.is_closed());
        state.clients.len()
    }

    /// A new page's stream: its first frame (the retry delay and the pending error, if
    /// any) is queued, and every later event follows. `None` when the channel is full.
    pub(super) fn subscribe(&self) -> Option<mpsc::Receiver<Bytes>> {
        let mut state = self.lock();
        // Pages that were closed or reloaded leave their queues behind; drop those
        // first so they do not count against the limit.
        state.clients.retain(|c| !c.is_closed());
        if state.clients.len() >= MAX_EVENT_CLIENTS {
            return None;
        }
        let mut hello = String::from("retry: 1000\n\n");
        if let Some(message) = &state.error {
            hello.push_str(&error_frame(message));
        }
        let (tx, rx) = mpsc::channel(FRAMES_PER_CLIENT);
        // Queued under the lock, so no event can slip between the first frame and the
        // registration.
        tx.try_send(Bytes::from(hello)).ok()?;
        state.clients.push(tx);
        Some(rx)
    }

    /// Sends a comment line to every page, dropping the ones that are gone.
    pub(super) fn ping(&self) {
        broadcast(&mut self.lock().clients, Bytes::from_static(b": ping\n\n"));
    }

    /// The state is only ever left consistent, so a panic elsewhere while holding the
    /// lock is no reason to stop live reload.
    fn lock(&self) -> MutexGuard<'_, EventState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Queues `frame` for every page, dropping those that are gone or stalled.
fn broadcast(clients: &mut Vec<mpsc::Sender<Bytes>>, frame: Bytes) {
    clients.retain(|c| c.try_send(frame.clone()).is_ok());
}

/// An `error` event: one `data:` line per line of the message, as SSE requires (the
/// browser joins them back with newlines).
///
/// Long messages (a build with many broken files) are cut: the overlay is for finding
/// the first problem, and the terminal has the full text.
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
pub(super) fn inject(mut html: Vec<u8>) -> Vec<u8> {
    const CLOSE: &[u8] = b"</body";
    let at = html
        .windows(CLOSE.len())
        .rposition(|w| w.eq_ignore_ascii_case(CLOSE))
        .unwrap_or(html.len());
    html.splice(at..at, LIVE_RELOAD_SCRIPT.bytes());
    html
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
