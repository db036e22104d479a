//! Scheduled pages, drafts and the page options of front matter (`extra`, `canonical`,
//! `noindex`, `summary`, `toc`), seen as a reader, a crawler and a feed reader see them.
//!
//! Every site is built with `PIAZZA_NOW` set, so "the future" does not move.

mod common;

use std::process::Command;

use common::{assert_located, parse_xml, Doc, Run, TestSite};

/// The clock every build here runs at.
const NOW: &str = "2026-06-15T12:00:00Z";

/// A small site: a config, a home page, a guides section and what `files` add.
fn site(files: &[(&str, &str)]) -> TestSite {
    let site = TestSite::empty();
    site.write(
        "config.yaml",
        "title: \"Bottega\"\nbase_url: \"https://example.org\"\nlanguage: it\ndescription: \"Guide.\"\n",
    );
    site.write("content/_index.md", "---\ntitle: Bottega\n---\n");
    site.write("content/guides/_index.md", "---\ntitle: Guide\n---\n");
    site.write(
        "content/guides/oggi.md",
        "---\ntitle: Oggi\ndate: 2026-06-01\ntags: [seo]\n---\n\nUna guida pubblicata.\n",
    );
    for (rel, text) in files {
        site.write(rel, text);
    }
    site
}

/// Runs piazza at [`NOW`].
fn piazza_at(now: &str, args: &[&str], site: &TestSite) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_piazza"))
        .args(args)
        .current_dir(site.tmp())
        .env("NO_COLOR", "1")
        .env("PIAZZA_NOW", now)
        .output()
        .expect("run piazza");
    Run {
        command: format!("PIAZZA_NOW={now} piazza {}", args.join(" ")),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn build(site: &TestSite, extra: &[&str]) -> Run {
    let root = site.root().to_string_lossy().into_owned();
    let out = site.out().to_string_lossy().into_owned();
    let mut args = vec!["build", "--site", &root, "--out", &out];
    args.extend_from_slice(extra);
    piazza_at(NOW, &args, site)
}

fn check(site: &TestSite, extra: &[&str]) -> Run {
    let root = site.root().to_string_lossy().into_owned();
    let mut args = vec!["check", "--site", &root];
    args.extend_from_slice(extra);
    piazza_at(NOW, &args, site)
}

/// The `<loc>`s of the sitemap.
fn sitemap(site: &TestSite) -> Vec<String> {
    let text = site.output("sitemap.xml");
    parse_xml(&text)
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

/// The feed's items as (link, description).
fn feed(site: &TestSite) -> Vec<(String, String)> {
    let text = site.output("feed.xml");
    let doc = parse_xml(&text);
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            let child = |name: &str| common::child_text(item, name).unwrap_or("").to_string();
            (child("link"), child("description"))
        })
        .collect()
}

/// The robots meta of a page, if any.
fn robots(doc: &Doc) -> Vec<String> {
    doc.attrs("meta[name=robots]", "content")
}

const FUTURE: &str =
    "---\ntitle: Domani\ndate: 2026-07-01\ntags: [seo, lancio]\n---\n\nUna guida in arrivo.\n";

#[test]
fn a_future_guide_is_not_built_until_its_date() {
    let s = site(&[("content/guides/domani.md", FUTURE)]);
    build(&s, &[]).success();
    assert!(!s.has_output("guides/domani/index.html"));
    assert_eq!(
        s.html("guides/index.html").linked_pages("/guides/"),
        ["/guides/oggi/"]
    );
    assert_eq!(
        s.html("index.html").linked_pages("/guides/"),
        ["/guides/oggi/"]
    );
    assert!(
        !s.has_output("tags/lancio/index.html"),
        "a tag of only scheduled pages"
    );
    assert_eq!(
        s.html("tags/seo/index.html").linked_pages("/guides/"),
        ["/guides/oggi/"]
    );
    let links: Vec<String> = feed(&s).into_iter().map(|(l, _)| l).collect();
    assert_eq!(links, ["https://example.org/guides/oggi/"]);
    assert!(!sitemap(&s).iter().any(|l| l.contains("domani")));

    build(&s, &["--future"]).success();
    assert!(s.has_output("guides/domani/index.html"));
    assert_eq!(
        s.html("guides/index.html").linked_pages("/guides/"),
        ["/guides/domani/", "/guides/oggi/"]
    );
    assert!(s.has_output("tags/lancio/index.html"));
    assert!(feed(&s).iter().any(|(l, _)| l.ends_with("/guides/domani/")));
    assert!(sitemap(&s).iter().any(|l| l.ends_with("/guides/domani/")));
}

#[test]
fn a_page_dated_today_or_earlier_in_the_day_is_published() {
    let s = site(&[
        (
            "content/guides/stamattina.md",
            "---\ntitle: Stamattina\ndate: 2026-06-15T08:00:00+02:00\n---\n\nx\n",
        ),
        (
            "content/guides/oggi-giorno.md",
            "---\ntitle: Oggi giorno\ndate: 2026-06-15\n---\n\nx\n",
        ),
        (
            "content/guides/stasera.md",
            "---\ntitle: Stasera\ndate: 2026-06-15T18:00:00+02:00\n---\n\nx\n",
        ),
    ]);
    build(&s, &[]).success();
    assert!(s.has_output("guides/stamattina/index.html"));
    assert!(s.has_output("guides/oggi-giorno/index.html"));
    assert!(!s.has_output("guides/stasera/index.html"));
}

#[test]
fn a_scheduled_thesis_is_not_cited_by_nor_citing() {
    let s = site(&[
        ("content/theses/_index.md", "---\ntitle: Tesi\n---\n"),
        (
            "content/theses/01-uno.md",
            "---\ntitle: Uno\nslug: uno\nnumber: 1\n---\n\nLa prima.\n",
        ),
        (
            "content/guides/domani.md",
            "---\ntitle: Domani\ndate: 2026-07-01\ntheses: [1]\n---\n\nx\n",
        ),
    ]);
    build(&s, &[]).success();
    let thesis = s.html("theses/uno/index.html");
    assert!(
        thesis.linked_pages("/guides/").is_empty(),
        "cited by a scheduled guide"
    );
}

#[test]
fn a_bad_piazza_now_is_an_error() {
    let s = site(&[]);
    let root = s.root().to_string_lossy().into_owned();
    let run = piazza_at("domani", &["build", "--site", &root], &s).code(1);
    assert!(run.stderr.contains("PIAZZA_NOW"), "{}", run.stderr);
    assert!(run.stderr.contains("2026-03-01"), "{}", run.stderr);
}

#[test]
fn a_link_to_a_scheduled_page_is_an_error_at_the_link() {
    let s = site(&[
        ("content/guides/domani.md", FUTURE),
        (
            "content/guides/rimando.md",
            "---\ntitle: Rimando\ndate: 2026-06-02\n---\n\nPresto:\n[la guida](@/guides/domani.md).\n",
        ),
    ]);
    let run = build(&s, &[]).code(1);
    assert_located(&run.stderr, "content/guides/rimando.md", 7, Some(1));
    assert!(
        run.stderr.contains("scheduled for 2026-07-01"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--future"), "{}", run.stderr);
    assert!(!s.has_output("index.html"), "nothing written");
    build(&s, &["--future"]).success();
}

#[test]
fn check_lists_scheduled_pages() {
    let s = site(&[("content/guides/domani.md", FUTURE)]);
    let run = check(&s, &[]).success();
    assert!(run.stdout.contains("scheduled"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("content/guides/domani.md") && l.contains("2026-07-01")),
        "{}",
        run.stdout
    );
    let run = check(&s, &["--format", "json"]).success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let scheduled = json["scheduled"].as_array().expect("scheduled");
    assert_eq!(scheduled.len(), 1, "{json:#}");
    assert_eq!(scheduled[0]["file"], "content/guides/domani.md");
    assert_eq!(scheduled[0]["date"], "2026-07-01");
    assert_eq!(scheduled[0]["line"], 3);
    assert_eq!(scheduled[0]["url"], "https://example.org/guides/domani/");
}

#[test]
fn drafts_built_with_drafts_are_noindex_and_out_of_the_sitemap_and_feed() {
    let s = site(&[(
        "content/guides/bozza.md",
        "---\ntitle: Bozza\ndate: 2026-06-10\ndraft: true\n---\n\nx\n",
    )]);
    build(&s, &["--drafts"]).success();
    assert_eq!(robots(&s.html("guides/bozza/index.html")), ["noindex"]);
    assert!(robots(&s.html("guides/oggi/index.html")).is_empty());
    assert!(!sitemap(&s).iter().any(|l| l.contains("bozza")));
    assert!(!feed(&s).iter().any(|(l, _)| l.contains("bozza")));
}

#[test]
fn noindex_pages_are_built_but_not_offered_to_crawlers() {
    let s = site(&[(
        "content/guides/nascosta.md",
        "---\ntitle: Nascosta\ndate: 2026-06-10\nnoindex: true\n---\n\nx\n",
    )]);
    build(&s, &[]).success();
    assert_eq!(robots(&s.html("guides/nascosta/index.html")), ["noindex"]);
    assert!(s
        .html("guides/index.html")
        .linked_pages("/guides/")
        .contains(&"/guides/nascosta/".to_string()));
    assert!(!sitemap(&s).iter().any(|l| l.contains("nascosta")));
    assert!(!feed(&s).iter().any(|(l, _)| l.contains("nascosta")));
}

#[test]
fn summary_replaces_the_automatic_one_in_lists_and_feed() {
    let s = site(&[(
        "content/guides/riassunta.md",
        "---\ntitle: Riassunta\ndate: 2026-06-10\nsummary: \"Tre <consigli> & un *trucco*\"\n---\n\nIl testo vero.\n",
    )]);
    build(&s, &[]).success();
    let list = s.html("guides/index.html");
    let summaries = list.texts(".card-summary");
    assert!(
        summaries.contains(&"Tre <consigli> & un *trucco*".to_string()),
        "{summaries:?}"
    );
    assert!(feed(&s)
        .iter()
        .any(|(_, d)| d == "Tre <consigli> & un *trucco*"));
}

#[test]
fn canonical_replaces_the_canonical_link_and_og_url() {
    let s = site(&[
        (
            "content/guides/copia.md",
            "---\ntitle: Copia\ndate: 2026-06-10\ncanonical: \"https://altrove.example/originale?a=1&b=2\"\n---\n\nx\n",
        ),
        (
            "content/guides/gemella.md",
            "---\ntitle: Gemella\ndate: 2026-06-09\ncanonical: \"@/guides/oggi.md\"\n---\n\nx\n",
        ),
    ]);
    build(&s, &[]).success();
    let copia = s.html("guides/copia/index.html");
    assert_eq!(
        copia.canonical(),
        "https://altrove.example/originale?a=1&b=2"
    );
    assert_eq!(
        copia.og("og:url"),
        "https://altrove.example/originale?a=1&b=2"
    );
    let gemella = s.html("guides/gemella/index.html");
    assert_eq!(gemella.canonical(), "https://example.org/guides/oggi/");
    assert_eq!(gemella.og("og:url"), "https://example.org/guides/oggi/");
    // A page whose canonical is elsewhere is not offered to crawlers as its own.
    let locs = sitemap(&s);
    assert!(
        !locs
            .iter()
            .any(|l| l.contains("copia") || l.contains("gemella")),
        "{locs:?}"
    );
}

#[test]
fn extra_is_available_to_templates() {
    let s = site(&[
        (
            "content/guides/extra.md",
            "---\ntitle: Extra\ndate: 2026-06-10\ntemplate: mia.html\nextra:\n  colore: \"<rosso>\"\n  voci: [uno, due]\n---\n\nx\n",
        ),
        (
            "templates/mia.html",
            "<p id=\"c\">{{ page.extra.colore }}</p><p id=\"v\">{{ page.extra.voci | join(\",\") }}</p>",
        ),
    ]);
    build(&s, &[]).success();
    let doc = s.html("guides/extra/index.html");
    assert_eq!(doc.text("#c"), "<rosso>");
    assert_eq!(doc.text("#v"), "uno,due");
}

#[test]
fn toc_lists_the_headings_with_their_ids() {
    let s = site(&[(
        "content/guides/lunga.md",
        "---\ntitle: Lunga\ndate: 2026-06-10\ntoc: true\n---\n\n## Primo passo\n\nx\n\n### Dettaglio & nota\n\ny\n\n## Primo passo\n\nz\n",
    )]);
    build(&s, &[]).success();
    let doc = s.html("guides/lunga/index.html");
    let nav = doc.one("nav[aria-labelledby]");
    let label_id = nav.value().attr("aria-labelledby").unwrap();
    assert_eq!(doc.text(&format!("#{label_id}")), "Indice");
    let hrefs = doc.attrs("nav[aria-labelledby] a", "href");
    let ids = doc.attrs(".prose h2[id], .prose h3[id]", "id");
    assert_eq!(ids.len(), 3, "{ids:?}");
    let expected: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
    assert_eq!(hrefs, expected);
    assert_eq!(
        doc.texts("nav[aria-labelledby] a"),
        ["Primo passo", "Dettaglio & nota", "Primo passo"]
    );
    // The h3 is nested under the first h2.
    assert_eq!(doc.count("nav[aria-labelledby] li li a"), 1);
    // Without `toc:` there is no table of contents.
    assert_eq!(
        s.html("guides/oggi/index.html")
            .count("nav[aria-labelledby]"),
        0
    );
}

#[test]
fn toc_gives_headings_ids_even_without_heading_anchors() {
    let s = site(&[(
        "content/guides/lunga.md",
        "---\ntitle: Lunga\ndate: 2026-06-10\ntoc: true\n---\n\n## Primo passo\n\nx\n",
    )]);
    s.edit("config.yaml", |c| {
        format!("{c}markdown:\n  heading_anchors: false\n")
    });
    build(&s, &[]).success();
    let doc = s.html("guides/lunga/index.html");
    assert_eq!(
        doc.attrs("nav[aria-labelledby] a", "href"),
        ["#primo-passo"]
    );
    assert_eq!(doc.attr(".prose h2", "id"), "primo-passo");
}

#[test]
fn the_english_toc_label() {
    let s = site(&[(
        "content/guides/lunga.md",
        "---\ntitle: Lunga\ndate: 2026-06-10\ntoc: true\n---\n\n## One\n",
    )]);
    s.edit("config.yaml", |c| c.replace("language: it", "language: en"));
    build(&s, &[]).success();
    let doc = s.html("guides/lunga/index.html");
    let nav = doc.one("nav[aria-labelledby]");
    let label_id = nav.value().attr("aria-labelledby").unwrap();
    assert_eq!(doc.text(&format!("#{label_id}")), "Contents");
}

/// Each bad value: (front matter lines after the title, line of the error, words the
/// message must hold).
#[test]
fn bad_option_values_are_errors_at_their_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("canonical: ftp://x", 4, "canonical"),
        ("canonical: /guides/oggi/", 4, "canonical"),
        ("canonical: \"@/guides/manca.md\"", 4, "@/guides/manca.md"),
        ("canonical: \"https://\"", 4, "canonical"),
        ("noindex: forse", 4, "noindex"),
        ("toc: 3", 4, "toc"),
        ("extra: [uno, due]", 4, "extra"),
        ("summary: \"  \"", 4, "summary"),
        ("summary: [a]", 4, "summary"),
        ("tocc: true", 4, "toc"),
    ];
    for (yaml, line, words) in cases {
        let s = site(&[(
            "content/guides/x.md",
            &format!("---\ntitle: X\ndate: 2026-06-10\n{yaml}\n---\n\nx\n"),
        )]);
        let run = build(&s, &[]).code(1);
        assert_located(&run.stderr, "content/guides/x.md", *line, None);
        assert!(run.stderr.contains(words), "{yaml}: {}", run.stderr);
        assert!(!s.has_output("index.html"), "{yaml}: nothing written");
    }
}

#[test]
fn a_citation_of_a_scheduled_thesis_names_its_date() {
    let s = site(&[
        ("content/theses/_index.md", "---\ntitle: Tesi\n---\n"),
        (
            "content/theses/01-uno.md",
            "---\ntitle: Uno\nnumber: 1\ndate: 2026-09-01\n---\n\nLa prima.\n",
        ),
        (
            "content/guides/cita.md",
            "---\ntitle: Cita\ndate: 2026-06-02\n---\n\nCome dice {{ thesis(1) }}.\n",
        ),
    ]);
    let run = build(&s, &[]).code(1);
    assert_located(&run.stderr, "content/guides/cita.md", 6, None);
    assert!(
        run.stderr.contains("scheduled for 2026-09-01"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--future"), "{}", run.stderr);
    build(&s, &["--future"]).success();
}

#[test]
fn the_files_of_a_held_page_bundle_are_not_published() {
    let s = site(&[
        (
            "content/guides/lancio/index.md",
            "---\ntitle: Lancio\ndate: 2026-07-01\n---\n\n![il prodotto](prodotto.png)\n",
        ),
        (
            "content/guides/prova/index.md",
            "---\ntitle: Prova\ndate: 2026-06-01\ndraft: true\n---\n\n![prova](prova.png)\n",
        ),
    ]);
    s.write_bytes("content/guides/lancio/prodotto.png", common::PNG_3X2);
    s.write_bytes("content/guides/prova/prova.png", common::PNG_3X2);
    build(&s, &[]).success();
    assert!(
        !s.has_output("guides/lancio/prodotto.png"),
        "a scheduled bundle's image"
    );
    assert!(
        !s.has_output("guides/prova/prova.png"),
        "a draft bundle's image"
    );
    build(&s, &["--future", "--drafts"]).success();
    assert!(s.has_output("guides/lancio/prodotto.png"));
    assert!(s.has_output("guides/prova/prova.png"));
}

#[test]
fn a_canonical_naming_the_page_itself_keeps_it_in_the_sitemap() {
    let s = site(&[(
        "content/guides/se-stessa.md",
        "---\ntitle: Se stessa\ndate: 2026-06-10\ncanonical: \"@/guides/se-stessa.md\"\n---\n\nx\n",
    )]);
    build(&s, &[]).success();
    let doc = s.html("guides/se-stessa/index.html");
    assert_eq!(doc.canonical(), "https://example.org/guides/se-stessa/");
    assert!(sitemap(&s)
        .iter()
        .any(|l| l.ends_with("/guides/se-stessa/")));
}

#[test]
fn check_with_future_reports_the_scheduled_page_and_still_lists_it() {
    let s = site(&[("content/guides/domani.md", FUTURE)]);
    let run = check(&s, &["--format", "json"]).success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let files = |json: &serde_json::Value| -> Vec<String> {
        json["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["file"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!files(&json).contains(&"content/guides/domani.md".to_string()));
    let run = check(&s, &["--format", "json", "--future"]).success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(files(&json).contains(&"content/guides/domani.md".to_string()));
    assert_eq!(json["scheduled"][0]["file"], "content/guides/domani.md");
}
