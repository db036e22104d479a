//! Share-ready pages: the head every page carries (canonical, Open Graph, X cards,
//! JSON-LD), image sizes read from real files of each format, share links decoded back to
//! the canonical URL and title, hostile text round-trips, and valid HTML.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};
use serde_json::Value;

use common::{copy_dir, percent_decode};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/site");
const BASE: &str = "https://share.example.org/blog";

const HOSTILE_TITLE: &str =
    "Tom & \"Jerry\" <script>x</script> </script> {{ y }} #1 ?a=b+c perché 😀 l’ultima «prova»";
const HOSTILE_DESCRIPTION: &str = "Riga uno: \"virgolette\" & 'apici' <b>tag</b> </script> {{ z }} 100% #2 ?x=1+2\nriga due, perché 😀 l’ultima «prova»\n";

// ---------------------------------------------------------------------------------------
// Images: tiny files with valid headers, written by the tests.

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A complete, valid PNG: 1-bit grayscale, the pixels in stored (uncompressed) deflate blocks.
fn png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for _ in 0..height {
        raw.push(0); // filter: none
        raw.extend(std::iter::repeat_n(0xFFu8, width.div_ceil(8) as usize));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());

    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid GIF: a `width`x`height` canvas holding one 1x1 white pixel.
fn gif(width: u16, height: u16) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend(width.to_le_bytes());
    out.extend(height.to_le_bytes());
    out.extend([0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF]);
    out.extend([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
    out.extend([0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]);
    out
}

/// A flat colour, `width`x`height`, as RGB bytes.
fn rgb(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_pixel(width, height, image::Rgb([30, 90, 160]))
}

/// A real baseline JPEG: the build decodes every image a page shows.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&rgb(width.into(), height.into()))
        .unwrap();
    out
}

/// A lossy WebP (a `VP8 ` chunk), from libwebp.
fn webp_lossy(width: u16, height: u16) -> Vec<u8> {
    let img = rgb(width.into(), height.into());
    webp::Encoder::from_rgb(img.as_raw(), width.into(), height.into())
        .encode(75.0)
        .to_vec()
}

/// A lossless WebP (a `VP8L` chunk).
fn webp_lossless(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(
            rgb(width, height).as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// An extended WebP (`VP8X` with the canvas size): lossy with an alpha channel.
fn webp_extended(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([30, 90, 160, 128]));
    let out = webp::Encoder::from_rgba(img.as_raw(), width, height)
        .encode(75.0)
        .to_vec();
    assert_eq!(&out[12..16], b"VP8X", "libwebp wrote no extended header");
    out
}

/// One image of share-basic, as the tests write it and expect it in the head.
struct TestImage {
    /// Where it is written, relative to the site.
    file: &'static str,
    bytes: Vec<u8>,
    /// Its site path.
    url: &'static str,
    width: u32,
    height: u32,
    mime: &'static str,
}

fn basic_images() -> Vec<TestImage> {
    let image = |file, bytes, url, width, height, mime| TestImage {
        file,
        bytes,
        url,
        width,
        height,
        mime,
    };
    vec![
        image(
            "static/images/site.png",
            png(1200, 630),
            "/images/site.png",
            1200,
            630,
            "image/png",
        ),
        image(
            "static/images/cover.png",
            png(1400, 735),
            "/images/cover.png",
            1400,
            735,
            "image/png",
        ),
        image(
            "static/images/cover.jpg",
            jpeg(1280, 670),
            "/images/cover.jpg",
            1280,
            670,
            "image/jpeg",
        ),
        image(
            "static/images/cover.gif",
            gif(640, 336),
            "/images/cover.gif",
            640,
            336,
            "image/gif",
        ),
        image(
            "content/guides/webp-cover/cover.webp",
            webp_lossy(1910, 1000),
            "/guides/webp-cover/cover.webp",
            1910,
            1000,
            "image/webp",
        ),
        image(
            "static/images/lossless.webp",
            webp_lossless(1500, 785),
            "/images/lossless.webp",
            1500,
            785,
            "image/webp",
        ),
        image(
            "static/images/extended.webp",
            webp_extended(2400, 1256),
            "/images/extended.webp",
            2400,
            1256,
            "image/webp",
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Building and reading.

struct Built {
    _tmp: tempfile::TempDir,
    out: PathBuf,
}

struct Run {
    code: i32,
    stderr: String,
}

/// Copies fixture `name` to a temporary folder, lets `prepare` change it, and builds it.
fn build_with(name: &str, prepare: impl FnOnce(&Path)) -> (Built, Run) {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_dir(&Path::new(FIXTURES).join(name), &site, &|f| {
        f != Path::new("public")
    });
    prepare(&site);
    let out = tmp.path().join("out");
    let run = build_site(&site, &out);
    (Built { _tmp: tmp, out }, run)
}

fn build_site(site: &Path, out: &Path) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_piazza"))
        .arg("build")
        .arg("--site")
        .arg(site)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("run piazza");
    Run {
        code: o.status.code().expect("exit code"),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn write_images(site: &Path, skip: Option<&str>) {
    for img in basic_images() {
        if Some(img.file) == skip {
            continue;
        }
        let path = site.join(img.file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, img.bytes).unwrap();
    }
}

fn build_ok(name: &str, prepare: impl FnOnce(&Path)) -> Built {
    let (built, run) = build_with(name, prepare);
    assert_eq!(run.code, 0, "build of {name} failed:\n{}", run.stderr);
    built
}

fn basic() -> Built {
    build_ok("share-basic", |site| write_images(site, None))
}

fn page(built: &Built, rel: &str) -> Html {
    let path = built.out.join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Html::parse_document(&text)
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// Every `content` of `<meta property|name=key>`.
fn metas(doc: &Html, key: &str) -> Vec<String> {
    let s = sel(&format!(r#"meta[property="{key}"], meta[name="{key}"]"#));
    doc.select(&s)
        .map(|m| m.value().attr("content").unwrap_or_default().to_string())
        .collect()
}

/// The one `content` of `<meta property|name=key>`.
fn meta(doc: &Html, key: &str) -> String {
    let all = metas(doc, key);
    assert_eq!(all.len(), 1, "expected one {key}, found {all:?}");
    all.into_iter().next().unwrap()
}

fn attr(doc: &Html, selector: &str, name: &str) -> String {
    let found: Vec<String> = doc
        .select(&sel(selector))
        .filter_map(|e| e.value().attr(name).map(str::to_string))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {selector}[{name}], found {found:?}"
    );
    found.into_iter().next().unwrap()
}

fn text(doc: &Html, selector: &str) -> String {
    doc.select(&sel(selector))
        .next()
        .unwrap_or_else(|| panic!("no {selector}"))
        .text()
        .collect()
}

/// The nodes of the page's JSON-LD graph.
fn json_ld(doc: &Html) -> Vec<Value> {
    let scripts: Vec<String> = doc
        .select(&sel(r#"script[type="application/ld+json"]"#))
        .map(|s| s.text().collect())
        .collect();
    assert_eq!(scripts.len(), 1, "one JSON-LD script");
    let v: Value = serde_json::from_str(&scripts[0])
        .unwrap_or_else(|e| panic!("JSON-LD does not parse ({e}): {}", scripts[0]));
    assert_eq!(v["@context"], "https://schema.org");
    v["@graph"].as_array().expect("@graph").clone()
}

fn node(graph: &[Value], kind: &str) -> Value {
    graph
        .iter()
        .find(|n| n["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {graph:#?}"))
        .clone()
}

/// Splits a share link into the part before `?` and its decoded query parameters.
fn share_query(href: &str) -> (String, HashMap<String, String>) {
    let (base, query) = href.split_once('?').expect("a query");
    assert!(
        !query.contains([' ', '#', '"', '<', '>']) && query.is_ascii(),
        "raw characters in the query of {href}"
    );
    let params = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), percent_decode(v))
        })
        .collect();
    (base.to_string(), params)
}

/// The share bar's links: (network, href, aria-label), in page order.
fn share_links(doc: &Html) -> Vec<(String, String, String)> {
    doc.select(&sel("a.share-link"))
        .map(|a| {
            let network = a
                .value()
                .classes()
                .find_map(|c| c.strip_prefix("share-").filter(|n| *n != "link"))
                .expect("a share-NETWORK class")
                .to_string();
            (
                network,
                a.value().attr("href").unwrap().to_string(),
                a.value().attr("aria-label").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Checks that each share link decodes back to `url` and `title`.
fn assert_share_links(doc: &Html, order: &[&str], url: &str, title: &str, via: Option<&str>) {
    let links = share_links(doc);
    let networks: Vec<&str> = links.iter().map(|(n, ..)| n.as_str()).collect();
    assert_eq!(networks, order, "share: order");
    for (network, href, label) in &links {
        assert!(!label.trim().is_empty(), "{network} link has no label");
        assert!(
            !href.contains("%25"),
            "{network} link encoded twice: {href}"
        );
        let (base, q) = share_query(href);
        let get = |k: &str| {
            q.get(k)
                .unwrap_or_else(|| panic!("no {k} in {href}"))
                .as_str()
        };
        match network.as_str() {
            "facebook" => {
                assert_eq!(base, "https://www.facebook.com/sharer/sharer.php");
                assert_eq!(get("u"), url);
            }
            "x" => {
                assert_eq!(base, "https://x.com/intent/tweet");
                assert_eq!(get("url"), url);
                assert_eq!(get("text"), title);
                assert_eq!(q.get("via").map(String::as_str), via);
            }
            "linkedin" => {
                assert_eq!(base, "https://www.linkedin.com/sharing/share-offsite/");
                assert_eq!(get("url"), url);
            }
            "whatsapp" => {
                assert_eq!(base, "https://wa.me/");
                assert_eq!(get("text"), format!("{title} {url}"));
            }
            "telegram" => {
                assert_eq!(base, "https://t.me/share/url");
                assert_eq!(get("url"), url);
                assert_eq!(get("text"), title);
            }
            "email" => {
                assert_eq!(base, "mailto:");
                assert_eq!(get("subject"), title);
                assert_eq!(get("body"), url);
            }
            other => panic!("unexpected network {other}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tests.

#[test]
fn every_page_carries_canonical_open_graph_and_x_tags() {
    let built = basic();
    let pages = [
        (
            "guides/png-cover/index.html",
            "/guides/png-cover/",
            "article",
        ),
        (
            "theses/01-ascoltare/index.html",
            "/theses/01-ascoltare/",
            "article",
        ),
        ("about/index.html", "/about/", "website"),
        ("index.html", "/", "website"),
        ("guides/index.html", "/guides/", "website"),
        ("theses/index.html", "/theses/", "website"),
    ];
    for (rel, path, og_type) in pages {
        let doc = page(&built, rel);
        let canonical = attr(&doc, r#"link[rel="canonical"]"#, "href");
        assert_eq!(canonical, format!("{BASE}{path}"), "{rel}");
        assert_eq!(meta(&doc, "og:url"), canonical, "{rel}: og:url = canonical");
        assert_eq!(meta(&doc, "og:type"), og_type, "{rel}");
        assert_eq!(meta(&doc, "og:locale"), "it_IT", "{rel}");
        assert_eq!(meta(&doc, "og:site_name"), "Piazza di Prova");
        assert_eq!(attr(&doc, "html", "lang"), "it");
        assert!(!meta(&doc, "og:title").is_empty());
        assert_eq!(meta(&doc, "og:description"), meta(&doc, "description"));
        assert_eq!(meta(&doc, "twitter:title"), meta(&doc, "og:title"));
        assert_eq!(
            meta(&doc, "twitter:description"),
            meta(&doc, "og:description")
        );
        assert_eq!(meta(&doc, "twitter:card"), "summary_large_image", "{rel}");
        assert_eq!(meta(&doc, "twitter:site"), "@piazzaprova");
        assert_eq!(meta(&doc, "fb:app_id"), "1234567890", "{rel}");
        let image = meta(&doc, "og:image");
        assert!(image.starts_with(&format!("{BASE}/")), "{rel}: {image}");
        assert_eq!(meta(&doc, "twitter:image"), image);
        assert_eq!(
            attr(
                &doc,
                r#"link[rel="alternate"][type="application/rss+xml"]"#,
                "href"
            ),
            format!("{BASE}/feed.xml")
        );
        assert!(text(&doc, "title").ends_with("Piazza di Prova"));
        let is_article = og_type == "article";
        assert_eq!(
            !metas(&doc, "article:published_time").is_empty(),
            is_article,
            "{rel}: article:* only on articles"
        );
    }
    let doc = page(&built, "guides/png-cover/index.html");
    assert!(meta(&doc, "article:published_time").starts_with("2025-03-01"));
    assert!(meta(&doc, "article:modified_time").starts_with("2025-04-02"));
    assert_eq!(meta(&doc, "article:author"), "https://example.com/bruno");
    assert_eq!(metas(&doc, "article:tag"), ["social media", "PMI"]);
    assert_eq!(meta(&doc, "og:title"), "Una guida con un’immagine PNG");
    assert_eq!(
        text(&doc, "title"),
        "Una guida con un’immagine PNG — Piazza di Prova"
    );
}

#[test]
fn image_size_and_type_are_read_from_each_format() {
    let built = basic();
    let expect = |rel: &str, file: &str| {
        let img = basic_images().into_iter().find(|i| i.file == file).unwrap();
        let doc = page(&built, rel);
        assert_eq!(
            meta(&doc, "og:image"),
            format!("{BASE}{}", img.url),
            "{rel}"
        );
        assert_eq!(meta(&doc, "og:image:width"), img.width.to_string(), "{rel}");
        assert_eq!(
            meta(&doc, "og:image:height"),
            img.height.to_string(),
            "{rel}"
        );
        assert_eq!(meta(&doc, "og:image:type"), img.mime, "{rel}");
        assert!(
            built.out.join(&img.url[1..]).is_file(),
            "{} is published",
            img.url
        );
        doc
    };
    let doc = expect("guides/png-cover/index.html", "static/images/cover.png");
    assert_eq!(meta(&doc, "og:image:alt"), "Una copertina PNG");
    assert_eq!(meta(&doc, "twitter:image:alt"), "Una copertina PNG");
    expect("guides/jpeg-cover/index.html", "static/images/cover.jpg");
    expect("guides/gif-cover/index.html", "static/images/cover.gif");
    let doc = expect(
        "guides/webp-cover/index.html",
        "content/guides/webp-cover/cover.webp",
    );
    assert_eq!(meta(&doc, "og:image:alt"), "Una copertina WebP");
    expect(
        "theses/01-ascoltare/index.html",
        "static/images/lossless.webp",
    );
    expect("about/index.html", "static/images/extended.webp");
    // Without an image of its own, a guide, the home page and a list show their
    // generated share card; pages that get no card (tags) show the site's image.
    for (rel, card) in [
        ("guides/hostile/index.html", "guides/hostile/card.png"),
        ("index.html", "card.png"),
        ("guides/index.html", "guides/card.png"),
    ] {
        let doc = page(&built, rel);
        assert_eq!(meta(&doc, "og:image"), format!("{BASE}/{card}"), "{rel}");
        assert_eq!(meta(&doc, "twitter:image"), format!("{BASE}/{card}"));
        assert_eq!(meta(&doc, "og:image:width"), "1200", "{rel}");
        assert_eq!(meta(&doc, "og:image:height"), "630", "{rel}");
        assert_eq!(meta(&doc, "og:image:type"), "image/png", "{rel}");
        assert_eq!(meta(&doc, "twitter:card"), "summary_large_image");
        assert!(built.out.join(card).is_file(), "{card} is published");
    }
    let doc = page(&built, "guides/hostile/index.html");
    assert_eq!(
        meta(&doc, "og:image:alt"),
        format!("{HOSTILE_TITLE} — Piazza di Prova")
    );
    let doc = expect("tags/pmi/index.html", "static/images/site.png");
    assert_eq!(meta(&doc, "og:image:alt"), "Il logo del sito di prova");
}

#[test]
fn json_ld_describes_guides_home_and_lists() {
    let built = basic();
    let canonical = format!("{BASE}/guides/png-cover/");
    let graph = json_ld(&page(&built, "guides/png-cover/index.html"));
    let post = node(&graph, "BlogPosting");
    assert_eq!(post["headline"], "Una guida con un’immagine PNG");
    assert_eq!(
        post["description"],
        "La guida di riferimento per i dati strutturati."
    );
    assert!(post["datePublished"]
        .as_str()
        .unwrap()
        .starts_with("2025-03-01"));
    assert!(post["dateModified"]
        .as_str()
        .unwrap()
        .starts_with("2025-04-02"));
    assert_eq!(post["author"]["@type"], "Person");
    assert_eq!(post["author"]["name"], "Bruno Bianchi");
    assert_eq!(post["author"]["url"], "https://example.com/bruno");
    assert_eq!(post["image"]["url"], format!("{BASE}/images/cover.png"));
    assert_eq!(post["image"]["width"], 1400);
    assert_eq!(post["image"]["height"], 735);
    assert_eq!(post["publisher"]["@type"], "Organization");
    assert_eq!(post["publisher"]["name"], "Piazza di Prova");
    assert_eq!(post["mainEntityOfPage"]["@id"], canonical);
    assert_eq!(post["inLanguage"], "it");

    let crumbs = node(&graph, "BreadcrumbList");
    let items = crumbs["itemListElement"].as_array().unwrap();
    let urls: Vec<&str> = items.iter().map(|i| i["item"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        [
            format!("{BASE}/"),
            format!("{BASE}/guides/"),
            canonical.clone()
        ]
    );
    let positions: Vec<u64> = items
        .iter()
        .map(|i| i["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3]);
    assert_eq!(items[1]["name"], "Guide");
    assert_eq!(items[2]["name"], "Una guida con un’immagine PNG");

    // A guide without `updated:` is modified when it was published; the config author.
    let post = node(
        &json_ld(&page(&built, "guides/jpeg-cover/index.html")),
        "BlogPosting",
    );
    assert_eq!(post["dateModified"], post["datePublished"]);
    assert_eq!(post["author"]["name"], "Anna Rossi");

    let home = node(&json_ld(&page(&built, "index.html")), "WebSite");
    assert_eq!(home["url"], format!("{BASE}/"));
    assert_eq!(home["name"], "Piazza di Prova");
    for (rel, path) in [
        ("guides/index.html", "/guides/"),
        ("theses/index.html", "/theses/"),
    ] {
        let graph = json_ld(&page(&built, rel));
        let list = node(&graph, "CollectionPage");
        assert_eq!(list["url"], format!("{BASE}{path}"));
        node(&graph, "BreadcrumbList");
    }
}

#[test]
fn json_ld_publisher_logo_is_the_site_logo() {
    let built = build_ok("share-basic", |site| {
        write_images(site, None);
        std::fs::write(site.join("static/images/logo.png"), png(112, 112)).unwrap();
        let config = std::fs::read_to_string(site.join("config.yaml")).unwrap();
        let config = config.replace(
            "  twitter_site:",
            "  publisher_logo: /images/logo.png\n  twitter_site:",
        );
        std::fs::write(site.join("config.yaml"), config).unwrap();
    });
    for rel in ["guides/png-cover/index.html", "index.html"] {
        let graph = json_ld(&page(&built, rel));
        let publisher = graph
            .iter()
            .flat_map(|n| {
                [
                    n.get("publisher"),
                    (n["@type"] == "Organization").then_some(n),
                ]
            })
            .flatten()
            .next()
            .unwrap_or_else(|| panic!("{rel}: no publisher in {graph:#?}"));
        assert_eq!(
            publisher["logo"],
            serde_json::json!({
                "@type": "ImageObject",
                "url": format!("{BASE}/images/logo.png"),
                "width": 112,
                "height": 112
            }),
            "{rel}"
        );
    }
    // Without a logo, the publisher has none: the share image is no logo.
    let graph = json_ld(&page(&basic(), "guides/png-cover/index.html"));
    let post = node(&graph, "BlogPosting");
    assert!(post["publisher"].get("logo").is_none(), "{post:#}");
}

#[test]
fn share_links_follow_config_order_and_decode_to_url_and_title() {
    let built = basic();
    let order = ["linkedin", "email", "facebook", "x", "whatsapp", "telegram"];
    let doc = page(&built, "guides/png-cover/index.html");
    assert_share_links(
        &doc,
        &order,
        &format!("{BASE}/guides/png-cover/"),
        "Una guida con un’immagine PNG",
        Some("piazzaprova"),
    );
    let labels: HashMap<String, String> = share_links(&doc)
        .into_iter()
        .map(|(n, _, l)| (n, l))
        .collect();
    assert_eq!(labels["facebook"], "Condividi su Facebook");
    assert_eq!(labels["email"], "Invia per email");

    // A thesis is shared with its number.
    let doc = page(&built, "theses/01-ascoltare/index.html");
    let links = share_links(&doc);
    let (_, q) = share_query(&links.iter().find(|l| l.0 == "telegram").unwrap().1);
    let shared_title = q["text"].clone();
    assert!(
        shared_title.ends_with("Ascoltare prima di parlare") && shared_title.contains('1'),
        "{shared_title}"
    );
    assert_share_links(
        &doc,
        &order,
        &format!("{BASE}/theses/01-ascoltare/"),
        &shared_title,
        Some("piazzaprova"),
    );

    // Standalone pages and lists have no share bar.
    for rel in ["about/index.html", "index.html", "guides/index.html"] {
        assert!(share_links(&page(&built, rel)).is_empty(), "{rel}");
    }
}

#[test]
fn hostile_title_and_description_round_trip() {
    let built = basic();
    let doc = page(&built, "guides/hostile/index.html");
    let url = format!("{BASE}/guides/hostile/");

    // The HTML parser gives back exactly what was written.
    assert_eq!(
        text(&doc, "title"),
        format!("{HOSTILE_TITLE} — Piazza di Prova")
    );
    assert_eq!(text(&doc, "h1"), HOSTILE_TITLE);
    assert_eq!(meta(&doc, "og:title"), HOSTILE_TITLE);
    assert_eq!(meta(&doc, "twitter:title"), HOSTILE_TITLE);
    assert_eq!(meta(&doc, "description"), HOSTILE_DESCRIPTION);
    assert_eq!(meta(&doc, "og:description"), HOSTILE_DESCRIPTION);
    assert_eq!(meta(&doc, "twitter:description"), HOSTILE_DESCRIPTION);
    assert_eq!(
        attr(&doc, "[data-share-title]", "data-share-title"),
        HOSTILE_TITLE
    );
    // Nothing broke out: the only scripts are the JSON-LD and the theme's own.
    for s in doc.select(&sel("script")) {
        let t = s.value().attr("type");
        let src = s.value().attr("src");
        assert!(
            t == Some("application/ld+json")
                || src.is_some_and(|s| s
                    .split('?')
                    .next()
                    .is_some_and(|p| p.ends_with("piazza.js"))),
            "unexpected script: {}",
            s.html()
        );
    }
    assert!(
        doc.select(&sel("b")).next().is_none(),
        "no <b> from the text"
    );

    // The JSON parser too.
    let graph = json_ld(&doc);
    let post = node(&graph, "BlogPosting");
    assert_eq!(post["headline"], HOSTILE_TITLE);
    assert_eq!(post["description"], HOSTILE_DESCRIPTION);
    let crumbs = node(&graph, "BreadcrumbList");
    assert_eq!(crumbs["itemListElement"][2]["name"], HOSTILE_TITLE);

    // And the URL decoder.
    let order = ["linkedin", "email", "facebook", "x", "whatsapp", "telegram"];
    assert_share_links(&doc, &order, &url, HOSTILE_TITLE, Some("piazzaprova"));

    // The feed's XML parser as well.
    let feed = std::fs::read_to_string(built.out.join("feed.xml")).unwrap();
    let xml = roxmltree::Document::parse(&feed).expect("feed parses");
    let item = xml
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .find(|i| {
            i.children()
                .any(|c| c.has_tag_name("link") && c.text() == Some(url.as_str()))
        })
        .expect("the hostile guide is in the feed");
    let child = |name: &str| {
        item.children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(child("title"), HOSTILE_TITLE);
    assert_eq!(child("description"), HOSTILE_DESCRIPTION);
}

#[test]
fn without_any_image_the_card_is_a_summary() {
    let built = build_ok("share-plain", |_| {});
    for (rel, og_type) in [
        ("guides/no-image/index.html", "article"),
        ("index.html", "website"),
        ("guides/index.html", "website"),
    ] {
        let doc = page(&built, rel);
        assert_eq!(meta(&doc, "twitter:card"), "summary", "{rel}");
        assert_eq!(meta(&doc, "og:type"), og_type);
        assert_eq!(meta(&doc, "og:locale"), "en_US");
        assert_eq!(attr(&doc, "html", "lang"), "en");
        for absent in ["og:image", "twitter:image", "fb:app_id", "twitter:site"] {
            assert!(metas(&doc, absent).is_empty(), "{rel} has {absent}");
        }
        assert_eq!(
            meta(&doc, "og:url"),
            attr(&doc, r#"link[rel="canonical"]"#, "href")
        );
    }
    let doc = page(&built, "guides/no-image/index.html");
    let post = node(&json_ld(&doc), "BlogPosting");
    assert!(post.get("image").is_none());
    // `twitter` is an alias of x; without twitter_site there is no `via`.
    assert_share_links(
        &doc,
        &["email", "x"],
        "https://plain.example.org/guides/no-image/",
        "A guide without an image",
        None,
    );
}

#[test]
fn a_missing_image_is_an_error_naming_page_and_line() {
    let (built, run) = build_with("share-basic", |site| {
        write_images(site, Some("static/images/cover.gif"))
    });
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("content/guides/gif-cover.md:5"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cover.gif"), "{}", run.stderr);
    assert!(!built.out.exists(), "nothing is written");
}

#[test]
fn google_plus_is_an_error_that_says_it_closed() {
    for name in ["google+", "googleplus"] {
        let (built, run) = build_with("share-basic", |site| {
            write_images(site, None);
            let config = std::fs::read_to_string(site.join("config.yaml")).unwrap();
            let config = config.replace(
                "share: [linkedin, email, facebook, twitter, whatsapp, telegram]",
                &format!("share: [facebook, \"{name}\", email]"),
            );
            std::fs::write(site.join("config.yaml"), config).unwrap();
        });
        assert_eq!(run.code, 1, "{name}");
        assert!(run.stderr.contains("2019"), "{}", run.stderr);
        assert!(run.stderr.contains("config.yaml"), "{}", run.stderr);
        assert!(!built.out.exists());
    }
}

/// Where the newest Nu Html Checker is: `$VNU_JAR`, or where `.ci/run` installs it
/// (`npm install --prefix ~/.cache/piazza/vnu vnu-jar`).
fn vnu_jar() -> Option<PathBuf> {
    let jar = match std::env::var_os("VNU_JAR") {
        Some(j) => PathBuf::from(j),
        None => PathBuf::from(std::env::var_os("HOME")?)
            .join(".cache/piazza/vnu/node_modules/vnu-jar/build/dist/vnu.jar"),
    };
    jar.is_file().then_some(jar)
}

/// Runs the Nu Html Checker on every HTML file under `out`; its report when it finds
/// errors or warnings (plain notes, such as on `<img />` written by comrak, are valid
/// HTML and pass). Without the checker the test fails in CI (which installs it) and is
/// skipped, loudly, on a developer's machine.
fn validate(out: &Path) -> Option<String> {
    let Some(jar) = vnu_jar() else {
        let how =
            "install it with `npm install --ignore-scripts --prefix ~/.cache/piazza/vnu vnu-jar` \
                   (it runs on Java) or set VNU_JAR to its vnu.jar";
        if std::env::var_os("CI").is_none() {
            eprintln!("SKIPPED: the Nu Html Checker (vnu.jar) is not installed; {how}");
            return None;
        }
        panic!("the Nu Html Checker (vnu.jar) is not installed; {how}. .ci/run does.");
    };
    let o = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--skip-non-html", "--format", "json"])
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("java -jar {} could not be run: {e}", jar.display()));
    let report: Value = serde_json::from_slice(&o.stderr).unwrap_or_else(|e| {
        panic!(
            "the Nu Html Checker's report is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let problems: Vec<String> = report["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["type"] != "info" || m["subType"] == "warning")
        .map(|m| {
            format!(
                "{}:{}: {} {}: {}",
                m["url"].as_str().unwrap_or("?"),
                m["lastLine"],
                m["type"].as_str().unwrap_or("?"),
                m["subType"].as_str().unwrap_or(""),
                m["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    (!problems.is_empty()).then(|| {
        format!(
            "the Nu Html Checker found errors or warnings in {}:\n{}",
            out.display(),
            problems.join("\n")
        )
    })
}

#[test]
fn built_sites_are_valid_html() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("example");
    let run = build_site(Path::new(EXAMPLE), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The example site, and a site with hostile text and every image format.
    let built = basic();
    let reports: Vec<String> = [out.as_path(), built.out.as_path()]
        .into_iter()
        .filter_map(validate)
        .collect();
    assert!(reports.is_empty(), "{}", reports.join("\n"));
}
