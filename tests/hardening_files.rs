//! Issue #9, points 1, 5 and 6, and #17's dotfiles: what a build may read and publish
//! (nothing a symbolic link brings in from outside the folder it is read from), what a
//! killed build leaves behind (nothing, once the next build ran), and which output
//! folders are refused (any inside an input folder, symlinks resolved).

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestSite;

/// Whether a `warning:` line of `stderr` names `what`.
fn warns_about(stderr: &str, what: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with("warning:") && l.contains(what))
}

fn assert_warns(stderr: &str, what: &str) {
    assert!(
        warns_about(stderr, what),
        "a warning should name {what}:\n{stderr}"
    );
}

/// Every file of the output, relative and `/`-separated.
fn outputs(site: &TestSite) -> Vec<String> {
    common::walk(&site.out())
        .iter()
        .map(|p| {
            p.strip_prefix(site.out())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Asserts that no output file holds `needle`.
fn assert_nowhere_in_output(site: &TestSite, needle: &str) {
    for path in common::walk(&site.out()) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(needle),
            "{} holds {needle:?}",
            path.display()
        );
    }
}

// ---------------------------------------------------------------------------------
// 1. Symbolic links
// ---------------------------------------------------------------------------------

#[test]
fn static_linked_to_etc_is_not_read() {
    let site = TestSite::fixture("english");
    symlink("/etc", site.path("static")).unwrap();
    let run = site.build(&[]).success();
    let files = outputs(&site);
    for name in ["passwd", "hostname", "hosts", "shadow"] {
        assert!(
            !files.iter().any(|f| f.ends_with(name)),
            "{name} from /etc was published"
        );
    }
    assert_warns(&run.stderr, "static");
    assert!(site.has_output("index.html"), "the site itself is built");
}

#[test]
fn static_linked_to_the_site_itself_is_not_read() {
    let site = TestSite::fixture("english");
    symlink(".", site.path("static")).unwrap();
    let run = site.build(&[]).success();
    assert!(!site.has_output("config.yaml"), "config.yaml was published");
    assert!(
        !site.has_output("content/about.md"),
        "the Markdown sources were published"
    );
    assert_warns(&run.stderr, "static");
}

#[test]
fn static_file_links_to_site_secrets_are_left_out() {
    let site = TestSite::fixture("english");
    site.write(
        ".git/config",
        "[remote \"origin\"]\n\turl = secret-remote\n",
    )
    .write(".env", "API_TOKEN=secret-token\n")
    .write("static/robots-extra.txt", "kept\n");
    symlink("../config.yaml", site.path("static/leak.yaml")).unwrap();
    symlink("../.git/config", site.path("static/git-config")).unwrap();
    symlink("../.env", site.path("static/env.txt")).unwrap();
    let run = site.build(&[]).success();
    for name in ["leak.yaml", "git-config", "env.txt"] {
        assert!(!site.has_output(name), "static/{name} was published");
        assert_warns(&run.stderr, &format!("static/{name}"));
    }
    assert_nowhere_in_output(&site, "secret-remote");
    assert_nowhere_in_output(&site, "secret-token");
    assert!(site.has_output("robots-extra.txt"));
}

#[test]
fn content_links_out_of_content_are_left_out() {
    let site = TestSite::fixture("english");
    site.write(
        "notes/secret.md",
        "---\ntitle: \"Secret plan\"\ndate: 2020-01-01\n---\n\nsecret-plan-text\n",
    )
    .write(
        "content/guides/kit/index.md",
        "---\ntitle: \"Kit\"\ndate: 2020-01-02\n---\n\nA bundle.\n",
    )
    .write("content/guides/kit/photo.txt", "inside\n");
    symlink("../../notes/secret.md", site.path("content/guides/plan.md")).unwrap();
    symlink(
        "../../../config.yaml",
        site.path("content/guides/kit/config.yaml"),
    )
    .unwrap();
    let run = site.build(&[]).success();
    assert!(!site.has_output("guides/plan/index.html"));
    assert_nowhere_in_output(&site, "secret-plan-text");
    assert!(!site.has_output("guides/kit/config.yaml"));
    assert!(
        site.has_output("guides/kit/photo.txt"),
        "a bundle file is kept"
    );
    assert_warns(&run.stderr, "content/guides/plan.md");
    assert_warns(&run.stderr, "content/guides/kit/config.yaml");
}

#[test]
fn data_links_out_of_data_are_left_out() {
    let site = TestSite::fixture("english");
    site.write("notes/secret.yaml", "token: secret-data\n");
    std::fs::create_dir_all(site.path("data")).unwrap();
    symlink("../notes/secret.yaml", site.path("data/secret.yaml")).unwrap();
    // A page template that prints what data it was given.
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}{{ site.data | tojson }}{% endblock %}",
    );
    let run = site.build(&[]).success();
    assert_warns(&run.stderr, "data/secret.yaml");
    assert_nowhere_in_output(&site, "secret-data");

    // The whole data/ folder linked from outside the site.
    let outside = site.tmp().join("outside-data");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("other.yaml"), "token: outside-data\n").unwrap();
    std::fs::remove_dir_all(site.path("data")).unwrap();
    symlink(&outside, site.path("data")).unwrap();
    let run = site.build(&[]).success();
    assert_warns(&run.stderr, "data");
    assert_nowhere_in_output(&site, "outside-data");
}

#[test]
fn template_links_out_of_templates_are_left_out() {
    let site = TestSite::fixture("english");
    site.write("notes/page.html", "{{ 'secret-template' }}");
    std::fs::create_dir_all(site.path("templates")).unwrap();
    symlink("../notes/page.html", site.path("templates/page.html")).unwrap();
    let run = site.build(&[]).success();
    assert_warns(&run.stderr, "templates/page.html");
    assert_nowhere_in_output(&site, "secret-template");
}

#[test]
fn i18n_links_out_of_i18n_are_left_out() {
    let site = TestSite::fixture("english");
    site.write("notes/strings.yaml", "home: \"secret-home-label\"\n");
    std::fs::create_dir_all(site.path("i18n")).unwrap();
    symlink("../notes/strings.yaml", site.path("i18n/en.yaml")).unwrap();
    let run = site.build(&[]).success();
    assert_warns(&run.stderr, "i18n/en.yaml");
    assert_nowhere_in_output(&site, "secret-home-label");
}

#[test]
fn theme_linked_from_outside_the_site_is_an_error() {
    let site = TestSite::fixture("english");
    let shared = site.tmp().join("shared-theme");
    std::fs::create_dir_all(shared.join("static")).unwrap();
    std::fs::write(shared.join("theme.yaml"), "name: Shared\n").unwrap();
    std::fs::write(shared.join("static/shared.css"), "body{}\n").unwrap();
    std::fs::create_dir_all(site.path("themes")).unwrap();
    symlink(&shared, site.path("themes/shared")).unwrap();
    site.edit("config.yaml", |c| format!("{c}theme: shared\n"));
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("themes/shared"),
        "the error should name themes/shared:\n{}",
        run.stderr
    );
    assert!(!site.out().exists(), "nothing is written");
}

#[test]
fn theme_file_links_out_of_the_theme_are_left_out() {
    let site = TestSite::fixture("english");
    site.write("themes/own/theme.yaml", "name: Own\n")
        .write("themes/own/static/own.css", "body{}\n");
    symlink(
        "../../../config.yaml",
        site.path("themes/own/static/leak.yaml"),
    )
    .unwrap();
    site.edit("config.yaml", |c| format!("{c}theme: own\n"));
    let run = site.build(&[]).success();
    assert!(site.has_output("own.css"));
    assert!(
        !site.has_output("leak.yaml"),
        "the theme published config.yaml"
    );
    assert_warns(&run.stderr, "themes/own/static/leak.yaml");
}

#[test]
fn content_linked_out_of_the_site_is_an_error() {
    let site = TestSite::fixture("english");
    std::fs::rename(site.path("content"), site.tmp().join("texts")).unwrap();
    symlink(site.tmp().join("texts"), site.path("content")).unwrap();
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("content: symbolic link to"),
        "the error should name content:\n{}",
        run.stderr
    );
    assert!(!site.out().exists(), "nothing is written");
}

/// A `piazza build --watch` run, killed when dropped.
struct Watching(std::process::Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits up to a minute for `probe`.
fn wait_until(what: &str, probe: impl Fn() -> bool) {
    let start = Instant::now();
    while !probe() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_rebuild_in_watch_mode_leaves_out_the_same_links() {
    let site = TestSite::fixture("english");
    std::fs::create_dir_all(site.path("static")).unwrap();
    let _watching = Watching(
        Command::new(env!("CARGO_BIN_EXE_piazza"))
            .args(["build", "--watch", "--poll", "50", "--site"])
            .arg(site.root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until("the first build", || site.has_output("index.html"));
    symlink("../config.yaml", site.path("static/leak.yaml")).unwrap();
    site.write("static/after.css", "body{}\n");
    wait_until("the rebuild", || site.has_output("after.css"));
    assert!(
        !site.has_output("leak.yaml"),
        "a rebuild published config.yaml"
    );
}

#[test]
fn links_that_stay_inside_their_folder_still_work() {
    let site = TestSite::fixture("english");
    site.write("static/css/a.css", "body{color:red}\n");
    symlink("css/a.css", site.path("static/a.css")).unwrap();
    // content/ itself a link to a folder inside the site.
    std::fs::rename(site.path("content"), site.path("texts")).unwrap();
    symlink("texts", site.path("content")).unwrap();
    let run = site.build(&[]).success();
    assert_eq!(site.output("a.css"), "body{color:red}\n");
    assert!(site.has_output("guides/first-steps/index.html"));
    assert!(
        !run.stderr.contains("warning:"),
        "links inside their folder warn:\n{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------
// #17. Dotfiles in static/
// ---------------------------------------------------------------------------------

#[test]
fn static_dotfiles_are_published_but_not_litter() {
    let site = TestSite::fixture("english");
    site.write(
        "static/.well-known/security.txt",
        "Contact: mailto:s@example.com\n",
    )
    .write("static/.nojekyll", "")
    .write("static/.htaccess", "Options -Indexes\n")
    .write("static/css/site.css", "body{}\n");
    let litter = [
        ".git/config",
        ".svn/entries",
        ".hg/hgrc",
        ".DS_Store",
        "css/.DS_Store",
        "Thumbs.db",
        "css/._site.css",
        "css/site.css~",
        "css/.site.css.swp",
        "css/#site.css#",
        "css/.#site.css",
    ];
    for rel in litter {
        site.write(&format!("static/{rel}"), "litter\n");
    }
    // Content keeps skipping hidden files.
    site.write(
        "content/guides/.hidden.md",
        "---\ntitle: \"Hidden\"\ndate: 2020-01-01\n---\n\nx\n",
    );
    site.build(&[]).success();
    for rel in [
        ".well-known/security.txt",
        ".nojekyll",
        ".htaccess",
        "css/site.css",
    ] {
        assert!(site.has_output(rel), "static/{rel} was not published");
    }
    for rel in litter {
        assert!(!site.has_output(rel), "static/{rel} was published");
    }
    assert!(!site.has_output("guides/.hidden/index.html"));
    assert!(!site.has_output("guides/hidden/index.html"));
}

// ---------------------------------------------------------------------------------
// 5. Killed builds
// ---------------------------------------------------------------------------------

/// Names beside the output folder that a build of `SITE/public` made for itself.
fn leftovers(site: &TestSite) -> Vec<String> {
    std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.piazza-"))
        .collect()
}

/// The english fixture with `n` more guides, so a build takes a while.
fn big_site(n: usize) -> TestSite {
    let site = TestSite::fixture("english");
    for i in 0..n {
        site.write(
            &format!("content/guides/g{i}.md"),
            &format!(
                "---\ntitle: \"Guide number {i}\"\ndate: 2020-01-01\ntags: [\"t{}\"]\n---\n\nText {i}.\n",
                i % 50
            ),
        );
    }
    site
}

#[test]
fn a_build_removes_what_a_killed_build_left() {
    let site = big_site(1500);
    let mut child = Command::new(env!("CARGO_BIN_EXE_piazza"))
        .args(["build", "--site"])
        .arg(site.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while leftovers(&site)
        .iter()
        .all(|n| !n.starts_with(".public.piazza-new-"))
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it could be killed"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no staging folder"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    child.wait().unwrap();
    assert!(
        !leftovers(&site).is_empty(),
        "the killed build left nothing"
    );

    // Fewer pages, so the next build is quick.
    for i in 10..1500 {
        std::fs::remove_file(site.path(&format!("content/guides/g{i}.md"))).unwrap();
    }
    site.build(&[]).success();
    assert_eq!(leftovers(&site), Vec::<String>::new());
    assert!(site.has_output("guides/g1/index.html"));
}

#[test]
fn a_build_keeps_the_staging_folder_of_a_live_build() {
    let site = TestSite::fixture("english");
    // A live build (this process holds its lock) and a dead one (no lock held).
    let live = site.path(".public.piazza-new-999990");
    let dead = site.path(".public.piazza-new-999991");
    for dir in [&live, &dead] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("index.html"), "unfinished").unwrap();
    }
    std::fs::write(site.path(".public.piazza-lock-999991"), "").unwrap();
    let lock = std::fs::File::create(site.path(".public.piazza-lock-999990")).unwrap();
    lock.lock().unwrap();
    site.build(&[]).success();
    assert!(
        live.join("index.html").is_file(),
        "a live build's staging was removed"
    );
    assert!(site.path(".public.piazza-lock-999990").is_file());
    assert!(!dead.exists(), "a dead build's staging was kept");
    assert!(!site.path(".public.piazza-lock-999991").exists());
    drop(lock);
}

// ---------------------------------------------------------------------------------
// 6. Output inside an input folder reached through a link
// ---------------------------------------------------------------------------------

#[test]
fn output_inside_the_real_content_folder_is_refused() {
    let site = TestSite::fixture("english");
    std::fs::rename(site.path("content"), site.path("texts")).unwrap();
    symlink("texts", site.path("content")).unwrap();
    let out = site.path("texts/public");
    let run = site.build_raw(&["--out".as_ref(), out.as_os_str()]).code(1);
    assert!(
        run.stderr.contains("content/"),
        "the error should name content/:\n{}",
        run.stderr
    );
    assert!(!out.exists(), "the output was written into content/");
}
