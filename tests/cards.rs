//! Generated share cards (issue 5): every guide, thesis, list and the home page without
//! an `image:` shares a 1200x630 PNG drawn from the theme's `card.svg`.
//!
//! The fixture `tests/fixtures/cards/` has guides with and without images, a 200+
//! character title, an emoji-only title, a hostile title, Italian punctuation, two
//! theses and a standalone page. Golden images live in `tests/fixtures/cards-golden/`;
//! after an intended layout change, regenerate them with
//! `PIAZZA_BLESS_CARDS=1 cargo test --test cards` and look at them before committing.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use common::{piazza_str, TestSite};
use piazza::site::SiteOptions;
use piazza::watch::Rebuilder;

const BASE: &str = "https://cards.example.org";

/// Pages whose share image is their generated card: (page, card), output-relative.
const WITH_CARD: [(&str, &str); 11] = [
    ("index.html", "card.png"),
    ("guides/index.html", "guides/card.png"),
    ("guides/page/2/index.html", "guides/card.png"),
    ("theses/index.html", "theses/card.png"),
    (
        "guides/primi-passi/index.html",
        "guides/primi-passi/card.png",
    ),
    ("guides/italiano/index.html", "guides/italiano/card.png"),
    (
        "guides/titolo-lunghissimo/index.html",
        "guides/titolo-lunghissimo/card.png",
    ),
    ("guides/solo-emoji/index.html", "guides/solo-emoji/card.png"),
    ("guides/ostile/index.html", "guides/ostile/card.png"),
    (
        "theses/01-ascoltare/index.html",
        "theses/01-ascoltare/card.png",
    ),
    ("theses/03-voce/index.html", "theses/03-voce/card.png"),
];

/// Decoded RGB(A) pixels of a PNG, with its size.
struct Pixels {
    width: u32,
    height: u32,
    channels: usize,
    data: Vec<u8>,
}

impl Pixels {
    fn decode(bytes: &[u8]) -> Pixels {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        // Palette cards come out as RGB.
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut data = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut data).expect("PNG pixels");
        data.truncate(info.buffer_size());
        Pixels {
            width: info.width,
            height: info.height,
            channels: info.color_type.samples(),
            data,
        }
    }

    fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y * self.width + x) as usize * self.channels;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

/// Width and height from the IHDR chunk, as a crawler reads them.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Every card in an output folder: path -> bytes.
fn cards(out: &Path) -> BTreeMap<String, Vec<u8>> {
    common::walk(out)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "card.png"))
        .map(|p| {
            let rel = p.strip_prefix(out).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn build_lib(site: &Path, out: &Path) -> piazza::render::Stats {
    piazza::cli::build(site, out, &SiteOptions::default(), false, true)
        .unwrap_or_else(|e| panic!("build failed:\n{e}"))
}

#[test]
fn every_page_without_an_image_shares_its_card() {
    let site = TestSite::fixture("cards");
    site.build_ok(&[]);
    for (page, card) in WITH_CARD {
        let doc = site.html(page);
        let url = format!("{BASE}/{card}");
        assert_eq!(doc.og("og:image"), url, "{page}");
        assert_eq!(doc.meta_name("twitter:image"), url, "{page}");
        assert_eq!(doc.meta_name("twitter:card"), "summary_large_image");
        assert_eq!(doc.og("og:image:width"), "1200", "{page}");
        assert_eq!(doc.og("og:image:height"), "630", "{page}");
        assert_eq!(doc.og("og:image:type"), "image/png", "{page}");
        let alt = doc.og("og:image:alt");
        assert!(alt.contains("Bottega Digitale"), "{page}: alt {alt}");
        assert_eq!(doc.meta_name("twitter:image:alt"), alt);
        let bytes = std::fs::read(site.out().join(card)).unwrap();
        assert_eq!(png_size(&bytes), (1200, 630), "{card}");
        let pixels = Pixels::decode(&bytes);
        assert_eq!((pixels.width, pixels.height), (1200, 630));
        assert!(bytes.len() < 300 * 1024, "{card} is {} bytes", bytes.len());
    }
    // Alt text says what the card shows.
    assert_eq!(
        site.html("theses/03-voce/index.html").og("og:image:alt"),
        "Tesi 3: Una voce umana vale più di un logo — Bottega Digitale"
    );
    assert_eq!(
        site.html("guides/primi-passi/index.html")
            .og("og:image:alt"),
        "Primi passi sui social per una bottega — Bottega Digitale"
    );
    // A page with its own image keeps it; pages that get no card keep social.image.
    assert_eq!(
        site.html("guides/con-immagine/index.html").og("og:image"),
        format!("{BASE}/guides/con-immagine/cover.png")
    );
    assert!(!site.has_output("guides/con-immagine/card.png"));
    for page in [
        "about/index.html",
        "tags/index.html",
        "tags/social/index.html",
        "404.html",
    ] {
        assert_eq!(
            site.html(page).og("og:image"),
            format!("{BASE}/images/site.png"),
            "{page}"
        );
    }
    assert!(!site.has_output("about/card.png"));
    assert!(!site.has_output("tags/card.png"));
}

#[test]
fn cards_differ_between_pages() {
    let site = TestSite::fixture("cards");
    site.build_ok(&[]);
    let all = cards(&site.out());
    let distinct: HashSet<&[u8]> = all.values().map(|b| b.as_slice()).collect();
    let expected: BTreeSet<&str> = WITH_CARD.iter().map(|(_, c)| *c).collect();
    assert_eq!(
        all.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected
    );
    // Page 2 of the guides shares page 1's card: 10 cards for 11 pages.
    assert_eq!(all.len(), 10);
    assert_eq!(distinct.len(), all.len(), "every card is different");
}

#[test]
fn a_rebuild_draws_only_the_card_whose_title_changed() {
    let site = TestSite::fixture("cards");
    let out = site.tmp().join("out");
    assert_eq!(build_lib(site.root(), &out).cards_drawn, 10);
    let first = cards(&out);

    // Nothing changed: every card is taken from the previous output.
    assert_eq!(build_lib(site.root(), &out).cards_drawn, 0);
    assert_eq!(cards(&out), first, "the same bytes");

    // A change the cards do not show (the text of a guide) draws nothing.
    site.edit("content/guides/primi-passi.md", |s| {
        s.replace("Il testo della guida.", "Un altro testo.")
    });
    assert_eq!(build_lib(site.root(), &out).cards_drawn, 0);

    // A title edit redraws that card and no other.
    site.edit("content/guides/primi-passi.md", |s| {
        s.replace("Primi passi sui social", "Primi passi su Instagram")
    });
    assert_eq!(build_lib(site.root(), &out).cards_drawn, 1);
    let second = cards(&out);
    let changed: Vec<&String> = first
        .keys()
        .filter(|k| first.get(*k) != second.get(*k))
        .collect();
    assert_eq!(changed, ["guides/primi-passi/card.png"]);
}

#[test]
fn watch_mode_redraws_exactly_the_edited_card() {
    let site = TestSite::fixture("cards");
    let out = site.tmp().join("serve");
    let mut rebuilder = Rebuilder::new(site.root(), &out, SiteOptions::default(), false).unwrap();
    let first = rebuilder.rebuild().unwrap();
    assert_eq!(
        first
            .written
            .iter()
            .filter(|w| w.ends_with("card.png"))
            .count(),
        10
    );
    let written_cards = |r: &piazza::watch::Report| -> Vec<String> {
        r.written
            .iter()
            .filter(|w| w.ends_with(".png"))
            .cloned()
            .collect()
    };

    site.edit("content/theses/03-voce.md", |s| {
        s.replace("Le persone si fidano", "Tutti si fidano")
    });
    let r = rebuilder.rebuild().unwrap();
    assert_eq!(
        written_cards(&r),
        Vec::<String>::new(),
        "a description edit"
    );

    site.edit("content/theses/03-voce.md", |s| {
        s.replace("vale più di un logo", "vale più di mille loghi")
    });
    let r = rebuilder.rebuild().unwrap();
    assert_eq!(written_cards(&r), ["theses/03-voce/card.png"]);
    let fresh = site.tmp().join("fresh");
    build_lib(site.root(), &fresh);
    assert_eq!(
        std::fs::read(out.join("theses/03-voce/card.png")).unwrap(),
        std::fs::read(fresh.join("theses/03-voce/card.png")).unwrap(),
        "the incremental card is the full build's"
    );

    // A new guide gets its card; a removed one loses it.
    site.write(
        "content/guides/nuova.md",
        "---\ntitle: \"Una guida nuova\"\ndate: 2025-04-01\n---\nTesto.\n",
    );
    let r = rebuilder.rebuild().unwrap();
    assert_eq!(written_cards(&r), ["guides/nuova/card.png"]);
    std::fs::remove_file(site.path("content/guides/nuova.md")).unwrap();
    let r = rebuilder.rebuild().unwrap();
    assert!(r.removed.contains(&"guides/nuova/card.png".to_string()));
}

#[test]
fn check_reports_ellipsized_titles_and_no_missing_image_for_carded_pages() {
    let site = TestSite::fixture("cards");
    let run = piazza_str(&["check", "--format", "json"], site.root()).success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut codes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in json["pages"].as_array().unwrap() {
        let file = p["file"].as_str().unwrap().to_string();
        for f in p["findings"].as_array().unwrap() {
            codes
                .entry(file.clone())
                .or_default()
                .push(f["code"].as_str().unwrap().to_string());
        }
        if p["image"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/card.png"))
        {
            assert_eq!(p["image"]["source"], "card", "{file}");
            assert_eq!(p["image"]["width"], 1200);
        }
    }
    let all: Vec<&String> = codes.values().flatten().collect();
    assert!(!all.iter().any(|c| *c == "no-image"), "{codes:?}");
    let ellipsized: Vec<&String> = codes
        .iter()
        .filter(|(_, c)| c.iter().any(|c| c == "card-title-ellipsized"))
        .map(|(f, _)| f)
        .collect();
    assert_eq!(ellipsized, ["content/guides/titolo-lunghissimo.md"]);
    let text = piazza_str(&["check"], site.root()).success().stdout;
    assert!(text.contains(
        "warning: content/guides/titolo-lunghissimo.md:2: the title does not fit on the generated share card"
    ), "{text}");
    assert!(
        text.contains("(1200x630, alt \"Un titolo lunghissimo"),
        "{text}"
    );
    assert!(text.contains(", generated card)"), "{text}");
}

#[test]
fn the_card_font_covers_italian() {
    let missing = piazza::card::font_covers("àèéìòùÀÈÉÌÒÙ’‘“”«»—–€…ç");
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}

/// Golden images: a layout regression changes these pixels.
#[test]
fn cards_match_their_golden_images() {
    let site = TestSite::fixture("cards");
    site.build_ok(&[]);
    let golden_dir = common::fixtures_dir().join("cards-golden");
    let bless = std::env::var_os("PIAZZA_BLESS_CARDS").is_some();
    for (card, golden) in [
        ("theses/03-voce/card.png", "thesis-3.png"),
        ("guides/italiano/card.png", "guide-italiano.png"),
    ] {
        let got = std::fs::read(site.out().join(card)).unwrap();
        let path: PathBuf = golden_dir.join(golden);
        if bless {
            std::fs::create_dir_all(&golden_dir).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_else(|_| {
            panic!(
                "no golden image {}; run PIAZZA_BLESS_CARDS=1 cargo test --test cards",
                path.display()
            )
        });
        let (a, b) = (Pixels::decode(&got), Pixels::decode(&want));
        assert_eq!((a.width, a.height), (b.width, b.height));
        // Anti-aliasing may differ by a few levels between CPUs; a layout change
        // moves whole glyphs.
        let mut off = 0usize;
        let mut total = 0u64;
        for y in 0..a.height {
            for x in 0..a.width {
                let (p, q) = (a.rgb(x, y), b.rgb(x, y));
                let d = (0..3).map(|i| p[i].abs_diff(q[i])).max().unwrap_or(0);
                total += d as u64;
                if d > 24 {
                    off += 1;
                }
            }
        }
        let pixels = (a.width * a.height) as usize;
        assert!(
            off * 1000 <= pixels && total as f64 / pixels as f64 <= 0.5,
            "{card} differs from {golden}: {off} pixels off, mean difference {:.3}; if the change is intended, run PIAZZA_BLESS_CARDS=1 cargo test --test cards",
            total as f64 / pixels as f64
        );
    }
}

#[test]
fn a_theme_template_and_config_colours_and_logo_change_the_card() {
    let site = TestSite::fixture("cards");
    site.edit("config.yaml", |s| {
        s.replace(
            "  image_alt: \"Il logo della bottega\"\n",
            "  image_alt: \"Il logo della bottega\"\n  card: { background: \"#102030\", foreground: \"#ffffff\", logo: /images/logo.svg }\n",
        )
    });
    site.write(
        "static/images/logo.svg",
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100" fill="#00ff00"/></svg>"##,
    );
    site.build_ok(&[]);
    let card =
        Pixels::decode(&std::fs::read(site.out().join("guides/primi-passi/card.png")).unwrap());
    assert_eq!(card.rgb(600, 20), [0x10, 0x20, 0x30], "config background");
    // The logo is fitted bottom right.
    assert_eq!(card.rgb(1060, 540), [0, 255, 0], "the logo");

    // A site's templates/card.svg replaces the layout; values are XML-escaped.
    site.write(
        "templates/card.svg",
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{{ card.width }}" height="{{ card.height }}"><rect width="1200" height="630" fill="#ff0000"/><text x="40" y="300" font-size="40" fill="{{ card.colors.foreground }}">{{ card.kind }}: {{ card.title.lines | join(" ") }} — {{ card.site }}</text></svg>"##,
    );
    site.build_ok(&[]);
    let card = std::fs::read(site.out().join("guides/ostile/card.png")).unwrap();
    let card = Pixels::decode(&card);
    assert_eq!(card.rgb(5, 5), [255, 0, 0], "the site's template");
}

#[test]
fn a_bad_card_colour_or_logo_is_an_error_in_config() {
    let site = TestSite::fixture("cards");
    site.edit("config.yaml", |s| {
        s.replace(
            "  image_alt: \"Il logo della bottega\"\n",
            "  image_alt: \"Il logo della bottega\"\n  card: { accent: \"not-a-colour(\", logo: /images/missing.png }\n",
        )
    });
    let run = site.build(&[]).code(1);
    assert!(run.stderr.contains("config.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("social.card.accent"), "{}", run.stderr);
    assert!(run.stderr.contains("/images/missing.png"), "{}", run.stderr);
}

#[test]
fn a_bundle_file_named_card_png_keeps_the_page_on_the_site_image() {
    let site = TestSite::fixture("cards");
    site.write(
        "content/guides/foto/index.md",
        "---\ntitle: \"Una guida con un file card.png\"\ndate: 2025-04-01\n---\nTesto.\n",
    );
    site.write_bytes("content/guides/foto/card.png", common::PNG_3X2);
    let run = site.build_ok(&[]);
    assert!(
        run.stderr
            .contains("no share card is generated for this page"),
        "{}",
        run.stderr
    );
    assert_eq!(
        site.html("guides/foto/index.html").og("og:image"),
        format!("{BASE}/images/site.png")
    );
    assert_eq!(
        std::fs::read(site.out().join("guides/foto/card.png")).unwrap(),
        common::PNG_3X2,
        "the author's file is published untouched"
    );
}
