//! `piazza init` and `piazza new`: the starter's section folders in each language, and
//! where `new guide` and `new thesis` put their files.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{piazza_str, TestSite};

/// `piazza init SITE --language LANG`, which must succeed.
fn init(language: &str) -> TestSite {
    let t = TestSite::empty();
    piazza_str(
        &["init", t.root().to_str().unwrap(), "--language", language],
        t.tmp(),
    )
    .success();
    t
}

/// `piazza new KIND TITLE --site SITE`, which must succeed.
fn new(t: &TestSite, kind: &str, title: &str) {
    piazza_str(
        &["new", kind, title, "--site", t.root().to_str().unwrap()],
        t.tmp(),
    )
    .success();
}

/// The folders directly under `dir`.
fn folders(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The `warning:` lines a run printed.
fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

/// The built Italian starter has its sections at /guide/ and /tesi/ only.
fn assert_english_free(t: &TestSite) {
    let out = folders(&t.out());
    assert!(out.contains("guide") && out.contains("tesi"), "{out:?}");
    assert!(
        !out.contains("guides") && !out.contains("theses"),
        "{out:?}"
    );
}

#[test]
fn italian_starter_uses_italian_section_names() {
    let t = init("it");
    assert_eq!(folders(&t.path("content")), set(&["guide", "tesi"]));
    let config = t.read("config.yaml");
    assert!(
        config.lines().any(|l| l == "guides_section: guide")
            && config.lines().any(|l| l == "theses_section: tesi"),
        "{config}"
    );
    // The one warning: the starter's base_url is a placeholder until it is changed.
    let run = t.build_ok(&[]);
    let warned = warnings(&run.stderr);
    assert!(
        warned.len() == 1
            && warned[0].starts_with("warning: config.yaml:2:")
            && warned[0].contains("placeholder"),
        "{}",
        run.stderr
    );
    t.edit("config.yaml", |s| {
        s.replace("https://example.org", "https://www.bottega-rossi.it")
    });
    let run = t.build_ok(&[]);
    assert_eq!(warnings(&run.stderr), Vec::<&str>::new());
    assert_english_free(&t);

    new(&t, "guide", "Il mio titolo");
    assert!(t.path("content/guide/il-mio-titolo.md").is_file());
    new(&t, "thesis", "Ascolta prima di parlare");
    assert!(t
        .path("content/tesi/02-ascolta-prima-di-parlare.md")
        .is_file());
    assert_eq!(folders(&t.path("content")), set(&["guide", "tesi"]));

    let run = t.build_ok(&[]);
    assert_eq!(warnings(&run.stderr), Vec::<&str>::new());
    assert_eq!(
        t.html("guide/il-mio-titolo/index.html").text("h1"),
        "Il mio titolo"
    );
    assert_eq!(
        t.html("tesi/02-ascolta-prima-di-parlare/index.html")
            .text("h1"),
        "Ascolta prima di parlare"
    );
    assert_english_free(&t);
    let list = t.html("guide/index.html");
    assert!(
        list.linked_pages("/guide/")
            .contains(&"/guide/il-mio-titolo/".to_string()),
        "the guides list links the new guide"
    );
}

#[test]
fn english_starter_keeps_guides_and_theses() {
    let t = init("en");
    assert_eq!(folders(&t.path("content")), set(&["guides", "theses"]));
    new(&t, "guide", "My title");
    assert!(t.path("content/guides/my-title.md").is_file());
    new(&t, "thesis", "Listen first");
    assert!(t.path("content/theses/02-listen-first.md").is_file());
    t.build_ok(&[]);
    assert!(t.has_output("guides/my-title/index.html"));
    assert!(t.has_output("theses/02-listen-first/index.html"));
}

#[test]
fn new_guide_follows_guides_section() {
    let t = init("en");
    t.edit("config.yaml", |s| format!("{s}guides_section: posts\n"));
    new(&t, "guide", "My title");
    assert!(t.path("content/posts/my-title.md").is_file());
    assert!(!t.path("content/guides/my-title.md").exists());
}

#[test]
fn a_guides_section_that_is_no_folder_name_is_an_error() {
    for (value, says) in [
        ("\"a/b\"", "one folder under content/"),
        ("\"\"", "one folder under content/"),
        ("theses", "theses_section"),
    ] {
        let t = init("en");
        let line = t.read("config.yaml").lines().count() + 1;
        t.edit("config.yaml", |s| format!("{s}guides_section: {value}\n"));
        let run = t.build(&[]).code(1);
        assert!(
            run.stderr.contains(&format!("config.yaml:{line}")) && run.stderr.contains(says),
            "guides_section: {value}\n{}",
            run.stderr
        );
        assert!(!t.out().exists(), "nothing is written");
        let run = piazza_str(
            &["new", "guide", "X", "--site", t.root().to_str().unwrap()],
            t.tmp(),
        )
        .code(1);
        assert!(run.stderr.contains(says), "{}", run.stderr);
    }
}
