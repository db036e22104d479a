//! The persistent cache (issue 14): share cards drawn once survive a fresh output
//! folder, a fresh checkout in another place and two builds at once; deleting the cache
//! only makes the next build draw again; a damaged entry is never published.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{piazza_str, TestSite};
use piazza::site::SiteOptions;

fn cards(out: &Path) -> BTreeMap<String, Vec<u8>> {
    common::walk(out)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "card.png"))
        .map(|p| {
            let rel = p.strip_prefix(out).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn drawn(site: &Path, out: &Path) -> usize {
    piazza::cli::build(site, out, &SiteOptions::default(), false, true)
        .unwrap_or_else(|e| panic!("build failed:\n{e}"))
        .cards_drawn
}

#[test]
fn a_fresh_output_folder_draws_nothing_and_deleting_the_cache_is_safe() {
    let site = TestSite::fixture("cards");
    let tmp = site.tmp();
    assert_eq!(drawn(site.root(), &tmp.join("a")), 10);
    assert!(site.path(".piazza-cache/cards").is_dir());
    let first = cards(&tmp.join("a"));

    // `rm -rf public`: the cache has every card.
    assert_eq!(drawn(site.root(), &tmp.join("b")), 0);
    assert_eq!(cards(&tmp.join("b")), first, "the same bytes");

    // A title edit draws that card alone, in a fresh folder too.
    site.edit("content/guides/primi-passi.md", |s| {
        s.replace("Primi passi sui social", "Primi passi su Instagram")
    });
    assert_eq!(drawn(site.root(), &tmp.join("c")), 1);
    // Back to the old title: found in the cache, not drawn.
    site.edit("content/guides/primi-passi.md", |s| {
        s.replace("Primi passi su Instagram", "Primi passi sui social")
    });
    assert_eq!(drawn(site.root(), &tmp.join("d")), 0);
    assert_eq!(cards(&tmp.join("d")), first);

    std::fs::remove_dir_all(site.path(".piazza-cache")).unwrap();
    assert_eq!(drawn(site.root(), &tmp.join("e")), 10);
    assert_eq!(cards(&tmp.join("e")), first);
}

#[test]
fn a_checkout_elsewhere_with_the_cache_restored_draws_nothing() {
    // As in CI: the cache kept in a folder of its own, the site cloned to a new place.
    let one = TestSite::fixture("cards");
    let shared = one.tmp().join("kept-cache");
    let config = |site: &TestSite| {
        site.edit("config.yaml", |s| {
            format!("{s}\ncache_dir: \"{}\"\n", shared.display())
        });
    };
    config(&one);
    assert_eq!(drawn(one.root(), &one.tmp().join("out")), 10);
    let two = TestSite::fixture("cards");
    config(&two);
    assert_eq!(drawn(two.root(), &two.tmp().join("out")), 0);
    assert_eq!(cards(&two.tmp().join("out")), cards(&one.tmp().join("out")));
    assert!(!two.path(".piazza-cache").exists());
}

#[test]
fn a_damaged_cache_entry_is_drawn_again_not_published() {
    let site = TestSite::fixture("cards");
    let tmp = site.tmp();
    assert_eq!(drawn(site.root(), &tmp.join("a")), 10);
    let good = cards(&tmp.join("a"));
    for entry in std::fs::read_dir(site.path(".piazza-cache/cards")).unwrap() {
        let path = entry.unwrap().path();
        // Rewritten as a new file: the published cards share the old one.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"\x89PNG\r\n\x1a\nnot a card").unwrap();
    }
    assert_eq!(drawn(site.root(), &tmp.join("b")), 10);
    assert_eq!(cards(&tmp.join("b")), good);
}

#[test]
fn two_builds_at_once_share_a_cold_cache() {
    let site = TestSite::fixture("cards");
    let root = site.root().to_path_buf();
    let runs: Vec<_> = ["one", "two"]
        .map(|name| {
            let out = site.tmp().join(name);
            let root = root.clone();
            std::thread::spawn(move || {
                piazza_str(&["build", "--out", &out.to_string_lossy()], &root).success();
                cards(&out)
            })
        })
        .into_iter()
        .collect();
    let outs: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(outs[0].len(), 10);
    assert_eq!(outs[0], outs[1]);
    let leftovers: Vec<_> = common::walk(&site.path(".piazza-cache"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("piazza-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(drawn(site.root(), &site.tmp().join("three")), 0);
}

#[test]
fn a_cache_inside_an_input_folder_is_refused() {
    let site = TestSite::fixture("cards");
    site.edit("config.yaml", |s| format!("{s}\ncache_dir: static/cache\n"));
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("config.yaml:") && run.stderr.contains("static/"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_keeps_the_cache_out_of_git() {
    let site = TestSite::empty();
    piazza_str(&["init", &site.root().to_string_lossy()], site.tmp()).success();
    let ignored = std::fs::read_to_string(site.root().join(".gitignore")).unwrap();
    assert!(ignored.lines().any(|l| l == "/.piazza-cache/"), "{ignored}");
}
