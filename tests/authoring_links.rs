//! Links written in content must land on something the site publishes: a Markdown link
//! or image to a missing page or file is a build error at its file, line and column; the
//! same in raw HTML is a `piazza check` finding, and so is a raw root-relative link that
//! misses the base path.

mod common;

use common::{assert_located, TestSite, PNG_2X2};

/// A small site: two guides (one a bundle with a photo), a page with an alias and
/// tags, a static image; `body` is the text of the guide `content/guides/prova.md`,
/// whose body starts on line 5.
fn site(body: &str) -> TestSite {
    let s = TestSite::empty();
    s.write(
        "config.yaml",
        "title: \"Prova\"\nbase_url: \"https://example.org\"\nlanguage: it\n",
    );
    s.write(
        "content/guides/esiste.md",
        "---\ntitle: \"Esiste\"\ndate: 2026-01-02\ntags: [vendite]\n---\n\nTesto.\n",
    );
    s.write(
        "content/guides/bundle/index.md",
        "---\ntitle: \"Bundle\"\ndate: 2026-01-03\n---\n\nTesto.\n",
    );
    // Real images: a page that shows an unreadable one does not build.
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&image::RgbImage::new(4, 3))
        .unwrap();
    s.write_bytes("content/guides/bundle/foto.jpg", &jpeg);
    s.write(
        "content/about.md",
        "---\ntitle: \"Chi siamo\"\naliases: [/chi-siamo/]\n---\n\nTesto.\n",
    );
    s.write_bytes("static/images/logo.png", PNG_2X2);
    s.write("static/docs/listino.pdf", "pdf");
    s.write(
        "content/guides/prova.md",
        &format!("---\ntitle: \"Prova\"\ndate: 2026-01-04\n---\n{body}"),
    );
    s
}

/// Builds `body` in the guide and expects exit 1 with an error at line:column of
/// content/guides/prova.md whose text holds each of `words`, and no output.
fn fails_at(body: &str, line: usize, column: usize, words: &[&str]) {
    let s = site(body);
    let run = s.build(&[]).code(1);
    assert_located(&run.stderr, "content/guides/prova.md", line, Some(column));
    for w in words {
        assert!(run.stderr.contains(w), "no {w:?} in:\n{}", run.stderr);
    }
    assert!(
        !s.out().exists(),
        "a failed build wrote {}",
        s.out().display()
    );
}

#[test]
fn a_markdown_image_to_a_missing_file_is_an_error() {
    fails_at(
        "\nUn grafico:\n\n![grafico](/images/grafico.png)\n",
        8,
        1,
        &["/images/grafico.png", "static/images/grafico.png"],
    );
}

#[test]
fn a_markdown_link_to_a_missing_page_is_an_error_with_the_closest_url() {
    fails_at(
        "\nLeggi [la guida](/guides/esist/) per iniziare.\n",
        6,
        7,
        &["/guides/esist/", "did you mean /guides/esiste/"],
    );
}

#[test]
fn a_relative_link_to_a_missing_page_is_an_error() {
    // From /guides/prova/, ../altra-guida/ is /guides/altra-guida/.
    fails_at(
        "\nVedi [l'altra](../altra-guida/).\n",
        6,
        6,
        &["../altra-guida/", "/guides/altra-guida/"],
    );
}

#[test]
fn a_link_to_a_markdown_file_suggests_an_at_link() {
    fails_at("\n[esiste](esiste.md)\n", 6, 1, &["@/guides/esiste.md"]);
}

#[test]
fn a_missing_relative_image_in_a_bundle_is_an_error() {
    let s = site("\nTesto.\n");
    s.write(
        "content/guides/bundle/index.md",
        "---\ntitle: \"Bundle\"\ndate: 2026-01-03\n---\n\n![](foto.jpg)\n\n![](fotto.jpg)\n",
    );
    let run = s.build(&[]).code(1);
    assert_located(&run.stderr, "content/guides/bundle/index.md", 8, Some(1));
    assert!(
        run.stderr.contains("did you mean /guides/bundle/foto.jpg"),
        "{}",
        run.stderr
    );
    assert!(!s.out().exists());
}

#[test]
fn every_kind_of_published_target_builds() {
    let body = "
[home](/) [lista](/guides/) [pagina 2](/guides/page/2/) [tag](/tags/vendite/)
[tags](/tags/) [feed](/feed.xml) [sitemap](/sitemap.xml) [stile](/style.css)
[scheda](/guides/esiste/card.png) [alias](/chi-siamo/) [pdf](/docs/listino.pdf)
![logo](/images/logo.png) [bundle](/guides/bundle/foto.jpg) [pagina](/about/)
[frammento](/guides/esiste/#titolo) [query](/guides/esiste/?utm=1) [qui](#sopra)
[senza barra](/guides/esiste) [index](/guides/esiste/index.html)
[relativa](../esiste/) [at](@/guides/esiste.md) [web](https://example.com/x)
[host](//cdn.example.com/x.js) [posta](mailto:a@example.org) [tel](tel:+39)
[riferimento][r]

[r]: ../bundle/

```
[nel codice](/non-esiste/)
```
";
    let s = site(body);
    s.edit("config.yaml", |c| format!("{c}paginate_by: 1\n"));
    s.build_ok(&[]);
    let doc = s.html("guides/prova/index.html");
    assert_eq!(doc.attr("a[href=\"../esiste/\"]", "href"), "../esiste/");
    assert_eq!(doc.attr("main img[alt=logo]", "src"), "/images/logo.png");
}

#[test]
fn a_relative_image_in_a_bundle_builds() {
    let s = site("\nTesto.\n");
    s.write(
        "content/guides/bundle/index.md",
        "---\ntitle: \"Bundle\"\ndate: 2026-01-03\n---\n\n![una foto](foto.jpg) ![ancora](./foto.jpg)\n",
    );
    s.build_ok(&[]);
    let doc = s.html("guides/bundle/index.html");
    // Written with its size, as a site path to the bundle's file.
    assert_eq!(
        doc.attr("main img[alt=\"una foto\"]", "src"),
        "/guides/bundle/foto.jpg"
    );
    assert_eq!(doc.attr("main img[alt=\"una foto\"]", "width"), "4");
    assert!(s.has_output("guides/bundle/foto.jpg"));
}

#[test]
fn under_a_base_path_links_with_and_without_the_prefix_work() {
    let s = site("\n[a](/guides/esiste/) [b](/repo/guides/esiste/) ![c](/repo/images/logo.png)\n");
    s.build_ok(&["--base-url", "https://x.github.io/repo/"]);
    let doc = s.html("guides/prova/index.html");
    assert_eq!(
        doc.attrs("main p a", "href"),
        ["/repo/guides/esiste/", "/repo/guides/esiste/"]
    );
    assert_eq!(doc.attr("main img[alt=c]", "src"), "/repo/images/logo.png");

    let s = site("\n[a](/repo/guides/nope/)\n");
    let run = s
        .build(&["--base-url", "https://x.github.io/repo/"])
        .code(1);
    assert_located(&run.stderr, "content/guides/prova.md", 6, Some(1));
}

/// The raw HTML of the guide: a broken `<a href>`, a broken `<img src>`, a `srcset`
/// with one broken entry, a root-relative link without the base path, and working links.
const RAW: &str = "
<p>Vedi <a href=\"/guides/sparita/\">qui</a>.</p>

<img src=\"/images/manca.png\" alt=\"x\">
<img srcset=\"/images/logo.png 1x, /images/logo@2x.png 2x\" alt=\"y\">
<a href='/guides/esiste/'>ok</a> <a href=\"https://example.com/\">web</a>

```
<a href=\"/in-codice/\">no</a>
```
";

#[test]
fn raw_html_links_are_check_findings_in_text_and_json() {
    let s = site(RAW);
    s.build_ok(&[]);
    let root = s.root().to_str().unwrap().to_string();
    let run = common::piazza_str(&["check", "--site", &root], s.tmp()).success();
    for (line, what) in [
        (6, "/guides/sparita/"),
        (8, "/images/manca.png"),
        (9, "/images/logo@2x.png"),
    ] {
        let found = run
            .stdout
            .lines()
            .any(|l| l.contains(&format!("content/guides/prova.md:{line}")) && l.contains(what));
        assert!(
            found,
            "no finding for {what} at line {line}:\n{}",
            run.stdout
        );
    }
    let findings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("html-link"))
        .collect();
    assert_eq!(findings.len(), 3, "{}", run.stdout);

    let run =
        common::piazza_str(&["check", "--site", &root, "--format", "json"], s.tmp()).success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let page = json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"] == "content/guides/prova.md")
        .unwrap();
    let broken: Vec<_> = page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "broken-html-link")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(broken, [6, 8, 9]);
    let strict = common::piazza_str(&["check", "--site", &root, "--strict"], s.tmp());
    assert_eq!(strict.code, Some(1));
}

#[test]
fn under_a_base_path_a_raw_root_relative_link_without_it_is_a_finding() {
    let s =
        site("\n<a href=\"/guides/esiste/\">senza</a> <a href=\"/repo/guides/esiste/\">con</a>\n");
    let root = s.root().to_str().unwrap().to_string();
    let args = [
        "check",
        "--site",
        &root,
        "--base-url",
        "https://x.github.io/repo/",
        "--format",
        "json",
    ];
    let run = common::piazza_str(&args, s.tmp()).success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let page = json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["file"] == "content/guides/prova.md")
        .unwrap();
    let codes: Vec<_> = page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "html-link-without-base-path" || f["code"] == "broken-html-link")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(codes, [("html-link-without-base-path".to_string(), 6)]);
    // At the site root the same link is fine.
    let run = common::piazza_str(&["check", "--site", &root], s.tmp()).success();
    assert!(!run.stdout.contains("base path"), "{}", run.stdout);
}

#[test]
fn deleting_a_linked_page_in_watch_mode_reports_the_link() {
    let s = site("\nLeggi [la guida](/guides/esiste/) e [l'altra](../bundle/).\n");
    let out = s.tmp().join("live");
    let options = piazza::site::SiteOptions::default();
    let mut rebuilder = piazza::watch::Rebuilder::new(s.root(), &out, options, false).unwrap();
    rebuilder.rebuild().unwrap();
    let gone = s.path("content/guides/esiste.md");
    std::fs::remove_file(&gone).unwrap();
    let errors = rebuilder.rebuild_after(&[gone]).unwrap_err().to_string();
    assert_located(&errors, "content/guides/prova.md", 6, Some(7));
    assert!(errors.contains("/guides/esiste/"), "{errors}");
    // Saving the linking page with the link fixed (the short road) builds again; saving
    // it broken again fails again.
    let prova = s.path("content/guides/prova.md");
    s.edit("content/guides/prova.md", |t| {
        t.replace("/guides/esiste/", "/guides/bundle/")
    });
    rebuilder
        .rebuild_after(std::slice::from_ref(&prova))
        .unwrap();
    s.edit("content/guides/prova.md", |t| {
        t.replace("(../bundle/)", "(../bundel/)")
    });
    let errors = rebuilder.rebuild_after(&[prova]).unwrap_err().to_string();
    assert_located(&errors, "content/guides/prova.md", 6, Some(37));
}

#[test]
fn a_broken_link_in_a_section_intro_is_an_error() {
    let s = site("\nTesto.\n");
    s.write(
        "content/guides/_index.md",
        "---\ntitle: \"Guide\"\n---\n\nTutte le guide, e [la prima](esiste/) e [il listino](/docs/listini.pdf).\n",
    );
    let run = s.build(&[]).code(1);
    assert_located(&run.stderr, "content/guides/_index.md", 5, Some(41));
    assert!(
        run.stderr.contains("did you mean /docs/listino.pdf"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
    assert!(!s.out().exists());
}
