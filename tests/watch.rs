//! Incremental rebuilds must produce exactly what a full build produces.
//!
//! A seeded random sequence of edits, renames, deletions, new files, template and
//! config changes is applied to a fixture site; after each step the in-place rebuild's
//! output folder is compared byte for byte with a fresh full build of the same sources.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use piazza::site::SiteOptions;
use piazza::watch::Rebuilder;

use common::copy_dir;

/// Every file under `dir`, relative path -> bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The build's "now", the same for every build here: pages carry it (the comment
/// form's signed render time), so incremental and full builds must share it.
fn options() -> SiteOptions {
    SiteOptions {
        now: Some(
            piazza::content::date::Date::parse("2030-01-01T12:00:00Z")
                .unwrap()
                .sort_key(),
        ),
        ..SiteOptions::default()
    }
}

fn full_build(site: &Path, scratch: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let out = scratch.join("full");
    let _ = std::fs::remove_dir_all(&out);
    piazza::cli::build(site, &out, &options(), false, true)
        .map(|_| tree(&out))
        .map_err(|e| e.to_string())
}

/// A tiny deterministic generator, so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn markdown_files(site: &Path, dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(site.join("content").join(dir))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && p.file_name().is_none_or(|n| n != "_index.md")
        })
        .collect();
    files.sort();
    files
}

fn guide(title: &str, date: &str, tags: &str, thesis: u32) -> String {
    format!(
        "---\ntitle: \"{title}\"\ndescription: \"Su {title}.\"\ndate: {date}\ntags: [{tags}]\n---\n\nTesto su {title}.\n\n{{{{ thesis({thesis}) }}}}\n"
    )
}

/// Rewrites the lines of `file` that start with `key` with `edit` (None drops the
/// line), keeping the others.
fn edit_line(file: &Path, key: &str, edit: impl Fn(&str) -> Option<String>) {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<String> = text
        .lines()
        .filter_map(|l| {
            if l.starts_with(key) {
                edit(l)
            } else {
                Some(l.to_string())
            }
        })
        .collect();
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// Asserts that the rebuild reported by `r` wrote each of `expected`.
fn assert_wrote(r: &piazza::watch::Report, expected: &[&str]) {
    for e in expected {
        assert!(
            r.written.iter().any(|w| w == e),
            "{e} not in {:?}",
            r.written
        );
    }
}

/// A template of the default theme, as shipped.
fn default_template(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("themes/default/templates")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// Applies one random change to the site; returns what it did, for the failure message.
fn mutate(site: &Path, rng: &mut Rng, step: usize, touched: &mut Vec<PathBuf>) -> String {
    let guides = markdown_files(site, "guides");
    let theses = markdown_files(site, "theses");
    let comments = comment_files(site);
    match rng.below(22) {
        0 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let text = std::fs::read_to_string(g).unwrap();
            let new = text.replacen("title: \"", &format!("title: \"Nuovo {step} "), 1);
            std::fs::write(g, new).unwrap();
            touched.push(g.clone());
            format!("retitle {}", g.display())
        }
        1 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let mut text = std::fs::read_to_string(g).unwrap();
            text.push_str(&format!("\nUn paragrafo aggiunto al passo {step}.\n"));
            std::fs::write(g, text).unwrap();
            touched.push(g.clone());
            format!("append to {}", g.display())
        }
        2 if guides.len() > 1 => {
            let g = &guides[rng.below(guides.len())];
            std::fs::remove_file(g).unwrap();
            touched.push(g.clone());
            format!("delete {}", g.display())
        }
        3 if !guides.is_empty() => {
            // An editor's atomic save: write a temporary file, rename it over a new name.
            let g = &guides[rng.below(guides.len())];
            let text = std::fs::read_to_string(g).unwrap();
            let tmp = site.join("content/guides/.tmp-save");
            std::fs::write(&tmp, text).unwrap();
            let to = site.join(format!("content/guides/rinominata-{step}.md"));
            std::fs::rename(&tmp, &to).unwrap();
            std::fs::remove_file(g).unwrap();
            touched.extend([tmp, to.clone(), g.clone()]);
            format!("rename {} to {}", g.display(), to.display())
        }
        4 => {
            let dir = site.join(format!("content/guides/cartella-{}", rng.below(3)));
            std::fs::create_dir_all(&dir).unwrap();
            let date = format!("2024-0{}-1{}", 1 + rng.below(9), rng.below(10));
            let thesis = 1 + rng.below(theses.len().max(1)) as u32;
            let file = dir.join(format!("nuova-{step}.md"));
            std::fs::write(
                &file,
                guide(
                    &format!("Nuova guida {step}"),
                    &date,
                    "officina, nuovo",
                    thesis,
                ),
            )
            .unwrap();
            touched.push(file.clone());
            format!("add {}", file.display())
        }
        5 if !theses.is_empty() => {
            let t = &theses[rng.below(theses.len())];
            let text = std::fs::read_to_string(t).unwrap();
            std::fs::write(
                t,
                text.replacen("title: \"", &format!("title: \"Riformulata {step} "), 1),
            )
            .unwrap();
            touched.push(t.clone());
            format!("retitle thesis {}", t.display())
        }
        6 => {
            let dir = site.join("templates");
            std::fs::create_dir_all(&dir).unwrap();
            let footer = format!(
                "<footer class=\"site-footer\"><p>{{{{ site.title }}}} · versione {step}</p></footer>\n"
            );
            std::fs::create_dir_all(dir.join("partials")).unwrap();
            std::fs::write(dir.join("partials/footer.html"), footer).unwrap();
            touched.push(dir.join("partials/footer.html"));
            "change the footer template".into()
        }
        7 => {
            let config = site.join("config.yaml");
            let per = 1 + rng.below(3);
            edit_line(&config, "paginate_by:", |_| {
                Some(format!("paginate_by: {per}"))
            });
            touched.push(config.clone());
            format!("paginate_by {per}")
        }
        8 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let date = format!("date: 2023-1{}-0{}", rng.below(3), 1 + rng.below(9));
            edit_line(g, "date:", |_| Some(date.clone()));
            touched.push(g.clone());
            format!("redate {}", g.display())
        }
        9 if !theses.is_empty() => {
            // Theses without a description are summarised from their text, which
            // the guides citing them quote.
            let t = &theses[rng.below(theses.len())];
            let mut text = std::fs::read_to_string(t).unwrap();
            text = text.replacen("\n\n", &format!("\n\nAggiunta {step}: "), 1);
            std::fs::write(t, text).unwrap();
            touched.push(t.clone());
            format!("reword thesis {}", t.display())
        }
        10 if !guides.is_empty() => {
            // Among guides of one date, the title decides the order.
            let g = &guides[rng.below(guides.len())];
            let first = ["A", "M", "Z"][rng.below(3)];
            edit_line(g, "title:", |_| {
                Some(format!("title: \"{first} guida {step}\""))
            });
            touched.push(g.clone());
            format!("retitle {} to sort as {first}", g.display())
        }
        11 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let text = std::fs::read_to_string(g).unwrap();
            let new = if text.contains("description: \"") {
                text.replacen(
                    "description: \"",
                    &format!("description: \"Rivista {step}. "),
                    1,
                )
            } else {
                text.replacen(
                    "title:",
                    &format!("description: \"Nuova {step}\"\ntitle:"),
                    1,
                )
            };
            std::fs::write(g, new).unwrap();
            touched.push(g.clone());
            format!("redescribe {}", g.display())
        }
        12 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let tags = ["[officina]", "[tag1, tag3]", "[nuovo, officina, tag2]"][rng.below(3)];
            edit_line(g, "tags:", |_| Some(format!("tags: {tags}")));
            touched.push(g.clone());
            format!("retag {} {tags}", g.display())
        }
        13 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let updated = format!("updated: 2025-0{}-1{}", 1 + rng.below(9), rng.below(10));
            edit_line(g, "updated:", |_| None);
            edit_line(g, "date:", |l| Some(format!("{l}\n{updated}")));
            touched.push(g.clone());
            format!("{updated} in {}", g.display())
        }
        14 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let mut text = std::fs::read_to_string(g).unwrap();
            let n = 1 + rng.below(theses.len().max(1));
            text.push_str(&format!("\nCome dice la {{{{ tesi({n}) }}}}.\n"));
            std::fs::write(g, text).unwrap();
            touched.push(g.clone());
            format!("cite thesis {n} in {}", g.display())
        }
        15 => {
            // A partial that lists, tags and guides include, but not the 404 page.
            let dir = site.join("templates/partials");
            std::fs::create_dir_all(&dir).unwrap();
            let card = default_template("partials/card.html")
                .replace("card-summary\">", &format!("card-summary\">{step}: "));
            std::fs::write(dir.join("card.html"), card).unwrap();
            touched.push(dir.join("card.html"));
            "change the card partial".into()
        }
        16 if !guides.is_empty() => {
            // A page option set or cleared (`toc` needs headings: case 17 adds some).
            let g = &guides[rng.below(guides.len())];
            let options = [
                ("noindex:", "noindex: true".to_string()),
                ("summary:", format!("summary: \"Riassunto {step}\"")),
                ("toc:", "toc: true".to_string()),
                (
                    "canonical:",
                    format!("canonical: \"https://altrove.example/{step}/\""),
                ),
            ];
            let (key, line) = &options[rng.below(options.len())];
            let set = rng.below(2) == 0;
            edit_line(g, key, |_| None);
            if set {
                edit_line(g, "date:", |l| Some(format!("{l}\n{line}")));
            }
            touched.push(g.clone());
            format!(
                "{} `{line}` in {}",
                if set { "set" } else { "clear" },
                g.display()
            )
        }
        17 if !guides.is_empty() => {
            let g = &guides[rng.below(guides.len())];
            let mut text = std::fs::read_to_string(g).unwrap();
            text.push_str(&format!("\n## Parte {step}\n\nAltro testo.\n"));
            std::fs::write(g, text).unwrap();
            touched.push(g.clone());
            format!("add a heading to {}", g.display())
        }
        18 if !guides.is_empty() => {
            // Scheduled: held back until a date that does not come during the test.
            let g = &guides[rng.below(guides.len())];
            let date = format!("date: 2099-0{}-1{}", 1 + rng.below(9), rng.below(10));
            edit_line(g, "date:", |_| Some(date.clone()));
            touched.push(g.clone());
            format!("schedule {} ({date})", g.display())
        }
        19 if !guides.is_empty() => {
            // A comment approved: a new file in the page's comments/ folder.
            let g = &guides[rng.below(guides.len())];
            let folder = g
                .strip_prefix(site.join("content"))
                .unwrap()
                .with_extension("");
            let reply = comments.first().and_then(|c| {
                (c.parent() == Some(&site.join("comments").join(&folder)))
                    .then(|| c.file_stem().unwrap().to_string_lossy().into_owned())
            });
            let file = site.join("comments").join(&folder).join(format!(
                "2024-06-0{}-1000-{step:08x}.yaml",
                1 + rng.below(9)
            ));
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            let reply_to = reply
                .map(|r| format!("reply_to: {r}\n"))
                .unwrap_or_default();
            std::fs::write(
                &file,
                format!("author: Lettore {step}\ndate: 2024-06-01T10:00:00Z\n{reply_to}body: Commento **{step}**\n"),
            )
            .unwrap();
            touched.push(file.clone());
            format!("add comment {}", file.display())
        }
        20 if !comments.is_empty() => {
            let c = &comments[rng.below(comments.len())];
            edit_line(c, "body:", |_| {
                Some(format!("body: Riscritto al passo {step}"))
            });
            touched.push(c.clone());
            format!("edit comment {}", c.display())
        }
        21 if !comments.is_empty() => {
            let c = &comments[rng.below(comments.len())];
            std::fs::remove_file(c).unwrap();
            touched.push(c.clone());
            format!("delete comment {}", c.display())
        }
        _ => {
            let about = site.join("content/about.md");
            let text = std::fs::read_to_string(&about).unwrap();
            std::fs::write(
                &about,
                text.replacen("Chi siamo", &format!("Chi siamo {step}"), 1),
            )
            .unwrap();
            touched.push(about.clone());
            "retitle about".into()
        }
    }
}

/// The published comment files of the site, sorted.
fn comment_files(site: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(site.join("comments"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// A copy of the watch fixture, built once in place: (temp dir, site, output, rebuilder).
fn live_site() -> (tempfile::TempDir, PathBuf, PathBuf, Rebuilder) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&common::fixtures_dir().join("watch"), &site, &|_| true);
    // Comments on: pages carry their comments and the form's signed render time.
    let config = site.join("config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}comments:\n  enabled: true\n  endpoint: \"https://ricevi.example.org/\"\n"),
    )
    .unwrap();
    let out = dir.path().join("live");
    let mut rebuilder = Rebuilder::new(&site, &out, options(), false).unwrap();
    rebuilder.rebuild().unwrap();
    (dir, site, out, rebuilder)
}

#[test]
fn incremental_rebuilds_equal_full_builds() {
    let (dir, site, out, mut rebuilder) = live_site();
    assert_eq!(
        tree(&out),
        full_build(&site, dir.path()).unwrap(),
        "first build"
    );
    let (mut patched, mut reloaded) = (0, 0);
    // What changed since the last rebuild, across seeds too: a seed may end with
    // changes that the next seed's first rebuild must be told about, as a watcher would.
    let mut touched = Vec::new();
    for seed in [7u64, 1234, 99_999] {
        let mut rng = Rng(seed);
        let mut log = Vec::new();
        for step in 0..20 {
            let did = mutate(&site, &mut rng, step, &mut touched);
            log.push(did);
            if rng.below(3) == 0 {
                continue; // Several changes before one rebuild, as in a burst of saves.
            }
            // What the watcher would report: lets the rebuild skip walking content/
            // when only known files were modified.
            let inc = rebuilder.rebuild_after(&std::mem::take(&mut touched));
            let full = full_build(&site, dir.path());
            match (inc, full) {
                (Ok(report), Ok(expected)) => {
                    if report.patched {
                        patched += 1;
                    } else {
                        reloaded += 1;
                    }
                    let got = tree(&out);
                    let differ: Vec<&String> = expected
                        .keys()
                        .chain(got.keys())
                        .filter(|k| expected.get(*k) != got.get(*k))
                        .collect();
                    assert!(
                        differ.is_empty(),
                        "seed {seed}, after {log:?}: these files differ: {differ:?}"
                    );
                }
                (Err(_), Err(_)) => {}
                (inc, full) => panic!(
                    "seed {seed}, after {log:?}: incremental {:?} but full {:?}",
                    inc.map(|_| "ok"),
                    full.map(|_| "ok")
                ),
            }
        }
    }
    // Both roads must have been taken for the comparison to mean anything.
    assert!(
        patched >= 10 && reloaded >= 10,
        "{patched} patched, {reloaded} reloaded"
    );
}

#[test]
fn one_edit_rewrites_only_what_depends_on_it() {
    let (_dir, site, out, mut rebuilder) = live_site();
    let nothing = rebuilder.rebuild().unwrap();
    assert!(nothing.written.is_empty(), "{:?}", nothing.written);
    assert_eq!(nothing.rendered, 0);

    // A body edit changes only that page.
    let g = site.join("content/guides/guida-2.md");
    let text = std::fs::read_to_string(&g).unwrap();
    std::fs::write(
        &g,
        text.replace("Testo della guida 2", "Testo nuovo della guida 2"),
    )
    .unwrap();
    let r = rebuilder.rebuild().unwrap();
    assert_eq!(r.written, vec!["guides/guida-2/index.html".to_string()]);

    // A title edit also changes the lists, tags, feed and the thesis that it cites.
    std::fs::write(
        &g,
        text.replace("title: \"Guida 2\"", "title: \"Guida due\""),
    )
    .unwrap();
    let r = rebuilder.rebuild().unwrap();
    assert_wrote(
        &r,
        &[
            "guides/guida-2/index.html",
            "feed.xml",
            "theses/01-tesi-1/index.html",
            "tags/tag2/index.html",
        ],
    );
    assert!(
        !r.written.iter().any(|w| w == "about/index.html"),
        "{:?}",
        r.written
    );

    // A deleted page disappears with its outputs.
    std::fs::remove_file(&g).unwrap();
    let r = rebuilder.rebuild().unwrap();
    assert!(
        r.removed.iter().any(|w| w == "guides/guida-2/index.html"),
        "{:?}",
        r.removed
    );
    assert!(!out.join("guides/guida-2/index.html").exists());

    // A broken edit changes nothing on disk; fixing it recovers.
    let before = tree(&out);
    let bad = site.join("content/guides/guida-1.md");
    let good = std::fs::read_to_string(&bad).unwrap();
    std::fs::write(&bad, good.replace("{{ thesis(1) }}", "{{ thesis(42) }}")).unwrap();
    let err = rebuilder.rebuild().unwrap_err().to_string();
    assert!(err.contains("guida-1.md") && err.contains("42"), "{err}");
    assert_eq!(tree(&out), before);
    std::fs::write(&bad, good).unwrap();
    rebuilder.rebuild().unwrap();
}

#[test]
fn a_saved_page_is_patched_into_the_live_site() {
    let (dir, site, out, mut rebuilder) = live_site();
    let g = site.join("content/guides/guida-3.md");
    let text = std::fs::read_to_string(&g).unwrap();
    let save = |rebuilder: &mut Rebuilder, new: &str| {
        std::fs::write(&g, new).unwrap();
        rebuilder.rebuild_after(std::slice::from_ref(&g))
    };

    // A body edit reaches the page and what shows its reading time or summary.
    let r = save(
        &mut rebuilder,
        &text.replace("con un rimando", "con un lungo rimando"),
    )
    .unwrap();
    assert!(r.patched, "{r:?}");
    assert!(
        r.written.contains(&"guides/guida-3/index.html".to_string()),
        "{r:?}"
    );
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());

    // A title edit: lists, tags, feed and the cited thesis follow, still patched.
    let r = save(
        &mut rebuilder,
        &text.replace("\"Guida 3\"", "\"Guida tre\""),
    )
    .unwrap();
    assert!(r.patched, "{r:?}");
    assert_wrote(
        &r,
        &["guides/index.html", "tags/tag3/index.html", "feed.xml"],
    );
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());

    // A title that moves a guide among guides of the same date, reported twice by
    // the watcher: the list is reordered in place, the guide listed once.
    let tie = site.join("content/guides/guida-4.md");
    let tie_text = std::fs::read_to_string(&tie).unwrap();
    std::fs::write(
        &tie,
        tie_text.replace("\"Guida 4\"", "\"Accoglienza in officina\""),
    )
    .unwrap();
    let r = rebuilder
        .rebuild_after(&[tie.clone(), tie.clone()])
        .unwrap();
    assert!(r.patched, "{r:?}");
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());

    // New tags move the page in the index: the site is reloaded.
    let r = save(&mut rebuilder, &text.replace("tag3]", "tag4]")).unwrap();
    assert!(!r.patched, "{r:?}");
    assert!(out.join("tags/tag4/index.html").is_file());
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());

    // A broken save is reported and changes nothing; while it stands, saving another
    // page cannot report success.
    let before = tree(&out);
    let err = save(
        &mut rebuilder,
        &text.replace("title: \"Guida 3\"", "title: [Guida"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("guida-3.md"), "{err}");
    assert_eq!(tree(&out), before);
    let other = site.join("content/guides/guida-1.md");
    let other_text = std::fs::read_to_string(&other).unwrap();
    std::fs::write(&other, other_text.replace("Testo", "Nuovo testo")).unwrap();
    let err = rebuilder
        .rebuild_after(std::slice::from_ref(&other))
        .unwrap_err()
        .to_string();
    assert!(err.contains("guida-3.md"), "{err}");
    assert_eq!(tree(&out), before);

    // The fix brings everything up to date.
    save(&mut rebuilder, &text).unwrap();
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());
}

#[test]
fn a_template_change_rewrites_the_outputs_that_use_it() {
    let (dir, site, out, mut rebuilder) = live_site();
    let templates = site.join("templates");
    std::fs::create_dir_all(&templates).unwrap();

    // tag.html is used by the tag pages alone.
    let tag = templates.join("tag.html");
    let text = default_template("tag.html")
        .replace("{% block main %}", "{% block main %}<p>Etichetta</p>");
    assert_ne!(
        text,
        default_template("tag.html"),
        "the edit must change the template"
    );
    std::fs::write(&tag, text).unwrap();
    let r = rebuilder.rebuild_after(std::slice::from_ref(&tag)).unwrap();
    assert!(!r.written.is_empty(), "{r:?}");
    assert!(
        r.written
            .iter()
            .all(|w| w.starts_with("tags/") && w != "tags/index.html"),
        "{:?}",
        r.written
    );
    assert_eq!(
        r.rendered,
        r.written.len(),
        "only tag pages were rendered: {r:?}"
    );
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());

    // The footer reaches every page through base.html, but not the share cards.
    let footer = templates.join("partials/footer.html");
    std::fs::create_dir_all(footer.parent().unwrap()).unwrap();
    std::fs::write(
        &footer,
        "<footer class=\"site-footer\"><p>Nuovo piede</p></footer>\n",
    )
    .unwrap();
    let r = rebuilder
        .rebuild_after(std::slice::from_ref(&footer))
        .unwrap();
    assert_wrote(
        &r,
        &[
            "index.html",
            "guides/guida-1/index.html",
            "tags/index.html",
            "404.html",
        ],
    );
    assert!(
        !r.written
            .iter()
            .any(|w| w.ends_with(".png") || w.ends_with(".xml")),
        "{:?}",
        r.written
    );
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());
}

/// Every folder under `dir`, relative.
fn folders(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn the_first_rebuild_leaves_exactly_what_a_full_build_writes() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&common::fixtures_dir().join("watch"), &site, &|_| true);
    std::fs::write(
        site.join("content/guides/bozza.md"),
        "---\ntitle: \"Bozza\"\ndate: 2024-01-01\ndraft: true\n---\n\nNon ancora.\n",
    )
    .unwrap();
    // An earlier run's output: built with drafts, then a page deleted, a rebuild
    // killed mid-write, a folder where a file now goes and a file where a folder does.
    let out = dir.path().join("live");
    let drafts = SiteOptions {
        drafts: true,
        ..options()
    };
    piazza::cli::build(&site, &out, &drafts, false, true).unwrap();
    assert!(out.join("guides/bozza/index.html").is_file());
    std::fs::remove_file(site.join("content/guides/guida-6.md")).unwrap();
    std::fs::write(out.join("guides/.index.html.piazza-tmp"), "half").unwrap();
    std::fs::create_dir_all(out.join("old/empty")).unwrap();
    std::fs::remove_file(out.join("robots.txt")).unwrap();
    std::fs::create_dir_all(out.join("robots.txt/inside")).unwrap();
    std::fs::write(out.join("robots.txt/inside/x"), "x").unwrap();
    std::fs::remove_dir_all(out.join("about")).unwrap();
    std::fs::write(out.join("about"), "a file").unwrap();

    let mut rebuilder = Rebuilder::new(&site, &out, options(), false).unwrap();
    let report = rebuilder.rebuild().unwrap();
    let expected = full_build(&site, dir.path()).unwrap();
    let got = tree(&out);
    let differ: Vec<&String> = expected
        .keys()
        .chain(got.keys())
        .filter(|k| expected.get(*k) != got.get(*k))
        .collect();
    assert!(differ.is_empty(), "these files differ: {differ:?}");
    assert_eq!(folders(&out), folders(&dir.path().join("full")));
    for gone in ["guides/bozza/index.html", "guides/guida-6/index.html"] {
        assert!(report.removed.contains(&gone.to_string()), "{report:?}");
    }
}

/// A later rebuild where an old output file stands where a folder now goes, and the
/// other way round: each stale output is moved out of the way of the new one.
#[test]
fn a_rebuild_swaps_a_file_and_a_folder_between_outputs() {
    let (dir, site, out, mut rebuilder) = live_site();
    let guide = site.join("content/guides/guida-1.md");
    let with_alias = |alias: &str| {
        let text = std::fs::read_to_string(&guide).unwrap();
        let text = text.replacen("---\n", &format!("---\naliases: [\"{alias}\"]\n"), 1);
        std::fs::write(&guide, text).unwrap();
    };
    // The alias writes the folder old/ with an index.html; then old becomes a file.
    with_alias("/old/");
    rebuilder.rebuild().unwrap();
    assert!(out.join("old/index.html").is_file());
    edit_line(&guide, "aliases", |_| None);
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::write(site.join("static/old"), "now a file").unwrap();
    rebuilder
        .rebuild()
        .expect("a folder of old outputs makes room for a file");
    assert_eq!(
        std::fs::read_to_string(out.join("old")).unwrap(),
        "now a file"
    );
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());

    // And back: the file old goes, a folder old/ takes its place.
    std::fs::remove_file(site.join("static/old")).unwrap();
    with_alias("/old/");
    rebuilder
        .rebuild()
        .expect("an old file makes room for a folder");
    assert!(out.join("old/index.html").is_file());
    assert_eq!(tree(&out), full_build(&site, dir.path()).unwrap());
}

#[test]
fn a_comment_file_rewrites_only_its_page() {
    let (_dir, site, out, mut rebuilder) = live_site();
    let file = site.join("comments/guides/guida-2/2024-06-01-1000-0000abcd.yaml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "author: Bea\ndate: 2024-06-01T10:00:00Z\nbody: Un commento nuovo\n",
    )
    .unwrap();
    let r = rebuilder
        .rebuild_after(std::slice::from_ref(&file))
        .unwrap();
    assert_eq!(r.written, vec!["guides/guida-2/index.html".to_string()]);
    let page = std::fs::read_to_string(out.join("guides/guida-2/index.html")).unwrap();
    assert!(page.contains("Un commento nuovo"));

    std::fs::remove_file(&file).unwrap();
    let r = rebuilder
        .rebuild_after(std::slice::from_ref(&file))
        .unwrap();
    assert_eq!(r.written, vec!["guides/guida-2/index.html".to_string()]);
    let page = std::fs::read_to_string(out.join("guides/guida-2/index.html")).unwrap();
    assert!(!page.contains("Un commento nuovo"));
}
