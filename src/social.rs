//! What a shared link shows: Open Graph, X cards, JSON-LD and the share bar's links.
//!
//! Everything here is data; templates only lay it out. Values are left unescaped for
//! minijinja's HTML auto-escaping, except JSON-LD, which is serialised by serde_json and
//! made safe inside `<script>` here, and share URLs, which are percent-encoded here once.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{json, Value as Json};

use crate::config::{Config, Network};
use crate::content::date::Date;
use crate::templates::Strings;

/// Everything but the unreserved characters of RFC 3986 is encoded, so a title with
/// `&`, `#`, `?`, `+`, accents or emoji arrives intact as one query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `s` as one URL query value.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// A share image, resolved to a URL and, where it could be read, its size.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash)]
pub struct ImageView {
    /// Absolute URL, for og:image.
    pub url: String,
    /// URL for `<img src>` on the site (with the base path prefix).
    pub src: String,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// MIME type.
    pub mime: Option<&'static str>,
    /// Alt text.
    pub alt: Option<String>,
    /// The share card piazza drew for the page (not an image of the author's): themes
    /// use it for og:image but need not show it on the page, where it repeats the title.
    pub generated: bool,
    /// The file's size in bytes, when it is a file of the site (for `piazza check`).
    #[serde(skip)]
    pub bytes: Option<u64>,
}

/// One `<meta>` tag: `property` (Open Graph) or `name` (X, description).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Meta {
    /// `property` or `name`.
    pub attr: &'static str,
    /// The property or name.
    pub key: String,
    /// The content, unescaped.
    pub content: String,
}

/// One share link.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShareLink {
    /// `facebook`, `x`, ...
    pub network: &'static str,
    /// The link, percent-encoded.
    pub url: String,
    /// The network's name as shown (`Facebook`).
    pub name: String,
    /// Accessible label in the site language ("Condividi su Facebook").
    pub label: String,
}

/// What the `<head>` of a page carries.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    /// `<title>`: "Page — Site".
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Absolute canonical URL.
    pub canonical: String,
    /// Open Graph, article and X tags, in order.
    pub meta: Vec<Meta>,
    /// JSON-LD, already safe to place inside `<script>`.
    pub json_ld: minijinja::Value,
    /// Absolute URL of the RSS feed.
    pub feed_url: String,
}

/// The schema.org type a page describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// A guide.
    BlogPosting,
    /// A thesis.
    Thesis,
    /// A standalone page.
    WebPage,
    /// The home page.
    WebSite,
    /// A list (section, tag).
    CollectionPage,
}

/// What one page tells the social layer about itself.
pub struct PageMeta<'a> {
    /// Title alone.
    pub title: &'a str,
    /// Description or summary.
    pub description: &'a str,
    /// Absolute URL.
    pub url: &'a str,
    /// Schema type; also decides og:type.
    pub schema: Schema,
    /// Share image.
    pub image: Option<&'a ImageView>,
    /// Publication date.
    pub published: Option<Date>,
    /// Last update.
    pub modified: Option<Date>,
    /// Author.
    pub author: Option<Person<'a>>,
    /// Tags.
    pub tags: &'a [String],
    /// Section name, for article:section.
    pub section: Option<&'a str>,
    /// Thesis number.
    pub number: Option<u32>,
    /// Breadcrumb trail: (name, absolute URL), home first, this page last.
    pub breadcrumbs: &'a [(String, String)],
    /// Readers' comments: `commentCount` and `comment`, merged into the main item.
    pub comments: Option<Json>,
}

/// A page's author, as share metadata names them.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    /// Display name.
    pub name: &'a str,
    /// Absolute URL of their page, when they have one.
    pub url: Option<String>,
}

/// Builds the head for one page.
pub fn head(config: &Config, meta: &PageMeta<'_>, logo: Option<&ImageView>) -> Head {
    let title = if meta.schema == Schema::WebSite || meta.title == config.title {
        config.title.clone()
    } else {
        format!("{} — {}", meta.title, config.title)
    };
    let is_article = matches!(meta.schema, Schema::BlogPosting | Schema::Thesis);
    let mut tags = Vec::new();
    let mut p = |key: &str, content: &str| {
        tags.push(Meta {
            attr: "property",
            key: key.to_string(),
            content: content.to_string(),
        })
    };
    p("og:title", meta.title);
    p("og:description", meta.description);
    p("og:type", if is_article { "article" } else { "website" });
    p("og:url", meta.url);
    p("og:site_name", &config.title);
    p("og:locale", &config.og_locale());
    if let Some(img) = meta.image {
        p("og:image", &img.url);
        if let Some(mime) = img.mime {
            p("og:image:type", mime);
        }
        if let (Some(w), Some(h)) = (img.width, img.height) {
            p("og:image:width", &w.to_string());
            p("og:image:height", &h.to_string());
        }
        if let Some(alt) = &img.alt {
            p("og:image:alt", alt);
        }
    }
    if is_article {
        if let Some(d) = meta.published {
            p("article:published_time", &d.rfc3339());
        }
        if let Some(d) = meta.modified.or(meta.published) {
            p("article:modified_time", &d.rfc3339());
        }
        if let Some(a) = &meta.author {
            p("article:author", a.url.as_deref().unwrap_or(a.name));
        }
        if let Some(s) = meta.section {
            p("article:section", s);
        }
        for t in meta.tags {
            p("article:tag", t);
        }
    }
    if let Some(id) = &config.social.facebook_app_id {
        p("fb:app_id", id);
    }
    let mut n = |key: &str, content: &str| {
        tags.push(Meta {
            attr: "name",
            key: key.to_string(),
            content: content.to_string(),
        })
    };
    n(
        "twitter:card",
        if meta.image.is_some() {
            "summary_large_image"
        } else {
            "summary"
        },
    );
    if let Some(site) = &config.social.twitter_site {
        n("twitter:site", site);
    }
    n("twitter:title", meta.title);
    n("twitter:description", meta.description);
    if let Some(img) = meta.image {
        n("twitter:image", &img.url);
        if let Some(alt) = &img.alt {
            n("twitter:image:alt", alt);
        }
    }
    Head {
        title,
        description: meta.description.to_string(),
        canonical: meta.url.to_string(),
        meta: tags,
        json_ld: minijinja::Value::from_safe_string(json_ld(config, meta, logo)),
        feed_url: config.base_url.absolute("/feed.xml"),
    }
}

/// The JSON-LD graph of a page, serialised and safe inside `<script>`.
pub fn json_ld(config: &Config, meta: &PageMeta<'_>, logo: Option<&ImageView>) -> String {
    let home = config.base_url.absolute("/");
    let lang = config.language.clone();
    let publisher = {
        let mut org = json!({ "@type": "Organization", "name": config.title, "url": home });
        if let Some(l) = logo {
            org["logo"] = json!({ "@type": "ImageObject", "url": l.url });
            if let (Some(w), Some(h)) = (l.width, l.height) {
                org["logo"]["width"] = json!(w);
                org["logo"]["height"] = json!(h);
            }
        }
        org
    };
    let image = meta.image.map(|img| {
        let mut o = json!({ "@type": "ImageObject", "url": img.url });
        if let (Some(w), Some(h)) = (img.width, img.height) {
            o["width"] = json!(w);
            o["height"] = json!(h);
        }
        o
    });
    let author = meta.author.as_ref().map(|a| {
        let mut p = json!({ "@type": "Person", "name": a.name });
        if let Some(u) = &a.url {
            p["url"] = json!(u);
        }
        p
    });
    let mut main = match meta.schema {
        Schema::BlogPosting | Schema::Thesis => {
            let mut o = json!({
                "@type": if meta.schema == Schema::BlogPosting { "BlogPosting" } else { "CreativeWork" },
                "headline": meta.title,
                "description": meta.description,
                "url": meta.url,
                "mainEntityOfPage": { "@type": "WebPage", "@id": meta.url },
                "inLanguage": lang,
                "publisher": publisher,
            });
            if let Some(d) = meta.published {
                o["datePublished"] = json!(d.rfc3339());
                o["dateModified"] = json!(meta.modified.unwrap_or(d).rfc3339());
            }
            if let Some(a) = author {
                o["author"] = a;
            }
            if !meta.tags.is_empty() {
                o["keywords"] = json!(meta.tags.join(", "));
            }
            if let Some(n) = meta.number {
                o["position"] = json!(n);
                o["name"] = json!(meta.title);
            }
            o
        }
        Schema::WebSite => json!({
            "@type": "WebSite",
            "name": config.title,
            "description": meta.description,
            "url": home,
            "inLanguage": lang,
            "publisher": publisher,
        }),
        Schema::CollectionPage | Schema::WebPage => json!({
            "@type": if meta.schema == Schema::WebPage { "WebPage" } else { "CollectionPage" },
            "name": meta.title,
            "description": meta.description,
            "url": meta.url,
            "inLanguage": lang,
            "isPartOf": { "@type": "WebSite", "name": config.title, "url": home },
        }),
    };
    if let Some(img) = image {
        main["image"] = img;
    }
    if let (Some(Json::Object(extra)), Some(o)) = (&meta.comments, main.as_object_mut()) {
        o.extend(extra.clone());
    }
    let mut graph = vec![main];
    if meta.breadcrumbs.len() > 1 {
        let items: Vec<Json> = meta
            .breadcrumbs
            .iter()
            .enumerate()
            .map(|(i, (name, url))| json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": url }))
            .collect();
        graph.push(json!({ "@type": "BreadcrumbList", "itemListElement": items }));
    }
    let doc = json!({ "@context": "https://schema.org", "@graph": graph });
    script_safe(&doc.to_string())
}

/// Makes JSON safe inside `<script>`: no `</script>`, `<!--` or `&` can appear raw.
pub fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The share bar's links for a page, in the order of `share:` in the config.
pub fn share_links(config: &Config, strings: &Strings, url: &str, title: &str) -> Vec<ShareLink> {
    let u = encode(url);
    let t = encode(title);
    config
        .share
        .iter()
        .map(|&network| {
            let href = match network {
                Network::Facebook => format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
                Network::X => {
                    let mut s = format!("https://x.com/intent/tweet?url={u}&text={t}");
                    if let Some(handle) = &config.social.twitter_site {
                        s.push_str("&via=");
                        s.push_str(&encode(handle.trim_start_matches('@')));
                    }
                    s
                }
                Network::Linkedin => {
                    format!("https://www.linkedin.com/sharing/share-offsite/?url={u}")
                }
                Network::Whatsapp => {
                    format!("https://wa.me/?text={}", encode(&format!("{title} {url}")))
                }
                Network::Telegram => format!("https://t.me/share/url?url={u}&text={t}"),
                Network::Email => format!("mailto:?subject={t}&body={u}"),
            };
            let key = network.key();
            let name = strings.text(&format!("network_{key}"));
            let label = strings
                .get(&format!("share_on_{key}"), &[])
                .or_else(|| strings.get("share_on", &[("network", name.clone())]))
                .unwrap_or_else(|| format!("Share on {name}"));
            ShareLink {
                network: key,
                url: href,
                name,
                label,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_once_and_completely() {
        assert_eq!(encode("a b&c#d?e+f"), "a%20b%26c%23d%3Fe%2Bf");
        assert_eq!(encode("perché"), "perch%C3%A9");
        assert_eq!(encode("https://e.org/x/"), "https%3A%2F%2Fe.org%2Fx%2F");
    }

    #[test]
    fn script_safe_blocks_breakout() {
        let s = script_safe(r#"{"a":"</script><b>&"}"#);
        assert!(!s.contains('<') && !s.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["a"], "</script><b>&");
    }
}
