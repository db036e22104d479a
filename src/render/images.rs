//! The HTML of responsive images: `srcset` lists, `<picture>` for Markdown images, and
//! the resolver that lets a page's Markdown find its images (bundle images are
//! written relative to the page).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::config::BaseUrl;
use crate::images::{Images, Planned};
use crate::markdown::shortcodes::Call;
use crate::markdown::Resolver;
use crate::output::xml_escape;
use crate::site::Site;

impl Images {
    /// The WebP `srcset` of the image at output path `rel` and the URL of its smallest
    /// variant, when it has variants.
    pub fn srcset(&self, base: &BaseUrl, rel: &str) -> Option<(String, String)> {
        let Some(Planned::Ok { variants, .. }) = self.get(rel) else {
            return None;
        };
        let first = self.variants.get(*variants.first()?)?;
        let srcset = variants
            .iter()
            .map(|&v| {
                let v = &self.variants[v];
                format!("{} {}w", base.url(&format!("/{}", v.out)), v.width)
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some((srcset, base.url(&format!("/{}", first.out))))
    }

    /// A `<picture>` for the image at output path `rel`: WebP variants for browsers
    /// that take them, the original as `<img src>`, its size so the page does not
    /// jump, lazy unless `eager`. None when it is no image planning read; the reason
    /// when it is not a readable image.
    pub fn picture(
        &self,
        base: &BaseUrl,
        rel: &str,
        alt: &str,
        eager: bool,
    ) -> Option<Result<String, String>> {
        let (width, height) = match self.get(rel)? {
            // An error at load ([`Images::attach`]) where a page shows it.
            Planned::Broken(_) => return None,
            Planned::Ok { width, height, .. } => (*width, *height),
        };
        let loading = if eager { "" } else { " loading=\"lazy\"" };
        let img = format!(
            "<img src=\"{}\" alt=\"{}\" width=\"{width}\" height=\"{height}\"{loading} decoding=\"async\">",
            xml_escape(&base.url(&format!("/{rel}"))),
            xml_escape(alt),
        );
        Some(Ok(match self.srcset(base, rel) {
            Some((srcset, _)) => format!(
                "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{}\">{img}</picture>",
                xml_escape(&srcset),
                xml_escape(&self.settings().sizes),
            ),
            None => img,
        }))
    }
}

/// The site as one page's Markdown sees it: the site's answers, plus its images
/// turned into `<picture>`s, relative paths read from the page's folder.
pub struct PageImages<'a> {
    site: &'a Site,
    /// The page's site path (`/guides/x/`).
    page_path: &'a str,
    /// Whether the page shows an image above its text (then no body image is first).
    cover: bool,
    seen: AtomicUsize,
}

impl<'a> PageImages<'a> {
    /// The resolver of the page at `page_path`; `cover` when it shows a cover image.
    pub fn new(site: &'a Site, page_path: &'a str, cover: bool) -> PageImages<'a> {
        PageImages {
            site,
            page_path,
            cover,
            seen: AtomicUsize::new(0),
        }
    }
}

impl Resolver for PageImages<'_> {
    fn link(&self, target: &str) -> Option<String> {
        self.site.link(target)
    }
    fn thesis_block(&self, number: u32) -> Option<String> {
        self.site.thesis_block(number)
    }
    fn thesis_inline(&self, number: u32) -> Option<String> {
        self.site.thesis_inline(number)
    }
    fn shortcode(
        &self,
        call: &Call,
        body: Option<String>,
        inline: bool,
    ) -> Result<String, (String, String)> {
        self.site.shortcode(call, body, inline)
    }
    fn prefix(&self) -> &str {
        self.site.prefix()
    }
    fn carries_prefix(&self, url: &str) -> bool {
        self.site.carries_prefix(url)
    }
    fn footnotes_heading(&self) -> String {
        self.site.footnotes_heading()
    }
    fn footnote_backref(&self, reference: &str) -> String {
        self.site.footnote_backref(reference)
    }

    fn picture(&self, url: &str, alt: &str) -> Option<Result<String, String>> {
        if url.contains("://") || url.starts_with("//") || url.contains(['?', '#']) {
            return None;
        }
        let rel = match url.strip_prefix('/') {
            Some(r) => r.to_string(),
            None => format!("{}{}", &self.page_path[1..], url.trim_start_matches("./")),
        };
        if rel.split('/').any(|s| s == ".." || s == ".") {
            return None;
        }
        let rel = percent_encoding::percent_decode_str(&rel)
            .decode_utf8()
            .ok()?
            .into_owned();
        let first = self.seen.fetch_add(1, Ordering::Relaxed) == 0 && !self.cover;
        self.site
            .images
            .picture(&self.site.config.base_url, &rel, alt, first)
    }
}
