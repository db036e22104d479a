//! Ctrl-C: the process stops without leaving a half-written output behind.
//!
//! Writers hold [`writing`] while the output is not whole: a full build while it swaps
//! folders, watch mode from its first temporary file to its last rename. The handler
//! waits for it, and [`interrupted`] tells renderers to stop early (watch mode then
//! removes its temporary files). A full build's staging folder is registered with
//! [`remove_on_interrupt`] and removed by the handler.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static WRITING: Mutex<()> = Mutex::new(());
static LEFTOVERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Held while the output is being changed; an interrupt waits for it.
pub fn writing() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether Ctrl-C was pressed: work that has not started yet should not start.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Blocks for good once Ctrl-C was pressed, so the handler's exit status wins over
/// whatever error the interrupted work reports.
pub fn wait_if_interrupted() {
    while interrupted() {
        std::thread::park();
    }
}

/// Removes `dir` if the process is interrupted before [`keep`] is called for it.
pub fn remove_on_interrupt(dir: &Path) {
    if let Ok(mut l) = LEFTOVERS.lock() {
        l.push(dir.to_path_buf());
    }
}

/// `dir` was moved into place or cleaned up: an interrupt leaves it alone.
pub fn keep(dir: &Path) {
    if let Ok(mut l) = LEFTOVERS.lock() {
        l.retain(|d| d != dir);
    }
}

/// Installs the Ctrl-C handler: it lets the write in progress finish, removes
/// registered folders, prints `message` and exits with `code`.
pub fn install(message: &'static str, code: i32) {
    let handler = move || {
        INTERRUPTED.store(true, Ordering::Relaxed);
        // Held until the process ends, so no write starts after this point.
        let _writing = match WRITING.try_lock() {
            Ok(g) => g,
            Err(_) => {
                eprintln!("finishing the write in progress, then stopping…");
                writing()
            }
        };
        let dirs = LEFTOVERS.lock().map(|l| l.clone()).unwrap_or_default();
        for dir in dirs {
            // Renderer threads may still be finishing a file inside it; try again.
            for _ in 0..20 {
                if std::fs::remove_dir_all(&dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        eprintln!("{message}");
        std::process::exit(code);
    };
    if let Err(e) = ctrlc::set_handler(handler) {
        eprintln!("warning: Ctrl-C will stop piazza abruptly: {e}");
    }
}
