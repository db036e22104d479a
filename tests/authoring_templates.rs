//! Authoring mistakes in templates and YAML, caught before they go live: undefined
//! template values, unclosed blocks reported where they open, YAML errors in words a
//! writer understands at the line of the mistake, and fingerprinted asset URLs.

mod common;

use std::path::Path;

use piazza::site::SiteOptions;
use piazza::watch::Rebuilder;

use common::{assert_located, locations, TestSite};

const GUIDE: &str = "content/guides/first-steps.md";

/// The English fixture with `templates/page.html` (the about page's template) set to
/// `text`.
fn with_page_template(text: &str) -> TestSite {
    let site = TestSite::fixture("english");
    site.write("templates/page.html", text);
    site
}

/// Builds and expects exit 1 with nothing written; returns stderr.
fn fails(site: &TestSite) -> String {
    let run = site.build(&[]).code(1);
    assert!(
        !site.out().exists(),
        "a failed first build wrote {}",
        site.out().display()
    );
    run.stderr
}

#[test]
fn an_undefined_value_in_a_site_template_is_an_error_at_its_line() {
    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ page.title }}</h1>\n<p>{{ page.titel }}</p>\n{% endblock %}\n",
    );
    let err = fails(&site);
    assert_located(&err, "templates/page.html", 4, None);
    assert!(err.contains("`page.titel` is undefined"), "{err}");
    // The hint names the keys `page` has, so the typo is easy to spot.
    assert!(err.contains("title"), "{err}");
    assert!(err.contains("description"), "{err}");
}

#[test]
fn the_hint_of_an_undefined_value_in_a_big_map_stays_short() {
    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n{{ site.data.prices.nope }}\n{% endblock %}\n",
    );
    let prices: String = (0..100).map(|i| format!("item{i:03}: {i}\n")).collect();
    site.write("data/prices.yaml", &prices);
    let err = fails(&site);
    assert_located(&err, "templates/page.html", 3, None);
    assert!(
        err.contains("`site.data.prices` has: item000, item001"),
        "{err}"
    );
    assert!(err.contains("and 60 more"), "{err}");
    assert!(!err.contains("item099"), "{err}");
}

#[test]
fn an_undefined_loop_or_filter_input_is_an_error_too() {
    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n{% for t in page.tagz %}{{ t.title }}{% endfor %}\n{% endblock %}\n",
    );
    let err = fails(&site);
    assert_located(&err, "templates/page.html", 3, None);
    assert!(err.contains("`page.tagz` is undefined"), "{err}");
}

#[test]
fn an_optional_value_may_still_be_tested_or_defaulted() {
    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n{% if page.missing %}<p>never</p>{% endif %}\n<p class=\"d\">{{ page.missing | default(\"fallback\") }}</p>\n{% if page.missing is defined %}no{% endif %}\n{% endblock %}\n",
    );
    site.build_ok(&[]);
    assert_eq!(site.html("about/index.html").text("p.d"), "fallback");
}

#[test]
fn every_default_theme_template_renders_strictly() {
    // Every kind of output: lists, tags, theses, drafts, share cards, a base path.
    for fixture in ["english", "watch", "cards", "check-clean"] {
        let site = TestSite::fixture(fixture);
        site.build_ok(&["--drafts", "--base-url", "https://x.github.io/repo/"]);
        site.build_ok(&[]);
    }
    let site = TestSite::fixture("check-findings");
    site.build_ok(&["--drafts"]);
    // Redirect pages and an author with a link.
    let site = TestSite::fixture("english");
    site.edit(GUIDE, |t| {
        t.replacen(
            "title: \"First steps online\"",
            "title: \"First steps online\"\naliases: [\"/old/first/\", \"/old.html\"]\nauthor: { name: Ada, url: \"https://ada.example.org\" }",
            1,
        )
    });
    site.build_ok(&[]);
    assert!(site.has_output("old/first/index.html") && site.has_output("old.html"));
}

#[test]
fn an_unclosed_if_is_reported_where_it_opens() {
    let mut lines: Vec<String> = vec![
        "{% extends \"base.html\" %}".into(),
        "{% block main %}".into(),
        "<article>".into(),
        "{# a comment with {% if %} in it #}".into(),
        "{% raw %}{% for x in y %}{% endraw %}".into(),
        "{% if page.description %}".into(),
    ];
    while lines.len() < 42 {
        lines.push(format!(
            "<p>line {}: {{{{ page.title }}}}</p>",
            lines.len() + 1
        ));
    }
    lines.push("</article>".into());
    lines.push("{% endblock %}".into());
    assert_eq!(lines.len(), 44);
    let site = with_page_template(&(lines.join("\n") + "\n"));
    let err = fails(&site);
    assert_located(&err, "templates/page.html", 6, None);
    assert!(
        !locations(&err, "templates/page.html").contains(&(44, None)),
        "still reported at the end of the file:\n{err}"
    );
    assert!(err.contains("{% endif %}"), "{err}");
}

#[test]
fn an_unclosed_for_inside_a_closed_block_is_found_too() {
    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n{% for t in page.tags %}\n<p>{{ t.title }}</p>\n{% endblock %}\n",
    );
    let err = fails(&site);
    assert_located(&err, "templates/page.html", 3, None);
    assert!(err.contains("{% endfor %}"), "{err}");
}

/// Replaces the first guide's front matter lines (between the `---`) with `yaml`,
/// builds, and returns stderr of the failed build.
fn front_matter_error(yaml: &str) -> String {
    let site = TestSite::fixture("english");
    site.write(GUIDE, &format!("---\n{yaml}---\n\nBody.\n"));
    fails(&site)
}

#[test]
fn a_wrong_type_says_what_the_key_holds() {
    let cases = [
        (
            "title: A\nnumber: tre\n",
            3,
            "`number` is a whole number, like 3",
        ),
        (
            "title: A\ndraft: yes please\n",
            3,
            "`draft` is true or false",
        ),
        ("title: A\ntags: solo\n", 3, "`tags` is a list, like [a, b]"),
        (
            "title: A\ndate: [2024]\n",
            3,
            "`date` is a date, like 2024-03-01",
        ),
        ("title: A\nauthor: 3\n", 3, "`author` is a name, or a group"),
    ];
    for (yaml, line, words) in cases {
        let err = front_matter_error(yaml);
        assert_located(&err, GUIDE, line, None);
        assert!(
            err.contains(words),
            "{yaml:?}: expected {words:?} in\n{err}"
        );
        assert!(!err.contains("invalid type"), "{err}");
    }
}

#[test]
fn a_wrong_type_in_config_yaml_says_it_in_words() {
    let site = TestSite::fixture("english");
    site.edit("config.yaml", |c| {
        c.replace("paginate_by: 10", "paginate_by: ten")
    });
    let err = fails(&site);
    assert_located(&err, "config.yaml", 8, None);
    assert!(err.contains("`paginate_by` is a whole number"), "{err}");
}

#[test]
fn a_tab_says_yaml_indents_with_spaces() {
    for yaml in [
        "title: A\n\tdate: 2024-01-01\n",
        "title: A\nauthor:\n\tname: x\n",
    ] {
        let err = front_matter_error(yaml);
        let line = 2 + yaml.lines().position(|l| l.contains('\t')).unwrap();
        assert_located(&err, GUIDE, line, None);
        assert!(
            err.contains("YAML indents with spaces, not tabs"),
            "{yaml:?}:\n{err}"
        );
    }
}

#[test]
fn an_unclosed_bracket_is_reported_where_it_opens() {
    // `[` on line 5 of the file.
    let err = front_matter_error(
        "title: A\ndate: 2024-01-01\ndescription: x\ntags: [a, b\nimage_alt: c\n",
    );
    assert_located(&err, GUIDE, 5, Some(7));
    assert!(err.contains('['), "{err}");
    assert!(err.contains("quote"), "the hint should say to quote: {err}");
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opens() {
    for yaml in [
        "title: A\ndate: 2024-01-01\ndescription: \"x\nimage_alt: c\n",
        "title: \"A\ndescription: \"b\"\n",
    ] {
        let err = front_matter_error(yaml);
        let line = 2 + yaml
            .lines()
            .position(|l| l.matches('"').count() == 1)
            .unwrap();
        assert_located(&err, GUIDE, line, None);
        assert!(err.contains("quote"), "{yaml:?}:\n{err}");
    }
}

#[test]
fn a_key_written_twice_names_both_lines() {
    let err = front_matter_error("title: A\ndate: 2024-01-01\ntitle: B\n");
    assert_located(&err, GUIDE, 4, None);
    assert!(err.contains("`title`"), "{err}");
    assert!(err.contains("lines 2 and 4"), "{err}");
}

#[test]
fn the_good_yaml_messages_stay() {
    let err = front_matter_error("title: A\ndescripton: x\n");
    assert_located(&err, GUIDE, 3, None);
    assert!(err.contains("did you mean `description`?"), "{err}");
    let err = front_matter_error("date: 2024-01-01\n");
    assert!(err.contains("the key `title` is missing"), "{err}");
    let err = front_matter_error("title: Social media: who is it for?\n");
    assert_located(&err, GUIDE, 2, Some(20));
    assert!(err.contains("quoted"), "{err}");
}

/// The `?v=` of the stylesheet link on a page of the output.
fn css_version(site: &TestSite, page: &str) -> String {
    let href = site.html(page).attr("link[rel=stylesheet]", "href");
    let (path, version) = href
        .split_once("?v=")
        .unwrap_or_else(|| panic!("{page}: the stylesheet is not fingerprinted: {href}"));
    assert!(
        site.has_output(path.trim_start_matches('/')),
        "{path} is not in the output"
    );
    assert!(!version.is_empty() && version.chars().all(|c| c.is_ascii_hexdigit()));
    version.to_string()
}

#[test]
fn the_default_theme_links_fingerprinted_assets() {
    let site = TestSite::fixture("english");
    site.build_ok(&[]);
    let before = css_version(&site, "index.html");
    assert_eq!(css_version(&site, "guides/first-steps/index.html"), before);
    let guide = site.html("guides/first-steps/index.html");
    let script = guide.attr("script[src]", "src");
    assert!(script.starts_with("/piazza.js?v="), "{script}");
    for icon in guide.attrs("link[rel=icon], link[rel=apple-touch-icon]", "href") {
        let (path, _) = icon.split_once("?v=").expect("icon fingerprinted");
        assert!(site.has_output(&path[1..]), "{icon}");
    }
    // Same bytes, same URL.
    site.build_ok(&[]);
    assert_eq!(css_version(&site, "index.html"), before);
    // The site's own static/style.css replaces the theme's, and its hash is used.
    site.write("static/style.css", "body { color: red }\n");
    site.build_ok(&[]);
    let after = css_version(&site, "index.html");
    assert_ne!(after, before);
    assert_eq!(site.output("style.css"), "body { color: red }\n");
}

#[test]
fn asset_urls_carry_the_base_path() {
    let site = TestSite::fixture("english");
    site.build_ok(&["--base-url", "https://x.github.io/repo/"]);
    let href = site.html("index.html").attr("link[rel=stylesheet]", "href");
    assert!(href.starts_with("/repo/style.css?v="), "{href}");
}

#[test]
fn asset_in_a_site_template_and_its_mistakes() {
    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n<img class=\"logo\" src=\"{{ asset('images/logo.svg') }}\">\n{% endblock %}\n",
    );
    site.write(
        "static/images/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    site.build_ok(&[]);
    let src = site.html("about/index.html").attr("img.logo", "src");
    assert!(src.starts_with("/images/logo.svg?v="), "{src}");
    site.write(
        "static/images/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
    );
    site.build_ok(&[]);
    assert_ne!(site.html("about/index.html").attr("img.logo", "src"), src);

    let site = with_page_template(
        "{% extends \"base.html\" %}\n{% block main %}\n\n<img src=\"{{ asset('images/nope.svg') }}\">\n{% endblock %}\n",
    );
    let err = fails(&site);
    assert_located(&err, "templates/page.html", 4, None);
    assert!(err.contains("images/nope.svg"), "{err}");
}

/// The fingerprint of `style.css` in a page of `out`.
fn css_in(out: &Path, page: &str) -> String {
    let doc = common::Doc::open(&out.join(page));
    doc.attr("link[rel=stylesheet]", "href")
}

#[test]
fn watch_mode_gives_pages_the_new_hash_and_serve_swaps_css_only() {
    let site = TestSite::fixture("english");
    let out = site.tmp().join("watched");
    let mut rebuilder = Rebuilder::new(site.root(), &out, SiteOptions::default(), false).unwrap();
    rebuilder.rebuild().unwrap();
    let before = css_in(&out, "guides/first-steps/index.html");
    site.write("static/style.css", "body { color: blue }\n");
    let report = rebuilder
        .rebuild_after(&[site.path("static/style.css")])
        .unwrap();
    let after = css_in(&out, "guides/first-steps/index.html");
    assert_ne!(after, before, "the page kept the old hash");
    assert!(report.written.iter().any(|w| w.ends_with(".html")));
    // An incremental rebuild equals a full build.
    let full = site.tmp().join("full");
    piazza::cli::build(site.root(), &full, &SiteOptions::default(), false, true).unwrap();
    let files = |dir: &Path| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        common::walk(dir)
            .into_iter()
            .filter(|p| !p.ends_with(".piazza-output"))
            .map(|p| {
                (
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect()
    };
    assert!(
        files(&out) == files(&full),
        "the rebuilt output differs from a full build"
    );

    // The live preview links plain URLs, so a stylesheet edit rewrites only the
    // stylesheet and open pages swap it without a reload.
    let preview = site.tmp().join("preview");
    let options = SiteOptions {
        preview: true,
        ..SiteOptions::default()
    };
    let mut rebuilder = Rebuilder::new(site.root(), &preview, options, false).unwrap();
    rebuilder.rebuild().unwrap();
    assert_eq!(css_in(&preview, "index.html"), "/style.css");
    site.write("static/style.css", "body { color: green }\n");
    let report = rebuilder
        .rebuild_after(&[site.path("static/style.css")])
        .unwrap();
    assert_eq!(report.written, vec!["style.css".to_string()]);
    assert!(report.css_only());
}
