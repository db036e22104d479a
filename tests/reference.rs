//! docs/REFERENCE.md names every key piazza accepts. Each place that takes keys is
//! given an unknown one; piazza's error lists the keys that place accepts, and each of
//! them must be documented under that place's heading in the reference.

mod common;

use common::TestSite;

/// The reference, split into (heading, text under it).
fn sections() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/REFERENCE.md");
    let text = std::fs::read_to_string(path).expect("docs/REFERENCE.md");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        {
            out.push((h.trim().to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The keys piazza's "unknown field" error says `place` accepts.
fn accepted(stderr: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .find(|l| l.contains("unknown field `zzz_unknown`"))
        .unwrap_or_else(|| panic!("no unknown-field error in:\n{stderr}"));
    let list = line
        .split_once("expected")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no list of keys in {line}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Builds the basic fixture with `edit` applied and checks the keys it reports against
/// the reference section `heading`.
fn documented(heading: &str, edit: impl FnOnce(&TestSite)) {
    let site = TestSite::fixture("basic");
    edit(&site);
    let run = site.build(&[]).code(1);
    let keys = accepted(&run.stderr);
    assert!(keys.len() > 1, "{heading}: {keys:?}");
    let sections = sections();
    let (_, body) = sections
        .iter()
        .find(|(h, _)| h == heading)
        .unwrap_or_else(|| panic!("docs/REFERENCE.md has no section {heading:?}"));
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !body.contains(&format!("| `{k}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/REFERENCE.md, section {heading:?}, does not document {missing:?}"
    );
}

fn without_config_keys(site: &TestSite, keys: &[&str]) -> String {
    site.read("config.yaml")
        .lines()
        .filter(|l| !keys.iter().any(|k| l.trim_start().starts_with(k)))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn every_config_key_is_documented() {
    documented("config.yaml", |s| {
        s.edit("config.yaml", |c| format!("{c}zzz_unknown: 1\n"));
    });
    for (heading, block) in [
        ("social", "social:\n  zzz_unknown: 1\n"),
        ("social.card", "social:\n  card:\n    zzz_unknown: 1\n"),
        ("markdown", "markdown:\n  zzz_unknown: 1\n"),
        ("comments", "comments:\n  zzz_unknown: 1\n"),
        ("deploy", "deploy:\n  zzz_unknown: 1\n"),
        (
            "deploy.targets",
            "deploy:\n  targets:\n    - { name: a, url: \"file:///tmp/a\", zzz_unknown: 1 }\n",
        ),
        (
            "deploy.headers",
            "deploy:\n  headers:\n    - { pattern: \"*\", cache_control: x, zzz_unknown: 1 }\n",
        ),
    ] {
        documented(heading, |s| {
            let config = without_config_keys(s, &["social:", "image", "markdown:", "comments:"]);
            s.write("config.yaml", &format!("{config}{block}"));
        });
    }
}

#[test]
fn every_front_matter_key_is_documented() {
    documented("Front matter", |s| {
        s.edit("content/about.md", |t| {
            t.replacen("---\n", "---\nzzz_unknown: 1\n", 1)
        });
    });
    documented("Section front matter (`_index.md`)", |s| {
        s.edit("content/guides/_index.md", |t| {
            t.replacen("---\n", "---\nzzz_unknown: 1\n", 1)
        });
    });
}

#[test]
fn every_shipped_shortcode_is_documented() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/templates/shortcodes"
    );
    let sections = sections();
    let (_, body) = sections
        .iter()
        .find(|(h, _)| h == "Shortcodes")
        .expect("a Shortcodes section");
    for entry in std::fs::read_dir(dir).expect("the theme's shortcodes") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        let name = name.trim_end_matches(".html");
        assert!(
            body.contains(&format!("| `{name}(")),
            "docs/REFERENCE.md does not document the shortcode {name}"
        );
    }
}
