//! Link schemes and config URLs: what becomes a live link, and where config URLs point.
//!
//! Without `markdown.unsafe_html`, a Markdown link or image whose URL a browser would
//! run (`javascript:`, `vbscript:`, `file:`, `data:` other than images) is dropped and
//! its text kept, however the scheme is spelled. URLs in config.yaml (author, share
//! image, card logo) accept only http(s), mailto:, a site path or an `@/` link, and
//! resolve like links in content: base path on pages, absolute in share metadata.

mod common;

use common::{assert_located, TestSite};
use serde_json::Value;

/// A site without share cards (quicker), with `config` added to config.yaml and the
/// files given.
fn site(config: &str, files: &[(&str, &str)]) -> TestSite {
    let site = TestSite::empty();
    site.write(
        "config.yaml",
        &format!(
            "title: \"Links\"\nbase_url: \"https://links.example.org\"\nlanguage: en\nsocial: {{ card: {{ enabled: false }} }}\n{config}"
        ),
    );
    site.write(
        "content/about.md",
        "---\ntitle: \"About\"\ndescription: \"Who we are.\"\n---\nWe write guides.\n",
    );
    site.write(
        "content/guides/_index.md",
        "---\ntitle: \"Guides\"\ndescription: \"All guides.\"\n---\n",
    );
    for (rel, text) in files {
        site.write(rel, text);
    }
    site
}

/// A guide with `front` added to its front matter and `body` as its text.
fn guide(front: &str, body: &str) -> String {
    format!("---\ntitle: \"A guide\"\ndescription: \"A test guide.\"\ndate: 2026-01-02\n{front}---\n{body}")
}

/// Whether a browser would run `url` or treat it as a document of its own: the scheme
/// as a browser reads it (ASCII whitespace and controls removed, any case).
fn dangerous(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| *c > ' ')
        .collect::<String>()
        .to_ascii_lowercase();
    let image = ["png", "gif", "jpeg", "webp"]
        .iter()
        .any(|t| squeezed.starts_with(&format!("data:image/{t}")));
    !image
        && ["javascript:", "vbscript:", "file:", "data:"]
            .iter()
            .any(|s| squeezed.starts_with(s))
}

const HOSTILE: &str = "\
[one](javascript:alert(1)) \
[two](JaVaScRiPt:alert(2)) \
[three](<\tjava\tscript:alert(3)>) \
[four](&#106;avascript:alert(4)) \
[five](java&#x09;script:alert(5)) \
<javascript:alert(6)> \
[seven](data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==) \
[eight](vbscript:msgbox(8)) \
[nine](file:///etc/passwd) \
[ten][ref] \
![img eleven](javascript:alert(11)) \
![img twelve](DATA:text/html,x)

[ref]: javascript:alert(10)

[safe](https://example.org/) [mail](mailto:a@example.org) ![dot](data:image/png;base64,iVBORw0KGgo=)
";

#[test]
fn dangerous_links_are_dropped_keeping_their_text() {
    let s = site(
        "markdown: { unsafe_html: false }\n",
        &[("content/guides/g.md", &guide("", HOSTILE))],
    );
    s.build_ok(&[]);
    let doc = s.html("guides/g/index.html");
    for (css, attr) in [("a[href]", "href"), ("img[src]", "src")] {
        for url in doc.attrs(css, attr) {
            assert!(!dangerous(&url), "a live dangerous URL: {css} {url:?}");
        }
    }
    let text = common::text_of(doc.one("main"));
    for kept in [
        "one",
        "two",
        "three",
        "four",
        "five",
        "javascript:alert(6)",
        "seven",
        "eight",
        "nine",
        "ten",
        "img eleven",
        "img twelve",
    ] {
        assert!(text.contains(kept), "the text {kept:?} is gone: {text}");
    }
    // What is safe stays a link.
    assert_eq!(doc.count("main a[href=\"https://example.org/\"]"), 1);
    assert_eq!(doc.count("main a[href=\"mailto:a@example.org\"]"), 1);
    assert_eq!(doc.count("main img[src^=\"data:image/png\"]"), 1);
}

#[test]
fn with_unsafe_html_links_are_kept_as_written() {
    // The default: authors are trusted, like the raw HTML they may write.
    let s = site(
        "",
        &[(
            "content/guides/g.md",
            &guide("", "[one](javascript:alert(1)) <b>raw</b>\n"),
        )],
    );
    s.build_ok(&[]);
    let doc = s.html("guides/g/index.html");
    assert_eq!(doc.count("main a[href=\"javascript:alert(1)\"]"), 1);
    assert_eq!(doc.text("main b"), "raw");

    s.edit("config.yaml", |t| {
        format!("{t}markdown: {{ unsafe_html: false }}\n")
    });
    s.build_ok(&[]);
    let doc = s.html("guides/g/index.html");
    assert_eq!(doc.count("main a[href^=\"javascript\"]"), 0);
    assert_eq!(doc.count("main b"), 0, "raw HTML is dropped");
}

/// Each config line, the line and column its error must point at.
const BAD_CONFIG_URLS: &[(&str, usize, usize)] = &[
    ("author: { name: A, url: javascript:alert(1) }\n", 5, 25),
    ("author:\n  name: A\n  url: \"JaVaScRiPt:alert(1)\"\n", 7, 8),
    (
        "author: { name: A, url: \" javascript:alert(1)\" }\n",
        5,
        25,
    ),
    ("author: { name: A, url: \"data:text/html,x\" }\n", 5, 25),
    ("author: { name: A, url: \"//evil.example/\" }\n", 5, 25),
    ("author: { name: A, url: \"/\\\\evil.example/\" }\n", 5, 25),
    ("author: { name: A, url: ftp://example.org/ }\n", 5, 25),
    ("author: { name: A, url: about/ }\n", 5, 25),
    ("author: { name: A, url: \"@/nope.md\" }\n", 5, 25),
];

#[test]
fn config_urls_other_than_http_mailto_paths_and_links_are_errors_at_their_position() {
    for &(line, at_line, at_column) in BAD_CONFIG_URLS {
        let s = site(line, &[("content/guides/g.md", &guide("", "Text.\n"))]);
        let run = s.build(&[]).code(1);
        assert_located(&run.stderr, "config.yaml", at_line, Some(at_column));
        assert!(!s.out().exists(), "nothing is written for {line:?}");
    }
    // The share image and the card logo are URLs too.
    for (line, column) in [
        ("social: { image: \"javascript:alert(1)\" }\n", 18),
        ("social: { image: \"mailto:a@example.org\" }\n", 18),
        ("social: { card: { logo: \"javascript:alert(1)\" } }\n", 25),
        ("social:\n  card:\n    logo: /missing.svg\n", 11),
    ] {
        let s = TestSite::empty();
        s.write(
            "config.yaml",
            &format!("title: t\nbase_url: https://e.org\n{line}"),
        );
        s.write("content/guides/g.md", &guide("", "Text.\n"));
        let run = s.build(&[]).code(1);
        let at_line = 2 + line.lines().count();
        assert_located(&run.stderr, "config.yaml", at_line, Some(column));
        assert!(!s.out().exists(), "nothing is written for {line:?}");
    }
}

#[test]
fn safe_config_urls_are_accepted() {
    for url in [
        "https://example.org/me",
        "http://example.org/me",
        "mailto:me@example.org",
        "/about/",
        "@/about.md",
    ] {
        let s = site(
            &format!("author: {{ name: A, url: \"{url}\" }}\n"),
            &[("content/guides/g.md", &guide("", "Text.\n"))],
        );
        s.build_ok(&[]);
    }
}

/// The JSON-LD graphs of a page.
fn json_ld(doc: &common::Doc) -> Vec<Value> {
    doc.all("script[type=\"application/ld+json\"]")
        .iter()
        .map(|e| {
            let text: String = e.text().collect();
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON-LD ({e}): {text}"))
        })
        .collect()
}

fn blog_posting(doc: &common::Doc) -> Value {
    json_ld(doc)
        .iter()
        .flat_map(|g| g["@graph"].as_array().cloned().unwrap_or_default())
        .find(|n| n["@type"] == "BlogPosting")
        .expect("a BlogPosting in the JSON-LD")
}

#[test]
fn author_urls_resolve_like_links_in_content() {
    for url in ["/about/", "@/about.md"] {
        let s = site(
            &format!("author: {{ name: \"Anna\", url: \"{url}\" }}\n"),
            &[("content/guides/g.md", &guide("", "Text.\n"))],
        );
        s.build_ok(&["--base-url", "https://x.github.io/repo/"]);
        let doc = s.html("guides/g/index.html");
        assert_eq!(
            doc.attr("a[rel=author]", "href"),
            "/repo/about/",
            "byline for {url}"
        );
        assert_eq!(doc.text("a[rel=author]"), "Anna");
        let post = blog_posting(&doc);
        assert_eq!(post["author"]["name"], "Anna");
        assert_eq!(
            post["author"]["url"], "https://x.github.io/repo/about/",
            "JSON-LD for {url}"
        );
        assert_eq!(doc.og("article:author"), "https://x.github.io/repo/about/");
    }
}

#[test]
fn front_matter_author_urls_resolve_and_are_checked() {
    let s = site(
        "",
        &[(
            "content/guides/g.md",
            &guide(
                "author: { name: \"Bruno\", url: \"@/about.md\" }\n",
                "Text.\n",
            ),
        )],
    );
    s.build_ok(&["--base-url", "https://x.github.io/repo/"]);
    let doc = s.html("guides/g/index.html");
    assert_eq!(doc.attr("a[rel=author]", "href"), "/repo/about/");
    assert_eq!(
        blog_posting(&doc)["author"]["url"],
        "https://x.github.io/repo/about/"
    );

    s.write(
        "content/guides/g.md",
        &guide(
            "author: { name: \"Bruno\", url: \"@/gone.md\" }\n",
            "Text.\n",
        ),
    );
    let run = s.build(&[]).code(1);
    assert_located(&run.stderr, "content/guides/g.md", 5, None);
    assert!(run.stderr.contains("@/gone.md"), "{}", run.stderr);

    s.write(
        "content/guides/g.md",
        &guide(
            "author: { name: \"Bruno\", url: \"javascript:alert(1)\" }\n",
            "Text.\n",
        ),
    );
    let run = s.build(&[]).code(1);
    assert_located(&run.stderr, "content/guides/g.md", 5, None);
}

#[test]
fn example_site_author_links_to_its_about_page() {
    let s = TestSite::copy_of(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("site"));
    assert!(s.read("config.yaml").contains("url: \"@/about.md\""));
    s.build_ok(&["--base-url", "https://x.github.io/repo/"]);
    let doc = s.html("guides/costi-social-media/index.html");
    assert_eq!(doc.attr("a[rel=author]", "href"), "/repo/about/");
}
