//! Resource limits: what one page may cost. Build time grows linearly with the tags of
//! a page.

mod common;

use std::fs::File;
use std::process::{Command, Stdio};

use common::TestSite;

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
