//! Responsive images: every JPEG, PNG and WebP file of the site (static/ and page
//! bundles) wider than the smallest of `images.widths` gets lossy WebP variants at
//! those widths (never wider than the file), published beside it as
//! `NAME.EXT.WIDTHw.webp`; covers, list thumbnails and Markdown images then point
//! browsers at them with `srcset`, keeping the original as the fallback `src` and for
//! share tags (not every platform reads WebP).
//!
//! Planning reads each file's header (size, EXIF orientation) at load time, so each
//! variant is an output like any other ([`crate::outputs::Item::Variant`]) with one
//! owner. Encoding happens when the variant is written, in parallel with the rest of
//! the build ([`encode`]), and is cached in the cache folder by the hash of the source
//! bytes and the settings, so a second build encodes nothing. `piazza serve` plans no
//! variants: its pages show the originals, so an edit is never held up by encoding.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::config::{Config, ImagesConfig, CONFIG_FILE};
use crate::content::Content;
use crate::error::{Error, Errors};
use crate::files::{Source, StaticFile};
use crate::social::ImageView;

mod encode;

/// Changes whenever the bytes of a variant for the same source and settings could
/// change: bump it with the resizer, the encoder or their settings.
const ENCODER: &str = "fast_image_resize 6 lanczos3, libwebp 0.3, v1";

/// One resized WebP file.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The source, an index into the site's files.
    pub file: usize,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Output path, relative to the output folder.
    pub out: String,
}

/// An image's size as shown, or why it cannot be read.
type Header = Result<(u32, u32), String>;

/// What planning found of one image file.
#[derive(Debug, Clone)]
pub enum Planned {
    /// Readable: its size as shown (EXIF orientation applied) and its variants
    /// (indices into [`Images::variants`], narrowest first).
    Ok {
        width: u32,
        height: u32,
        variants: Vec<usize>,
    },
    /// Not a readable image: why. Reported where a page uses it.
    Broken(String),
}

/// The site's responsive images.
#[derive(Debug, Default)]
pub struct Images {
    /// Every variant of every image.
    pub variants: Vec<Variant>,
    /// Per output path of an image file (`images/a.jpg`), what planning found.
    by_out: HashMap<String, Planned>,
    settings: ImagesConfig,
    encoded: AtomicUsize,
}

/// Whether a file is one planning looks at, by its name.
fn is_raster(out: &str) -> bool {
    let lower = out.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".webp"]
        .iter()
        .any(|e| lower.ends_with(e))
}

impl Images {
    /// Plans the variants of every raster image in `files`; none when `enabled` is
    /// false (the live preview).
    pub fn plan(settings: &ImagesConfig, files: &[StaticFile], enabled: bool) -> Images {
        let mut images = Images {
            settings: settings.clone(),
            ..Images::default()
        };
        if !enabled {
            return images;
        }
        let headers: Vec<(usize, Header)> = files
            .par_iter()
            .enumerate()
            // The site's own images: a theme's icons and logos are not resized.
            .filter(|(_, f)| f.shown.starts_with("static") || f.shown.starts_with("content"))
            .filter(|(_, f)| is_raster(&f.out))
            .map(|(i, f)| (i, encode::oriented_size(&f.source)))
            .collect();
        for (i, header) in headers {
            let out = &files[i].out;
            let planned = match header {
                Err(m) => Planned::Broken(m),
                Ok((width, height)) => {
                    let mut variants = Vec::new();
                    for w in variant_widths(&settings.widths, width) {
                        variants.push(images.variants.len());
                        images.variants.push(Variant {
                            file: i,
                            width: w,
                            height: scaled_height(width, height, w),
                            out: variant_out(out, w),
                        });
                    }
                    Planned::Ok {
                        width,
                        height,
                        variants,
                    }
                }
            };
            images.by_out.insert(out.clone(), planned);
        }
        images
    }

    /// What planning found for the image at output path `rel`, if it is one.
    pub fn get(&self, rel: &str) -> Option<&Planned> {
        self.by_out.get(rel)
    }

    /// How many variants were encoded (not taken from the cache) since loading.
    pub fn encoded(&self) -> usize {
        self.encoded.load(Ordering::Relaxed)
    }

    /// The settings.
    pub fn settings(&self) -> &ImagesConfig {
        &self.settings
    }
}

/// The widths of `width`'s variants: each configured width below it, and the file's
/// own width when the largest configured width is not below it (so the largest
/// variant is as sharp as the file allows, never upscaled).
pub fn variant_widths(widths: &[u32], width: u32) -> Vec<u32> {
    let mut out: Vec<u32> = widths.iter().copied().filter(|&w| w < width).collect();
    if widths.iter().any(|&w| w >= width) {
        out.push(width);
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn scaled_height(width: u32, height: u32, w: u32) -> u32 {
    ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width)).max(1) as u32
}

/// `images/a.jpg` at 480 -> `images/a.jpg.480w.webp`: the original's extension stays
/// in the name, so `cover.jpg` and `cover.png` side by side get variants of their own.
pub fn variant_out(out: &str, width: u32) -> String {
    format!("{out}.{width}w.webp")
}

impl Images {
    /// Gives covers and list images (`image:` of pages and sections, the site's
    /// fallback) their `srcset`. An image a page shows that is not a readable image is
    /// an error at the line that names it: a reader would see a broken picture, and a
    /// share preview none.
    pub fn attach(
        &self,
        config: &Config,
        content: &Content,
        page_images: &mut [Option<ImageView>],
        section_images: &mut [Option<ImageView>],
        errors: &mut Errors,
    ) {
        let base = &config.base_url;
        let prefix = base.url("/");
        let mut fill = |img: &mut ImageView, shown: &Path, line: Option<usize>| {
            let Some(rel) = img.src.strip_prefix(prefix.as_str()) else {
                return;
            };
            match self.get(rel) {
                Some(Planned::Broken(m)) => {
                    let mut e =
                        Error::in_file(shown, format!("the image /{rel} cannot be read: {m}"))
                            .hint("replace the file with a valid JPEG, PNG or WebP image");
                    if let Some(line) = line {
                        e = e.at_line(line);
                    }
                    errors.push(e);
                }
                Some(&Planned::Ok { width, height, .. }) => {
                    // As shown: EXIF orientation applied.
                    img.width = Some(width);
                    img.height = Some(height);
                    if let Some((srcset, small)) = self.srcset(base, rel) {
                        img.srcset = Some(srcset);
                        img.small = Some(small);
                    }
                }
                None => {}
            }
        };
        for (p, img) in content.pages.iter().zip(page_images.iter_mut()) {
            if let Some(img) = img.as_mut().filter(|i| !i.generated) {
                let own = p.image.is_some();
                let shown = if own {
                    p.shown.as_path()
                } else {
                    Path::new(CONFIG_FILE)
                };
                fill(img, shown, own.then(|| p.line_of("image")));
            }
        }
        for (s, img) in content.sections.iter().zip(section_images.iter_mut()) {
            if let Some(img) = img.as_mut().filter(|i| !i.generated) {
                let own = s.image.is_some();
                let shown = if own {
                    s.shown.as_path()
                } else {
                    Path::new(CONFIG_FILE)
                };
                fill(img, shown, own.then(|| s.line_of("image")));
            }
        }
        for p in &content.pages {
            for l in p.site_links.iter().filter(|l| l.image) {
                let url = l.url.split(['?', '#']).next().unwrap_or_default();
                let rel = match url.strip_prefix('/') {
                    Some(r) => r.to_string(),
                    None => format!("{}{}", &p.path[1..], url.trim_start_matches("./")),
                };
                if let Some(Planned::Broken(m)) = self.get(&rel) {
                    errors.push(
                        Error::in_file(&p.shown, format!("the image {url} cannot be read: {m}"))
                            .at(l.at.line, l.at.column)
                            .hint("replace the file with a valid JPEG, PNG or WebP image, or remove the image from the page"),
                    );
                }
            }
        }
    }
}

/// A variant's bytes, from the cache or encoded now (and stored in the cache).
pub fn variant_bytes(
    images: &Images,
    cache: Option<&crate::cache::Cache>,
    file: &StaticFile,
    v: &Variant,
) -> Result<VariantFile, String> {
    let source = match &file.source {
        Source::File(p) => std::fs::read(p).map_err(|e| e.to_string())?,
        Source::Bytes(b) => b.to_vec(),
    };
    let key = crate::hash::StableHash::default()
        .str(ENCODER)
        .bytes(&source)
        .u64(u64::from(v.width))
        .u64(u64::from(v.height))
        .u64(u64::from(images.settings.quality))
        .finish();
    let name = crate::cache::entry_name(key, "webp");
    if let Some(path) = cache.and_then(|c| c.get("images", &name)) {
        return Ok(VariantFile::Cached(path));
    }
    let bytes = encode::webp(&source, v.width, v.height, images.settings.quality)?;
    images.encoded.fetch_add(1, Ordering::Relaxed);
    if let Some(c) = cache {
        let _ = c.put("images", &name, &bytes);
    }
    Ok(VariantFile::Encoded(bytes))
}

/// A variant's bytes: a cache entry to link, or just encoded.
#[derive(Debug)]
pub enum VariantFile {
    /// The cache's file.
    Cached(std::path::PathBuf),
    /// Encoded by this build.
    Encoded(Vec<u8>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_upscale() {
        assert_eq!(variant_widths(&[480, 960, 1440], 4000), [480, 960, 1440]);
        assert_eq!(variant_widths(&[480, 960, 1440], 1000), [480, 960, 1000]);
        assert_eq!(variant_widths(&[480, 960, 1440], 960), [480, 960]);
        assert_eq!(variant_widths(&[480, 960, 1440], 300), [300]);
        assert_eq!(scaled_height(1000, 500, 480), 240);
        assert_eq!(
            variant_out("guides/x/foto.JPG", 480),
            "guides/x/foto.JPG.480w.webp"
        );
        assert_eq!(variant_out("a.b/foto", 480), "a.b/foto.480w.webp");
        assert_ne!(variant_out("cover.jpg", 480), variant_out("cover.png", 480));
    }
}
