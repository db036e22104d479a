//! `piazza check`: the share-readiness report, its findings, formats and exit codes.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use common::copy_dir;

const FINDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/check-findings");
const CLEAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/check-clean");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/site");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn piazza(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_piazza"))
        .args(args)
        .output()
        .expect("run piazza");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

fn check(site: &str, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--site", site];
    args.extend_from_slice(extra);
    piazza(&args)
}

fn check_json(site: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let run = check(site, &args);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    (run, json)
}

fn copy_of(site: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    copy_dir(Path::new(site), &dir, &|f| f != Path::new("public"));
    (tmp, dir)
}

/// Every finding as (file, code, line).
fn findings(json: &Value) -> BTreeSet<(String, String, Option<u64>)> {
    let pages = json["pages"].as_array().expect("pages");
    pages
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .chain(json["site"]["findings"].as_array().unwrap())
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

fn page<'a>(json: &'a Value, file: &str) -> &'a Value {
    json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"] == file)
        .unwrap_or_else(|| panic!("no page {file} in the report"))
}

fn finding<'a>(json: &'a Value, file: &str, code: &str) -> &'a Value {
    page(json, file)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} on {file}: {:#}", page(json, file)))
}

/// (file, code, line) of each finding the findings fixture is made to trigger.
fn expected() -> BTreeSet<(String, String, Option<u64>)> {
    [
        (
            "content/guides/missing-description.md",
            "missing-description",
            Some(2),
        ),
        ("content/guides/long-title.md", "title-too-long", Some(3)),
        (
            "content/guides/long-description.md",
            "description-too-long",
            Some(4),
        ),
        ("content/guides/small-image.md", "image-too-small", Some(5)),
        ("content/guides/square-image.md", "image-aspect", Some(5)),
        ("content/guides/no-alt.md", "missing-image-alt", Some(4)),
        ("content/guides/dup-title-a.md", "duplicate-title", Some(2)),
        ("content/guides/dup-title-b.md", "duplicate-title", Some(2)),
        (
            "content/guides/dup-desc-a.md",
            "duplicate-description",
            Some(3),
        ),
        (
            "content/guides/dup-desc-b.md",
            "duplicate-description",
            Some(3),
        ),
        ("content/notes", "missing-description", None),
    ]
    .into_iter()
    .map(|(f, c, l)| (f.to_string(), c.to_string(), l))
    .collect()
}

#[test]
fn each_finding_is_reported_once_with_its_line_in_json() {
    let (run, json) = check_json(FINDINGS, &[]);
    assert_eq!(
        run.code, 0,
        "warnings only without --strict\n{}",
        run.stderr
    );
    assert_eq!(findings(&json), expected());
    assert_eq!(json["findings"], 11);
    assert_eq!(json["pages_checked"], 14, "11 pages, home, guides, notes");
    assert_eq!(json["strict"], false);

    let msg = |file: &str, code: &str| {
        finding(&json, file, code)["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(msg("content/guides/long-title.md", "title-too-long").contains("61 characters"));
    assert!(
        msg("content/guides/long-description.md", "description-too-long")
            .contains("161 characters")
    );
    assert!(msg("content/guides/small-image.md", "image-too-small").contains("600x315"));
    assert!(msg("content/guides/square-image.md", "image-aspect").contains("1200x1200"));
    assert!(msg("content/guides/no-alt.md", "missing-image-alt").contains("image_alt"));
    assert!(msg("content/guides/dup-title-a.md", "duplicate-title")
        .contains("content/guides/dup-title-b.md"));
    assert!(msg("content/guides/dup-desc-b.md", "duplicate-description")
        .contains("content/guides/dup-desc-a.md"));
    assert!(msg("content/notes", "missing-description").contains("content/notes/_index.md"));
    assert_eq!(
        finding(&json, "content/guides/no-alt.md", "missing-image-alt")["severity"],
        "warning"
    );

    // What the card shows.
    let small = page(&json, "content/guides/small-image.md");
    assert_eq!(
        small["url"],
        "https://findings.example.org/guides/small-image/"
    );
    assert_eq!(small["kind"], "guide");
    assert_eq!(small["title"], "A guide with a small image");
    assert_eq!(
        small["description"],
        "Its image has the right shape but only 600x315 pixels."
    );
    assert_eq!(
        small["image"]["url"],
        "https://findings.example.org/images/small.png"
    );
    assert_eq!(small["image"]["width"], 600);
    assert_eq!(small["image"]["height"], 315);
    assert_eq!(small["image"]["alt"], "A small white card");
    assert_eq!(small["image"]["type"], "image/png");
    let missing = page(&json, "content/guides/missing-description.md");
    assert_eq!(
        missing["description"],
        "This first paragraph becomes the summary that the card shows instead."
    );
    assert_eq!(missing["description_source"], "summary");
    // Guides without their own image show their generated share card, and are not
    // blamed for it.
    assert_eq!(
        missing["image"]["url"],
        "https://findings.example.org/guides/missing-description/card.png"
    );
    assert_eq!(missing["image"]["source"], "card");
    assert_eq!(missing["image"]["width"], 1200);
    assert_eq!(missing["image"]["height"], 630);
    assert_eq!(missing["image"]["type"], "image/png");
    let home = page(&json, "content/_index.md");
    assert_eq!(home["kind"], "home");
    assert_eq!(home["url"], "https://findings.example.org/");
    assert_eq!(page(&json, "content/guides/_index.md")["kind"], "section");
    assert!(json["site"]["findings"].as_array().unwrap().is_empty());
}

#[test]
fn text_report_names_file_line_and_code() {
    let run = check(FINDINGS, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (file, code, line) in expected() {
        let at = match line {
            Some(l) => format!("warning: {file}:{l}: "),
            None => format!("warning: {file}: "),
        };
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&at) && l.ends_with(&format!("[{code}]"))),
            "no line `{at}... [{code}]` in\n{}",
            run.stdout
        );
    }
    // One block per page with findings, showing its card; clean pages are left out.
    assert!(run.stdout.contains(
        "content/guides/small-image.md (guide, https://findings.example.org/guides/small-image/)"
    ));
    assert!(run
        .stdout
        .contains("  image        https://findings.example.org/images/small.png (600x315, alt \"A small white card\")"));
    assert!(!run.stdout.contains("content/guides/_index.md"));
    assert_eq!(
        run.stdout.lines().last(),
        Some("14 pages checked, 11 findings")
    );
}

#[test]
fn strict_turns_findings_into_errors() {
    let run = check(FINDINGS, &["--strict"]);
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .contains("error: content/guides/long-title.md:3: the title has 61 characters"));
    assert!(!run.stdout.contains("warning:"));
    assert_eq!(
        run.stdout.lines().last(),
        Some("14 pages checked, 11 findings")
    );

    let (run, json) = check_json(FINDINGS, &["--strict"]);
    assert_eq!(run.code, 1);
    assert_eq!(json["strict"], true);
    assert_eq!(
        finding(&json, "content/guides/long-title.md", "title-too-long")["severity"],
        "error"
    );
}

#[test]
fn drafts_are_checked_only_when_asked() {
    let (_, json) = check_json(FINDINGS, &[]);
    assert!(!json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["file"] == "content/guides/draft.md"));
    let (run, json) = check_json(FINDINGS, &["--drafts"]);
    assert_eq!(run.code, 0);
    let f = finding(&json, "content/guides/draft.md", "title-too-long");
    assert_eq!(f["line"], 2);
    assert_eq!(json["findings"], 12);
}

#[test]
fn clean_site_passes_strict() {
    let run = check(CLEAN, &["--strict"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "7 pages checked, 0 findings\n");

    let (run, json) = check_json(CLEAN, &["--strict"]);
    assert_eq!(run.code, 0);
    assert_eq!(json["findings"], 0);
    assert!(findings(&json).is_empty());
    // Exactly at the limits, counted in characters (accents and emoji are one each).
    let g = page(&json, "content/guides/calendario.md");
    assert_eq!(g["title"].as_str().unwrap().chars().count(), 60);
    assert!(g["title"].as_str().unwrap().len() > 60);
    assert_eq!(g["description"].as_str().unwrap().chars().count(), 160);
    assert_eq!(g["image"]["width"], 1910);
    // A bundle's image is resolved next to its index.md.
    let b = page(&json, "content/guides/bundle/index.md");
    assert_eq!(
        b["image"]["url"],
        "https://clean.example.org/guides/bundle/cover.png"
    );
    assert_eq!(b["image"]["source"], "page");
    let t = page(&json, "content/theses/01-ascolto.md");
    assert_eq!(t["kind"], "thesis");
}

#[test]
fn site_image_findings_point_at_config_once() {
    let (_tmp, site) = copy_of(CLEAN);
    std::fs::copy(
        Path::new(FINDINGS).join("static/images/small.png"),
        site.join("static/images/small.png"),
    )
    .unwrap();
    std::fs::write(
        site.join("config.yaml"),
        "title: \"Clean Card\"\n\
         base_url: \"https://clean.example.org\"\n\
         language: it\n\
         description: \"Un sito di prova.\"\n\
         social:\n  \
           twitter_site: \"@clean\"\n  \
           image: /images/small.png\n",
    )
    .unwrap();
    let (run, json) = check_json(site.to_str().unwrap(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected: BTreeSet<_> = [
        ("config.yaml", "image-too-small", Some(7)),
        ("config.yaml", "missing-image-alt", Some(7)),
    ]
    .into_iter()
    .map(|(f, c, l)| (f.to_string(), c.to_string(), l))
    .collect();
    assert_eq!(findings(&json), expected, "reported once, not per page");
    assert!(json["site"]["findings"][1]["message"]
        .as_str()
        .unwrap()
        .contains("social.image_alt"));
    let about = page(&json, "content/about.md");
    assert_eq!(about["image"]["width"], 600);
    assert_eq!(about["image"]["source"], "site");
    assert!(about["image"]["alt"].is_null());

    let run = check(site.to_str().unwrap(), &[]);
    assert!(run.stdout.contains(
        "warning: config.yaml:7: the image https://clean.example.org/images/small.png is 600x315"
    ));
}

#[test]
fn no_image_without_a_site_image() {
    let (_tmp, site) = copy_of(CLEAN);
    std::fs::write(
        site.join("config.yaml"),
        "title: \"Clean Card\"\nbase_url: \"https://clean.example.org\"\nlanguage: it\n",
    )
    .unwrap();
    let (run, json) = check_json(site.to_str().unwrap(), &["--strict"]);
    assert_eq!(run.code, 1);
    let f = finding(&json, "content/about.md", "no-image");
    assert_eq!(f["line"], 2);
    assert!(f["message"].as_str().unwrap().contains("social.image"));
    assert!(page(&json, "content/about.md")["image"].is_null());
    // Pages with their own image are fine.
    assert!(page(&json, "content/guides/calendario.md")["findings"]
        .as_array()
        .unwrap()
        .is_empty());
    // The home page now takes its description from nowhere but its _index.md.
    assert!(page(&json, "content/_index.md")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] == "no-image"));
}

#[test]
fn home_without_description_is_a_finding_in_config() {
    let (_tmp, site) = copy_of(CLEAN);
    std::fs::write(
        site.join("content/_index.md"),
        "---\ntitle: \"Clean Card\"\n---\n",
    )
    .unwrap();
    std::fs::write(
        site.join("config.yaml"),
        "title: \"Clean Card\"\nbase_url: \"https://clean.example.org\"\nlanguage: it\n\
         social: { image: /images/card.png, image_alt: \"Una scheda\" }\n",
    )
    .unwrap();
    let (_, json) = check_json(site.to_str().unwrap(), &[]);
    let f = finding(&json, "content/_index.md", "missing-description");
    assert_eq!(f["file"], "config.yaml");
    assert!(f["message"].as_str().unwrap().contains("config.yaml"));
}

#[test]
fn content_errors_are_reported_as_in_build() {
    let (_tmp, site) = copy_of(CLEAN);
    std::fs::write(
        site.join("content/guides/broken.md"),
        "---\ntitle: \"Broken\"\nimage: /images/nowhere.png\n---\nText.\n",
    )
    .unwrap();
    let run = check(site.to_str().unwrap(), &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "no report on a broken site");
    assert!(
        run.stderr.contains("content/guides/broken.md:3"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nowhere.png"));
    // check writes nothing.
    assert!(!site.join("public").exists());
}

#[test]
fn bad_format_is_a_usage_error() {
    let run = check(CLEAN, &["--format", "xml"]);
    assert_eq!(run.code, 2);
}

#[test]
fn example_site_passes_strict() {
    let (_tmp, site) = copy_of(EXAMPLE);
    let (run, json) = check_json(site.to_str().unwrap(), &["--strict"]);
    let problems: Vec<String> = json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .chain(json["site"]["findings"].as_array().unwrap())
        .map(|f| {
            format!(
                "{}:{}: {} [{}]",
                f["file"], f["line"], f["message"], f["code"]
            )
        })
        .collect();
    assert!(
        problems.is_empty(),
        "the example site falls short:\n{}",
        problems.join("\n")
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(json["pages_checked"].as_u64().unwrap() > 10);
    assert!(!site.join("public").exists(), "check writes nothing");
}

#[test]
fn direction_controls_and_images_without_alt_are_findings() {
    let (_tmp, site) = copy_of(CLEAN);
    // U+202E turns the rest of the title around in a share card: "gpj.exe" reads "exe.jpg".
    std::fs::write(
        site.join("content/guides/bidi.md"),
        "---\ntitle: \"Scarica il file \u{202E}gpj.exe\"\ndescription: \"Una descrizione con un isolamento \u{2066}nascosto\u{2069} dentro.\"\ndate: 2025-03-04\n---\nTesto.\n\n![](/images/card.png) e ![ ](/images/wide.png)\n\n![Una scheda bianca](/images/card.png)\n\n```\n![](/in-code.png)\n```\n",
    )
    .unwrap();
    let index = site.join("content/guides/_index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replacen("title: \"", "title: \"\u{202D}", 1)).unwrap();

    let (run, json) = check_json(site.to_str().unwrap(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&json);
    for (file, code, line) in [
        ("content/guides/bidi.md", "direction-control", 2),
        ("content/guides/bidi.md", "direction-control", 3),
        ("content/guides/bidi.md", "markdown-image-alt", 8),
        ("content/guides/_index.md", "direction-control", 2),
    ] {
        assert!(
            found.contains(&(file.to_string(), code.to_string(), Some(line))),
            "no {code} at {file}:{line} in {found:?}"
        );
    }
    let alt = page(&json, "content/guides/bidi.md")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "markdown-image-alt")
        .count();
    assert_eq!(
        alt, 2,
        "both images on line 8, not the one with alt text or in code"
    );
    let message = finding(&json, "content/guides/bidi.md", "direction-control")["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("U+202E"), "{message}");

    let run = check(site.to_str().unwrap(), &[]);
    for line in [
        "warning: content/guides/bidi.md:2: ",
        "warning: content/guides/bidi.md:8: ",
    ] {
        assert!(
            run.stdout.lines().any(|l| l.trim_start().starts_with(line)
                && (l.ends_with("[direction-control]") || l.ends_with("[markdown-image-alt]"))),
            "no `{line}...` finding in\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains('\u{202E}'),
        "the report itself shows no control: {}",
        run.stdout
    );
    let strict = check(site.to_str().unwrap(), &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
}
