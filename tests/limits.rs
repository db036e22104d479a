//! Resource limits: what one page may cost. Build time grows linearly with the tags of
//! a page, and a page larger than `markdown.max_page_size` (or one that would make too
//! many Markdown elements for that size) is refused with a clear error instead of
//! eating the machine's memory.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{assert_located, leftover_staging, Snapshot, TestSite};

const BIG: &str = "content/guides/big.md";

/// A guide with `n` distinct tags, `Tag 1` to `Tag n`.
fn guide_with_tags(n: usize) -> String {
    let tags: Vec<String> = (1..=n).map(|i| format!("\"Tag {i}\"")).collect();
    format!(
        "---\ntitle: \"Many tags\"\ndate: 2020-01-01\ntags: [{}]\n---\n\nBody.\n",
        tags.join(", ")
    )
}

/// Builds the site and returns the user CPU seconds the build took: CPU time, not wall
/// time, so other work on the machine does not skew it, and user time only, as the
/// kernel's cost of making thousands of folders in one folder is not piazza's. Read
/// with `wait4` for this one child, so builds run by tests in other threads do not count.
// The child is reaped by `wait4`, which std's `Child::wait` cannot stand in for.
#[allow(clippy::zombie_processes)]
fn build_cpu_seconds(site: &TestSite) -> f64 {
    let stderr_path = site.tmp().join("stderr.txt");
    let child = Command::new(env!("CARGO_BIN_EXE_piazza"))
        .args(["build", "--quiet", "--site"])
        .arg(site.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(File::create(&stderr_path).expect("create stderr file"))
        .spawn()
        .expect("run piazza");
    let mut status = 0;
    // SAFETY: `rusage` is plain data, valid when all zero.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both out-pointers are valid locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the build failed:\n{}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    usage.ru_utime.tv_sec as f64 + usage.ru_utime.tv_usec as f64 / 1e6
}

#[test]
fn build_time_grows_linearly_with_the_tags_of_a_page() {
    const SMALL: usize = 1_000;
    const LARGE: usize = 8_000;
    let site = TestSite::fixture("english");
    site.write("content/guides/many-tags.md", &guide_with_tags(SMALL));
    let small = build_cpu_seconds(&site);
    site.write("content/guides/many-tags.md", &guide_with_tags(LARGE));
    let large = build_cpu_seconds(&site);
    eprintln!("{SMALL} tags: {small:.2} s of user CPU; {LARGE} tags: {large:.2} s");
    // Eight times the tags: linear work takes at most eight times as long (less, with
    // the fixed cost of a build); quadratic work takes 64 times.
    assert!(
        large < small * 16.0,
        "{SMALL} tags took {small:.2} s of user CPU, {LARGE} tags {large:.2} s: more than linear"
    );

    let guide = site.html("guides/many-tags/index.html");
    assert_eq!(guide.count("ul.tags a"), LARGE, "the guide lists its tags");
    for i in 1..=LARGE {
        let tag = site.html(&format!("tags/tag-{i}/index.html"));
        assert!(tag.text("h1").contains(&format!("Tag {i}")), "tag page {i}");
        assert_eq!(
            tag.linked_pages("/guides/"),
            vec!["/guides/many-tags/".to_string()],
            "tag page {i} lists the guide"
        );
    }
    let index = site.html("tags/index.html");
    assert_eq!(
        index.attrs("main a[href^='/tags/tag-']", "href").len(),
        LARGE
    );
}

/// Markdown of about `bytes` bytes: paragraphs of ordinary prose.
fn prose(bytes: usize) -> String {
    let para = "Customers talk about the shop whether or not the shop listens. \
                A short answer on the same day says more than a long one next week.\n\n";
    para.repeat(bytes / para.len() + 1)
}

fn big_guide(body: &str) -> String {
    format!("---\ntitle: \"A big guide\"\ndate: 2020-01-01\n---\n\n{body}")
}

/// Builds once (it must succeed), lets `breakage` change the site, builds again and
/// checks the second build failed with exit 1, leaving the output as it was. Returns
/// stderr.
fn refused(site: &TestSite, breakage: impl FnOnce(&TestSite)) -> String {
    site.build_ok(&[]);
    let before = Snapshot::take(&site.out());
    std::thread::sleep(std::time::Duration::from_millis(20));
    breakage(site);
    let run = site.build(&[]).code(1);
    before.assert_unchanged(&site.out(), "a refused page must leave the output alone");
    assert_eq!(leftover_staging(site.root()), Vec::<String>::new());
    run.stderr
}

#[test]
fn a_page_over_the_size_limit_is_refused_naming_file_size_limit_and_key() {
    let site = TestSite::fixture("english");
    let text = big_guide(&prose(1_200_000));
    let size = text.len();
    let err = refused(&site, |s| {
        s.write(BIG, &text);
    });
    assert!(err.contains(BIG), "names the file:\n{err}");
    assert!(err.contains("1.1 MB"), "names the size:\n{err}");
    assert!(
        err.contains(&format!("{size} bytes")),
        "names the exact size:\n{err}"
    );
    assert!(err.contains("limit of 1 MB"), "names the limit:\n{err}");
    assert!(
        err.contains("markdown.max_page_size"),
        "names the key:\n{err}"
    );
    assert!(!site.has_output("guides/big/index.html"));
}

#[test]
fn raising_max_page_size_lets_a_big_page_build() {
    let site = TestSite::fixture("english");
    site.write(BIG, &big_guide(&prose(1_200_000)));
    site.edit("config.yaml", |c| {
        format!("{c}markdown:\n  max_page_size: \"2 MB\"\n")
    });
    site.build_ok(&[]);
    let page = site.html("guides/big/index.html");
    assert!(page.count("main p") > 1000, "the big page was rendered");

    site.edit("config.yaml", |c| c.replace("\"2 MB\"", "3000000"));
    site.build_ok(&[]);
}

#[test]
fn a_page_of_too_many_elements_within_the_size_limit_is_refused() {
    // 1,000 columns and 500 short rows: 4 KB that comrak completes into 500,000
    // empty cells. Twenty such tables fit in 100 KB.
    let header = format!("{}|\n{}|\n", "|a".repeat(1000), "|-".repeat(1000));
    let table = format!("{header}{}\n", "x\n".repeat(500));
    let body = table.repeat(20);
    assert!(body.len() < 120_000);
    let site = TestSite::fixture("english");
    let err = refused(&site, |s| {
        s.write(BIG, &big_guide(&body));
    });
    assert!(err.contains(BIG), "names the file:\n{err}");
    assert!(err.contains("Markdown elements"), "says why:\n{err}");
    assert!(
        err.contains("markdown.max_page_size"),
        "names the key:\n{err}"
    );
}

#[test]
fn an_ordinary_large_table_builds() {
    let row = "| Facebook | 3 posts a week | 2 hours | €0 |\n";
    let body = format!(
        "| Network | Rhythm | Time | Cost |\n|---|---|---|---|\n{}",
        row.repeat(10_000)
    );
    let site = TestSite::fixture("english");
    site.write(BIG, &big_guide(&body));
    site.build_ok(&[]);
    assert_eq!(site.html("guides/big/index.html").count("tbody tr"), 10_000);
}

fn config_with_max_page_size(site: &TestSite, value: &str) -> usize {
    let config = site.read("config.yaml");
    let line = config.lines().count() + 2;
    site.write(
        "config.yaml",
        &format!("{config}markdown:\n  max_page_size: {value}\n"),
    );
    line
}

#[test]
fn a_bad_max_page_size_is_an_error_at_its_line() {
    for value in ["lots", "\"2 XB\"", "-5", "0", "\"1.5.2 MB\"", "[1]"] {
        let site = TestSite::fixture("english");
        let line = config_with_max_page_size(&site, value);
        let run = site.build(&[]).code(1);
        assert_located(&run.stderr, "config.yaml", line, None);
        assert!(
            run.stderr.contains("max_page_size"),
            "{value}: names the key:\n{}",
            run.stderr
        );
        assert!(!site.out().exists(), "{value}: nothing is written");
    }
    let site = TestSite::fixture("english");
    config_with_max_page_size(&site, "\"512 KB\"");
    site.build_ok(&[]);
    assert!(Path::new(&site.out().join("index.html")).is_file());
}
