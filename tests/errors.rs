//! Bad input: every broken site stops the build with exit code 1, a message that names
//! the file and line (and column where there is one), and leaves the last good output
//! exactly as it was.

mod common;

use std::ffi::OsStr;

use common::{assert_located, leftover_staging, locations, piazza_str, Snapshot, TestSite};

const GUIDE: &str = "content/guides/first-steps.md";

/// Builds the English fixture once (it must succeed), lets `breakage` damage the site,
/// builds again and checks the run failed with exit code 1 without touching the
/// previous output or leaving a staging folder behind. Returns stderr.
fn fails_keeping_output(breakage: impl FnOnce(&TestSite)) -> String {
    let site = TestSite::fixture("english");
    fails_keeping_output_of(&site, breakage)
}

fn fails_keeping_output_of(site: &TestSite, breakage: impl FnOnce(&TestSite)) -> String {
    site.build_ok(&[]);
    let before = Snapshot::take(&site.out());
    assert!(before.len() > 10, "the good build wrote too little");
    // Make any rewrite of the output visible in modification times.
    std::thread::sleep(std::time::Duration::from_millis(20));
    breakage(site);
    let run = site.build(&[]).code(1);
    before.assert_unchanged(&site.out(), "a failed build must leave the output alone");
    assert_eq!(
        leftover_staging(site.root()),
        Vec::<String>::new(),
        "a failed build left its staging folder behind"
    );
    assert!(
        run.stderr.contains("error"),
        "no error message:\n{}",
        run.stderr
    );
    run.stderr
}

/// Replaces the first guide with `text`.
fn guide(text: &'static str) -> impl FnOnce(&TestSite) {
    move |s: &TestSite| {
        s.write(GUIDE, text);
    }
}

#[test]
fn malformed_yaml_in_front_matter() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Social media: who is it for?\ndate: 2013-05-14\n---\n\nBody.\n",
    ));
    // The second `:` on line 2 is where YAML gives up.
    assert_located(&err, GUIDE, 2, Some(20));
}

#[test]
fn unclosed_front_matter() {
    let err = fails_keeping_output(guide("---\ntitle: Open\ndate: 2013-05-14\n\nBody.\n"));
    assert_located(&err, GUIDE, 1, None);
    assert!(
        err.contains("---"),
        "the message should say what is missing: {err}"
    );
}

#[test]
fn unknown_front_matter_key() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Typo\nsumary: A short text.\ndate: 2013-05-14\n---\n\nBody.\n",
    ));
    assert_located(&err, GUIDE, 3, None);
    assert!(err.contains("sumary"), "{err}");
}

#[test]
fn unknown_config_key() {
    let err = fails_keeping_output(|s| {
        s.edit("config.yaml", |c| format!("{c}paginte_by: 3\n"));
    });
    let site = TestSite::fixture("english");
    let line = site.read("config.yaml").lines().count() + 1;
    assert_located(&err, "config.yaml", line, None);
    assert!(err.contains("paginte_by"), "{err}");
}

#[test]
fn missing_title() {
    let err = fails_keeping_output(guide(
        "---\ndescription: No title here.\ndate: 2013-05-14\n---\n\nBody.\n",
    ));
    let found = locations(&err, GUIDE);
    assert!(
        found.iter().any(|&(l, _)| (1..=4).contains(&l)),
        "the error should point into the front matter: {found:?}\n{err}"
    );
    assert!(err.contains("title"), "{err}");
}

#[test]
fn impossible_date() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Leap\ndescription: d\ndate: 2023-02-30\n---\n\nBody.\n",
    ));
    assert_located(&err, GUIDE, 4, None);
    assert!(err.contains("2023-02-30"), "{err}");
}

#[test]
fn duplicate_thesis_number_names_both_files() {
    let err = fails_keeping_output(|s| {
        s.write(
            "content/theses/02-also-first.md",
            "---\ntitle: Another first\nnumber: 1\n---\n\nText.\n",
        );
    });
    let a = "content/theses/01-listen-first.md";
    let b = "content/theses/02-also-first.md";
    assert!(err.contains(a) && err.contains(b), "{err}");
    // `number:` is on line 3 of both; whichever file is reported, that line is.
    let lines: Vec<usize> = locations(&err, a)
        .into_iter()
        .chain(locations(&err, b))
        .map(|(l, _)| l)
        .collect();
    assert!(lines.contains(&3), "{lines:?}\n{err}");
}

#[test]
fn unknown_thesis_in_shortcode_points_at_the_shortcode() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Quote\n---\n\nIntro.\n\nCompare with {{ thesis(9) }} too.\n",
    ));
    assert_located(&err, GUIDE, 7, Some(14));
    assert!(err.contains('9'), "{err}");
}

#[test]
fn unknown_thesis_in_block_shortcode() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Quote\n---\n\nIntro.\n\n{{ thesis(9) }}\n",
    ));
    assert_located(&err, GUIDE, 7, Some(1));
}

#[test]
fn unknown_thesis_in_a_section_intro() {
    const INDEX: &str = "content/guides/_index.md";
    let err = fails_keeping_output(|s: &TestSite| {
        s.write(
            INDEX,
            "---\ntitle: Guides\n---\n\nWhere we start:\n\n{{ thesis(9) }}\n",
        );
    });
    assert_located(&err, INDEX, 7, Some(1));
    assert!(err.contains("thesis number 9"), "{err}");
}

#[test]
fn unknown_thesis_in_front_matter() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Cites\ndescription: d\ndate: 2013-05-14\ntheses: [1, 7]\n---\n\nBody.\n",
    ));
    assert_located(&err, GUIDE, 5, None);
    assert!(err.contains('7'), "{err}");
}

#[test]
fn link_to_a_missing_file() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Links\n---\n\nIntro.\n\nSee [the plan](@/guides/plan.md) now.\n",
    ));
    let found = locations(&err, GUIDE);
    // Column of the `[` (5) or of the `@/` (16); either points at the link.
    assert!(
        found
            .iter()
            .any(|&(l, c)| l == 7 && c.is_some_and(|c| (5..=16).contains(&c))),
        "expected {GUIDE}:7:<column of the link>: {found:?}\n{err}"
    );
    assert!(err.contains("guides/plan.md"), "{err}");
}

#[test]
fn two_pages_on_one_url_names_both_files() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Clash\nslug: window-display\n---\n\nBody.\n",
    ));
    assert!(
        err.contains(GUIDE) && err.contains("content/guides/window-display.md"),
        "{err}"
    );
    assert!(err.contains("/guides/window-display/"), "{err}");
    assert!(
        !locations(&err, GUIDE).is_empty()
            || !locations(&err, "content/guides/window-display.md").is_empty(),
        "a line should be given: {err}"
    );
}

#[test]
fn alias_on_an_existing_url() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Alias\naliases: [\"/guides/window-display/\"]\n---\n\nBody.\n",
    ));
    assert!(
        err.contains(GUIDE) && err.contains("content/guides/window-display.md"),
        "{err}"
    );
    assert_located(&err, GUIDE, 3, None);
}

#[test]
fn page_or_alias_on_a_generated_url_is_an_error() {
    let cases: [(&str, &str, &str); 3] = [
        (
            "content/tags.md",
            "---\ntitle: Our own tags page\n---\n\nMine.\n",
            "/tags/",
        ),
        (
            "content/tags/photos.md",
            "---\ntitle: Our own photos page\n---\n\nMine.\n",
            "/tags/photos/",
        ),
        (
            "content/guides/moved.md",
            "---\ntitle: Moved\naliases: [\"/404.html\"]\n---\n\nMine.\n",
            "/404.html",
        ),
    ];
    let mut failures = Vec::new();
    for (file, text, url) in cases {
        let site = TestSite::fixture("english");
        site.build_ok(&[]);
        let before = Snapshot::take(&site.out());
        site.write(file, text);
        let run = site.build(&[]);
        if run.code != Some(1) || !run.stderr.contains(file) || !run.stderr.contains(url) {
            failures.push(format!(
                "{file} on {url}: exit {:?}, stderr:\n{}",
                run.code, run.stderr
            ));
        } else {
            before.assert_unchanged(&site.out(), file);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn template_syntax_error_in_a_site_override() {
    let err = fails_keeping_output(|s| {
        s.write(
            "templates/guide.html",
            "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock %}\n",
        );
    });
    assert_located(&err, "templates/guide.html", 3, None);
}

#[test]
fn template_runtime_error_leaves_no_partial_output() {
    // This one fails while rendering, after the staging folder exists.
    let err = fails_keeping_output(|s| {
        s.write(
            "templates/guide.html",
            "{% extends \"base.html\" %}\n{% block main %}\n<p>{{ t(\"no_such_string\") }}</p>\n{% endblock %}\n",
        );
    });
    assert_located(&err, "templates/guide.html", 3, None);
}

#[test]
fn template_runtime_error_in_an_included_override_names_that_file() {
    let err = fails_keeping_output(|s| {
        s.write(
            "templates/partials/footer.html",
            "<footer>\n<p>Corner Shop Notes</p>\n<p>{{ t(\"no_such_string\") }}</p>\n</footer>\n",
        );
    });
    assert_located(&err, "templates/partials/footer.html", 3, None);
}

#[test]
fn unknown_template_in_front_matter() {
    let err = fails_keeping_output(guide(
        "---\ntitle: Custom\ntemplate: nope.html\n---\n\nBody.\n",
    ));
    assert_located(&err, GUIDE, 3, None);
    assert!(err.contains("nope.html"), "{err}");
}

#[test]
fn non_utf8_file() {
    let err = fails_keeping_output(|s| {
        s.write_bytes(GUIDE, b"---\ntitle: Cafe\n---\n\nCaf\xff bar\n");
    });
    assert_located(&err, GUIDE, 5, Some(4));
    assert!(err.to_lowercase().contains("utf-8"), "{err}");
}

#[test]
fn google_plus_in_share_mentions_2019() {
    let err = fails_keeping_output(|s| {
        s.edit("config.yaml", |c| {
            format!("{c}share: [facebook, google+]\n")
        });
    });
    let line = TestSite::fixture("english")
        .read("config.yaml")
        .lines()
        .count()
        + 1;
    assert_located(&err, "config.yaml", line, None);
    assert!(err.contains("2019"), "{err}");
}

#[test]
fn several_broken_files_are_all_reported() {
    let err = fails_keeping_output(|s| {
        s.write(
            "content/guides/bad-date.md",
            "---\ntitle: Bad date\ndate: 2020-13-01\n---\n\nBody.\n",
        );
        s.write(
            "content/guides/bad-thesis.md",
            "---\ntitle: Bad thesis\n---\n\nBody.\n\n{{ thesis(4) }}\n",
        );
        s.write("content/about.md", "---\ntitle: About: us\n---\n\nBody.\n");
    });
    assert_located(&err, "content/guides/bad-date.md", 3, None);
    assert_located(&err, "content/guides/bad-thesis.md", 7, Some(1));
    assert_located(&err, "content/about.md", 2, None);
}

// --- The output folder -------------------------------------------------------------

#[test]
fn out_equal_to_the_site_folder_is_refused() {
    let site = TestSite::fixture("english");
    site.build_ok(&[]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = Snapshot::take(site.tmp());
    let run = site
        .build_raw(&[OsStr::new("--out"), site.root().as_os_str()])
        .code(1);
    assert!(run.stderr.contains("error"), "{}", run.stderr);
    before.assert_unchanged(site.tmp(), "--out SITE must delete nothing");
}

#[test]
fn out_equal_to_the_parent_of_the_site_is_refused() {
    let site = TestSite::fixture("english");
    site.build_ok(&[]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = Snapshot::take(site.tmp());
    let run = site
        .build_raw(&[OsStr::new("--out"), site.tmp().as_os_str()])
        .code(1);
    assert!(run.stderr.contains("error"), "{}", run.stderr);
    before.assert_unchanged(site.tmp(), "--out PARENT must delete nothing");
    let grandparent = site.tmp().parent().unwrap();
    let name = site.tmp().file_name().unwrap().to_string_lossy();
    assert!(
        !leftover_staging(grandparent)
            .iter()
            .any(|n| n.contains(name.as_ref())),
        "staging folder left beside the parent"
    );
}

#[test]
fn out_equal_to_the_site_folder_by_relative_path_is_refused() {
    let site = TestSite::fixture("english");
    site.build_ok(&[]);
    let before = Snapshot::take(site.tmp());
    let run = piazza_str(&["build", "--out", "."], site.root()).code(1);
    assert!(run.stderr.contains("error"), "{}", run.stderr);
    before.assert_unchanged(site.tmp(), "--out . must delete nothing");
}

#[test]
fn out_folder_with_foreign_files_needs_force() {
    let site = TestSite::fixture("english");
    let elsewhere = site.tmp().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("notes.txt"), "my notes").unwrap();
    let before = Snapshot::take(&elsewhere);

    let run = site
        .build_raw(&[OsStr::new("--out"), elsewhere.as_os_str()])
        .code(1);
    assert!(
        run.stderr.contains("--force"),
        "say how to proceed: {}",
        run.stderr
    );
    before.assert_unchanged(&elsewhere, "refused without --force");

    site.build_raw(&[
        OsStr::new("--out"),
        elsewhere.as_os_str(),
        OsStr::new("--force"),
    ])
    .success();
    assert!(elsewhere.join("index.html").is_file());
    assert!(elsewhere.join("guides/first-steps/index.html").is_file());

    // Now piazza owns the folder: a plain rebuild needs no --force.
    site.build_raw(&[OsStr::new("--out"), elsewhere.as_os_str()])
        .success();
}

// --- Usage ---------------------------------------------------------------------------

#[test]
fn bad_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["build", "--no-such-flag"][..],
        &["new", "essay", "A title"][..],
        &["new", "guide"][..],
    ] {
        let run = piazza_str(args, dir.path()).code(2);
        assert!(
            !run.stderr.is_empty(),
            "{args:?}: usage errors go to stderr"
        );
    }
    // And a good command still exits 0.
    piazza_str(&["--version"], dir.path()).success();
}
