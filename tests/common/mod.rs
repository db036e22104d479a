//! Shared helpers for piazza's integration tests, in the spirit of mdBook's test builder:
//! copy a fixture site into a temporary folder, change it, run the real `piazza` binary
//! on it, and look at what a user would see: exit codes, messages, parsed HTML and XML,
//! files on disk.
//!
//! Nothing here reads outside this repository: fixtures live in `tests/fixtures/`.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod s3;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use scraper::{ElementRef, Html, Selector};

/// A valid 3×2 RGB PNG (so share-image tags can report its size).
pub const PNG_3X2: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0x12, 0x16, 0xf1,
    0x4d, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x91, 0x62, 0x04,
    0x41, 0x0c, 0x70, 0x16, 0x00, 0x55, 0xa0, 0x08, 0x35, 0xae, 0xdb, 0xca, 0x19, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A valid 2×2 RGB PNG, different bytes from [`PNG_3X2`].
pub const PNG_2X2: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x91, 0x62, 0x04,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x28, 0xae, 0x05, 0x79, 0x42, 0xe1, 0x27, 0xee, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The folder holding the fixture sites.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A site in its own temporary folder: `TMP/site/`, with `TMP/` free for siblings
/// (other output folders, foreign files).
pub struct TestSite {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl TestSite {
    /// A copy of `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> TestSite {
        let from = fixtures_dir().join(name);
        assert!(from.is_dir(), "no fixture {}", from.display());
        TestSite::copy_of(&from)
    }

    /// A copy of any site folder, without its `public/` output.
    pub fn copy_of(from: &Path) -> TestSite {
        let site = TestSite::empty();
        copy_dir(from, &site.root, &|rel| rel != Path::new("public"));
        site
    }

    /// An empty temporary folder; `root()` does not exist yet (for `piazza init`).
    pub fn empty() -> TestSite {
        let tmp = tempfile::Builder::new()
            .prefix("piazza-test-")
            .tempdir()
            .expect("create a temporary folder");
        let root = tmp.path().join("site");
        TestSite { tmp, root }
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The temporary folder that holds the site folder.
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// The default output folder, `SITE/public`.
    pub fn out(&self) -> PathBuf {
        self.root.join("public")
    }

    /// A path inside the site.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes a text file inside the site, creating folders.
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        self.write_bytes(rel, text.as_bytes())
    }

    /// Writes a file inside the site, creating folders.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Reads a text file inside the site.
    pub fn read(&self, rel: &str) -> String {
        let path = self.root.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Rewrites a text file inside the site; panics when `f` changes nothing, so a
    /// test can never "break" a file by a replacement that did not apply.
    pub fn edit(&self, rel: &str, f: impl FnOnce(&str) -> String) -> &Self {
        let before = self.read(rel);
        let after = f(&before);
        assert_ne!(before, after, "editing {rel} changed nothing");
        self.write(rel, &after)
    }

    /// Runs `piazza build --site SITE --out SITE/public` plus `extra`.
    pub fn build(&self, extra: &[&str]) -> Run {
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("build"),
            OsStr::new("--site"),
            self.root.as_os_str(),
            OsStr::new("--out"),
        ];
        let out = self.out();
        args.push(out.as_os_str());
        args.extend(extra.iter().map(OsStr::new));
        piazza(&args, self.tmp())
    }

    /// Runs `piazza build --site SITE` plus `extra` (which may name another `--out`).
    pub fn build_raw(&self, extra: &[&OsStr]) -> Run {
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("build"),
            OsStr::new("--site"),
            self.root.as_os_str(),
        ];
        args.extend_from_slice(extra);
        piazza(&args, self.tmp())
    }

    /// Builds and panics with piazza's messages when the build fails.
    pub fn build_ok(&self, extra: &[&str]) -> Run {
        self.build(extra).success()
    }

    /// Parses an HTML file of the output (`guides/x/index.html`).
    pub fn html(&self, rel: &str) -> Doc {
        Doc::open(&self.out().join(rel))
    }

    /// Reads a text file of the output.
    pub fn output(&self, rel: &str) -> String {
        let path = self.out().join(rel);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("output file {rel} is missing or unreadable: {e}"))
    }

    /// Whether the output holds `rel`.
    pub fn has_output(&self, rel: &str) -> bool {
        self.out().join(rel).is_file()
    }
}

/// Copies the folder `from` into `to`, skipping top-level entries `keep` refuses.
pub fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let first = rel.components().next().map(|c| Path::new(c.as_os_str()));
        if first.is_some_and(|f| !keep(f)) {
            continue;
        }
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
    std::fs::create_dir_all(to).unwrap();
}

/// Every file under `dir` (hidden ones too), sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// One run of the binary.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Asserts exit code 0.
    pub fn success(self) -> Run {
        self.code(0)
    }

    /// Asserts the exit code.
    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code,
            Some(expected),
            "`{}` exited with {:?}, expected {expected}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.command,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the piazza binary with `args` in `cwd`.
pub fn piazza(args: &[&OsStr], cwd: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_piazza"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run piazza");
    Run {
        command: std::iter::once("piazza".to_string())
            .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" "),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the piazza binary with string arguments.
pub fn piazza_str(args: &[&str], cwd: &Path) -> Run {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    piazza(&args, cwd)
}

/// A parsed HTML file.
pub struct Doc {
    /// Where it was read from, for messages.
    pub path: PathBuf,
    /// The parsed document.
    pub html: Html,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

/// Text with runs of whitespace collapsed to one space, trimmed.
pub fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An element's text as a reader sees it (whitespace collapsed).
pub fn text_of(e: ElementRef<'_>) -> String {
    normalize(&e.text().collect::<String>())
}

impl Doc {
    /// Parses the HTML file at `path`.
    pub fn open(path: &Path) -> Doc {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{} is missing or unreadable: {e}", path.display()));
        Doc {
            path: path.to_path_buf(),
            html: Html::parse_document(&text),
        }
    }

    /// Every element matching `css`.
    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&selector(css)).collect()
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        self.all(css).len()
    }

    /// The one element matching `css`; panics when there is none or more than one.
    pub fn one(&self, css: &str) -> ElementRef<'_> {
        let found = self.all(css);
        assert_eq!(
            found.len(),
            1,
            "{}: expected exactly one `{css}`, found {}:\n{}",
            self.path.display(),
            found.len(),
            found
                .iter()
                .map(|e| e.html())
                .collect::<Vec<_>>()
                .join("\n")
        );
        found[0]
    }

    /// The text of the one element matching `css`, whitespace collapsed.
    pub fn text(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    /// The exact text of the one element matching `css`.
    pub fn raw_text(&self, css: &str) -> String {
        self.one(css).text().collect()
    }

    /// Attribute `attr` of the one element matching `css`.
    pub fn attr(&self, css: &str, attr: &str) -> String {
        let e = self.one(css);
        e.value()
            .attr(attr)
            .unwrap_or_else(|| {
                panic!(
                    "{}: `{css}` has no attribute {attr}: {}",
                    self.path.display(),
                    e.html()
                )
            })
            .to_string()
    }

    /// Attribute `attr` of every element matching `css` that has it.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.all(css)
            .iter()
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    /// The texts of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).into_iter().map(text_of).collect()
    }

    /// `content` of `<meta property=NAME>` (Open Graph), exactly one.
    pub fn og(&self, property: &str) -> String {
        self.attr(&format!("meta[property=\"{property}\"]"), "content")
    }

    /// `content` of `<meta name=NAME>`, exactly one.
    pub fn meta_name(&self, name: &str) -> String {
        self.attr(&format!("meta[name=\"{name}\"]"), "content")
    }

    /// `href` of `<link rel=canonical>`, exactly one.
    pub fn canonical(&self) -> String {
        self.attr("link[rel=canonical]", "href")
    }

    /// Elements whose whole text, as a reader sees it, is `text`.
    pub fn with_text(&self, text: &str) -> Vec<ElementRef<'_>> {
        self.all("body *")
            .into_iter()
            .filter(|e| text_of(*e) == text)
            .collect()
    }

    /// The `href`s of the links in `<main>` to site paths matching `prefix` + one slug + `/`
    /// (`/guides/x/`), distinct, in document order. List pages show cards this way.
    pub fn linked_pages(&self, prefix: &str) -> Vec<String> {
        let mut seen = Vec::new();
        for href in self.attrs("main a[href]", "href") {
            let Some(rest) = href.strip_prefix(prefix) else {
                continue;
            };
            let slug = rest.strip_suffix('/').unwrap_or("");
            if slug.is_empty() || slug.contains('/') || slug == "page" {
                continue;
            }
            if !seen.contains(&href) {
                seen.push(href);
            }
        }
        seen
    }
}

/// Parses an XML document, panicking with the text on error.
pub fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("invalid XML ({e}):\n{text}"))
}

/// The text of the first child element of `node` named `name` (any namespace).
pub fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .and_then(|c| c.text())
}

/// Decodes `%XX` escapes into UTF-8, and nothing else (a `+` stays a `+`). A malformed
/// escape fails the test: share links must be encoded exactly once and correctly.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .unwrap_or_else(|| panic!("a truncated escape in {s}"));
            out.push(u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("`%{hex}` in {s}")));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("percent-decoded text is UTF-8")
}

/// The value of query parameter `key` in `url`, percent-decoded once.
pub fn query_param(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| percent_decode(v))
    })
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Howard Hinnant's civil_from_days.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Every file under `dir` with its bytes and modification time.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, (Vec<u8>, SystemTime)>);

impl Snapshot {
    /// Records `dir`.
    pub fn take(dir: &Path) -> Snapshot {
        Snapshot(
            walk(dir)
                .into_iter()
                .map(|p| {
                    let meta = std::fs::metadata(&p).unwrap();
                    let bytes = std::fs::read(&p).unwrap();
                    (
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        (bytes, meta.modified().unwrap()),
                    )
                })
                .collect(),
        )
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds no file.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Panics, naming the differences, when `dir` no longer matches.
    pub fn assert_unchanged(&self, dir: &Path, context: &str) {
        let now = Snapshot::take(dir);
        if &now == self {
            return;
        }
        let mut diffs = Vec::new();
        for (p, (bytes, mtime)) in &self.0 {
            match now.0.get(p) {
                None => diffs.push(format!("deleted: {}", p.display())),
                Some((b, _)) if b != bytes => diffs.push(format!("changed: {}", p.display())),
                Some((_, m)) if m != mtime => diffs.push(format!("rewritten: {}", p.display())),
                _ => {}
            }
        }
        for p in now.0.keys().filter(|p| !self.0.contains_key(*p)) {
            diffs.push(format!("added: {}", p.display()));
        }
        panic!(
            "{} changed ({context}):\n{}",
            dir.display(),
            diffs.join("\n")
        );
    }
}

/// Leftover staging folders (`.NAME.piazza-new-*`, `.NAME.piazza-old-*`) in `dir`.
pub fn leftover_staging(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".piazza-new-") || n.contains(".piazza-old-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The `(line, column)` locations stderr gives for `file`, from `FILE:LINE` and
/// `FILE:LINE:COL`.
pub fn locations(stderr: &str, file: &str) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = stderr[from..].find(file) {
        let start = from + i;
        from = start + file.len();
        let before_ok = start == 0
            || stderr[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || "`'\"(".contains(c));
        if !before_ok {
            continue;
        }
        let rest = &stderr[from..];
        let number = |s: &str| -> Option<(usize, usize)> {
            let s = s.strip_prefix(':')?;
            let digits = s.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0).then(|| (s[..digits].parse().unwrap(), digits + 1))
        };
        if let Some((line, used)) = number(rest) {
            let col = number(&rest[used..]).map(|(c, _)| c);
            out.push((line, col));
        }
    }
    out
}

/// Panics unless stderr names `file` at `line` (and `column`, when given).
pub fn assert_located(stderr: &str, file: &str, line: usize, column: Option<usize>) {
    let found = locations(stderr, file);
    let ok = found
        .iter()
        .any(|&(l, c)| l == line && (column.is_none() || c == column));
    assert!(
        ok,
        "expected an error at {file}:{line}{}; locations found for that file: {found:?}\n--- stderr:\n{stderr}",
        column.map(|c| format!(":{c}")).unwrap_or_default()
    );
}

/// What [`check_links`] found.
#[derive(Debug, Default)]
pub struct LinkReport {
    /// Internal links and assets checked.
    pub checked: usize,
    /// Root-relative links checked (`/...`).
    pub root_relative: usize,
    /// One line per problem.
    pub broken: Vec<String>,
}

/// Checks every internal `href`/`src` in every HTML file of `out` (and the absolute
/// canonical, og:url, og:image, twitter:image and refresh URLs on the site's own host):
/// root-relative links must carry the base URL's path prefix, and every link must
/// resolve to a file of the output (`index.html` for folder URLs), with `#fragment`s
/// naming an element id of the target page.
pub fn check_links(out: &Path, base_url: &str) -> LinkReport {
    let base = base_url.trim_end_matches('/');
    let (origin, prefix) = {
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        match base[after_scheme..].find('/') {
            Some(i) => (&base[..after_scheme + i], &base[after_scheme + i..]),
            None => (base, ""),
        }
    };
    let mut report = LinkReport::default();
    let mut ids: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let html_files: Vec<PathBuf> = walk(out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    for file in &html_files {
        let doc = Doc::open(file);
        let rel_file = file.strip_prefix(out).unwrap();
        // The URL path of the folder this page is served from, for relative links.
        let dir_url: String = {
            let parent = rel_file.parent().unwrap_or(Path::new(""));
            let parts: Vec<String> = parent
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.is_empty() {
                "/".to_string()
            } else {
                format!("/{}/", parts.join("/"))
            }
        };
        let mut refs: Vec<(String, &'static str)> = Vec::new();
        for e in doc.all("[href], [src]") {
            for attr in ["href", "src"] {
                if let Some(v) = e.value().attr(attr) {
                    refs.push((v.to_string(), attr));
                }
            }
        }
        for css in [
            "meta[property=\"og:url\"]",
            "meta[property=\"og:image\"]",
            "meta[name=\"twitter:image\"]",
        ] {
            for v in doc.attrs(css, "content") {
                refs.push((v, "content"));
            }
        }
        for v in doc.attrs("meta[http-equiv=refresh]", "content") {
            if let Some((_, url)) = v.split_once("url=") {
                refs.push((url.trim().to_string(), "refresh"));
            }
        }
        for (value, attr) in refs {
            let where_ = format!("{} [{attr}={value}]", rel_file.display());
            if value.is_empty() {
                report.broken.push(format!("{where_}: empty URL"));
                continue;
            }
            let site_path: String = if let Some(frag) = value.strip_prefix('#') {
                // A link inside this page.
                report.checked += 1;
                let own = ids.entry(file.clone()).or_insert_with(|| ids_of(&doc.html));
                if !frag.is_empty() && !own.contains(&percent_decode(frag)) {
                    report
                        .broken
                        .push(format!("{where_}: no element with this id"));
                }
                continue;
            } else if value.starts_with("//") {
                continue;
            } else if let Some(rest) = value.strip_prefix(origin) {
                if !(rest.is_empty() || rest.starts_with('/')) {
                    continue; // another host that merely starts alike
                }
                match rest.strip_prefix(prefix) {
                    Some(p) if p.starts_with('/') || p.is_empty() => {
                        if p.is_empty() {
                            "/".to_string()
                        } else {
                            p.to_string()
                        }
                    }
                    _ => {
                        report
                            .broken
                            .push(format!("{where_}: absolute URL outside {base}"));
                        continue;
                    }
                }
            } else if has_scheme(&value) {
                continue; // another scheme or host: mailto:, https://elsewhere
            } else if value.starts_with('/') {
                report.root_relative += 1;
                match value.strip_prefix(prefix) {
                    Some(p) if p.starts_with('/') => p.to_string(),
                    _ => {
                        report
                            .broken
                            .push(format!("{where_}: misses the base path prefix {prefix}/"));
                        continue;
                    }
                }
            } else {
                resolve_relative(&dir_url, &value)
            };
            report.checked += 1;
            let (path, fragment) = match site_path.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (site_path.clone(), None),
            };
            let path = path.split('?').next().unwrap_or("").to_string();
            let path = percent_decode(&path);
            let mut target = out.join(path.trim_start_matches('/'));
            if path.ends_with('/') || target.is_dir() {
                target = target.join("index.html");
            }
            if !target.is_file() {
                report
                    .broken
                    .push(format!("{where_}: {path} is not in the output"));
                continue;
            }
            if let Some(frag) = fragment.filter(|f| !f.is_empty()) {
                if target.extension().is_some_and(|e| e == "html") {
                    let target_ids = ids
                        .entry(target.clone())
                        .or_insert_with(|| ids_of(&Doc::open(&target).html));
                    if !target_ids.contains(&percent_decode(&frag)) {
                        report
                            .broken
                            .push(format!("{where_}: {path} has no element id {frag}"));
                    }
                }
            }
        }
    }
    report
}

/// Whether `url` starts with a scheme (`mailto:`, `https:`).
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

fn ids_of(html: &Html) -> HashSet<String> {
    html.select(&selector("[id]"))
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect()
}

/// Resolves a relative URL against the folder URL `dir` (`/guides/x/`).
fn resolve_relative(dir: &str, rel: &str) -> String {
    let (path_part, suffix) = match rel.find(['?', '#']) {
        Some(i) => (&rel[..i], &rel[i..]),
        None => (rel, ""),
    };
    let joined = format!("{dir}{path_part}");
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(&joined).components() {
        match c {
            Component::ParentDir => {
                parts.pop();
            }
            Component::Normal(s) => parts.push(s.to_str().unwrap()),
            _ => {}
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if (path_part.ends_with('/') || path_part.is_empty()) && !out.ends_with('/') {
        out.push('/');
    }
    out.push_str(suffix);
    out
}
