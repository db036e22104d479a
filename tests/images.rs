//! Responsive images (issue 14): covers, bundle images and Markdown images get WebP
//! variants at `images.widths`, written as `<picture>` with `srcset`; the cache makes a
//! second build encode nothing; EXIF orientation is applied and EXIF (GPS) dropped; a
//! corrupt image is an error naming the file and the page.
//!
//! Test images are made here with the `image` crate; the EXIF block is written by hand.

mod common;

use std::io::Cursor;
use std::path::Path;

use common::TestSite;
use piazza::site::SiteOptions;

/// A JPEG of `w`x`h` with a colour gradient.
fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, (x * 3) as u8, 10, 255]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// `jpeg` with an EXIF block right after SOI: Orientation 6 (shown turned 90° right)
/// and a GPS latitude "N 45".
fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
    let plain = jpeg(w, h);
    // TIFF, little endian: IFD0 with Orientation and the GPS IFD pointer, then the GPS
    // IFD with GPSLatitudeRef = "N" and GPSLatitude = 45/1, 0/1, 0/1.
    let mut t: Vec<u8> = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    t.extend(2u16.to_le_bytes());
    t.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    t.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    t.extend(38u32.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    assert_eq!(t.len(), 38);
    t.extend(2u16.to_le_bytes());
    t.extend([0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    t.extend([0x02, 0x00, 5, 0, 3, 0, 0, 0]);
    t.extend(68u32.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    assert_eq!(t.len(), 68);
    for (n, d) in [(45u32, 1u32), (0, 1), (0, 1)] {
        t.extend(n.to_le_bytes());
        t.extend(d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(t);
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn site() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "config.yaml",
        "title: Foto\nbase_url: https://foto.example.org\nlanguage: it\nimages: { widths: [16, 32, 48], quality: 70 }\nsocial: { card: { enabled: false } }\n",
    )
    .write("content/_index.md", "---\ntitle: Foto\n---\n")
    .write("content/guides/_index.md", "---\ntitle: Guide\n---\n")
    .write(
        "content/guides/copertina.md",
        "---\ntitle: Copertina\nimage: /images/grande.jpg\nimage_alt: \"La \\\"bottega\\\" <di> notte & giorno\"\n---\n\nTesto.\n\n![Di nuovo la foto](/images/grande.jpg)\n",
    )
    .write(
        "content/guides/album/index.md",
        "---\ntitle: Album\n---\n\n![Una foto del banco](banco.png)\n\nTesto.\n\n![La vetrina](/images/grande.jpg)\n",
    )
    .write_bytes("static/images/grande.jpg", &jpeg(64, 40))
    .write_bytes("content/guides/album/banco.png", &png(40, 20));
    site
}

fn decode(path: &Path) -> image::DynamicImage {
    image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .decode()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_webp(bytes: &[u8]) -> bool {
    bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP"
}

/// Every `srcset` candidate of `srcset`: each resolves to a WebP file of the output
/// with the width it claims, the height in proportion to `(w, h)`.
fn check_srcset(out: &Path, srcset: &str, (w, h): (u32, u32)) -> Vec<u32> {
    let mut widths = Vec::new();
    for candidate in srcset.split(", ") {
        let (url, width) = candidate.split_once(' ').expect("url and width");
        let width: u32 = width.strip_suffix('w').unwrap().parse().unwrap();
        let file = out.join(url.trim_start_matches('/'));
        let bytes = std::fs::read(&file).unwrap_or_else(|_| panic!("{url} does not resolve"));
        assert!(is_webp(&bytes), "{url} is WebP");
        let img = decode(&file);
        assert_eq!(img.width(), width, "{url}");
        assert_eq!(img.height(), (h * width + w / 2) / w, "{url}");
        widths.push(width);
    }
    widths
}

#[test]
fn variants_exist_and_every_srcset_candidate_resolves() {
    let site = site();
    site.build_ok(&[]);
    let out = site.out();

    // A Markdown image of a bundle: a picture, its img sized like the file.
    let doc = site.html("guides/album/index.html");
    let sources = doc.attrs("article picture source", "srcset");
    assert_eq!(sources.len(), 2, "two body images");
    assert_eq!(check_srcset(&out, &sources[0], (40, 20)), [16, 32, 40]);
    assert_eq!(check_srcset(&out, &sources[1], (64, 40)), [16, 32, 48]);
    assert_eq!(
        doc.attrs("article picture source", "type"),
        ["image/webp"; 2]
    );
    let imgs = doc.all("article picture img");
    let attr = |i: usize, a: &str| imgs[i].value().attr(a).map(str::to_string);
    assert_eq!(attr(0, "src").as_deref(), Some("/guides/album/banco.png"));
    assert_eq!(attr(0, "alt").as_deref(), Some("Una foto del banco"));
    for (i, file) in [(0, "guides/album/banco.png"), (1, "images/grande.jpg")] {
        let img = decode(&out.join(file));
        assert_eq!(attr(i, "width"), Some(img.width().to_string()), "{file}");
        assert_eq!(attr(i, "height"), Some(img.height().to_string()), "{file}");
        assert_eq!(attr(i, "decoding").as_deref(), Some("async"));
    }
    // The first image of the page is not lazy; the others are.
    assert_eq!(attr(0, "loading"), None);
    assert_eq!(attr(1, "loading").as_deref(), Some("lazy"));
    assert!(site.has_output("guides/album/banco.png.16w.webp"));
    assert!(
        !site.has_output("images/grande.jpg.64w.webp"),
        "never upscaled past 48"
    );

    // A cover: a picture first, so the body image below it is lazy; share tags keep
    // the original JPEG; the hostile alt text is escaped.
    let doc = site.html("guides/copertina/index.html");
    let cover = doc.attr(".cover picture source", "srcset");
    assert_eq!(check_srcset(&out, &cover, (64, 40)), [16, 32, 48]);
    assert_eq!(
        doc.attr(".cover img", "alt"),
        "La \"bottega\" <di> notte & giorno"
    );
    assert_eq!(doc.attr(".cover img", "width"), "64");
    assert_eq!(doc.attr("article picture img[loading]", "loading"), "lazy");
    assert_eq!(
        doc.og("og:image"),
        "https://foto.example.org/images/grande.jpg"
    );

    // Lists show the smallest variant.
    let list = site.html("guides/index.html");
    let thumbs = list.attrs(".card-image img", "src");
    assert_eq!(thumbs, ["/images/grande.jpg.16w.webp"]);
}

#[test]
fn a_second_build_encodes_nothing() {
    let site = site();
    let build = |out: &str| {
        piazza::cli::build(
            site.root(),
            &site.tmp().join(out),
            &SiteOptions::default(),
            false,
            true,
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .images_encoded
    };
    assert_eq!(build("one"), 6, "three widths of two images");
    assert_eq!(build("two"), 0, "a fresh output folder: all from the cache");
    site.write_bytes("static/images/grande.jpg", &jpeg(64, 48));
    assert_eq!(build("three"), 3, "the changed image only");
}

#[test]
fn exif_orientation_is_applied_and_exif_is_not_copied() {
    let site = site();
    site.write_bytes("static/images/grande.jpg", &jpeg_with_exif(64, 40));
    site.build_ok(&[]);
    let doc = site.html("guides/copertina/index.html");
    // Shown turned: 40 wide, 64 high.
    assert_eq!(doc.attr(".cover img", "width"), "40");
    assert_eq!(doc.attr(".cover img", "height"), "64");
    let srcset = doc.attr(".cover picture source", "srcset");
    assert_eq!(check_srcset(&site.out(), &srcset, (40, 64)), [16, 32, 40]);
    for w in [16, 32, 40] {
        let bytes = std::fs::read(site.out().join(format!("images/grande.jpg.{w}w.webp"))).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(
            !has(b"EXIF") && !has(b"Exif") && !has(b"XMP "),
            "no metadata in {w}w"
        );
    }
}

#[test]
fn a_corrupt_jpeg_a_page_shows_is_an_error_at_its_line() {
    let site = site();
    site.write_bytes(
        "static/images/rotta.jpg",
        b"\xFF\xD8\xFF\xE0 this is not a JPEG",
    );
    site.edit("content/guides/album/index.md", |s| {
        format!("{s}\n![Rotta](/images/rotta.jpg)\n")
    });
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("content/guides/album/index.md:11:1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("/images/rotta.jpg cannot be read"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("valid JPEG, PNG or WebP"),
        "{}",
        run.stderr
    );
    assert!(!site.out().exists(), "a failed build wrote output");
}

#[test]
fn a_png_cut_short_after_its_header_is_an_error_naming_the_file() {
    let site = site();
    let whole = png(640, 480);
    // Its header (and so its size) reads; its pixels do not. (A JPEG cut short still
    // decodes, grey where the data ran out, as browsers show it.)
    site.write_bytes("static/images/tagliata.png", &whole[..whole.len() / 2]);
    site.edit("content/guides/album/index.md", |s| {
        format!("{s}\n![Tagliata](/images/tagliata.png)\n")
    });
    let run = site.build(&[]).code(1);
    assert!(
        run.stderr.contains("static/images/tagliata.png"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cannot be resized"), "{}", run.stderr);
    assert!(!site.out().exists(), "a failed build wrote output");
}

#[test]
fn the_live_preview_shows_originals() {
    let site = site();
    let loaded = piazza::site::Site::load(
        site.root(),
        &SiteOptions {
            preview: true,
            ..SiteOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.images.variants.is_empty());
}
