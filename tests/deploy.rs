//! `piazza deploy` against a real S3 API (moto's server on 127.0.0.1) and a local
//! folder: what ends up on the target, its headers, what a second deploy, an edit, a
//! deletion, a dry run, a kill half-way and bad credentials do.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::s3::Moto;
use common::{walk, Run, TestSite, PNG_2X2, PNG_3X2};

const BUCKET: &str = "site-bucket";

/// Runs `piazza deploy --site SITE` plus `extra`, with test credentials for moto and
/// none of the caller's own cloud settings.
fn deploy(site: &TestSite, extra: &[&str]) -> Run {
    deploy_env(
        site,
        extra,
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    )
}

fn deploy_env(site: &TestSite, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let out = command(site, extra, env)
        .output()
        .expect("run piazza deploy");
    Run {
        command: format!("piazza deploy {}", extra.join(" ")),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn command(site: &TestSite, extra: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_piazza"));
    c.arg("deploy").arg("--site").arg(site.root()).args(extra);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") || k.starts_with("GOOGLE_") || k.starts_with("AZURE_") {
            c.env_remove(k);
        }
    }
    c.env("NO_COLOR", "1")
        .env("AWS_REGION", "us-east-1")
        .env("PIAZZA_NOW", "2026-12-01");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// The basic fixture with the images it names.
fn basic() -> TestSite {
    basic_named("basic")
}

fn basic_named(name: &str) -> TestSite {
    let site = TestSite::fixture(name);
    site.write_bytes("content/guides/bundle/cover.png", PNG_3X2);
    site.write_bytes("static/images/x.png", PNG_2X2);
    site
}

/// Adds a `deploy:` block to the site's config.yaml.
fn with_deploy(site: &TestSite, block: &str) {
    site.edit("config.yaml", |c| format!("{c}deploy:\n{block}"));
}

/// A site deploying to `BUCKET` on `moto`, which holds that bucket.
fn s3_site(fixture: Option<&str>, moto: &Moto) -> TestSite {
    let site = s3_site_without_bucket(fixture, moto);
    moto.create_bucket(BUCKET);
    site
}

fn s3_site_without_bucket(fixture: Option<&str>, moto: &Moto) -> TestSite {
    let site = match fixture {
        Some(name) => basic_named(name),
        None => TestSite::copy_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("site")),
    };
    with_deploy(
        &site,
        &format!(
            "  targets:\n    - name: production\n      url: \"s3://{BUCKET}?endpoint={}\"\n",
            moto.endpoint()
        ),
    );
    site
}

/// The output files a deploy publishes (piazza's own `.piazza-*` files left out),
/// with their bytes.
fn published(out: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(out)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(&p).unwrap())
        })
        .filter(|(rel, _)| {
            !rel.split('/')
                .any(|s| s.starts_with('.') && s.contains(".piazza-"))
        })
        .collect()
}

/// The number in "uploaded N files" / "deleted N" of a deploy's summary.
fn counted(run: &Run, what: &str) -> usize {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("deployed to"))
        .unwrap_or_else(|| panic!("no summary in:\n{}\n{}", run.stdout, run.stderr));
    let after = line
        .split_once(&format!("{what} "))
        .unwrap_or_else(|| panic!("no `{what}` in {line}"))
        .1;
    after
        .split(|c: char| !c.is_ascii_digit() && c != ',')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("no number after `{what}` in {line}"))
}

#[test]
fn first_deploy_of_the_example_site_publishes_every_file_with_its_headers() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(None, &moto);
    // An old address, which on S3 becomes a real redirect.
    let guide = walk(&site.path("content/guides"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
        .expect("a guide");
    let rel = guide
        .strip_prefix(site.root())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    site.edit(&rel, |t| {
        t.replacen("---\n", "---\naliases: [\"/vecchia-guida/\"]\n", 1)
    });
    let run = deploy(&site, &[]).success();
    let files = published(&site.out());
    assert!(files.len() > 30, "{} files", files.len());
    assert_eq!(counted(&run, "uploaded"), files.len());

    let listed = moto.list(BUCKET);
    let keys: BTreeSet<&String> = listed.keys().collect();
    let mut expected: BTreeSet<&String> = files.keys().collect();
    let manifest = ".piazza-deploy.json".to_string();
    expected.insert(&manifest);
    assert_eq!(keys, expected);

    for (rel, bytes) in &files {
        let object = moto.get(BUCKET, rel);
        assert_eq!(object.status, 200, "{rel}");
        assert_eq!(
            &object.body, bytes,
            "{rel}: stored bytes differ from the output"
        );
        let (content_type, cache) = match rel.rsplit_once('.').map(|(_, e)| e) {
            Some("html") => (
                "text/html; charset=utf-8",
                "public, max-age=0, must-revalidate",
            ),
            Some("css") => ("text/css; charset=utf-8", "public, max-age=604800"),
            Some("js") => ("text/javascript; charset=utf-8", "public, max-age=604800"),
            Some("png") if rel.ends_with("card.png") => ("image/png", "public, max-age=86400"),
            Some("png") => ("image/png", "public, max-age=604800"),
            Some("svg") => ("image/svg+xml", "public, max-age=604800"),
            Some("xml") => ("application/xml; charset=utf-8", ""),
            Some("txt") => ("text/plain; charset=utf-8", ""),
            _ => continue,
        };
        assert_eq!(object.header("content-type"), content_type, "{rel}");
        assert_eq!(object.header("cache-control"), cache, "{rel}");
        assert_eq!(object.header("x-amz-meta-piazza-hash").len(), 64, "{rel}");
    }
    let redirect = moto.head(BUCKET, "vecchia-guida/index.html");
    let slug = guide.file_stem().unwrap().to_string_lossy();
    let target = redirect.header("x-amz-website-redirect-location");
    assert!(
        target.starts_with("/guides/") && target.ends_with('/'),
        "{target}"
    );
    assert!(
        target.contains(&*slug) || site.has_output(&format!("{}index.html", &target[1..])),
        "{target}"
    );
    assert!(
        site.has_output(&format!("{}index.html", &target[1..])),
        "redirect to {target}, which is not a page"
    );
    assert_eq!(
        moto.head(BUCKET, "index.html")
            .header("x-amz-website-redirect-location"),
        ""
    );

    // A second deploy with no change uploads nothing and leaves every object as it was.
    let again = deploy(&site, &[]).success();
    assert_eq!(counted(&again, "uploaded"), 0, "{}", again.stdout);
    assert_eq!(counted(&again, "deleted"), 0);
    assert_eq!(counted(&again, "unchanged"), files.len());
    let after = moto.list(BUCKET);
    for (key, (etag, _)) in &listed {
        if key != &manifest {
            assert_eq!(&after[key].0, etag, "{key} was rewritten");
        }
    }
}

#[test]
fn an_edit_uploads_only_changed_files_and_a_removed_page_is_deleted() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(Some("basic"), &moto);
    site.write(
        "content/contatti.md",
        "---\ntitle: Contatti\n---\nScriveteci.\n",
    );
    deploy(&site, &[]).success();
    let before = published(&site.out());
    let listed = moto.list(BUCKET);

    site.edit("content/guides/primo-passo.md", |t| {
        format!("{t}\nUn paragrafo nuovo.\n")
    });
    // A dry run prints the plan and changes nothing.
    let dry = deploy(&site, &["--dry-run"]).success();
    assert!(
        dry.stdout
            .contains("upload guides/primo-passo/index.html ("),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("nothing was changed"), "{}", dry.stdout);
    assert_eq!(moto.list(BUCKET), listed, "a dry run changed the bucket");

    let urls = site.tmp().join("changed.txt");
    let run = deploy(&site, &["--changed-urls", urls.to_str().unwrap()]).success();
    let after = published(&site.out());
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(!changed.is_empty());
    assert_eq!(
        counted(&run, "uploaded"),
        changed.len(),
        "changed: {changed:?}\n{}",
        run.stdout
    );
    assert_eq!(counted(&run, "deleted"), 0);
    for rel in &changed {
        assert_eq!(&moto.get(BUCKET, rel).body, &after[*rel], "{rel}");
    }
    let listed_after = moto.list(BUCKET);
    for (key, (etag, _)) in &listed {
        if !changed.contains(&key) && key != ".piazza-deploy.json" {
            assert_eq!(
                &listed_after[key].0, etag,
                "{key} was uploaded but did not change"
            );
        }
    }
    let purge = std::fs::read_to_string(&urls).unwrap();
    assert!(
        purge.lines().any(|l| l == "/guides/primo-passo/"),
        "{purge}"
    );
    assert_eq!(purge.lines().count(), changed.len(), "{purge}");

    // Removing a page deletes its objects, and nothing else.
    std::fs::remove_file(site.path("content/contatti.md")).unwrap();
    let run = deploy(&site, &["--changed-urls", urls.to_str().unwrap()]).success();
    assert!(counted(&run, "deleted") >= 1, "{}", run.stdout);
    let listed = moto.list(BUCKET);
    assert!(!listed.contains_key("contatti/index.html"));
    let now = published(&site.out());
    let keys: BTreeSet<&String> = listed
        .keys()
        .filter(|k| *k != ".piazza-deploy.json")
        .collect();
    assert_eq!(keys, now.keys().collect());
    let purge = std::fs::read_to_string(&urls).unwrap();
    assert!(purge.lines().any(|l| l == "/contatti/"), "{purge}");
}

#[test]
fn more_deletions_than_max_deletes_stop_before_any_change() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(Some("basic"), &moto);
    for i in 0..5 {
        moto.put(
            BUCKET,
            &format!("leftover/file-{i}.txt"),
            b"left by another tool",
        );
    }
    let listed = moto.list(BUCKET);
    let run = deploy(&site, &["--max-deletes", "3"]).code(1);
    assert!(
        run.stderr
            .contains("would delete 5 files, more than --max-deletes 3"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert_eq!(moto.list(BUCKET), listed, "the guard let changes through");

    let run = deploy(&site, &["--max-deletes", "3", "--yes"]).success();
    assert_eq!(counted(&run, "deleted"), 5);
    assert!(moto
        .list(BUCKET)
        .keys()
        .all(|k| !k.starts_with("leftover/")));
    // The default allows a few.
    moto.put(BUCKET, "stray.txt", b"x");
    let run = deploy(&site, &[]).success();
    assert_eq!(counted(&run, "deleted"), 1);
}

#[test]
fn a_deploy_killed_half_way_leaves_whole_assets_and_a_rerun_completes_it() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(Some("basic"), &moto);
    for i in 0..40 {
        site.write(
            &format!("static/images/img-{i:02}.svg"),
            &format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><!-- {i} --></svg>"),
        );
    }
    let mut child = command(
        &site,
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("start piazza deploy");
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // Killed as soon as the pages start: every asset must be there already.
        if line.starts_with("uploading") && line.ends_with(": pages") {
            child.kill().unwrap();
            break;
        }
    }
    child.wait().unwrap();
    let files = published(&site.out());
    let listed = moto.list(BUCKET);
    for rel in files.keys().filter(|r| {
        !r.ends_with(".html") && !["feed.xml", "sitemap.xml", "robots.txt"].contains(&r.as_str())
    }) {
        assert!(
            listed.contains_key(rel),
            "{rel} is missing after the kill, though pages were being uploaded"
        );
    }
    assert!(
        !listed.contains_key("sitemap.xml"),
        "the sitemap went up before the pages were done"
    );

    let run = deploy(&site, &[]).success();
    let listed = moto.list(BUCKET);
    for (rel, bytes) in &files {
        assert!(listed.contains_key(rel), "{rel} missing after the rerun");
        assert_eq!(&moto.get(BUCKET, rel).body, bytes, "{rel}");
    }
    assert_eq!(
        counted(&run, "uploaded") + counted(&run, "unchanged"),
        files.len()
    );
    assert_eq!(counted(&deploy(&site, &[]).success(), "uploaded"), 0);
}

#[test]
fn credentials_buckets_and_endpoints_fail_with_one_line_naming_the_target() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(Some("basic"), &moto);

    let run = deploy_env(&site, &[], &[]).code(1);
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(
        first.contains("deploy target `production`") && first.contains("AWS_ACCESS_KEY_ID"),
        "{}",
        run.stderr
    );
    assert!(
        !site.out().exists(),
        "a deploy without credentials built the site"
    );

    site.edit("config.yaml", |c| {
        c.replace(&format!("s3://{BUCKET}?"), "s3://no-such-bucket?")
    });
    let run = deploy(&site, &[]).code(1);
    assert!(
        run.stderr.contains("`no-such-bucket` does not exist"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("test"),
        "a credential in the message: {}",
        run.stderr
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    site.edit("config.yaml", |c| {
        c.replace(&moto.endpoint(), &format!("http://127.0.0.1:{closed}"))
    });
    let started = std::time::Instant::now();
    let run = deploy(&site, &[]).code(1);
    assert!(
        run.stderr.contains("cannot reach the storage service"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed().as_secs() < 60,
        "a wrong endpoint took {:?}",
        started.elapsed()
    );

    // Wrong credentials, against a server that checks them.
    drop(moto);
    let Some(strict) = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]) else {
        return;
    };
    let site = s3_site_without_bucket(Some("basic"), &strict);
    let run = deploy_env(
        &site,
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG"),
            ("AWS_SECRET_ACCESS_KEY", "nope-secret"),
        ],
    )
    .code(1);
    assert!(
        run.stderr.contains("credentials were refused"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("nope-secret"),
        "the secret was printed: {}",
        run.stderr
    );
}

#[test]
fn a_failed_build_changes_nothing_on_the_target() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(Some("basic"), &moto);
    deploy(&site, &[]).success();
    let listed = moto.list(BUCKET);
    site.edit("content/guides/primo-passo.md", |t| {
        t.replacen("---\n", "---\ndate: not-a-date\n", 1)
    });
    let run = deploy(&site, &[]).code(1);
    assert!(run.stderr.contains("primo-passo.md"), "{}", run.stderr);
    assert_eq!(moto.list(BUCKET), listed);
}

#[test]
fn a_folder_target_mirrors_the_output() {
    let site = basic();
    let www: PathBuf = site.tmp().join("www");
    with_deploy(
        &site,
        &format!(
            "  targets:\n    - name: local\n      url: \"file://{}\"\n",
            www.display()
        ),
    );
    let run = deploy(&site, &[]).success();
    let files = published(&site.out());
    assert_eq!(counted(&run, "uploaded"), files.len());
    assert_eq!(published(&www), files);
    assert_eq!(counted(&deploy(&site, &[]).success(), "uploaded"), 0);

    site.edit("content/about.md", |t| format!("{t}\nAltro testo.\n"));
    std::fs::remove_file(site.path("content/guides/primo-passo.md")).unwrap();
    let run = deploy(&site, &[]).success();
    let now = published(&site.out());
    assert_eq!(published(&www), now);
    assert!(counted(&run, "deleted") >= 1);
    assert!(counted(&run, "uploaded") < now.len() / 2, "{}", run.stdout);
    assert!(
        !www.join("guides/primo-passo").exists(),
        "an emptied folder was left behind"
    );

    // A folder with files piazza did not deploy is replaced only with --yes.
    let other = site.tmp().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    site.edit("config.yaml", |c| {
        c.replace(&www.display().to_string(), &other.display().to_string())
    });
    let run = deploy(&site, &[]).code(1);
    assert!(
        run.stderr.contains("holds files piazza did not deploy"),
        "{}",
        run.stderr
    );
    assert!(other.join("notes.txt").exists());
    // Nor may it be the site or its output.
    site.edit("config.yaml", |c| {
        c.replace(
            &other.display().to_string(),
            &site.out().display().to_string(),
        )
    });
    let run = deploy(&site, &[]).code(1);
    assert!(run.stderr.contains("output folder"), "{}", run.stderr);
}

#[test]
fn deploy_settings_are_checked_where_they_are_written() {
    let site = TestSite::fixture("basic");
    with_deploy(
        &site,
        "  targets:\n    - name: production\n      url: \"s3://key:secret@bucket\"\n",
    );
    let run = deploy(&site, &[]).code(1);
    assert!(run.stderr.contains("config.yaml:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("must not hold credentials"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("secret@"), "{}", run.stderr);

    let site = TestSite::fixture("basic");
    let run = deploy(&site, &[]).code(1);
    assert!(run.stderr.contains("no deploy target"), "{}", run.stderr);

    let site = TestSite::fixture("basic");
    with_deploy(
        &site,
        "  targets:\n    - name: a\n      url: \"file:///tmp/x\"\n",
    );
    let run = deploy(&site, &["--target", "b"]).code(1);
    assert!(
        run.stderr
            .contains("no deploy target `b`; config.yaml names `a`"),
        "{}",
        run.stderr
    );
}

#[test]
fn netlify_and_cloudflare_get_real_redirects_in_redirects_file() {
    let site = basic();
    site.edit("content/guides/clienti-fedeli.md", |t| {
        t.replace(
            "aliases: [\"/old/path/\"]",
            "aliases: [\"/old/path/\", \"/caffè vecchio/\"]",
        )
    });
    site.build_ok(&[]);
    assert!(
        !site.has_output("_redirects"),
        "object storage needs no _redirects"
    );

    with_deploy(&site, "  host: netlify\n");
    site.build_ok(&[]);
    let rules = site.output("_redirects");
    assert!(
        rules.contains("\n/old/path/ /guides/clienti-fedeli/ 301!\n"),
        "{rules}"
    );
    assert!(
        rules.contains("\n/caff%C3%A8%20vecchio/ /guides/clienti-fedeli/ 301!\n"),
        "{rules}"
    );
    // The meta-refresh pages stay for browsers that reach them some other way.
    assert!(site.has_output("old/path/index.html"));

    site.edit("config.yaml", |c| {
        c.replace("host: netlify", "host: cloudflare")
    });
    site.build_ok(&["--base-url", "https://example.org/blog/"]);
    let rules = site.output("_redirects");
    assert!(
        rules.contains("\n/blog/old/path/ /blog/guides/clienti-fedeli/ 301\n"),
        "{rules}"
    );

    // A site's own _redirects and piazza's cannot both be published.
    site.write("static/_redirects", "/a /b 301\n");
    let run = site.build(&[]).code(1);
    assert!(run.stderr.contains("_redirects"), "{}", run.stderr);
    assert!(run.stderr.contains("deploy.host"), "{}", run.stderr);
}

#[test]
fn compressed_files_are_gzipped_and_a_header_rule_change_reuploads_its_files() {
    let Some(moto) = Moto::start() else { return };
    let site = s3_site(Some("basic"), &moto);
    site.edit("config.yaml", |c| format!("{c}  compress: [html, xml]\n"));
    deploy(&site, &[]).success();
    let object = moto.get(BUCKET, "index.html");
    assert_eq!(object.header("content-encoding"), "gzip");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&object.body[..]),
        &mut text,
    )
    .unwrap();
    assert_eq!(
        text.as_bytes(),
        std::fs::read(site.out().join("index.html")).unwrap()
    );
    assert_eq!(
        moto.get(BUCKET, "images/x.png").header("content-encoding"),
        ""
    );

    // Only the files whose rule changed go up again.
    site.edit("config.yaml", |c| {
        format!(
            "{c}  headers:\n\
             \x20   - {{ pattern: \"**/*.html\", cache_control: \"public, max-age=0, must-revalidate\" }}\n\
             \x20   - {{ pattern: \"**/card.png\", cache_control: \"public, max-age=60\" }}\n\
             \x20   - {{ pattern: \"**/*.{{css,js,woff2,png,jpg,jpeg,webp,avif,svg}}\", cache_control: \"public, max-age=604800\" }}\n"
        )
    });
    let run = deploy(&site, &[]).success();
    let cards: Vec<String> = published(&site.out())
        .into_keys()
        .filter(|k| k.ends_with("card.png"))
        .collect();
    assert!(!cards.is_empty());
    assert_eq!(counted(&run, "uploaded"), cards.len(), "{}", run.stdout);
    assert_eq!(
        moto.head(BUCKET, &cards[0]).header("cache-control"),
        "public, max-age=60"
    );
    assert_eq!(
        moto.head(BUCKET, "images/x.png").header("cache-control"),
        "public, max-age=604800"
    );
}

#[test]
fn deploy_after_runs_with_the_changed_urls() {
    let site = basic();
    let www = site.tmp().join("www");
    with_deploy(
        &site,
        &format!(
            "  targets:\n    - name: local\n      url: \"file://{}\"\n  after: 'cp \"$PIAZZA_CHANGED_URLS\" purged.txt && echo \"$PIAZZA_DEPLOY_TARGET\" > target.txt'\n",
            www.display()
        ),
    );
    deploy(&site, &[]).success();
    assert_eq!(
        site.read("purged.txt"),
        "",
        "a first deploy changes nothing already cached"
    );
    assert_eq!(site.read("target.txt"), "local\n");
    site.edit("content/about.md", |t| format!("{t}\nAltro.\n"));
    deploy(&site, &[]).success();
    assert!(
        site.read("purged.txt").lines().any(|l| l == "/about/"),
        "{}",
        site.read("purged.txt")
    );

    site.edit("config.yaml", |c| {
        c.replace("cp \\\"$PIAZZA", "false && cp \\\"$PIAZZA")
            .replace("cp \"$PIAZZA", "false && cp \"$PIAZZA")
    });
    let run = deploy(&site, &[]).code(1);
    assert!(
        run.stderr
            .contains("the deploy is complete, but `deploy.after`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the target is up to date"),
        "{}",
        run.stderr
    );
}
