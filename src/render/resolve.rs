//! What Markdown rendering asks of the site: `@/` links, thesis quotes, shortcode
//! templates and the sizes of the images they show.

use std::collections::BTreeMap;

use minijinja::Value;
use serde::Serialize;

use crate::files::Source;
use crate::markdown::shortcodes::{Call, Literal};
use crate::markdown::{shortcodes, Resolver};
use crate::output::xml_escape;
use crate::site::Site;
use crate::templates::to_value;

impl Resolver for Site {
    fn link(&self, target: &str) -> Option<String> {
        self.content.resolve_link(target).map(|p| self.url(&p))
    }

    fn thesis_block(&self, number: u32) -> Option<String> {
        self.thesis_html.get(&number).map(|(b, _)| b.clone())
    }

    fn thesis_inline(&self, number: u32) -> Option<String> {
        self.thesis_html.get(&number).map(|(_, i)| i.clone())
    }

    fn shortcode(
        &self,
        call: &Call,
        body: Option<String>,
        inline: bool,
    ) -> Result<String, (String, String)> {
        let (decl, values) = self.shortcodes.bind(call)?;
        let mut ctx: BTreeMap<String, Value> = BTreeMap::from([
            ("inline".into(), inline.into()),
            (
                "body".into(),
                Value::from_safe_string(body.unwrap_or_default()),
            ),
        ]);
        for (name, value) in values {
            let value = match value {
                Literal::Text(url) if shortcodes::is_link(&name) => {
                    if name == "src" {
                        if let Some(size) = self.image_size(&url) {
                            ctx.insert("image".into(), to_value(&size));
                        }
                    }
                    Value::from(self.link_argument(&url)?)
                }
                other => other.to_value(),
            };
            ctx.insert(name, value);
        }
        self.templates
            .render(&decl.template, Value::from(ctx))
            .map_err(|e| {
                let detail = e
                    .message
                    .strip_prefix("template error: ")
                    .unwrap_or(&e.message);
                let at = match e.line {
                    Some(line) => format!("{}:{line}", decl.shown.display()),
                    None => decl.shown.display().to_string(),
                };
                (
                    format!("the shortcode `{}` failed: {detail}", call.name),
                    format!("fix the call, or the template at {at}"),
                )
            })
    }

    fn prefix(&self) -> &str {
        &self.config.base_url.prefix
    }

    fn carries_prefix(&self, url: &str) -> bool {
        self.published.land(url, "/", self.prefix()) == crate::sitelinks::Landing::Prefixed
    }

    fn footnotes_heading(&self) -> String {
        xml_escape(&self.strings.get("footnotes", &[]).unwrap_or_default())
    }

    fn footnote_backref(&self, reference: &str) -> String {
        let label = self
            .strings
            .get("footnote_backref", &[("n", reference.to_string())])
            .unwrap_or_else(|| format!("Back to reference {reference}"));
        xml_escape(&label)
    }
}

/// The size of an image a shortcode shows, so the page does not jump as it loads.
#[derive(Debug, Hash, Serialize)]
pub struct ImageSize {
    pub(super) width: u32,
    pub(super) height: u32,
}

impl Site {
    /// A shortcode's link argument, resolved like a link in the text: `@/` names a
    /// page by its file, a root-relative path gets the base URL's path.
    pub(super) fn link_argument(&self, url: &str) -> Result<String, (String, String)> {
        if let Some(target) = url.strip_prefix("@/") {
            return self.link(target).ok_or_else(|| {
                (
                    format!("the link @/{target} points to no file in content/"),
                    "the path is relative to content/, e.g. @/guides/my-guide.md".into(),
                )
            });
        }
        Ok(if url.starts_with('/') && !url.starts_with("//") {
            self.url(url)
        } else {
            url.to_string()
        })
    }

    /// The sizes of the images a call shows (its `src`): what its HTML reads besides
    /// its arguments, template and links, for watch mode's fingerprints.
    pub fn call_images(&self, call: &Call) -> Vec<Option<ImageSize>> {
        call.args
            .iter()
            .filter_map(|(key, value)| match (key.as_deref(), value) {
                (Some("src"), Literal::Text(src)) => Some(self.image_size(src)),
                _ => None,
            })
            .collect()
    }

    /// The size of the published image at site path `src` (`/images/a.png`).
    pub(super) fn image_size(&self, src: &str) -> Option<ImageSize> {
        let rel = src.strip_prefix('/')?;
        let file = self.files.iter().find(|f| f.out == rel)?;
        let info = match &file.source {
            Source::File(p) => crate::image::read_info(p).ok().flatten(),
            Source::Bytes(b) => crate::image::info_from_bytes(b),
        }?;
        Some(ImageSize {
            width: info.width,
            height: info.height,
        })
    }
}
