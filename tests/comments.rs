//! Readers' comments: what a page shows, what never leaves the moderation queue, how
//! hostile text comes out, and the moderation and import commands.

mod common;

use std::path::Path;

use common::{piazza_str, walk, TestSite};

const GUIDE: &str = "guides/aperti/index.html";

fn built() -> TestSite {
    let site = TestSite::fixture("comments");
    site.build_ok(&[]);
    site
}

#[test]
fn comments_show_in_date_order_with_replies_one_level_deep() {
    let site = built();
    let doc = site.html(GUIDE);
    assert_eq!(doc.text("#comments-title"), "4 commenti");
    let top: Vec<String> = doc
        .all(".comment-list > li > article")
        .iter()
        .map(|e| e.value().attr("id").unwrap().to_string())
        .collect();
    assert_eq!(
        top,
        [
            "comment-2026-01-11-0900-bbbb0002",
            "comment-2026-01-12-0800-aaaa0001"
        ]
    );
    // The reply and the reply to the reply are both under Paolo's first comment.
    let replies: Vec<String> = doc
        .all(".comment-list > li:first-child .comment-replies article")
        .iter()
        .map(|e| e.value().attr("id").unwrap().to_string())
        .collect();
    assert_eq!(
        replies,
        [
            "comment-2026-01-13-1000-cccc0003",
            "comment-2026-01-14-1100-dddd0004"
        ]
    );
    assert_eq!(
        doc.attr(
            "#comment-2026-01-11-0900-bbbb0002 .comment-permalink",
            "href"
        ),
        "#comment-2026-01-11-0900-bbbb0002"
    );
    assert_eq!(
        doc.text("#comment-2026-01-12-0800-aaaa0001 time"),
        "12 gennaio 2026"
    );
    let author = doc.one("#comment-2026-01-12-0800-aaaa0001 .comment-author a");
    assert_eq!(
        author.value().attr("href"),
        Some("https://giulia.example.net/")
    );
    assert_eq!(author.value().attr("rel"), Some("nofollow ugc noopener"));
    let link = doc.one("#comment-2026-01-12-0800-aaaa0001 .comment-body a");
    assert_eq!(link.value().attr("rel"), Some("nofollow ugc noopener"));
    assert_eq!(
        doc.text("#comment-2026-01-12-0800-aaaa0001 .comment-body strong"),
        "grazie"
    );

    // A thesis takes comments too; one comment is "1 commento"; emoji and & survive.
    let thesis = site.html("theses/01-ascoltare/index.html");
    assert_eq!(thesis.text("#comments-title"), "1 commento");
    assert_eq!(thesis.text(".comment-author"), "Chiara 🌿 Bianchi");
    assert!(thesis.text(".comment-body").contains("Caffè & pazienza."));
    // `comments: false` and standalone pages have none.
    assert_eq!(
        site.html("guides/chiusa/index.html")
            .count("#comments, form"),
        0
    );
    assert_eq!(
        site.html("chi-siamo/index.html").count("#comments, form"),
        0
    );
}

#[test]
fn the_form_works_without_javascript_in_the_site_language() {
    let site = built();
    let doc = site.html(GUIDE);
    let form = "#comments > form.comment-form";
    assert_eq!(doc.attr(form, "method"), "post");
    assert_eq!(
        doc.attr(form, "action"),
        "https://ricevi.example.org/commenti"
    );
    let label = |field: &str| doc.text(&format!("{form} label[for=comment-{field}]"));
    assert_eq!(label("name"), "Nome *");
    assert_eq!(label("email"), "Email *");
    assert_eq!(label("website"), "Sito web");
    assert_eq!(label("body"), "Commento *");
    for required in ["name", "email", "body"] {
        assert_eq!(
            doc.count(&format!("{form} [name={required}][required]")),
            1,
            "{required}"
        );
    }
    assert_eq!(doc.count(&format!("{form} [name=website][required]")), 0);
    assert_eq!(
        doc.text(&format!("{form} #comment-email-note")),
        "L'indirizzo email non verrà pubblicato."
    );
    assert_eq!(
        doc.attr(&format!("{form} [name=page]"), "value"),
        "/guides/aperti/"
    );
    assert_eq!(
        doc.attr(&format!("{form} .comment-hp input"), "name"),
        "fax"
    );
    assert_eq!(
        doc.attr(&format!("{form} .comment-hp input"), "tabindex"),
        "-1"
    );
    let token = doc.attr(&format!("{form} [name=token]"), "value");
    assert!(token.contains('-'), "{token}");
    assert_eq!(
        doc.text(&format!("{form} button[type=submit]")),
        "Invia il commento"
    );
    // Each top-level comment has its reply form, naming what it answers.
    assert_eq!(doc.count(".comment-reply form [name=reply_to]"), 2);
    assert_eq!(
        doc.text(".comment-list > li:first-child .comment-reply summary"),
        "Rispondi a Paolo Verdi"
    );
    // The thanks page the endpoint sends readers to, in Italian, out of search results.
    let thanks = site.html("comments/thanks/index.html");
    assert_eq!(thanks.text("h1"), "Grazie del tuo commento");
    assert_eq!(thanks.meta_name("robots"), "noindex");
    assert!(!site.output("sitemap.xml").contains("/comments/thanks/"));
}

#[test]
fn json_ld_counts_and_lists_comments() {
    let site = built();
    let doc = site.html(GUIDE);
    let json: serde_json::Value =
        serde_json::from_str(&doc.raw_text("script[type='application/ld+json']")).unwrap();
    let main = &json["@graph"][0];
    assert_eq!(main["commentCount"], 4);
    let comments = main["comment"].as_array().unwrap();
    assert_eq!(comments.len(), 4);
    assert_eq!(comments[0]["@type"], "Comment");
    assert_eq!(comments[0]["author"]["name"], "Paolo Verdi");
    assert_eq!(
        comments[0]["url"],
        "https://commenti.example.org/blog/guides/aperti/#comment-2026-01-11-0900-bbbb0002"
    );
    assert_eq!(
        comments[2]["parentItem"]["@id"],
        "https://commenti.example.org/blog/guides/aperti/#comment-2026-01-11-0900-bbbb0002"
    );
}

/// Every email address written anywhere in `dir`'s files.
fn emails_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in walk(dir) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for word in text.split(|c: char| c.is_whitespace() || "\"'<>()[],:;".contains(c)) {
            if let Some((local, domain)) = word.split_once('@') {
                if !local.is_empty() && domain.contains('.') {
                    found.push(word.trim_end_matches('.').to_lowercase());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn assert_no_email_published(site: &TestSite, emails: &[String]) {
    for file in walk(&site.out()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for e in emails {
            assert!(!text.contains(e.as_str()), "{e} is in {}", file.display());
        }
    }
}

#[test]
fn no_email_of_the_fixture_reaches_the_output() {
    let site = TestSite::fixture("comments");
    let emails = emails_in(site.root());
    assert!(
        emails.len() >= 2,
        "the fixture has emails to look for: {emails:?}"
    );
    site.build_ok(&[]);
    assert_no_email_published(&site, &emails);
    // Approving publishes the comment, never its email.
    let run = piazza_str(
        &[
            "comments",
            "approve",
            "2026-01-15-0930-abcd1234",
            "--site",
            site.root().to_str().unwrap(),
        ],
        site.tmp(),
    )
    .success();
    assert!(
        run.stdout
            .contains("comments/guides/aperti/2026-01-15-0930-abcd1234.yaml"),
        "{}",
        run.stdout
    );
    let published = site.read("comments/guides/aperti/2026-01-15-0930-abcd1234.yaml");
    assert!(!published.contains("email"), "{published}");
    assert!(!published.contains("sara.gialli"), "{published}");
    site.build_ok(&[]);
    assert_eq!(site.html(GUIDE).text("#comments-title"), "5 commenti");
    assert_no_email_published(&site, &emails);
}

#[test]
fn hostile_comments_come_out_inert() {
    let site = built();
    let doc = site.html("guides/ostile/index.html");
    let comments = doc.one("#comments");
    let html = comments.html();
    let inside = |css: &str| {
        let sel = scraper::Selector::parse(css).unwrap();
        comments.select(&sel).count()
    };
    assert_eq!(
        inside("script, img, iframe, [onerror], [onclick]"),
        0,
        "{html}"
    );
    // The page's only scripts are the theme's own and JSON-LD.
    for s in doc.all("script") {
        let ok = s.value().attr("type") == Some("application/ld+json")
            || s.value()
                .attr("src")
                .is_some_and(|src| src.contains("piazza.js"));
        assert!(ok, "unexpected script {}", s.html());
    }
    let sel = scraper::Selector::parse(".comment-body a").unwrap();
    for a in comments.select(&sel) {
        let href = a.value().attr("href").unwrap_or("");
        assert!(
            href.starts_with("https://") || href.starts_with("http://"),
            "{href}"
        );
        assert_eq!(a.value().attr("rel"), Some("nofollow ugc noopener"));
    }
    // The text is shown as text: the reader sees what was written.
    assert_eq!(
        doc.text(".comment-author"),
        "\"><script>alert('nome')</script>"
    );
    assert!(doc
        .text(".comment-body")
        .contains("<script>alert('corpo')</script>"));
    assert!(doc.text(".comment-body").contains("Clicca qui"));
    // The comments section is whole: the closing tags in a body closed nothing.
    assert_eq!(doc.count("#comments > form"), 1);
}

#[test]
fn a_published_comment_with_an_email_or_a_bad_value_stops_the_build() {
    let site = TestSite::fixture("comments");
    site.write(
        "comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml",
        "author: Anna\ndate: 2026-01-20T10:00:00Z\nemail: anna@example.com\nbody: ciao\n",
    );
    let run = site.build(&[]).code(1);
    common::assert_located(
        &run.stderr,
        "comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml",
        3,
        None,
    );
    assert!(
        run.stderr.contains("must not hold an email"),
        "{}",
        run.stderr
    );
    assert!(!site.out().exists());

    site.write(
        "comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml",
        "author: Anna\ndate: ieri\nbody: ciao\n",
    );
    let run = site.build(&[]).code(1);
    common::assert_located(
        &run.stderr,
        "comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml",
        2,
        None,
    );

    site.write(
        "comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml",
        "author: Anna\ndate: 2026-01-20T10:00:00Z\nwebsite: javascript:alert(1)\nbody: ciao\n",
    );
    let run = site.build(&[]).code(1);
    common::assert_located(
        &run.stderr,
        "comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml",
        3,
        None,
    );

    // A comment for a page that is not published is a warning, not shown.
    std::fs::remove_file(site.path("comments/guides/aperti/2026-01-20-1000-aaaa9999.yaml"))
        .unwrap();
    site.write(
        "comments/guides/sparita/2026-01-20-1000-aaaa9999.yaml",
        "author: A\ndate: 2026-01-20\nbody: x\n",
    );
    let run = site.build(&[]).success();
    assert!(
        run.stderr
            .contains("comments/guides/sparita/2026-01-20-1000-aaaa9999.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn comments_need_an_endpoint() {
    let site = TestSite::fixture("comments");
    site.edit("config.yaml", |c| {
        c.replace("  endpoint: \"https://ricevi.example.org/commenti\"\n", "")
    });
    let run = site.build(&[]).code(1);
    assert!(run.stderr.contains("comments.endpoint"), "{}", run.stderr);
    common::assert_located(&run.stderr, "config.yaml", 5, None);
}

fn comments_cmd(site: &TestSite, args: &[&str]) -> common::Run {
    let mut all = vec!["comments"];
    all.extend_from_slice(args);
    all.extend(["--site", site.root().to_str().unwrap()]);
    piazza_str(&all, site.tmp())
}

#[test]
fn list_reject_and_erase() {
    let site = TestSite::fixture("comments");
    let list = comments_cmd(&site, &["list"]).success();
    assert!(
        list.stdout.contains("2026-01-15-0930-abcd1234"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout.contains("sara.gialli@posta.example.com"),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("2 waiting"), "{}", list.stdout);

    comments_cmd(&site, &["reject", "2026-01-15-0930-abcd1234"]).success();
    assert!(!site
        .path("comments-pending/2026-01-15-0930-abcd1234.yaml")
        .exists());
    let again = comments_cmd(&site, &["reject", "2026-01-15-0930-abcd1234"]).code(1);
    assert!(
        again
            .stderr
            .contains("no comment `2026-01-15-0930-abcd1234`"),
        "{}",
        again.stderr
    );
    comments_cmd(&site, &["approve", "../../etc/passwd"]).code(1);

    // Erasure finds the person however the address is capitalised, pending and published.
    let erased = comments_cmd(&site, &["erase", "PAOLO.verdi@esempio.example.it"]).success();
    assert!(
        erased.stdout.contains("erased 1 waiting and 2 published"),
        "{}",
        erased.stdout
    );
    assert!(!site
        .path("comments-pending/2026-01-16-1015-beef5678.yaml")
        .exists());
    assert!(!site
        .path("comments/guides/aperti/2026-01-11-0900-bbbb0002.yaml")
        .exists());
    assert!(!site
        .path("comments/guides/aperti/2026-01-14-1100-dddd0004.yaml")
        .exists());
    assert!(site
        .path("comments/guides/aperti/2026-01-12-0800-aaaa0001.yaml")
        .exists());
    assert_eq!(
        std::fs::read_dir(site.path("comments-pending/approved"))
            .unwrap()
            .count(),
        0
    );
    site.build_ok(&[]);
    let doc = site.html(GUIDE);
    // Paolo is gone; the editors' reply to him stands on its own.
    assert_eq!(doc.text("#comments-title"), "2 commenti");
    assert!(!doc
        .texts(".comment-author")
        .iter()
        .any(|a| a == "Paolo Verdi"));
    let list = comments_cmd(&site, &["list"]).success();
    assert!(
        list.stdout.contains("no comments await moderation"),
        "{}",
        list.stdout
    );
}

#[test]
fn imports_netlify_json_and_formspree_csv() {
    let site = TestSite::fixture("comments");
    std::fs::remove_dir_all(site.path("comments-pending")).unwrap();
    let netlify = site.tmp().join("netlify.json");
    std::fs::write(
        &netlify,
        r#"[
  {"number": 1, "created_at": "2026-02-01T10:00:00.000Z",
   "data": {"name": "Elisa", "email": "elisa@netlify.example.org", "body": "Dal modulo di Netlify",
            "page": "/guides/aperti/", "fax": "", "referrer": "https://commenti.example.org/blog/guides/aperti/"}},
  {"number": 2, "created_at": "2026-02-01T11:00:00.000Z",
   "data": {"name": "Bot", "email": "bot@spam.example.org", "body": "compra", "page": "/guides/aperti/", "fax": "pieno"}}
]"#,
    )
    .unwrap();
    let run = comments_cmd(&site, &["import", netlify.to_str().unwrap()]).success();
    assert!(
        run.stdout.contains("queued 1 comments (1 skipped"),
        "{}",
        run.stdout
    );
    // The same file again queues nothing new.
    let run = comments_cmd(&site, &["import", netlify.to_str().unwrap()]).success();
    assert!(run.stdout.contains("queued 0 comments"), "{}", run.stdout);

    let csv = site.tmp().join("formspree.csv");
    std::fs::write(
        &csv,
        "name,email,message,page,_gotcha,_date\n\
         Franco,franco@formspree.example.org,\"Riga uno,\nriga due\",https://commenti.example.org/blog/theses/01-ascoltare/,,2026-02-02 08:00:00 UTC\n",
    )
    .unwrap();
    comments_cmd(&site, &["import", csv.to_str().unwrap()]).success();
    let list = comments_cmd(&site, &["list"]).success().stdout;
    assert!(list.contains("franco@formspree.example.org"), "{list}");
    assert!(list.contains("/theses/01-ascoltare/"), "{list}");
    assert!(list.contains("2026-02-02T08:00:00"), "{list}");

    // One bad record: nothing of the file is queued, and the error names its line.
    let bad = site.tmp().join("bad.csv");
    std::fs::write(
        &bad,
        "name,email,message,page\nNina,nina@x.example.org,buono,/guides/aperti/\nOlga,olga@x.example.org,altrove,/guides/non-esiste/\n",
    )
    .unwrap();
    let run = comments_cmd(&site, &["import", bad.to_str().unwrap()]).code(1);
    assert!(
        run.stderr.contains("bad.csv:3: `/guides/non-esiste/`"),
        "{}",
        run.stderr
    );
    let list = comments_cmd(&site, &["list"]).success().stdout;
    assert!(!list.contains("nina@"), "{list}");
}

#[test]
fn hosted_providers_shape_the_form() {
    let site = TestSite::fixture("comments");
    site.edit("config.yaml", |c| {
        c.replace(
            "  endpoint: \"https://ricevi.example.org/commenti\"\n",
            "  provider: netlify\n",
        )
    });
    site.build_ok(&[]);
    let doc = site.html(GUIDE);
    let form = "#comments > form";
    assert_eq!(doc.attr(form, "data-netlify"), "true");
    assert_eq!(doc.attr(form, "data-netlify-honeypot"), "fax");
    assert_eq!(doc.attr(form, "action"), "/blog/comments/thanks/");
    assert_eq!(
        doc.attr(&format!("{form} [name=form-name]"), "value"),
        "comments"
    );
    assert_eq!(doc.count(&format!("{form} [name=token]")), 0);

    site.edit("config.yaml", |c| {
        c.replace(
            "  provider: netlify\n",
            "  provider: formspree\n  endpoint: \"https://formspree.io/f/abcd\"\n",
        )
    });
    site.build_ok(&[]);
    let doc = site.html(GUIDE);
    assert_eq!(doc.attr(form, "action"), "https://formspree.io/f/abcd");
    assert_eq!(
        doc.attr(&format!("{form} .comment-hp input"), "name"),
        "_gotcha"
    );
    assert_eq!(
        doc.attr(&format!("{form} [name=_next]"), "value"),
        "https://commenti.example.org/blog/comments/thanks/"
    );
}
