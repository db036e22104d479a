//! Shortcodes: mistakes in a call stop the build at the call with a guess, a site's or
//! theme's own shortcode templates render inline, as a block and with a Markdown body,
//! and the default theme's youtube, cta and figure make no request to another host.

mod common;

use common::{assert_located, TestSite};

const GUIDE: &str = "content/guides/first-steps.md";

/// The English fixture with the first guide's body replaced by `body` (starting on
/// file line 5).
fn site_with(body: &str) -> TestSite {
    let site = TestSite::fixture("english");
    site.write(
        GUIDE,
        &format!("---\ntitle: \"First steps\"\n---\n\n{body}\n"),
    );
    site
}

/// Builds, expects exit code 1 and no output, and returns stderr.
fn fails(site: &TestSite) -> String {
    let run = site.build(&[]).code(1);
    assert!(
        !site.out().join("index.html").exists(),
        "a failed build wrote output"
    );
    run.stderr
}

#[test]
fn malformed_shortcodes_are_errors_at_the_call_with_a_guess() {
    let cases: &[(&str, Option<&str>)] = &[
        ("{{ thesis(1) }", Some("did you mean `{{ thesis(1) }}`?")),
        ("{{thesis 1}}", Some("did you mean `{{ thesis(1) }}`?")),
        ("{{ thesys(1) }}", Some("did you mean `{{ thesis(1) }}`?")),
        ("{{ tesy(1) }}", Some("did you mean `{{ tesi(1) }}`?")),
        ("{{ thesis() }}", None),
        ("{{ thesis(abc) }}", None),
        ("{{ thesis(1) ", Some("did you mean `{{ thesis(1) }}`?")),
    ];
    for (call, guess) in cases {
        let site = site_with(&format!("Read this: {call} and more."));
        let err = fails(&site);
        assert_located(&err, GUIDE, 5, Some(12));
        assert!(err.contains("help:"), "no hint for {call}: {err}");
        if let Some(guess) = guess {
            assert!(err.contains(guess), "no guess for {call}: {err}");
        }
    }
}

#[test]
fn escaped_braces_and_code_are_never_shortcodes() {
    let site = site_with(
        "Write \\{\\{ thesis(1) }} to quote.\n\nOr `{{ thesys(1) }` in code.\n\n```\n{{ anything(at all\n```\n",
    );
    site.build_ok(&[]);
    let doc = site.html("guides/first-steps/index.html");
    let text = doc.text("article");
    assert!(text.contains("Write {{ thesis(1) }} to quote."), "{text}");
    assert_eq!(doc.text("p code"), "{{ thesys(1) }");
    assert!(doc.text("pre code").contains("{{ anything(at all"));
}

const BADGE: &str = "{# args: label, tone=\"info\", n=1 #}\n<span class=\"badge badge-{{ tone }}\" data-n=\"{{ n }}\">{{ label }} *not emphasis*</span>\n";
const NOTE: &str =
    "{# args: title #}\n<aside class=\"note\"><h3>{{ title }}</h3>{{ body }}</aside>\n";

#[test]
fn site_shortcodes_render_inline_as_a_block_and_with_a_body() {
    let site = site_with(
        "Inline {{ badge(label=\"New\", n=3) }} here.\n\n{{ badge(label=\"<b>Big</b>\", tone='warn') }}\n\n{% note(title=\"Tip & trick\") %}\nA **bold** body with [a link](@/about.md) and {{ badge(label=\"in\") }}.\n{% end %}\n\nAfter.",
    );
    site.write("templates/shortcodes/badge.html", BADGE);
    site.write("templates/shortcodes/note.html", NOTE);
    site.build_ok(&[]);
    let doc = site.html("guides/first-steps/index.html");
    // Inline: inside the sentence's paragraph, arguments and defaults filled in.
    assert_eq!(doc.count("p > span.badge-info[data-n=\"3\"]"), 1);
    assert!(
        doc.texts("p")
            .iter()
            .any(|t| t == "Inline New *not emphasis* here."),
        "{:?}",
        doc.texts("p")
    );
    // Output is not Markdown: the stars stay.
    assert!(doc
        .text("span.badge-info[data-n=\"3\"]")
        .contains("*not emphasis*"));
    assert_eq!(doc.count("article em"), 0);
    // Block: replaces its paragraph; the argument is escaped, not HTML.
    let block = doc.one("span.badge-warn");
    assert_eq!(doc.count("p > span.badge-warn"), 0);
    assert_eq!(block.text().next().unwrap(), "<b>Big</b> *not emphasis*");
    assert_eq!(doc.count("article b"), 0);
    // A body: rendered as Markdown, with links and shortcodes of its own.
    assert_eq!(doc.text("aside.note h3"), "Tip & trick");
    assert_eq!(doc.text("aside.note strong"), "bold");
    assert_eq!(doc.attr("aside.note a", "href"), "/about/");
    assert_eq!(doc.count("aside.note span.badge-info"), 1);
    assert_eq!(doc.count("p aside"), 0);
    assert!(doc.text("article").contains("After."));
}

#[test]
fn a_theme_shortcode_is_found_and_a_site_one_replaces_it() {
    let site = site_with("{{ badge(label=\"x\") }}\n\n{{ hello() }}");
    site.edit("config.yaml", |c| format!("{c}theme: mine\n"));
    site.write(
        "themes/mine/templates/shortcodes/hello.html",
        "{# args: #}\n<p class=\"hello\">theme hello</p>\n",
    );
    site.write(
        "themes/mine/templates/shortcodes/badge.html",
        "{# args: label #}\n<p class=\"theme-badge\">{{ label }}</p>\n",
    );
    site.write("templates/shortcodes/badge.html", BADGE);
    site.build_ok(&[]);
    let doc = site.html("guides/first-steps/index.html");
    assert_eq!(doc.text("p.hello"), "theme hello");
    assert_eq!(doc.count(".theme-badge"), 0);
    assert_eq!(doc.count("span.badge-info"), 1);
}

#[test]
fn shortcode_arguments_are_checked_at_the_call() {
    let cases: &[(&str, &[&str])] = &[
        (
            "{{ badge(lable=\"x\") }}",
            &[
                "lable",
                "did you mean `label`",
                "templates/shortcodes/badge.html",
            ],
        ),
        (
            "{{ badge(tone=\"x\") }}",
            &["label", "templates/shortcodes/badge.html"],
        ),
        ("{{ badge(label=New) }}", &["label", "\"New\""]),
        ("{{ badge(label=\"x\", label=\"y\") }}", &["label", "twice"]),
        (
            "{{ badg(label=\"x\") }}",
            &["did you mean `{{ badge(label=\"x\") }}`?"],
        ),
        ("{% badge(label=\"x\") %}\nbody\n", &["{% end %}"]),
    ];
    for (call, words) in cases {
        let site = site_with(&format!("Here: {call}"));
        site.write("templates/shortcodes/badge.html", BADGE);
        let err = fails(&site);
        let column = if call.starts_with("{%") { 1 } else { 7 };
        if call.starts_with("{%") {
            // A call with a body stands on its own line.
            site.write(
                GUIDE,
                &format!("---\ntitle: \"First steps\"\n---\n\n{call}"),
            );
            let err = fails(&site);
            assert_located(&err, GUIDE, 5, Some(column));
            for w in *words {
                assert!(err.contains(w), "`{w}` missing for {call}: {err}");
            }
            continue;
        }
        assert_located(&err, GUIDE, 5, Some(column));
        for w in *words {
            assert!(err.contains(w), "`{w}` missing for {call}: {err}");
        }
    }
}

#[test]
fn a_bad_argument_declaration_names_the_template() {
    let site = site_with("Hi.");
    site.write(
        "templates/shortcodes/badge.html",
        "{# args: label=nope #}\n<span>{{ label }}</span>\n",
    );
    let err = fails(&site);
    assert_located(&err, "templates/shortcodes/badge.html", 1, None);
}

#[test]
fn theme_embeds_make_no_request_to_another_host() {
    let site = site_with(
        "{{ youtube(id=\"dQw4w9WgXcQ\", title=\"Our shop tour\") }}\n\n{{ cta(url=\"@/about.md\", label=\"Meet us\", text=\"Ten minutes, no strings.\") }}\n\n{{ figure(src=\"/images/shop.png\", alt=\"The shop window\", caption=\"Our window in May\") }}",
    );
    site.write_bytes("static/images/shop.png", common::PNG_3X2);
    site.build_ok(&["--base-url", "https://x.github.io/repo/"]);
    let doc = site.html("guides/first-steps/index.html");
    assert_eq!(doc.count("iframe"), 0);
    for css in ["img", "script", "iframe", "source", "video", "link"] {
        for src in doc
            .attrs(css, "src")
            .into_iter()
            .chain(doc.attrs(css, "href"))
        {
            assert!(
                !src.contains("//") || src.starts_with("https://x.github.io/"),
                "{css} loads {src} before any click"
            );
        }
    }
    // youtube: a button that loads the privacy-enhanced player, and a plain link.
    let button = doc.one("button[data-youtube]");
    assert_eq!(button.value().attr("data-youtube"), Some("dQw4w9WgXcQ"));
    assert!(common::text_of(button).contains("Our shop tour"));
    assert_eq!(
        doc.attr(".video a", "href"),
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    );
    let js = site.output("piazza.js");
    assert!(
        js.contains("https://www.youtube-nocookie.com/embed/"),
        "{js}"
    );
    // cta: the link resolves like links in the text.
    assert_eq!(doc.attr(".cta a", "href"), "/repo/about/");
    assert_eq!(doc.text(".cta a"), "Meet us");
    assert_eq!(doc.text(".cta p"), "Ten minutes, no strings.");
    // figure: the image under the base path, with its size, alt text and caption.
    assert_eq!(doc.attr("figure img", "src"), "/repo/images/shop.png");
    assert_eq!(doc.attr("figure img", "alt"), "The shop window");
    assert_eq!(doc.attr("figure img", "width"), "3");
    assert_eq!(doc.attr("figure img", "height"), "2");
    assert_eq!(doc.text("figure figcaption"), "Our window in May");
}

#[test]
fn a_bad_youtube_id_is_an_error_at_the_call() {
    for id in [
        "dQw4w9WgXc",
        "dQw4w9WgXc\\\"",
        "https://youtu.be/dQw4w9WgXcQ",
    ] {
        let site = site_with(&format!("{{{{ youtube(id=\"{id}\") }}}}"));
        let err = fails(&site);
        assert_located(&err, GUIDE, 5, Some(1));
        assert!(err.contains("11"), "{err}");
    }
}

#[test]
fn editing_a_shortcode_template_rerenders_the_pages_that_use_it() {
    let site = site_with("{{ badge(label=\"One\") }}");
    site.write("templates/shortcodes/badge.html", BADGE);
    let out = site.tmp().join("live");
    let mut rebuilder = piazza::watch::Rebuilder::new(
        site.root(),
        &out,
        piazza::site::SiteOptions::default(),
        false,
    )
    .unwrap();
    rebuilder.rebuild().unwrap();
    let template = site.path("templates/shortcodes/badge.html");
    std::fs::write(&template, BADGE.replace("class=\"badge", "class=\"pill")).unwrap();
    let r = rebuilder
        .rebuild_after(std::slice::from_ref(&template))
        .unwrap();
    assert_eq!(r.written, ["guides/first-steps/index.html"], "{r:?}");
    let doc = common::Doc::open(&out.join("guides/first-steps/index.html"));
    assert_eq!(doc.count("span.pill"), 1);
}

#[test]
fn check_finds_shortcode_mistakes_without_building() {
    let site = site_with("Text.\n\n{% badge(lable=\"x\") %}\nBody.\n{% end %}");
    site.write("templates/shortcodes/badge.html", BADGE);
    let run = common::piazza_str(
        &["check", "--site", site.root().to_str().unwrap()],
        site.tmp(),
    )
    .code(1);
    assert_located(&run.stderr, GUIDE, 7, Some(1));
    assert!(
        run.stderr.contains("did you mean `label`"),
        "{}",
        run.stderr
    );
    assert!(!site.out().exists());
}

#[test]
fn replacing_a_figure_image_in_watch_mode_updates_its_size() {
    let site = site_with("{{ figure(src=\"/images/shop.png\", alt=\"Shop\") }}");
    site.write_bytes("static/images/shop.png", common::PNG_3X2);
    let out = site.tmp().join("live");
    let mut rebuilder = piazza::watch::Rebuilder::new(
        site.root(),
        &out,
        piazza::site::SiteOptions::default(),
        false,
    )
    .unwrap();
    rebuilder.rebuild().unwrap();
    let page = out.join("guides/first-steps/index.html");
    assert_eq!(common::Doc::open(&page).attr("figure img", "width"), "3");
    let image = site.path("static/images/shop.png");
    std::fs::write(&image, common::PNG_2X2).unwrap();
    rebuilder
        .rebuild_after(std::slice::from_ref(&image))
        .unwrap();
    assert_eq!(common::Doc::open(&page).attr("figure img", "width"), "2");
}

#[test]
fn theme_blocks_inside_a_sentence_are_errors_at_the_call() {
    for call in [
        "{{ youtube(id=\"dQw4w9WgXcQ\") }}",
        "{{ cta(url=\"/\", label=\"Go\") }}",
        "{{ figure(src=\"/a.png\", alt=\"A\") }}",
    ] {
        let site = site_with(&format!("Look: {call} here."));
        let err = fails(&site);
        assert_located(&err, GUIDE, 5, Some(7));
        assert!(err.contains("line of its own"), "{err}");
    }
}
