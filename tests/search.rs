//! Site search as a build leaves it: the index files under the base path, which pages
//! are in it, the search page and box, the paths search owns, and the Nu checker's
//! word on the search page. `tests/browser.rs` runs the search itself in Chromium.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestSite;
use serde_json::Value;

const CONFIG: &str =
    "title: \"Bottega\"\nbase_url: \"https://x.github.io/repo/\"\nlanguage: it\nsearch: true\n";

/// A small Italian site with search on: two guides, a thesis, a page, and pages search
/// must leave out.
fn site() -> TestSite {
    let site = TestSite::empty();
    site.write("config.yaml", CONFIG)
        .write("content/_index.md", "---\ntitle: \"Home\"\n---\n")
        .write(
            "content/guides/_index.md",
            "---\ntitle: \"Guide\"\n---\n",
        )
        .write(
            "content/guides/prezzi.md",
            "---\ntitle: \"Prezzi \\\"giusti\\\" <&> </script> 🙂\"\ndate: 2024-01-01\ntags: [\"Vendite & co\"]\n---\n\nIl listino della bottega, spiegato.\n",
        )
        .write(
            "content/guides/orari.md",
            "---\ntitle: \"Orari\"\ndate: 2024-02-01\ntags: [PMI]\n---\n\nAperti la domenica.\n",
        )
        .write(
            "content/guides/segreta.md",
            "---\ntitle: \"Segreta\"\ndate: 2024-03-01\nsearch: false\n---\n\nNon cercarmi.\n",
        )
        .write(
            "content/guides/nascosta.md",
            "---\ntitle: \"Nascosta\"\ndate: 2024-03-02\nnoindex: true\n---\n\nNemmeno io.\n",
        )
        .write(
            "content/guides/bozza.md",
            "---\ntitle: \"Bozza\"\ndate: 2024-03-03\ndraft: true\n---\n\nIn lavorazione.\n",
        )
        .write(
            "content/theses/_index.md",
            "---\ntitle: \"Tesi\"\nsort: number\n---\n",
        )
        .write(
            "content/theses/01-ascoltare.md",
            "---\ntitle: \"Ascoltare prima di parlare\"\nnumber: 1\ntags: [PMI]\n---\n\nSi ascolta.\n",
        )
        .write(
            "content/chi-siamo.md",
            "---\ntitle: \"Chi siamo\"\n---\n\nUna bottega.\n",
        );
    site
}

/// The output paths of pages whose HTML marks text for the index.
fn marked(out: &Path) -> Vec<String> {
    let mut found: Vec<String> = common::walk(out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("data-pagefind-body")))
        .map(|p| {
            p.strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    found.sort();
    found
}

fn entry(site: &TestSite) -> Value {
    serde_json::from_str(&site.output("pagefind/pagefind-entry.json"))
        .expect("pagefind-entry.json is JSON")
}

#[test]
fn the_index_holds_guides_theses_and_pages_under_the_base_path() {
    let site = site();
    site.build_ok(&["--drafts"]);
    // Drafts (even built), noindex and `search: false` pages are not marked; lists,
    // tags, 404 and aliases never are.
    assert_eq!(
        marked(&site.out()),
        [
            "chi-siamo/index.html",
            "guides/orari/index.html",
            "guides/prezzi/index.html",
            "theses/01-ascoltare/index.html",
        ]
    );
    let entry = entry(&site);
    assert_eq!(entry["languages"]["it"]["page_count"], 4, "{entry}");
    for file in ["pagefind/pagefind.js", "pagefind/wasm.it.pagefind"] {
        assert!(site.has_output(file), "{file} is missing");
    }
    let bundle: Vec<PathBuf> = common::walk(&site.out().join("pagefind"));
    let count = |ext: &str| {
        bundle
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .count()
    };
    assert!(count("pf_fragment") == 4, "one fragment a page: {bundle:?}");
    assert!(
        count("pf_index") >= 1 && count("pf_filter") >= 1,
        "{bundle:?}"
    );
    assert!(
        !site.has_output("pagefind/pagefind-ui.js"),
        "Pagefind's own UI is not published"
    );

    // The search page and the header's box work under /repo/.
    let page = site.html("search/index.html");
    assert_eq!(
        page.attr("#search-results", "data-bundle"),
        "/repo/pagefind/"
    );
    assert_eq!(page.attr("#search-results", "data-base"), "/repo/");
    assert_eq!(page.attr("#search-results", "data-kind-thesis"), "Tesi");
    assert_eq!(page.attr(".search-form", "action"), "/repo/search/");
    assert_eq!(page.meta_name("robots"), "noindex");
    assert!(page
        .attr("script[src*='search.js']", "src")
        .starts_with("/repo/search.js?v="));
    let home = site.html("index.html");
    assert_eq!(home.attr(".site-search", "action"), "/repo/search/");
    assert_eq!(home.attr(".site-search input", "name"), "q");
    assert_eq!(home.text(".site-search label"), "Cerca nel sito");

    // What the index reads of a page: its title (hostile characters as text), kind,
    // tags as filters and, on a thesis, its number.
    let guide = site.html("guides/prezzi/index.html");
    assert_eq!(
        guide.text("h1[data-pagefind-meta='title']"),
        "Prezzi \"giusti\" <&> </script> 🙂"
    );
    assert_eq!(
        guide.attr("header[data-pagefind-body]", "data-pagefind-filter"),
        "kind:guide"
    );
    assert_eq!(guide.text("a[data-pagefind-filter='tag']"), "Vendite & co");
    let thesis = site.html("theses/01-ascoltare/index.html");
    assert_eq!(thesis.text("[data-pagefind-meta='number']"), "1");
    assert_eq!(
        thesis.attr("span[data-pagefind-filter^='tag']", "data-pagefind-filter"),
        "tag:PMI"
    );
}

#[test]
fn search_is_off_unless_the_config_asks() {
    let site = site();
    site.write("config.yaml", &CONFIG.replace("search: true\n", ""));
    site.build_ok(&[]);
    assert!(!site.out().join("pagefind").exists());
    assert!(!site.has_output("search/index.html"));
    assert_eq!(site.html("index.html").count(".site-search"), 0);
    assert!(marked(&site.out()).is_empty());
    // Without search, the paths are free for the site.
    site.write("static/pagefind/own.js", "1;");
    site.build_ok(&[]);
    assert!(site.has_output("pagefind/own.js"));
}

#[test]
fn nothing_else_may_publish_where_search_writes() {
    let site = site();
    site.write("static/pagefind/pagefind.js", "alert(1);");
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("static/pagefind/pagefind.js")
            && run
                .stderr
                .contains("/pagefind/, where the search index is written"),
        "{}",
        run.stderr
    );
    assert!(!site.out().exists(), "a failed build writes nothing");

    let site = self::site();
    site.write(
        "content/cerca.md",
        "---\ntitle: \"Cerca\"\nslug: search\n---\n\nLa mia ricerca.\n",
    );
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("content/cerca.md:3") && run.stderr.contains("the search page"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_search_key_that_is_not_true_or_false_is_an_error_at_its_line() {
    let site = site();
    site.write(
        "config.yaml",
        &CONFIG.replace("search: true", "search: maybe"),
    );
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("config.yaml:4"),
        "config: {}",
        run.stderr
    );
    let site = self::site();
    site.write(
        "content/guides/orari.md",
        "---\ntitle: \"Orari\"\nsearch: no thanks\n---\n\nAperti.\n",
    );
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("content/guides/orari.md:3"),
        "front matter: {}",
        run.stderr
    );
}

#[test]
fn a_new_site_has_search() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nuovo");
    common::piazza_str(
        &["init", dir.to_str().unwrap(), "--language", "it"],
        tmp.path(),
    )
    .success();
    let config = std::fs::read_to_string(dir.join("config.yaml")).unwrap();
    assert!(config.contains("\nsearch: true\n"), "{config}");
    let out = tmp.path().join("out");
    common::piazza_str(
        &[
            "build",
            "--site",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        tmp.path(),
    )
    .success();
    assert!(out.join("pagefind/pagefind-entry.json").is_file());
    assert!(out.join("search/index.html").is_file());
}

/// The Nu Html Checker's errors and warnings on one file, or None when there are none.
/// Found as tests/share.rs finds it; skipped loudly without it, except in CI.
fn nu_problems(file: &Path) -> Option<String> {
    let jar = match std::env::var_os("VNU_JAR") {
        Some(j) => PathBuf::from(j),
        None => PathBuf::from(std::env::var_os("HOME")?)
            .join(".cache/piazza/vnu/node_modules/vnu-jar/build/dist/vnu.jar"),
    };
    if !jar.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the Nu Html Checker is not installed; .ci/run installs it"
        );
        eprintln!("SKIPPED: the Nu Html Checker (vnu.jar) is not installed");
        return None;
    }
    let o = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--format", "json"])
        .arg(file)
        .output()
        .expect("run java");
    let report: Value = serde_json::from_slice(&o.stderr).expect("the checker's JSON report");
    let problems: Vec<String> = report["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["type"] != "info" || m["subType"] == "warning")
        .map(|m| format!("{}: {}", m["lastLine"], m["message"]))
        .collect();
    (!problems.is_empty()).then(|| problems.join("\n"))
}

#[test]
fn the_search_page_is_valid_html() {
    let site = site();
    site.build_ok(&[]);
    if let Some(problems) = nu_problems(&site.out().join("search/index.html")) {
        panic!("the search page:\n{problems}");
    }
}
