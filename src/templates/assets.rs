//! `asset("style.css")`: the URL of a published static file with the base path and
//! `?v=` and a hash of its bytes, so a browser or CDN that caches CSS and JS for a week
//! still fetches a stylesheet the moment it changes.
//!
//! Templates name their assets in quotes, so every asset is known, read and hashed
//! once per build before anything renders, and a template's fingerprint in watch mode
//! covers the URLs it links.

use std::collections::HashMap;
use std::path::Path;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::config::BaseUrl;
use crate::error::Error;
use crate::files::{Source, StaticFile};

/// Characters a file name keeps escaped in a URL path.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The files `asset()` may name: everything copied to the output as it is (the site's
/// static/ over the theme's), and how their URLs are made.
pub struct AssetFiles<'a> {
    by_out: HashMap<&'a str, &'a StaticFile>,
    base: &'a BaseUrl,
    fingerprint: bool,
}

impl<'a> AssetFiles<'a> {
    /// `fingerprint` is off in the live preview: plain URLs there let an edited
    /// stylesheet be swapped into open pages without rewriting them.
    pub fn new(files: &'a [StaticFile], base: &'a BaseUrl, fingerprint: bool) -> Self {
        AssetFiles {
            by_out: files.iter().map(|f| (f.out.as_str(), f)).collect(),
            base,
            fingerprint,
        }
    }

    /// The URL of the file published at `name` (`style.css`, `/images/logo.svg`), or
    /// None when there is none.
    pub fn url(&self, name: &str) -> Result<Option<String>, Error> {
        let rel = name.trim_start_matches('/');
        let Some(file) = self.by_out.get(rel) else {
            return Ok(None);
        };
        let url = self
            .base
            .url(&format!("/{}", utf8_percent_encode(rel, PATH)));
        if !self.fingerprint {
            return Ok(Some(url));
        }
        let hash = match &file.source {
            Source::File(path) => {
                crc32fast::hash(&std::fs::read(path).map_err(|e| Error::io(&file.shown, &e))?)
            }
            Source::Bytes(bytes) => crc32fast::hash(bytes),
        };
        Ok(Some(format!("{url}?v={hash:08x}")))
    }
}

/// The error for `asset()` naming a file that is not published.
pub fn missing(name: &str) -> String {
    let rel = name.trim_start_matches('/');
    format!(
        "asset(\"{name}\"): there is no {} in the site's or the theme's static files; add it or correct the name",
        Path::new("static").join(rel).display()
    )
}
