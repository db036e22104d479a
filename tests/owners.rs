//! Every output path has exactly one owner: a page, an alias, a static or bundle file, or
//! a file piazza generates. Two claims on one path (or on one path in two letter cases,
//! or a file where another output needs a folder) stop the build with exit code 1 and a
//! message naming both owners, leaving the previous output as it was. Alias and slug
//! paths that could reach outside the output folder are refused at their line.

mod common;

use common::{assert_located, leftover_staging, Snapshot, TestSite};

/// The guide whose front matter each test changes; `aliases:` or `slug:` is on line 3.
const MOVED: &str = "content/guides/moved.md";

/// A tiny site with every kind of generated output: home, a paginated section (one guide
/// a page, so `/guides/page/2/` exists), a tag, a thesis with a `slug:` on line 4, a
/// static file, share cards and the default theme's assets.
fn site() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "config.yaml",
        "title: \"Owners\"\nbase_url: \"https://owners.example.com\"\nlanguage: en\n",
    )
    .write("content/_index.md", "---\ntitle: \"Home\"\n---\n")
    .write(
        "content/guides/_index.md",
        "---\ntitle: \"Guides\"\npaginate: 1\n---\n",
    )
    .write(
        "content/guides/alpha.md",
        "---\ntitle: \"Alpha\"\ndate: 2020-01-01\ntags: [\"Photos\"]\n---\n\nAlpha.\n",
    )
    .write(
        "content/guides/beta.md",
        "---\ntitle: \"Beta\"\ndate: 2020-02-01\n---\n\nBeta.\n",
    )
    .write("content/theses/_index.md", "---\ntitle: \"Theses\"\n---\n")
    .write(
        "content/theses/one.md",
        "---\ntitle: \"Listen first\"\nnumber: 1\nslug: one\n---\n\nListen.\n",
    )
    .write("static/hello.txt", "hello\n")
    .write(MOVED, &moved("aliases: [\"/old/moved/\"]"));
    site
}

/// The moved guide with `line` as its front matter line 3.
fn moved(line: &str) -> String {
    format!("---\ntitle: \"Moved\"\n{line}\ndate: 2019-01-01\n---\n\nMoved.\n")
}

/// Builds `site` (which must succeed), applies `breakage`, builds again and checks the
/// run failed with exit code 1 leaving the previous output exactly as it was and no
/// staging folder behind. Returns stderr.
fn refused(site: &TestSite, breakage: impl FnOnce(&TestSite)) -> String {
    site.build_ok(&[]);
    let before = Snapshot::take(&site.out());
    assert!(before.len() > 10, "the good build wrote too little");
    std::thread::sleep(std::time::Duration::from_millis(20));
    breakage(site);
    let run = site.build(&[]).code(1);
    before.assert_unchanged(&site.out(), "a refused build must leave the output alone");
    assert_eq!(leftover_staging(site.root()), Vec::<String>::new());
    assert!(
        !run.stderr.contains("os error"),
        "a raw system error instead of a message:\n{}",
        run.stderr
    );
    run.stderr
}

/// The alias `alias` on the moved guide is refused; returns stderr.
fn alias_refused(alias: &str) -> String {
    let site = site();
    let err = refused(&site, |s| {
        s.write(MOVED, &moved(&format!("aliases: [\"{alias}\"]")));
    });
    assert_located(&err, MOVED, 3, None);
    err
}

/// Asserts that `err` names the other owner: each of `needles` appears in it.
fn names(err: &str, needles: &[&str]) {
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in:\n{err}");
    }
}

#[test]
fn alias_on_the_home_page() {
    let err = alias_refused("/index.html");
    names(&err, &["/index.html", "home page", "content/_index.md"]);
}

#[test]
fn alias_on_a_section_list() {
    let err = alias_refused("/guides/index.html");
    names(&err, &["/guides/", "content/guides/_index.md"]);
}

#[test]
fn alias_on_a_pager_page() {
    let err = alias_refused("/guides/page/2/");
    names(
        &err,
        &["/guides/page/2/", "page 2", "content/guides/_index.md"],
    );
}

#[test]
fn alias_on_a_tag_page() {
    let err = alias_refused("/tags/photos/index.html");
    names(&err, &["tag «Photos»", "content/guides/alpha.md:4"]);
}

#[test]
fn alias_on_the_tag_index() {
    let err = alias_refused("/tags/");
    names(&err, &["/tags/", "list of tags"]);
}

#[test]
fn alias_on_a_thesis() {
    let err = alias_refused("/theses/one/index.html");
    names(&err, &["thesis", "content/theses/one.md:4"]);
}

#[test]
fn alias_on_the_feed() {
    let err = alias_refused("/feed.xml");
    names(&err, &["feed.xml", "RSS feed", "folder"]);
}

#[test]
fn alias_on_robots_txt() {
    let err = alias_refused("/robots.txt");
    names(&err, &["robots.txt", "folder"]);
}

#[test]
fn alias_on_the_sitemap() {
    let err = alias_refused("/sitemap.xml");
    names(&err, &["sitemap.xml", "sitemap", "folder"]);
}

#[test]
fn alias_on_the_404_page() {
    let err = alias_refused("/404.html");
    names(&err, &["/404.html", "404 page"]);
}

#[test]
fn alias_on_a_share_card() {
    let err = alias_refused("/guides/alpha/card.png");
    names(&err, &["card.png", "share card", "content/guides/alpha.md"]);
}

#[test]
fn alias_on_a_theme_asset() {
    let err = alias_refused("/style.css");
    names(&err, &["style.css", "theme", "folder"]);
}

#[test]
fn alias_on_the_output_marker() {
    let err = alias_refused("/.piazza-output");
    names(&err, &[".piazza-output", "marker"]);
}

#[test]
fn static_file_on_a_page() {
    let site = site();
    let err = refused(&site, |s| {
        s.write("static/guides/alpha/index.html", "<p>mine</p>\n");
    });
    names(
        &err,
        &["static/guides/alpha/index.html", "content/guides/alpha.md"],
    );
}

#[test]
fn static_file_and_bundle_file_on_one_path() {
    let site = site();
    let err = refused(&site, |s| {
        s.write("content/guides/gamma/index.md", "---\ntitle: Gamma\n---\n")
            .write("content/guides/gamma/photo.txt", "bundle\n")
            .write("static/guides/gamma/photo.txt", "static\n");
    });
    names(
        &err,
        &[
            "content/guides/gamma/photo.txt",
            "static/guides/gamma/photo.txt",
        ],
    );
}

#[test]
fn two_pages_on_one_path() {
    let site = site();
    let err = refused(&site, |s| {
        s.write(MOVED, &moved("slug: alpha"));
    });
    assert_located(&err, MOVED, 3, None);
    names(&err, &["/guides/alpha/", "content/guides/alpha.md"]);
}

#[test]
fn a_page_where_a_list_is() {
    let site = site();
    let err = refused(&site, |s| {
        s.write("content/guides.md", "---\ntitle: Guides too\n---\n");
    });
    names(&err, &["content/guides.md", "content/guides/_index.md"]);
}

#[test]
fn a_folder_where_a_file_is() {
    let err = alias_refused("/robots.txt/");
    names(&err, &["robots.txt", "folder"]);
}

#[test]
fn a_file_where_a_folder_is() {
    let site = site();
    let err = refused(&site, |s| {
        s.write("static/guides", "not a folder\n");
    });
    names(&err, &["static/guides", "folder", "guides/"]);
}

#[test]
fn paths_that_differ_only_in_case() {
    let err = alias_refused("/Guides/");
    names(
        &err,
        &["/Guides/", "letter case", "content/guides/_index.md"],
    );
}

#[test]
fn static_files_that_differ_only_in_case() {
    let site = site();
    let err = refused(&site, |s| {
        s.write("static/Hello.txt", "HELLO\n");
    });
    names(
        &err,
        &["static/Hello.txt", "static/hello.txt", "letter case"],
    );
}

#[test]
fn parent_folder_in_an_alias() {
    let err = alias_refused("/old/../../x/");
    names(&err, &["..", "help:"]);
}

#[test]
fn drive_letter_in_an_alias() {
    let err = alias_refused("C:/Windows/x");
    names(&err, &["C:/Windows/x", "drive", "help:"]);
}

#[test]
fn backslash_in_an_alias() {
    let err = alias_refused("/old\\\\x/");
    names(&err, &["backslash", "help:"]);
}

#[test]
fn encoded_slash_in_an_alias() {
    let err = alias_refused("/old%2Fx/");
    names(&err, &["%2F", "help:"]);
}

#[test]
fn encoded_backslash_in_an_alias() {
    let err = alias_refused("/old%5cx/");
    names(&err, &["%5c", "help:"]);
}

#[test]
fn encoded_nul_in_an_alias() {
    let err = alias_refused("/old%00x/");
    names(&err, &["%00", "help:"]);
}

#[test]
fn encoded_dots_in_an_alias() {
    let err = alias_refused("/%2e%2e/x/");
    names(&err, &["%2e%2e", "help:"]);
}

#[test]
fn control_character_in_an_alias() {
    let err = alias_refused("/old\\x01x/");
    names(&err, &["control character", "help:"]);
}

#[test]
fn percent_escapes_in_an_alias_are_decoded() {
    let site = site();
    site.write(MOVED, &moved("aliases: [\"/caff%C3%A8/\"]"));
    site.build_ok(&[]);
    let doc = site.html("caffè/index.html");
    let refresh = doc.attr("meta[http-equiv=refresh]", "content");
    assert!(refresh.ends_with("url=/guides/moved/"), "{refresh}");
    assert!(!site.out().join("caff%C3%A8").exists());
}

#[test]
fn over_long_slug() {
    let site = site();
    let long = "a".repeat(300);
    let err = refused(&site, |s| {
        s.write(MOVED, &moved(&format!("slug: {long}")));
    });
    assert_located(&err, MOVED, 3, None);
    names(&err, &["255", "help:"]);
}

#[test]
fn over_long_tag() {
    let site = site();
    let long = "b".repeat(300);
    let err = refused(&site, |s| {
        s.write(MOVED, &moved(&format!("tags: [\"{long}\"]")));
    });
    assert_located(&err, MOVED, 3, None);
    names(&err, &["255", "help:"]);
}

#[test]
fn over_long_alias_segment() {
    let err = alias_refused(&format!("/old/{}/", "c".repeat(300)));
    names(&err, &["255", "help:"]);
}

#[test]
fn check_reports_a_collision_too() {
    let site = site();
    site.write(MOVED, &moved("aliases: [\"/index.html\"]"));
    let run = common::piazza_str(
        &["check", "--site", site.root().to_str().unwrap()],
        site.tmp(),
    )
    .code(1);
    assert_located(&run.stderr, MOVED, 3, None);
    names(&run.stderr, &["home page"]);
}

#[test]
fn watch_rebuild_reports_a_collision() {
    use piazza::site::SiteOptions;
    use piazza::watch::Rebuilder;
    let site = site();
    let out = site.tmp().join("watched");
    let mut rebuilder = Rebuilder::new(site.root(), &out, SiteOptions::default(), false)
        .expect("a watched output folder");
    rebuilder.rebuild().expect("the first build succeeds");
    let home = std::fs::read(out.join("index.html")).unwrap();
    site.write(MOVED, &moved("aliases: [\"/index.html\"]"));
    let err = rebuilder
        .rebuild_after(&[site.path(MOVED)])
        .expect_err("a collision must fail the rebuild")
        .to_string();
    assert_located(&err, MOVED, 3, None);
    names(&err, &["home page", "content/_index.md"]);
    assert_eq!(std::fs::read(out.join("index.html")).unwrap(), home);
}

#[test]
fn static_files_that_differ_only_in_unicode_form() {
    let site = site();
    let err = refused(&site, |s| {
        s.write("static/caff\u{e8}.txt", "composed\n")
            .write("static/caffe\u{300}.txt", "decomposed\n");
    });
    names(&err, &["static/caff", "Unicode form"]);
}

#[test]
fn parent_folder_in_a_slug() {
    let site = site();
    let err = refused(&site, |s| {
        s.write(MOVED, &moved("slug: \"../../etc\""));
    });
    assert_located(&err, MOVED, 3, None);
    names(&err, &["../../etc", "..", "help:"]);
}

#[test]
fn every_collision_is_reported_in_file_order() {
    let site = site();
    let breakage = |s: &TestSite| {
        s.write(MOVED, &moved("aliases: [\"/index.html\", \"/feed.xml\"]"))
            .write("static/guides/alpha/index.html", "<p>mine</p>\n");
    };
    let first = refused(&site, breakage);
    let again = site.build(&[]).code(1).stderr;
    assert_eq!(first, again, "two runs report differently");
    let at = |needle: &str| {
        first
            .find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in:\n{first}"))
    };
    assert!(
        at("the URL /index.html") < at("static/guides/alpha/index.html:"),
        "{first}"
    );
    assert!(
        at("the URL /feed.xml/") < at("static/guides/alpha/index.html:"),
        "{first}"
    );
}
