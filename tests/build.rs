//! `piazza build` end to end: fixture sites built by the real binary, checked through
//! what a visitor, a feed reader, a crawler or a share preview would see.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{
    check_links, child_text, parse_xml, piazza_str, query_param, today_utc, Doc, TestSite, PNG_2X2,
    PNG_3X2,
};

/// The "basic" Italian fixture, with its binary files added.
fn basic() -> TestSite {
    let site = TestSite::fixture("basic");
    site.write_bytes("content/guides/bundle/cover.png", PNG_3X2);
    site.write_bytes("static/images/x.png", PNG_2X2);
    site
}

const PRIMO: &str = "/guides/primo-passo/";
const BUNDLE: &str = "/guides/bundle/";
const FEDELI: &str = "/guides/clienti-fedeli/";
const THESIS_2: &str = "/theses/02-rispondere-sempre/";
const THESIS_3: &str = "/theses/03-misurare/";

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn as_set(items: Vec<String>) -> BTreeSet<String> {
    items.into_iter().collect()
}

// ---------------------------------------------------------------------------------
// 1. The basic Italian site
// ---------------------------------------------------------------------------------

#[test]
fn pretty_urls_home_and_language() {
    let site = basic();
    site.build_ok(&[]);
    for page in [
        "index.html",
        "about/index.html",
        "guides/index.html",
        "guides/primo-passo/index.html",
        "guides/bundle/index.html",
        "guides/clienti-fedeli/index.html",
        "theses/index.html",
        "theses/01-ascoltare/index.html",
        "theses/02-rispondere-sempre/index.html",
        "theses/03-misurare/index.html",
    ] {
        assert!(site.has_output(page), "missing {page}");
    }
    assert!(
        !site.has_output("guides/primo-passo.html") && !site.has_output("about.html"),
        "pages must use pretty URLs only"
    );

    let home = site.html("index.html");
    assert_eq!(home.attr("html", "lang"), "it");
    assert_eq!(home.text("title"), "Bottega Digitale");
    assert_eq!(home.text("h1"), "Benvenuti in bottega");
    assert_eq!(home.og("og:locale"), "it_IT");
    assert_eq!(home.canonical(), "https://example.org/");

    let guide = site.html("guides/primo-passo/index.html");
    assert_eq!(guide.attr("html", "lang"), "it");
    assert_eq!(guide.text("h1"), "Il primo passo sui social");
    assert_eq!(
        guide.text("title"),
        "Il primo passo sui social — Bottega Digitale"
    );
    assert_eq!(guide.canonical(), "https://example.org/guides/primo-passo/");
    assert_eq!(guide.og("og:type"), "article");

    let about = site.html("about/index.html");
    assert_eq!(about.text("h1"), "Chi siamo");
}

#[test]
fn section_list_is_paginated_newest_first() {
    let site = basic();
    site.build_ok(&[]);

    let first = site.html("guides/index.html");
    assert_eq!(first.linked_pages("/guides/"), vec![FEDELI, BUNDLE]);
    assert_eq!(first.attr("a[rel=next]", "href"), "/guides/page/2/");
    assert_eq!(first.count("a[rel=prev]"), 0, "page 1 has no previous page");
    assert!(
        !first.with_text("Pagina 1 di 2").is_empty(),
        "page 1 should say `Pagina 1 di 2`"
    );

    let second = site.html("guides/page/2/index.html");
    assert_eq!(second.linked_pages("/guides/"), vec![PRIMO]);
    assert_eq!(second.attr("a[rel=prev]", "href"), "/guides/");
    assert_eq!(second.count("a[rel=next]"), 0, "the last page has no next");
    assert!(
        !second.with_text("Pagina 2 di 2").is_empty(),
        "page 2 should say `Pagina 2 di 2`"
    );
    assert_eq!(
        second.canonical(),
        "https://example.org/guides/page/2/",
        "each list page is its own canonical URL"
    );
    assert!(
        !site.has_output("guides/page/3/index.html"),
        "three guides at two a page make two pages"
    );
}

#[test]
fn tag_pages_list_the_right_guides() {
    let site = basic();
    site.build_ok(&[]);

    let tags = site.html("tags/index.html");
    assert_eq!(
        as_set(tags.linked_pages("/tags/")),
        set(&["/tags/pmi/", "/tags/social-media/", "/tags/fidelizzazione/"])
    );

    let pmi = site.html("tags/pmi/index.html");
    assert!(pmi.text("h1").contains("PMI"), "{}", pmi.text("h1"));
    assert_eq!(pmi.linked_pages("/guides/"), vec![BUNDLE, PRIMO]);

    let social = site.html("tags/social-media/index.html");
    assert_eq!(social.linked_pages("/guides/"), vec![PRIMO]);

    let fedeli = site.html("tags/fidelizzazione/index.html");
    assert_eq!(fedeli.linked_pages("/guides/"), vec![FEDELI]);

    // The guide links to its own tags.
    let guide = site.html("guides/primo-passo/index.html");
    let hrefs = as_set(guide.attrs("main a[href^=\"/tags/\"]", "href"));
    assert_eq!(hrefs, set(&["/tags/pmi/", "/tags/social-media/"]));
}

#[test]
fn thesis_shortcode_renders_a_linked_blockquote() {
    let site = basic();
    site.build_ok(&[]);
    let guide = site.html("guides/primo-passo/index.html");
    let quote = guide.one("main blockquote");
    let text = common::text_of(quote);
    assert!(
        text.contains("Ogni domanda merita una risposta"),
        "the blockquote should quote thesis 2: {text}"
    );
    let links: Vec<&str> = quote
        .select(&scraper::Selector::parse("a[href]").unwrap())
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        links.contains(&THESIS_2),
        "the blockquote should link to {THESIS_2}: {links:?}"
    );
    assert!(
        guide
            .all("main *")
            .iter()
            .all(|e| !e.text().any(|t| t.contains("{{") || t.contains("thesis("))),
        "the shortcode must not be shown as text"
    );
}

#[test]
fn thesis_pages_list_the_guides_that_cite_them() {
    let site = basic();
    site.build_ok(&[]);
    // Cited with {{ thesis(2) }} in the body.
    let t2 = site.html("theses/02-rispondere-sempre/index.html");
    assert_eq!(t2.text("h1"), "Ogni domanda merita una risposta");
    assert_eq!(t2.linked_pages("/guides/"), vec![PRIMO]);
    // Cited with `theses: [3]` in the front matter.
    let t3 = site.html("theses/03-misurare/index.html");
    assert_eq!(t3.linked_pages("/guides/"), vec![FEDELI]);
    // Cited by nobody.
    let t1 = site.html("theses/01-ascoltare/index.html");
    assert_eq!(t1.linked_pages("/guides/"), Vec::<String>::new());
    // The citing guide links back to the thesis it discusses.
    let fedeli = site.html("guides/clienti-fedeli/index.html");
    assert!(
        fedeli
            .attrs("main a[href]", "href")
            .contains(&THESIS_3.into()),
        "the guide should link to the thesis it discusses"
    );
}

#[test]
fn at_links_resolve_to_page_urls() {
    let site = basic();
    site.build_ok(&[]);
    let guide = site.html("guides/primo-passo/index.html");
    let links = guide.with_text("la nostra storia");
    assert_eq!(links.len(), 1, "one link with the text `la nostra storia`");
    assert_eq!(links[0].value().name(), "a");
    assert_eq!(links[0].value().attr("href"), Some("/about/"));
}

#[test]
fn guide_dates_are_in_italian() {
    let site = basic();
    site.build_ok(&[]);
    let guide = site.html("guides/primo-passo/index.html");
    let times: Vec<_> = guide
        .all("main time[datetime]")
        .into_iter()
        .filter(|t| {
            t.value()
                .attr("datetime")
                .unwrap()
                .starts_with("2013-05-14")
        })
        .collect();
    assert!(!times.is_empty(), "the guide shows its date in a <time>");
    for t in times {
        assert_eq!(common::text_of(t), "14 maggio 2013");
    }
    assert_eq!(
        guide.og("article:published_time"),
        "2013-05-14T00:00:00Z",
        "machine-readable date"
    );
}

#[test]
fn aliases_redirect_to_the_page() {
    let site = basic();
    site.build_ok(&[]);
    let alias = site.html("old/path/index.html");
    let refresh = alias.attr("meta[http-equiv=refresh]", "content");
    let (delay, url) = refresh
        .split_once(';')
        .unwrap_or_else(|| panic!("bad refresh `{refresh}`"));
    assert_eq!(delay.trim(), "0");
    let target = url.trim().strip_prefix("url=").unwrap_or(url.trim());
    assert!(
        target == FEDELI || target == "https://example.org/guides/clienti-fedeli/",
        "refresh should go to the guide: {refresh}"
    );
    assert_eq!(
        alias.canonical(),
        "https://example.org/guides/clienti-fedeli/"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = basic();
    site.build_ok(&[]);
    assert!(!site.out().join("guides/bozza").exists(), "draft published");
    for list in [
        "guides/index.html",
        "guides/page/2/index.html",
        "index.html",
    ] {
        let doc = site.html(list);
        assert!(
            !doc.attrs("a[href]", "href")
                .iter()
                .any(|h| h.contains("bozza")),
            "{list} links to the draft"
        );
    }
    let pmi = site.html("tags/pmi/index.html");
    assert!(!pmi
        .linked_pages("/guides/")
        .iter()
        .any(|h| h.contains("bozza")));

    site.build_ok(&["--drafts"]);
    let draft = site.html("guides/bozza/index.html");
    assert_eq!(draft.text("h1"), "Bozza segreta");
}

#[test]
fn not_found_page_and_robots() {
    let site = basic();
    site.build_ok(&[]);
    let nf = site.html("404.html");
    assert_eq!(nf.attr("html", "lang"), "it");
    assert_eq!(nf.text("h1"), "Pagina non trovata");
    let home_links = nf.attrs("main a[href]", "href");
    assert!(home_links.contains(&"/".to_string()), "{home_links:?}");

    let robots = site.output("robots.txt");
    assert!(
        robots
            .lines()
            .any(|l| l.trim() == "Sitemap: https://example.org/sitemap.xml"),
        "robots.txt:\n{robots}"
    );
}

#[test]
fn feed_is_rss_with_absolute_links_newest_first() {
    let site = basic();
    site.build_ok(&[]);
    let text = site.output("feed.xml");
    let doc = parse_xml(&text);
    let rss = doc.root_element();
    assert_eq!(rss.tag_name().name(), "rss");
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = rss
        .children()
        .find(|n| n.has_tag_name("channel"))
        .expect("<channel>");
    assert_eq!(child_text(channel, "title"), Some("Bottega Digitale"));
    assert_eq!(child_text(channel, "link"), Some("https://example.org/"));

    let atom_self: Vec<_> = channel
        .children()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2005/Atom", "link")))
        .collect();
    assert_eq!(atom_self.len(), 1, "one atom:link");
    assert_eq!(atom_self[0].attribute("rel"), Some("self"));
    assert_eq!(
        atom_self[0].attribute("href"),
        Some("https://example.org/feed.xml")
    );

    let items: Vec<_> = channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .collect();
    let titles: Vec<_> = items.iter().map(|i| child_text(*i, "title")).collect();
    assert_eq!(
        titles,
        vec![
            Some("Clienti fedeli, clienti che parlano"),
            Some("Una vetrina curata"),
            Some("Il primo passo sui social"),
        ],
        "the three published guides, newest first, no draft"
    );
    let links: Vec<_> = items.iter().map(|i| child_text(*i, "link")).collect();
    assert_eq!(
        links,
        vec![
            Some("https://example.org/guides/clienti-fedeli/"),
            Some("https://example.org/guides/bundle/"),
            Some("https://example.org/guides/primo-passo/"),
        ]
    );
    for item in &items {
        let date = child_text(*item, "pubDate").expect("every item has a pubDate");
        assert!(date.ends_with("+0000") || date.ends_with("GMT"), "{date}");
    }
}

#[test]
fn sitemap_lists_every_page_with_lastmod_and_no_draft() {
    let site = basic();
    site.build_ok(&[]);
    let text = site.output("sitemap.xml");
    let doc = parse_xml(&text);
    let urlset = doc.root_element();
    assert_eq!(urlset.tag_name().name(), "urlset");
    let mut entries = std::collections::BTreeMap::new();
    for url in urlset.children().filter(|n| n.has_tag_name("url")) {
        let loc = child_text(url, "loc").expect("<loc>").to_string();
        let lastmod = child_text(url, "lastmod").map(str::to_string);
        assert!(
            entries.insert(loc.clone(), lastmod).is_none(),
            "{loc} listed twice"
        );
    }
    // Every page of the output, except redirects, list pages after the first and 404.
    let mut pages = BTreeSet::new();
    for file in common::walk(&site.out()) {
        let rel = file.strip_prefix(site.out()).unwrap().to_string_lossy();
        let Some(dir) = rel.strip_suffix("index.html") else {
            continue;
        };
        if dir.contains("page/") || Doc::open(&file).count("meta[http-equiv=refresh]") > 0 {
            continue;
        }
        pages.insert(format!("https://example.org/{dir}"));
    }
    assert!(pages.len() >= 14, "{pages:?}");
    let listed: BTreeSet<String> = entries
        .keys()
        .filter(|l| !l.contains("/page/"))
        .cloned()
        .collect();
    assert_eq!(listed, pages, "the sitemap lists every page of the site");
    assert!(
        !entries.keys().any(|l| l.contains("bozza")),
        "draft in sitemap"
    );

    let lastmod = |path: &str| {
        entries
            .get(&format!("https://example.org{path}"))
            .unwrap_or_else(|| panic!("{path} not in sitemap"))
            .clone()
    };
    assert_eq!(lastmod(PRIMO).as_deref(), Some("2013-05-14"));
    assert_eq!(lastmod(BUNDLE).as_deref(), Some("2014-03-02"));
    assert_eq!(
        lastmod(FEDELI).as_deref(),
        Some("2016-01-05"),
        "lastmod is `updated` when there is one"
    );
    assert_eq!(
        lastmod("/theses/01-ascoltare/").as_deref(),
        Some("2012-01-10")
    );
    assert_eq!(
        lastmod("/").as_deref(),
        Some("2016-01-05"),
        "the home page changes with the newest published page (the draft is newer)"
    );
    assert_eq!(lastmod("/guides/").as_deref(), Some("2016-01-05"));
    // Every entry has a lastmod, except the undated standalone page.
    for (loc, m) in &entries {
        if loc != "https://example.org/about/" {
            let m = m
                .as_deref()
                .unwrap_or_else(|| panic!("{loc} has no lastmod"));
            assert!(
                m.len() >= 10 && m.as_bytes()[4] == b'-' && m.as_bytes()[7] == b'-',
                "{loc}: lastmod {m} is not a W3C date"
            );
        }
    }
}

#[test]
fn bundle_and_static_files_are_copied() {
    let site = basic();
    site.build_ok(&[]);
    assert_eq!(
        std::fs::read(site.out().join("guides/bundle/cover.png")).unwrap(),
        PNG_3X2
    );
    assert_eq!(
        std::fs::read(site.out().join("images/x.png")).unwrap(),
        PNG_2X2
    );
    assert!(
        !site.out().join("guides/bundle/index.md").exists(),
        "the bundle's Markdown is not published"
    );
    let bundle = site.html("guides/bundle/index.html");
    assert_eq!(
        bundle.og("og:image"),
        "https://example.org/guides/bundle/cover.png"
    );
    assert_eq!(bundle.og("og:image:width"), "3");
    assert_eq!(bundle.og("og:image:height"), "2");
    assert_eq!(bundle.og("og:image:alt"), "Tre quadratini arancioni");
}

#[test]
fn every_internal_link_of_the_basic_site_resolves() {
    let site = basic();
    site.build_ok(&[]);
    let report = check_links(&site.out(), "https://example.org");
    assert!(report.checked > 50, "too few links checked: {report:?}");
    assert!(report.broken.is_empty(), "{}", report.broken.join("\n"));
}

#[test]
fn build_in_the_site_folder_with_defaults_then_rebuild() {
    let site = TestSite::fixture("english");
    let run = piazza_str(&["build"], site.root()).success();
    assert!(
        run.stdout.contains("built"),
        "a summary line is printed: {}",
        run.stdout
    );
    assert!(
        site.out().join("index.html").is_file(),
        "default output is public/"
    );

    // A page removed from the source disappears from the next build's output.
    std::fs::remove_file(site.path("content/guides/window-display.md")).unwrap();
    let run = piazza_str(&["build", "--quiet"], site.root()).success();
    assert_eq!(run.stdout, "", "--quiet prints nothing on success");
    assert_eq!(run.stderr, "", "--quiet prints nothing on success");
    assert!(!site.out().join("guides/window-display").exists());
    assert!(site.out().join("guides/first-steps/index.html").is_file());
    assert_eq!(common::leftover_staging(site.root()), Vec::<String>::new());
    let names: BTreeSet<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        set(&[".piazza-cache", "config.yaml", "content", "public"]),
        "the build writes nothing beside its output folder but the image cache"
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_leading_outside_the_site_are_not_published() {
    let site = TestSite::fixture("english");
    let secret = site.tmp().join("secret.txt");
    std::fs::write(&secret, "private").unwrap();
    std::fs::create_dir_all(site.path("static")).unwrap();
    std::os::unix::fs::symlink(&secret, site.path("static/leak.txt")).unwrap();
    std::os::unix::fs::symlink(site.tmp(), site.path("static/outside")).unwrap();
    let run = site.build_ok(&[]);
    assert!(
        !site.out().join("leak.txt").exists(),
        "a linked file was published"
    );
    assert!(
        !site.out().join("outside").exists(),
        "a linked folder was published"
    );
    for name in ["static/leak.txt", "static/outside"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(name)),
            "a warning should name {name}:\n{}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------
// 2. Base URL with a path prefix, and --base-url
// ---------------------------------------------------------------------------------

#[test]
fn base_url_path_prefix_reaches_every_link() {
    let site = basic();
    site.edit("config.yaml", |c| {
        c.replace("https://example.org\"", "https://example.org/blog\"")
    });
    site.build_ok(&[]);

    // Every root-relative href/src in every page carries /blog/ and resolves.
    let report = check_links(&site.out(), "https://example.org/blog");
    assert!(
        report.root_relative > 50,
        "too few root-relative links: {report:?}"
    );
    assert!(report.broken.is_empty(), "{}", report.broken.join("\n"));

    let guide = site.html("guides/clienti-fedeli/index.html");
    assert_eq!(
        guide.canonical(),
        "https://example.org/blog/guides/clienti-fedeli/"
    );
    assert_eq!(guide.og("og:url"), guide.canonical());
    // Root-relative links written in Markdown get the prefix too.
    let vetrina = guide.with_text("la vetrina curata");
    assert_eq!(vetrina.len(), 1);
    assert_eq!(
        vetrina[0].value().attr("href"),
        Some("/blog/guides/bundle/")
    );
    assert_eq!(
        guide.attr("main img[alt=\"Il marchio\"]", "src"),
        "/blog/images/x.png"
    );
    let primo = site.html("guides/primo-passo/index.html");
    assert_eq!(
        primo.with_text("la nostra storia")[0].value().attr("href"),
        Some("/blog/about/")
    );
    // So do the links of a section's intro text.
    let home = site.html("index.html");
    assert_eq!(
        home.with_text("tutte le guide")[0].value().attr("href"),
        Some("/blog/guides/")
    );
    assert_eq!(
        home.with_text("le tesi")[0].value().attr("href"),
        Some("/blog/theses/")
    );

    let alias = site.html("old/path/index.html");
    let refresh = alias.attr("meta[http-equiv=refresh]", "content");
    assert!(
        refresh.ends_with("url=/blog/guides/clienti-fedeli/")
            || refresh.ends_with("url=https://example.org/blog/guides/clienti-fedeli/"),
        "{refresh}"
    );

    let feed = site.output("feed.xml");
    let doc = parse_xml(&feed);
    let channel = doc.root_element().first_element_child().unwrap();
    assert_eq!(
        child_text(channel, "link"),
        Some("https://example.org/blog/")
    );
    let self_link = channel
        .children()
        .find(|n| n.has_tag_name(("http://www.w3.org/2005/Atom", "link")))
        .unwrap();
    assert_eq!(
        self_link.attribute("href"),
        Some("https://example.org/blog/feed.xml")
    );
    let links: Vec<_> = channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .map(|i| child_text(i, "link").unwrap().to_string())
        .collect();
    assert_eq!(links.len(), 3);
    for l in &links {
        assert!(l.starts_with("https://example.org/blog/guides/"), "{l}");
    }

    let sitemap = site.output("sitemap.xml");
    let doc = parse_xml(&sitemap);
    let locs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| n.text().unwrap().to_string())
        .collect();
    assert!(locs.len() > 10);
    for l in &locs {
        assert!(l.starts_with("https://example.org/blog/"), "{l}");
    }
    assert!(site
        .output("robots.txt")
        .lines()
        .any(|l| l.trim() == "Sitemap: https://example.org/blog/sitemap.xml"));
}

#[test]
fn base_url_flag_overrides_the_config() {
    let site = basic();
    site.build_ok(&["--base-url", "https://preview.example.net/"]);
    let guide = site.html("guides/clienti-fedeli/index.html");
    assert_eq!(
        guide.canonical(),
        "https://preview.example.net/guides/clienti-fedeli/"
    );
    assert_eq!(guide.og("og:url"), guide.canonical());
    let home = site.html("index.html");
    assert_eq!(home.canonical(), "https://preview.example.net/");
    let feed = site.output("feed.xml");
    let doc = parse_xml(&feed);
    let first_link = doc
        .descendants()
        .find(|n| n.has_tag_name("item"))
        .and_then(|i| child_text(i, "link"))
        .unwrap();
    assert_eq!(
        first_link,
        "https://preview.example.net/guides/clienti-fedeli/"
    );
    assert!(site
        .output("robots.txt")
        .lines()
        .any(|l| l.trim() == "Sitemap: https://preview.example.net/sitemap.xml"));
    let report = check_links(&site.out(), "https://preview.example.net");
    assert!(report.broken.is_empty(), "{}", report.broken.join("\n"));
    assert!(
        !site.output("sitemap.xml").contains("https://example.org"),
        "the configured base URL leaks into the preview sitemap"
    );
}

// ---------------------------------------------------------------------------------
// 3. An English site and its UI strings
// ---------------------------------------------------------------------------------

#[test]
fn english_site_uses_english_strings_and_dates() {
    let site = TestSite::fixture("english");
    site.build_ok(&[]);
    let guide = site.html("guides/first-steps/index.html");
    assert_eq!(guide.attr("html", "lang"), "en");
    assert_eq!(guide.og("og:locale"), "en_US");
    let times: Vec<_> = guide
        .all("main time[datetime^=\"2013-05-14\"]")
        .into_iter()
        .collect();
    assert!(!times.is_empty());
    for t in &times {
        assert_eq!(common::text_of(*t), "May 14, 2013");
    }
    // The line around the date reads in English.
    let meta = common::text_of(scraper::ElementRef::wrap(times[0].parent().unwrap()).unwrap());
    assert!(meta.starts_with("Published May 14, 2013"), "{meta}");
    assert!(
        guide.count("a[aria-label=\"Share on Facebook\"]") == 1,
        "the share link has an English accessible label"
    );
    let inline = guide.with_text("Thesis 1");
    assert!(
        inline
            .iter()
            .any(|e| e.value().attr("href") == Some("/theses/01-listen-first/")),
        "the inline thesis quote links as `Thesis 1`"
    );
    let nf = site.html("404.html");
    assert_eq!(nf.attr("html", "lang"), "en");
    assert_eq!(nf.text("h1"), "Page not found");
}

#[test]
fn site_i18n_file_overrides_one_string() {
    let site = TestSite::fixture("english");
    site.write("i18n/en.yaml", "not_found_title: \"Nothing here, sorry\"\n");
    site.build_ok(&[]);
    assert_eq!(site.html("404.html").text("h1"), "Nothing here, sorry");
    // The strings it does not name keep the theme's text.
    let guide = site.html("guides/first-steps/index.html");
    assert_eq!(guide.count("a[aria-label=\"Share on Facebook\"]"), 1);
    assert_eq!(
        common::text_of(guide.all("main time[datetime^=\"2013-05-14\"]")[0]),
        "May 14, 2013"
    );
}

// ---------------------------------------------------------------------------------
// 4. Template overrides and site themes
// ---------------------------------------------------------------------------------

const SITE_GUIDE_TEMPLATE: &str = r#"{% extends "base.html" %}
{% block main %}
<article id="site-guide">
  <h1 class="site-guide-title">{{ page.title }}</h1>
  <div class="site-guide-body">{{ page.content }}</div>
</article>
{% endblock %}
"#;

#[test]
fn site_template_overrides_the_theme_template() {
    let site = TestSite::fixture("english");
    let before = {
        site.build_ok(&[]);
        site.html("guides/first-steps/index.html")
            .count("#site-guide")
    };
    assert_eq!(before, 0);
    site.write("templates/guide.html", SITE_GUIDE_TEMPLATE);
    site.build_ok(&[]);
    let guide = site.html("guides/first-steps/index.html");
    assert_eq!(guide.text("#site-guide h1"), "First steps online");
    assert_eq!(guide.count("h1"), 1);
    assert!(
        guide.count("#site-guide .site-guide-body a[href=\"/about/\"]") == 1,
        "the page body is rendered inside the site's template"
    );
    // Other templates still come from the default theme.
    let thesis = site.html("theses/01-listen-first/index.html");
    assert_eq!(thesis.count("#site-guide"), 0);
    assert_eq!(thesis.text("h1"), "Listen before you speak");
    assert_eq!(thesis.og("og:type"), "article");
}

#[test]
fn site_theme_is_used_with_fallback_to_the_default_theme() {
    let site = TestSite::fixture("english");
    site.edit("config.yaml", |c| format!("{c}theme: mytheme\n"));
    site.write(
        "themes/mytheme/templates/page.html",
        r#"{% extends "base.html" %}
{% block main %}
<article id="mytheme-page"><h1>{{ page.title }}</h1>{{ page.content }}</article>
{% endblock %}
"#,
    );
    site.build_ok(&[]);
    let about = site.html("about/index.html");
    assert_eq!(about.text("#mytheme-page h1"), "About us");
    // base.html and guide.html fall back to the default theme.
    assert_eq!(about.canonical(), "https://shop.example.com/about/");
    let guide = site.html("guides/first-steps/index.html");
    assert_eq!(guide.count("#mytheme-page"), 0);
    assert_eq!(guide.text("main h1"), "First steps online");
    assert_eq!(guide.count("a[aria-label=\"Share on Facebook\"]"), 1);
}

#[test]
fn site_templates_win_over_the_site_theme() {
    let site = TestSite::fixture("english");
    site.edit("config.yaml", |c| format!("{c}theme: mytheme\n"));
    site.write(
        "themes/mytheme/templates/guide.html",
        r#"{% extends "base.html" %}{% block main %}<article id="theme-guide"><h1>{{ page.title }}</h1></article>{% endblock %}"#,
    );
    site.write("templates/guide.html", SITE_GUIDE_TEMPLATE);
    site.build_ok(&[]);
    let guide = site.html("guides/first-steps/index.html");
    assert_eq!(guide.count("#theme-guide"), 0);
    assert_eq!(guide.text("#site-guide h1"), "First steps online");
}

// ---------------------------------------------------------------------------------
// 5. A title that tries to break out of every context
// ---------------------------------------------------------------------------------

const HOSTILE: &str = "Tom & \"Jerry\" <script>alert(1)</script> </script> {{ x }} — perché 😀";

#[test]
fn hostile_title_is_escaped_everywhere() {
    let site = TestSite::fixture("english");
    site.write(
        "content/guides/hostile.md",
        &format!(
            "---\ntitle: {}\ndescription: \"A title with every special character.\"\ndate: 2015-01-02\ntags: [\"Photos\"]\n---\n\nNothing to see here.\n",
            serde_json::to_string(HOSTILE).unwrap()
        ),
    );
    site.build_ok(&[]);
    let page = site.html("guides/hostile/index.html");
    let benign = site.html("guides/window-display/index.html");

    assert_eq!(
        page.raw_text("title"),
        format!("{HOSTILE} — Corner Shop Notes")
    );
    assert_eq!(page.og("og:title"), HOSTILE);
    assert_eq!(page.meta_name("twitter:title"), HOSTILE);
    assert_eq!(page.raw_text("main h1"), HOSTILE);

    let ld = page.raw_text("script[type=\"application/ld+json\"]");
    let json: serde_json::Value =
        serde_json::from_str(&ld).unwrap_or_else(|e| panic!("JSON-LD does not parse ({e}): {ld}"));
    let nodes: Vec<&serde_json::Value> = match json.get("@graph") {
        Some(serde_json::Value::Array(a)) => a.iter().collect(),
        _ => vec![&json],
    };
    let article = nodes
        .iter()
        .find(|n| n["@type"] == "BlogPosting" || n["@type"] == "Article")
        .unwrap_or_else(|| panic!("no BlogPosting in {json}"));
    assert_eq!(article["headline"], HOSTILE);

    // No script the title could have opened; the same scripts as a harmless guide.
    assert_eq!(page.count("script"), benign.count("script"));
    for s in page.all("script:not([type=\"application/ld+json\"])") {
        let text: String = s.text().collect();
        assert!(
            !text.contains("alert"),
            "a script runs the title: {}",
            s.html()
        );
    }
    assert_eq!(
        page.count("body script:not([src])"),
        benign.count("body script:not([src])")
    );

    // Share links carry the title percent-encoded exactly once.
    let x = page.attr("a[href^=\"https://x.com/\"]", "href");
    assert_eq!(query_param(&x, "text").as_deref(), Some(HOSTILE), "{x}");

    // Lists and the feed show it intact too.
    let list = site.html("guides/index.html");
    assert!(
        !list.with_text(HOSTILE).is_empty(),
        "the guide list shows the title as text"
    );
    let feed = site.output("feed.xml");
    let doc = parse_xml(&feed);
    assert!(doc
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .any(|i| child_text(i, "title") == Some(HOSTILE)));
}

// ---------------------------------------------------------------------------------
// Shortcodes that are not shortcodes: code and escapes
// ---------------------------------------------------------------------------------

/// Builds the English fixture with a guide whose body is `body`; the build must succeed.
fn guide_with_body(body: &str) -> TestSite {
    let site = TestSite::fixture("english");
    site.write(
        "content/guides/docs.md",
        &format!("---\ntitle: \"Writing guides\"\ndate: 2015-01-01\n---\n\n{body}"),
    );
    site.build_ok(&[]);
    site
}

fn code_texts(site: &TestSite) -> Vec<String> {
    site.html("guides/docs/index.html").texts("main code")
}

#[test]
fn shortcodes_in_code_spans_and_fences_stay_literal() {
    // Thesis 9 does not exist: a shortcode taken for real would stop the build.
    let site = guide_with_body(
        "Write `{{ thesis(9) }}` to quote.\n\n```\n{{ thesis(9) }}\n[x](@/nowhere.md)\n```\n",
    );
    let code = code_texts(&site);
    assert_eq!(code.len(), 2, "{code:?}");
    assert!(
        code.iter().all(|c| c.contains("{{ thesis(9) }}")),
        "{code:?}"
    );
}

#[test]
fn shortcode_in_an_indented_code_block_stays_literal() {
    let site =
        guide_with_body("Write this:\n\n    {{ thesis(9) }}\n    [x](@/nowhere.md)\n\nDone.\n");
    let code = code_texts(&site);
    assert!(
        code.iter().any(|c| c.contains("{{ thesis(9) }}")),
        "{code:?}"
    );
}

#[test]
fn shortcode_in_a_fence_inside_a_blockquote_stays_literal() {
    let site = guide_with_body("> ```\n> {{ thesis(9) }}\n> ```\n");
    let code = code_texts(&site);
    assert!(
        code.iter().any(|c| c.contains("{{ thesis(9) }}")),
        "{code:?}"
    );
}

#[test]
fn escaped_shortcode_braces_render_as_text() {
    let site = guide_with_body("Write \\{\\{ thesis(1) }} to quote.\n");
    let page = site.html("guides/docs/index.html");
    assert!(
        page.texts("main p")
            .iter()
            .any(|t| t == "Write {{ thesis(1) }} to quote."),
        "the escaped braces should be shown as text: {:?}",
        page.texts("main p")
    );
}

// ---------------------------------------------------------------------------------
// Definition lists and footnotes in the site language
// ---------------------------------------------------------------------------------

/// The basic Italian fixture with one more guide whose body is `body`.
fn italian_guide_with_body(body: &str) -> TestSite {
    let site = basic();
    site.write(
        "content/guides/glossario.md",
        &format!("---\ntitle: \"Glossario\"\ndate: 2015-01-01\n---\n\n{body}"),
    );
    site
}

#[test]
fn definition_lists_render_as_dl() {
    let site = italian_guide_with_body(
        "ROI\n: Ritorno sull'investimento.\n\nCTR\n: Percentuale di clic.\n",
    );
    site.build_ok(&[]);
    let page = site.html("guides/glossario/index.html");
    assert_eq!(page.texts("main dl > dt"), ["ROI", "CTR"]);
    assert_eq!(
        page.texts("main dl > dd"),
        ["Ritorno sull\u{2019}investimento.", "Percentuale di clic."]
    );
    assert!(site.output("style.css").contains(".prose dt"));
}

const TWO_NOTES: &str =
    "Uno[^a], due[^b] e ancora uno[^a].\n\n[^a]: Prima fonte.\n[^b]: Seconda fonte.\n";

#[test]
fn footnote_links_are_labelled_in_the_site_language() {
    let site = italian_guide_with_body(TWO_NOTES);
    site.build_ok(&[]);
    let page = site.html("guides/glossario/index.html");
    assert_eq!(
        page.attrs("main a[data-footnote-backref]", "aria-label"),
        [
            "Torna al riferimento 1",
            "Torna al riferimento 1-2",
            "Torna al riferimento 2"
        ]
    );
    // Each reference is described by the footnotes' heading ("Note"), as GitHub does.
    assert_eq!(
        page.attrs("main a[data-footnote-ref]", "aria-describedby"),
        ["footnotes-heading"; 3]
    );
    assert_eq!(page.text("main #footnotes-heading"), "Note");

    let en = TestSite::fixture("english");
    en.write(
        "content/guides/notes.md",
        &format!("---\ntitle: \"Notes\"\ndate: 2015-01-01\n---\n\n{TWO_NOTES}"),
    );
    en.build_ok(&[]);
    assert_eq!(
        en.html("guides/notes/index.html")
            .attrs("main a[data-footnote-backref]", "aria-label"),
        [
            "Back to reference 1",
            "Back to reference 1-2",
            "Back to reference 2"
        ]
    );
}

#[test]
fn a_site_footnote_label_is_escaped() {
    let site = italian_guide_with_body(TWO_NOTES);
    site.write("i18n/it.yaml", "footnote_backref: \"Su \\\"{n}\\\" <&>\"\n");
    site.build_ok(&[]);
    let page = site.html("guides/glossario/index.html");
    assert_eq!(
        page.attrs("main a[data-footnote-backref]", "aria-label")[0],
        "Su \"1\" <&>"
    );
    assert!(!site
        .output("guides/glossario/index.html")
        .contains("Su \"1\" <&>"));
}

// ---------------------------------------------------------------------------------
// 7. init and new
// ---------------------------------------------------------------------------------

fn init_and_build(language: &str) -> TestSite {
    let t = TestSite::empty();
    piazza_str(
        &["init", t.root().to_str().unwrap(), "--language", language],
        t.tmp(),
    )
    .success();
    t.build_ok(&[]);
    let home = t.html("index.html");
    assert_eq!(home.attr("html", "lang"), language);
    let report = check_links(&t.out(), "https://example.org");
    assert!(report.broken.is_empty(), "{}", report.broken.join("\n"));
    let ignored = std::fs::read_to_string(t.root().join(".gitignore")).unwrap();
    assert!(
        ignored.lines().any(|l| l == "/public/") && ignored.lines().any(|l| l == "/.piazza-serve/"),
        "{ignored}"
    );
    t
}

#[test]
fn init_english_site_builds() {
    let t = init_and_build("en");
    assert!(t.out().join("404.html").is_file());
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let t = TestSite::empty();
    t.write("notes.txt", "mine");
    let run = piazza_str(&["init", t.root().to_str().unwrap()], t.tmp()).code(1);
    assert!(!run.stderr.is_empty());
    assert_eq!(t.read("notes.txt"), "mine");
    assert!(!t.path("config.yaml").exists());
}

fn content_files(root: &Path) -> BTreeSet<String> {
    common::walk(&root.join("content"))
        .into_iter()
        .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn init_italian_then_new_guide_and_theses() {
    let t = init_and_build("it");
    let site_arg = t.root().to_str().unwrap();

    let before_day = today_utc();
    piazza_str(
        &["new", "guide", "Perché il ROI?", "--site", site_arg],
        t.tmp(),
    )
    .success();
    let after_day = today_utc();
    let rel = "content/guide/perche-il-roi.md";
    let text = t.read(rel);
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("date:"))
        .unwrap_or_else(|| panic!("no date in {rel}:\n{text}"))
        .trim()
        .trim_matches('"');
    assert!(
        date == before_day || date == after_day,
        "date {date}, today {before_day}"
    );
    t.build_ok(&[]);
    let guide = t.html("guide/perche-il-roi/index.html");
    assert_eq!(guide.text("h1"), "Perché il ROI?");

    // `new` never overwrites.
    t.edit(rel, |s| format!("{s}\nMy own words.\n"));
    let mine = t.read(rel);
    piazza_str(
        &["new", "guide", "Perché il ROI?", "--site", site_arg],
        t.tmp(),
    )
    .code(1);
    assert_eq!(t.read(rel), mine, "`new` overwrote an existing file");

    // `new thesis` takes the next free number (the starter has thesis 1).
    for (n, title) in [(2, "Misura prima di spendere"), (3, "Rispondi in giornata")] {
        let before = content_files(t.root());
        piazza_str(&["new", "thesis", title, "--site", site_arg], t.tmp()).success();
        let added: Vec<String> = content_files(t.root())
            .difference(&before)
            .cloned()
            .collect();
        assert_eq!(added.len(), 1, "one new file: {added:?}");
        let file = &added[0];
        let name = file.rsplit('/').next().unwrap();
        assert!(name.starts_with(&format!("{n:02}-")), "{file}");
        let text = t.read(file);
        assert!(
            text.lines().any(|l| l.trim() == format!("number: {n}")),
            "{file}:\n{text}"
        );
        t.build_ok(&[]);
    }
    let thesis_pages: Vec<_> = common::walk(&t.out())
        .into_iter()
        .filter(|p| {
            p.to_string_lossy()
                .contains("/03-rispondi-in-giornata/index.html")
        })
        .collect();
    assert_eq!(thesis_pages.len(), 1, "the new thesis is published");
    assert_eq!(
        Doc::open(&thesis_pages[0]).text("h1"),
        "Rispondi in giornata"
    );
}

// ---------------------------------------------------------------------------------
// 8. The example site in site/
// ---------------------------------------------------------------------------------

fn config_value(config: &str, key: &str) -> String {
    config
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key} in config.yaml"))
        .split('#')
        .next()
        .unwrap()
        .trim()
        .trim_matches('"')
        .to_string()
}

#[test]
fn example_site_builds_cleanly_with_working_links_and_share_tags() {
    let site = TestSite::copy_of(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/site")));
    let run = site.build_ok(&[]);
    assert!(
        !run.stderr.contains("warning:"),
        "the example site builds with warnings:\n{}",
        run.stderr
    );
    let config = site.read("config.yaml");
    let base_url = config_value(&config, "base_url");
    let base = base_url.trim_end_matches('/');
    let theses_dir = if config.lines().any(|l| l.starts_with("theses_section:")) {
        config_value(&config, "theses_section")
    } else {
        "theses".to_string()
    };

    let report = check_links(&site.out(), base);
    assert!(report.checked > 100, "too few links checked: {report:?}");
    assert!(report.broken.is_empty(), "{}", report.broken.join("\n"));

    for section in ["guides", theses_dir.as_str()] {
        // Published pages in the source...
        let sources = common::walk(&site.path(&format!("content/{section}")))
            .into_iter()
            .filter(|p| {
                p.extension().is_some_and(|e| e == "md")
                    && p.file_name().unwrap() != "_index.md"
                    && !std::fs::read_to_string(p)
                        .unwrap()
                        .lines()
                        .any(|l| l.trim() == "draft: true")
            })
            .count();
        // ...and their pages in the output.
        let pages: Vec<_> = common::walk(&site.out().join(section))
            .into_iter()
            .filter(|p| {
                let rel = p.strip_prefix(site.out().join(section)).unwrap();
                let parts: Vec<_> = rel.components().collect();
                parts.len() == 2
                    && rel.file_name().unwrap() == "index.html"
                    && parts[0].as_os_str() != "page"
            })
            .collect();
        assert!(sources > 0, "no {section} in the example site");
        assert_eq!(pages.len(), sources, "every {section} page is built");
        for file in pages {
            let doc = Doc::open(&file);
            let rel = file.strip_prefix(site.out()).unwrap().to_string_lossy();
            let url = format!("{base}/{}", rel.strip_suffix("index.html").unwrap());
            assert_eq!(doc.canonical(), url, "{rel}: canonical");
            assert_eq!(doc.og("og:url"), url, "{rel}: og:url");
            assert!(!doc.og("og:title").trim().is_empty(), "{rel}: og:title");
            assert!(
                !doc.og("og:description").trim().is_empty(),
                "{rel}: og:description"
            );
            let image = doc.og("og:image");
            assert!(
                image.starts_with("https://") || image.starts_with("http://"),
                "{rel}: og:image {image}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Favicons: no page makes the browser ask for an icon that is not there
// ---------------------------------------------------------------------------------

/// Every icon a page links to, and `/favicon.ico` (which browsers and feed readers ask
/// for on their own), is a published file.
#[test]
fn the_default_theme_ships_the_icons_its_pages_link_to() {
    let site = basic();
    site.build_ok(&["--base-url", "https://example.org/bottega/"]);
    for page in ["index.html", "guides/primo-passo/index.html", "404.html"] {
        let doc = site.html(page);
        // Fingerprinted: `/bottega/favicon.svg?v=HASH`.
        let icons: Vec<String> = doc
            .attrs("link[rel=icon], link[rel=apple-touch-icon]", "href")
            .iter()
            .map(|href| match href.split_once("?v=") {
                Some((path, _)) => path.to_string(),
                None => panic!("{page}: {href} is not fingerprinted"),
            })
            .collect();
        assert_eq!(
            as_set(icons.clone()),
            set(&[
                "/bottega/favicon.svg",
                "/bottega/favicon-32.png",
                "/bottega/apple-touch-icon.png"
            ]),
            "{page}"
        );
        for href in icons {
            let rel = href.trim_start_matches("/bottega/");
            assert!(
                site.has_output(rel),
                "{page} links to {href}, not published"
            );
        }
    }
    let ico = std::fs::read(site.out().join("favicon.ico")).expect("favicon.ico");
    assert_eq!(&ico[..4], &[0, 0, 1, 0], "an ICO file");
    let touch = std::fs::read(site.out().join("apple-touch-icon.png")).expect("touch icon");
    assert_eq!(&touch[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn a_site_favicon_replaces_every_theme_icon() {
    let site = basic();
    site.edit("config.yaml", |c| format!("{c}favicon: /images/x.png\n"));
    site.build_ok(&[]);
    let doc = site.html("index.html");
    let href = doc.attr("link[rel=icon]", "href");
    assert!(href.starts_with("/images/x.png?v="), "{href}");
    assert_eq!(doc.attr("link[rel=icon]", "type"), "image/png");
    assert_eq!(doc.count("link[rel=apple-touch-icon]"), 0);
    for theme_icon in [
        "favicon.svg",
        "favicon-32.png",
        "favicon.ico",
        "apple-touch-icon.png",
    ] {
        assert!(
            !site.has_output(theme_icon),
            "the theme's {theme_icon} must not stand for the site's own icon"
        );
    }
}

#[test]
fn a_favicon_that_is_missing_or_not_an_icon_is_an_error_at_its_line() {
    for (value, says) in [
        ("/images/missing.svg", "does not exist"),
        ("/images/x.gif", "not an icon"),
        ("https://cdn.example/icon.png", "not an icon"),
    ] {
        let site = basic();
        site.edit("config.yaml", |c| format!("{c}favicon: {value}\n"));
        let line = site.read("config.yaml").lines().count();
        let run = site.build(&[]).code(1);
        assert!(run.stderr.contains(says), "{value}: {}", run.stderr);
        common::assert_located(&run.stderr, "config.yaml", line, None);
        assert!(!site.out().exists(), "nothing is written");
    }
}

/// Every output file of `site`, by path inside the output.
fn output_bytes(site: &TestSite) -> std::collections::BTreeMap<String, Vec<u8>> {
    common::walk(&site.out())
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(site.out())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn the_same_site_builds_to_the_same_bytes() {
    // The example site has search and comment forms: the two outputs that once
    // depended on the order threads finished in and on the clock.
    let site = TestSite::copy_of(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/site")));
    site.build_ok(&[]);
    let first = output_bytes(&site);
    assert!(
        first.keys().any(|k| k.starts_with("pagefind/")),
        "no search index"
    );
    std::fs::remove_dir_all(site.out()).unwrap();
    // Past a second boundary, which a build-time stamp would show.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    site.build_ok(&[]);
    let second = output_bytes(&site);
    let differ: Vec<&String> = first
        .keys()
        .chain(second.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|k| first.get(*k) != second.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "these files differ between two builds: {differ:?}"
    );
}
