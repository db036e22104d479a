//! A site, loaded and resolved: config, content index, theme, images and static files,
//! all checked before anything is rendered.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::config::{BaseUrl, Config};
use crate::content::{self, Content, LoadCache, LoadOptions, Page, PageKind};
use crate::error::{Error, Errors};
use crate::files::{self, Names, Source, StaticFile};
use crate::image;
use crate::markdown;
use crate::outputs::{Item, Outputs};
use crate::sitelinks::{self, Published};
use crate::social::ImageView;
use crate::templates::{to_value, AssetFiles, Strings, Templates, Theme};

/// The template that quotes a thesis where a guide cites it.
pub const THESIS_SHORTCODE: &str = "shortcodes/thesis.html";

/// How to load a site.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// Include drafts.
    pub drafts: bool,
    /// Replaces `base_url` from the config (deploy previews, `serve`).
    pub base_url: Option<String>,
    /// The live preview of `serve`: asset URLs carry no `?v=` fingerprint, so a
    /// stylesheet edit changes the stylesheet alone and open pages swap it in place.
    pub preview: bool,

    /// Include pages dated after `now`.
    pub future: bool,
    /// The build's "now" as a [`content::date::Date::sort_key`]; None reads
    /// `PIAZZA_NOW` or the clock when the site is loaded.
    pub now: Option<i64>,
}

impl SiteOptions {
    /// `now`, or `PIAZZA_NOW`, or the clock.
    pub fn now(&self) -> Result<i64, Error> {
        match self.now {
            Some(n) => Ok(n),
            None => content::date::now_key().map_err(|m| {
                Error::new(m).hint("set PIAZZA_NOW to a date (2026-03-01) or an RFC 3339 time (2026-03-01T09:30:00+01:00), or unset it")
            }),
        }
    }
}

/// A loaded, checked site, ready to render.
pub struct Site {
    /// Configuration (with `--base-url` applied).
    pub config: Config,
    /// The content index.
    pub content: Content,
    /// The theme.
    pub theme: Theme,
    /// UI strings.
    pub strings: Strings,
    /// Compiled templates.
    pub templates: Templates,
    /// Files copied as they are.
    pub files: Vec<StaticFile>,
    /// Each page's share image (its own or the fallback).
    pub page_images: Vec<Option<ImageView>>,
    /// Each page's tags as templates see them ([`crate::render::tag_links`]).
    pub tag_links: Vec<minijinja::Value>,
    /// Each section's share image.
    pub section_images: Vec<Option<ImageView>>,
    /// The fallback share image from `social.image`.
    pub default_image: Option<ImageView>,
    /// The publisher's logo in JSON-LD: `social.publisher_logo`, else `social.card.logo`.
    pub publisher_logo: Option<ImageView>,
    /// comrak options.
    pub markdown: comrak::Options<'static>,
    /// The site's and theme's shortcodes, with the arguments they declare.
    pub shortcodes: markdown::shortcodes::Shortcodes,
    /// Thesis number -> (block quote HTML, inline link HTML).
    pub thesis_html: HashMap<u32, (String, String)>,
    /// Problems that did not stop the build.
    pub warnings: Vec<Error>,
    /// The `site` template global.
    pub site_view: crate::render::SiteView,
    /// Generated share cards: which pages get one, their colours and logo.
    pub cards: crate::card::Cards,
    /// Responsive variants of the site's images.
    pub images: crate::images::Images,
    /// The URL paths the build publishes, which links in content must land on.
    pub published: Published,
    /// Readers' comments under each page.
    pub comments: crate::comments::Comments,
}

impl Site {
    /// Loads everything under `root` and checks it.
    pub fn load(root: &Path, options: &SiteOptions) -> Result<Site, Errors> {
        Site::load_cached(root, options, &mut LoadCache::default())
    }

    /// Loads the site, re-reading only the content files that changed since `cache`
    /// last saw them (watch mode).
    pub fn load_cached(
        root: &Path,
        options: &SiteOptions,
        cache: &mut LoadCache,
    ) -> Result<Site, Errors> {
        let mut config = Config::load(root)?;
        if let Some(url) = &options.base_url {
            config.base_url =
                BaseUrl::parse(url).map_err(|m| Error::new(format!("--base-url: {m}")))?;
        }
        let mut errors = Errors::default();
        let theme = Theme::load(&config).map_err(Errors::from);
        let now = options.now()?;
        let content = Content::load_cached(
            &config,
            LoadOptions {
                drafts: options.drafts,
                future: options.future,
                now,
            },
            cache,
        );
        let (theme, content) = match (theme, content) {
            (Ok(t), Ok(c)) => (t, c),
            (t, c) => {
                if let Err(e) = t {
                    errors.0.extend(e.0);
                }
                if let Err(e) = c {
                    errors.0.extend(e.0);
                }
                return Err(errors.sorted());
            }
        };
        let mut warnings = content.warnings.clone();
        warnings.extend(theme.warnings.iter().cloned());
        let strings = Strings::load(&config, &theme, &mut warnings)?;
        let comments = crate::comments::Comments::load(&config, &content, now, &mut warnings)?;
        let mut files = collect_files(&config, &theme, &content, &mut warnings, &mut errors);
        if let Some(icon) = &config.favicon {
            use_site_favicon(icon, &mut files, &mut errors);
        }

        let by_out: HashMap<&str, &StaticFile> =
            files.iter().map(|f| (f.out.as_str(), f)).collect();
        let mut info_cache = HashMap::new();
        let mut resolve = |spec: &str,
                           bundle_path: Option<&str>,
                           alt: Option<&String>|
         -> Result<ImageView, String> {
            resolve_image(
                &config.base_url,
                &by_out,
                &mut info_cache,
                spec,
                bundle_path,
                alt,
            )
        };
        let default_image = match &config.social.image {
            Some(spec) => match resolve(spec, None, config.social.image_alt.as_ref()) {
                Ok(img) => Some(img),
                Err(m) => {
                    errors.push(config.error_at(&["social", "image"], m).hint(
                        "social.image is a path under static/ (e.g. /images/share.png) or an absolute URL",
                    ));
                    None
                }
            },
            None => None,
        };
        // The share image is not a logo (Google asks for the organisation's own), so
        // without one of the two logo keys the publisher has none; a card logo that does
        // not resolve is reported by the cards.
        let publisher_logo = match (&config.social.publisher_logo, &config.social.card.logo) {
            (Some(spec), _) => match resolve(spec, None, None).and_then(|img| match img.mime {
                Some(_) => Ok(img),
                None => Err(format!(
                    "`{spec}` is not a PNG, JPEG, GIF, WebP, SVG or AVIF image"
                )),
            }) {
                Ok(img) => Some(img),
                Err(m) => {
                    errors.push(config.error_at(&["social", "publisher_logo"], m).hint(
                        "social.publisher_logo is a path under static/, e.g. /images/logo.png",
                    ));
                    None
                }
            },
            (None, Some(spec)) => resolve(spec, None, None).ok(),
            (None, None) => None,
        };
        if let Some(target) = config
            .author
            .as_ref()
            .and_then(|a| a.url())
            .and_then(|u| u.strip_prefix("@/"))
        {
            if content.resolve_link(target).is_none() {
                errors.push(
                    config.error_at(
                        &["author", "url"],
                        format!("the author link @/{target} points to no published file in content/"),
                    )
                    .hint("the path is relative to content/, e.g. @/about.md; check the spelling, and that the page is not a draft"),
                );
            }
        }
        let mut page_images = Vec::with_capacity(content.pages.len());
        for p in &content.pages {
            let img = match &p.image {
                Some(spec) => {
                    let bundle = p.bundle.as_ref().map(|_| p.path.as_str());
                    match resolve(spec, bundle, p.image_alt.as_ref()) {
                        Ok(img) => Some(img),
                        Err(m) => {
                            errors.push(
                                Error::in_file(&p.shown, m)
                                    .at_line(p.line_of("image"))
                                    .hint("put the image in static/ and write `image: /images/name.jpg`, or make the page a bundle (name/index.md) with the image beside it"),
                            );
                            None
                        }
                    }
                }
                None => default_image.clone(),
            };
            page_images.push(img);
        }
        let mut section_images = Vec::with_capacity(content.sections.len());
        for s in &content.sections {
            let img = match &s.image {
                Some(spec) => match resolve(spec, None, s.image_alt.as_ref()) {
                    Ok(img) => Some(img),
                    Err(m) => {
                        errors.push(Error::in_file(&s.shown, m).at_line(s.line_of("image")));
                        None
                    }
                },
                None => default_image.clone(),
            };
            section_images.push(img);
        }
        let cards = crate::card::Cards::resolve(
            &config,
            &theme,
            &strings,
            &content,
            &by_out,
            &mut page_images,
            &mut section_images,
            &mut warnings,
            &mut errors,
        );
        let images = crate::images::Images::plan(&config.images, &files, !options.preview);
        images.attach(
            &config,
            &content,
            &mut page_images,
            &mut section_images,
            &mut errors,
        );
        let outputs = Outputs {
            content: &content,
            files: &files,
            card_pages: &cards.pages,
            card_sections: &cards.sections,
            images: &images,
            tags: config.tags,
            paginate_by: config.paginate_by,
            search: config.search,
            comments: comments.any,
            host_redirects: config.deploy.host != crate::config::deploy::Host::Storage,
        };
        errors.0.extend(outputs.check().0);
        let published = Published::of(&outputs);
        errors
            .0
            .extend(sitelinks::check(&content, &published, &config.base_url.prefix).0);
        errors.into_result()?;

        let data = load_data(&config, &mut warnings)?;
        let assets = AssetFiles::new(&files, &config.base_url, !options.preview);
        let site_view = crate::render::SiteView::new(&config, &content, &assets, data)?;
        let site_value = to_value(&site_view);
        let templates = Templates::load(
            &config,
            &theme,
            &strings,
            &config.base_url,
            site_value,
            &mut warnings,
            &assets,
        )?;
        let tag_links = crate::render::tag_links(&config, &content);

        let sources = templates.sources("shortcodes/");
        let shortcodes = markdown::shortcodes::Shortcodes::load(
            sources
                .iter()
                .map(|(name, source, shown)| (name.as_str(), source.as_str(), shown.as_path())),
        )?;
        let mut site = Site {
            markdown: markdown::options(config.markdown),
            config,
            content,
            theme,
            strings,
            templates,
            files,
            page_images,
            tag_links,
            section_images,
            default_image,
            publisher_logo,

            shortcodes,
            thesis_html: HashMap::new(),
            warnings,
            site_view,
            cards,
            images,
            published,
            comments,
        };
        site.check_templates()?;
        site.check_shortcodes()?;
        site.thesis_html = site.render_thesis_snippets()?;
        Ok(site)
    }

    /// Every template a page names must exist; reported before rendering, with the line.
    fn check_templates(&self) -> Result<(), Errors> {
        let mut errors = Errors::default();
        for p in &self.content.pages {
            let name = crate::render::page_template(p);
            if !self.templates.has(&name) {
                errors.push(
                    Error::in_file(&p.shown, format!("there is no template `{name}`"))
                        .at_line(if p.template.is_some() { p.line_of("template") } else { 1 })
                        .hint("add it to the site's templates/ folder, or fix the name in `template:`"),
                );
            }
        }
        for (i, s) in self.content.sections.iter().enumerate() {
            let name = crate::render::section_template(s, i);
            if !self.templates.has(&name) {
                errors.push(
                    Error::in_file(&s.shown, format!("there is no template `{name}`"))
                        .at_line(s.line_of("template"))
                        .hint("add it to the site's templates/ folder, or fix the name in `template:`"),
                );
            }
        }
        errors.into_result()
    }

    /// Every shortcode call must match its template's arguments; reported before
    /// rendering (and by `piazza check`) at the call.
    fn check_shortcodes(&self) -> Result<(), Errors> {
        let mut errors = Errors::default();
        let pages = self.content.pages.iter().map(|p| (&p.shown, &p.shortcodes));
        let sections = self
            .content
            .sections
            .iter()
            .map(|s| (&s.shown, &s.shortcodes));
        for (shown, calls) in pages.chain(sections) {
            for call in calls {
                if let Err((message, hint)) = self.shortcodes.bind(call) {
                    errors.push(
                        Error::in_file(shown, message)
                            .at(call.line, call.column)
                            .hint(hint),
                    );
                }
            }
        }
        errors.into_result()
    }

    /// Pre-renders each thesis as a quote; every guide that cites it shares the HTML.
    fn render_thesis_snippets(&self) -> Result<HashMap<u32, (String, String)>, Errors> {
        let mut out = HashMap::new();
        let mut errors = Errors::default();
        for (&n, &i) in &self.content.theses {
            match self.thesis_snippet(n, &self.content.pages[i]) {
                Ok(html) => {
                    out.insert(n, html);
                }
                Err(e) => errors.push(e),
            }
        }
        errors.into_result().map(|()| out)
    }

    /// Thesis `n` as a block quote and as an inline link.
    fn thesis_snippet(&self, n: u32, p: &Page) -> Result<(String, String), Error> {
        let view = to_value(&crate::render::ThesisRef {
            number: n,
            title: p.title.clone(),
            url: self.config.base_url.url(&p.path),
            permalink: self.config.base_url.absolute(&p.path),
            summary: p.summary.clone(),
        });
        let render = |inline: bool| {
            self.templates.render(
                THESIS_SHORTCODE,
                minijinja::context! { thesis => view.clone(), inline => inline },
            )
        };
        Ok((render(false)?, render(true)?.trim().to_string()))
    }

    /// Swaps in pages re-read by [`Content::reread_pages`] with what the site derives
    /// from them alone (share image alt, thesis quote), and returns the pages that
    /// moved in their section's list. Returns None, changing nothing, when an edit
    /// reaches the whole site (a standalone page's title is in every page's menu):
    /// load the site again then. On error nothing changes.
    pub fn replace_pages(
        &mut self,
        edits: Vec<(usize, Arc<Page>)>,
    ) -> Result<Option<Vec<usize>>, Errors> {
        // Turning comments on or off may add or remove the comments' thanks page.
        let menu_changed = edits.iter().any(|(i, p)| {
            let old = &self.content.pages[*i];
            (old.section == 0 && old.title != p.title) || old.comments != p.comments
        });
        if menu_changed {
            return Ok(None);
        }
        let mut snippets = Vec::new();
        let mut errors = Errors::default();
        // The edits keep every URL, so the published paths are still these.
        let mut suggestions = sitelinks::SUGGESTIONS;
        for (_, p) in &edits {
            sitelinks::check_one(
                &self.content,
                &self.published,
                &self.config.base_url.prefix,
                (&p.shown, &p.rel, &p.path),
                &p.site_links,
                &mut suggestions,
                &mut errors,
            );
        }
        for (_, p) in &edits {
            if let (PageKind::Thesis, Some(n)) = (p.kind, p.number) {
                match self.thesis_snippet(n, p) {
                    Ok(html) => snippets.push((n, html)),
                    Err(e) => errors.push(e),
                }
            }
        }
        errors.into_result()?;
        for (i, p) in &edits {
            if self.cards.pages[*i] {
                self.page_images[*i] =
                    Some(crate::card::page_card_image(&self.config, &self.strings, p));
            }
        }
        self.thesis_html.extend(snippets);
        Ok(Some(self.content.replace_pages(edits)))
    }

    /// The share image of a page.
    pub fn page_image(&self, i: usize) -> Option<&ImageView> {
        self.page_images[i].as_ref()
    }

    /// Whether a page is an article (guide or thesis) for share metadata.
    pub fn is_article(&self, i: usize) -> bool {
        self.content.pages[i].kind != PageKind::Page
    }
}

impl Site {
    /// The outputs of this site.
    pub fn outputs(&self) -> Outputs<'_> {
        Outputs {
            content: &self.content,
            files: &self.files,
            card_pages: &self.cards.pages,
            card_sections: &self.cards.sections,
            images: &self.images,
            tags: self.config.tags,
            paginate_by: self.config.paginate_by,
            comments: self.comments.any,
            search: self.config.search,
            host_redirects: self.config.deploy.host != crate::config::deploy::Host::Storage,
        }
    }

    /// Every output of the site, in a stable order.
    pub fn items(&self) -> Vec<Item> {
        self.outputs().items()
    }

    /// Where an item is written, relative to the output folder.
    pub fn out_path(&self, item: Item) -> String {
        self.outputs().out_path(item)
    }
}

impl Site {
    /// Variant `v`'s bytes, from the cache or encoded now (and stored in the cache).
    pub fn variant_file(&self, v: usize) -> Result<crate::images::VariantFile, Error> {
        let v = &self.images.variants[v];
        let file = &self.files[v.file];
        crate::images::variant_bytes(&self.images, self.cards.cache(), file, v).map_err(|m| {
            Error::in_file(
                &file.shown,
                format!("the image cannot be resized to /{}: {m}", v.out),
            )
            .hint("replace the file with a valid JPEG, PNG or WebP image")
        })
    }
}

impl Site {
    /// Variant `v`'s bytes (watch mode).
    pub fn variant_vec(&self, v: usize) -> Result<Vec<u8>, Error> {
        match self.variant_file(v)? {
            crate::images::VariantFile::Encoded(b) => Ok(b),
            crate::images::VariantFile::Cached(path) => {
                std::fs::read(&path).map_err(|e| Error::io(&path, &e))
            }
        }
    }
}

/// Static files of the theme and the site, and the files of page bundles. A file of
/// the site (in static/ or content/) replaces the theme's file on its path; two files
/// of the site on one path are both kept, for the output check to report.
fn collect_files(
    config: &Config,
    theme: &Theme,
    content: &Content,
    warnings: &mut Vec<Error>,
    errors: &mut Errors,
) -> Vec<StaticFile> {
    let mut site_files = Vec::new();
    let static_dir = config.root.join("static");
    if static_dir.is_dir() {
        for rel in files::walk(&config.root, &static_dir, Names::Dotfiles, warnings, errors)
            .into_iter()
            .map(|w| w.rel)
        {
            site_files.push(StaticFile {
                source: Source::File(static_dir.join(&rel)),
                shown: Path::new("static").join(&rel),
                out: rel,
            });
        }
    }
    site_files.extend(content.assets.iter().map(|a| StaticFile {
        out: a.out.clone(),
        source: Source::File(a.source.clone()),
        shown: crate::source::shown_path(&config.root, &a.source),
    }));
    let replaced: HashSet<&str> = site_files.iter().map(|f| f.out.as_str()).collect();
    let mut files: Vec<StaticFile> = theme
        .files_under("static")
        .into_iter()
        .filter(|(rel, _)| !replaced.contains(rel.as_str()))
        .map(|(rel, f)| StaticFile {
            out: rel,
            source: match f.source {
                Some(p) => Source::File(p),
                None => Source::Bytes(f.bytes),
            },
            shown: f.shown,
        })
        .collect();
    files.extend(site_files);
    files
}

/// The icons the default theme ships; a site that names its own `favicon:` publishes
/// none of them, so no browser or home screen shows piazza's icon for the site.
const THEME_ICONS: [&str; 4] = [
    "favicon.svg",
    "favicon-32.png",
    "favicon.ico",
    "apple-touch-icon.png",
];

/// Checks that `favicon:` names a published file and drops the theme's icons.
fn use_site_favicon(
    icon: &crate::config::Favicon,
    files: &mut Vec<StaticFile>,
    errors: &mut Errors,
) {
    let rel = &icon.path[1..];
    if !files.iter().any(|f| f.out == rel) {
        errors.push(
            Error::in_file(
                crate::config::CONFIG_FILE,
                format!("favicon: {} does not exist", icon.path),
            )
            .at_line(icon.line)
            .hint(format!(
                "put the icon at static{} or correct the path",
                icon.path
            )),
        );
    }
    files.retain(|f| {
        f.out == rel || !(THEME_ICONS.contains(&f.out.as_str()) && f.shown.starts_with("themes"))
    });
}

/// Resolves an `image:` value to a URL and reads its size.
fn resolve_image(
    base: &BaseUrl,
    by_out: &HashMap<&str, &StaticFile>,
    cache: &mut HashMap<String, (Option<image::ImageInfo>, Option<u64>)>,
    spec: &str,
    bundle_path: Option<&str>,
    alt: Option<&String>,
) -> Result<ImageView, String> {
    let spec = spec.trim();
    if spec.starts_with("https://") || spec.starts_with("http://") {
        return Ok(ImageView {
            url: spec.to_string(),
            src: spec.to_string(),
            width: None,
            height: None,
            mime: image::mime_from_name(spec),
            alt: alt.cloned(),
            generated: false,
            bytes: None,
            srcset: None,
            small: None,
        });
    }
    let rel = if let Some(site_rel) = spec.strip_prefix('/') {
        site_rel.to_string()
    } else if let Some(page_path) = bundle_path {
        format!("{}{}", &page_path[1..], spec.trim_start_matches("./"))
    } else {
        return Err(format!(
            "the image `{spec}` is relative, but this page is not a bundle, so there is nothing it is relative to"
        ));
    };
    let Some(file) = by_out.get(rel.as_str()) else {
        return Err(format!(
            "the image `{spec}` does not exist (looked for /{rel} in static/ and page bundles)"
        ));
    };
    let (info, bytes) = *cache
        .entry(rel.clone())
        .or_insert_with(|| match &file.source {
            Source::File(p) => (
                image::read_info(p).ok().flatten(),
                std::fs::metadata(p).ok().map(|m| m.len()),
            ),
            Source::Bytes(b) => (image::info_from_bytes(b), Some(b.len() as u64)),
        });
    let path = format!("/{rel}");
    Ok(ImageView {
        url: base.absolute(&path),
        src: base.url(&path),
        width: info.map(|i| i.width),
        height: info.map(|i| i.height),
        mime: info.map(|i| i.mime).or_else(|| image::mime_from_name(&rel)),
        alt: alt.cloned(),
        generated: false,
        srcset: None,
        small: None,
        bytes,
    })
}

/// `data/*.yaml`, available to templates as `site.data.NAME`.
fn load_data(
    config: &Config,
    warnings: &mut Vec<Error>,
) -> Result<BTreeMap<String, serde_yaml::Value>, Errors> {
    let dir = config.root.join("data");
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut errors = Errors::default();
    for rel in files::walk(&config.root, &dir, Names::NoHidden, warnings, &mut errors)
        .into_iter()
        .map(|w| w.rel)
    {
        let Some(name) = rel
            .strip_suffix(".yaml")
            .or_else(|| rel.strip_suffix(".yml"))
        else {
            continue;
        };
        let shown = Path::new("data").join(&rel);
        match crate::source::read_utf8(&dir.join(&rel), &shown) {
            Ok(text) => match serde_yaml::from_str(&text) {
                Ok(v) => {
                    out.insert(name.replace('/', "_"), v);
                }
                Err(e) => errors.push(crate::error::yaml_error(&shown, &text, &e, 0)),
            },
            Err(e) => errors.push(e),
        }
    }
    errors.into_result().map(|()| out)
}
