//! Share cards in the cache, the one hook `card` calls: a card is found by
//! its input key (nothing laid out, nothing templated), else by the key of its SVG
//! (laid out and templated, not drawn), else drawn and stored under both.
//!
//! The two names are hard links to one file (a copy where links are refused), so a
//! card costs its bytes once however it was found. Each file carries its own keys
//! (see `read_keys`), checked before it is used, so a file that is not
//! what its name says is never published.

use std::path::{Path, PathBuf};

use super::{read_keys, Keys};
use crate::cache::{entry_name, Cache};

const KIND: &str = "cards";

fn input_name(input: u64) -> String {
    format!("in-{}", entry_name(input, "png"))
}

fn svg_name(svg: u64) -> String {
    format!("svg-{}", entry_name(svg, "png"))
}

/// The cached card made from `input`, ready to link into the output.
pub fn by_input(cache: &Cache, input: u64) -> Option<PathBuf> {
    let path = cache.get(KIND, &input_name(input))?;
    (read_keys(&path)?.input == input).then_some(path)
}

/// The cached card that shows `svg`, as drawn for another input: its file, to be
/// re-keyed for `input` by the caller.
pub fn by_svg(cache: &Cache, svg: u64) -> Option<PathBuf> {
    let path = cache.get(KIND, &svg_name(svg))?;
    (read_keys(&path)?.svg == svg).then_some(path)
}

/// Stores a card under both its keys. A card that cannot be stored is only drawn
/// again next time, so errors are ignored.
pub fn store(cache: &Cache, keys: Keys, png: &[u8]) {
    let Ok(path) = cache.put(KIND, &svg_name(keys.svg), png) else {
        return;
    };
    link(cache, &path, &input_name(keys.input), png);
}

/// Stores a re-keyed card (same pixels, new input key) under its input key only.
pub fn store_input(cache: &Cache, input: u64, png: &[u8]) {
    let _ = cache.put(KIND, &input_name(input), png);
}

/// `name` as a second name of `path`: linked beside it and renamed into place, so
/// the swap is atomic like [`Cache::put`].
fn link(cache: &Cache, path: &Path, name: &str, png: &[u8]) {
    let target = cache.path(KIND, name);
    let temp = cache.temp(KIND, name);
    let linked = std::fs::hard_link(path, &temp).and_then(|_| std::fs::rename(&temp, &target));
    if linked.is_err() {
        let _ = std::fs::remove_file(&temp);
        let _ = cache.put(KIND, name, png);
    }
}
