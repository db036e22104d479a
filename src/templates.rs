//! Templates: the theme's files (`theme.rs`), the minijinja environment and the UI
//! strings (i18n, `strings.rs`).
//!
//! A file is looked up, most specific first, in the site's `templates/` (single-template
//! overrides), the site's `themes/NAME/`, then the default theme embedded in the binary,
//! so a site overrides one template without copying the theme. Everything is read once
//! here; rendering never touches the disk.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};

use crate::config::{BaseUrl, Config};
use crate::content::date::Date;
use crate::error::{Error, Errors};
use crate::files::{self, Names};

mod assets;
mod scan;
mod strings;
mod theme;

pub use strings::{DateView, Strings};
pub use theme::{Theme, ThemeFile, ThemeMeta};

pub use assets::AssetFiles;

/// The templates a template's text names in `{% extends %}`, `{% include %}`,
/// `{% import %}` and `{% from %}` tags, or None when one of them names a template by
/// an expression (it may then use any). Comments and raw blocks are not skipped: a
/// name found there only adds a dependency.
fn references(source: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("{%") {
        let after = &rest[start + 2..];
        let end = after.find("%}").unwrap_or(after.len());
        let tag = after[..end].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        rest = &after[end..];
        let (keyword, args) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        if !matches!(keyword, "extends" | "include" | "import" | "from") {
            continue;
        }
        let args = args.trim_start();
        let list = args.strip_prefix('[');
        let mut text = list.unwrap_or(args);
        loop {
            text = text.trim_start();
            let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let (name, after) = text[1..].split_once(quote)?;
            names.push(name.to_string());
            text = after.trim_start();
            match text.strip_prefix(',') {
                Some(more) if list.is_some() => text = more,
                _ => break,
            }
        }
    }
    Some(names)
}

/// The hash of template `name` together with every template it reaches through
/// [`references`]; None when one of them cannot be told or is missing.
fn closure_hash(name: &str, parts: &BTreeMap<String, (u64, Option<Vec<String>>)>) -> Option<u64> {
    let mut reached = std::collections::BTreeSet::new();
    let mut todo = vec![name];
    while let Some(n) = todo.pop() {
        if reached.insert(n) {
            let (_, refs) = parts.get(n)?;
            todo.extend(refs.as_ref()?.iter().map(String::as_str));
        }
    }
    let mut hasher = crate::hash::hasher();
    for n in reached {
        std::hash::Hash::hash(&(n, parts.get(n)?.0), &mut hasher);
    }
    Some(std::hash::Hasher::finish(&hasher))
}

/// The compiled templates and the environment they render in.
pub struct Templates {
    env: Environment<'static>,
    shown: HashMap<String, PathBuf>,
    /// Hash of every template's name and source.
    hash: u64,
    /// Per template: the hash of its source and of every template it extends,
    /// includes or imports, so a rebuild re-renders only the outputs a change reaches.
    uses: HashMap<String, u64>,
}

impl Templates {
    /// Compiles every template of the theme, with the site's `templates/` on top.
    /// `site` becomes the `site` global; `assets` are the files `asset()` may name.
    pub fn load(
        config: &Config,
        theme: &Theme,
        strings: &Strings,
        base_url: &BaseUrl,
        site: Value,
        warnings: &mut Vec<Error>,
        assets: &AssetFiles<'_>,
    ) -> Result<Templates, Errors> {
        let mut sources = theme.files_under("templates");
        let dir = config.root.join("templates");
        let mut errors = Errors::default();
        let walked = files::walk(&config.root, &dir, Names::NoHidden, warnings, &mut errors);
        errors.into_result()?;
        for rel in walked.into_iter().map(|w| w.rel) {
            let path = dir.join(&rel);
            match std::fs::read(&path) {
                Ok(bytes) => {
                    sources.insert(
                        rel.clone(),
                        ThemeFile {
                            bytes: Cow::Owned(bytes),
                            shown: Path::new("templates").join(&rel),
                            source: Some(path),
                        },
                    );
                }
                Err(e) => return Err(Error::io(&Path::new("templates").join(&rel), &e).into()),
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.set_formatter(html_formatter);
        // minijinja escapes .html and .xml by name, not .svg: share card templates
        // (card.svg) put titles into XML and must be escaped too.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".svg") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::default_auto_escape_callback(name)
            }
        });
        let mut errors = Errors::default();
        let mut shown = HashMap::new();
        let mut hasher = crate::hash::hasher();
        let mut parts: BTreeMap<String, (u64, Option<Vec<String>>)> = BTreeMap::new();
        let mut asset_urls: HashMap<String, Option<String>> = HashMap::new();
        for (name, file) in sources {
            std::hash::Hash::hash(&(&name, &file.bytes), &mut hasher);
            let Ok(source) = String::from_utf8(file.bytes.into_owned()) else {
                errors.push(Error::in_file(
                    &file.shown,
                    "this template is not valid UTF-8",
                ));
                continue;
            };
            // A template's hash covers the URLs it links with asset(), so a changed
            // stylesheet re-renders the pages that link it.
            let mut own = crate::hash::hasher();
            std::hash::Hash::hash(&crate::hash::of(&source), &mut own);
            for used in scan::asset_uses(&source) {
                let Some(asset) = used.name else {
                    errors.push(
                        Error::in_file(&file.shown, "asset() takes the file name in quotes")
                            .at_line(used.line)
                            .hint("write asset(\"style.css\"): piazza reads and hashes every asset before rendering"),
                    );
                    continue;
                };
                let key = asset.trim_start_matches('/').to_string();
                if !asset_urls.contains_key(&key) {
                    match assets.url(&key) {
                        Ok(url) => {
                            asset_urls.insert(key.clone(), url);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                let url = asset_urls.get(&key);
                std::hash::Hash::hash(&(&key, url), &mut own);
                std::hash::Hash::hash(&(&key, url), &mut hasher);
            }
            parts.insert(
                name.clone(),
                (std::hash::Hasher::finish(&own), references(&source)),
            );
            let unclosed = scan::unclosed(&source);
            if let Err(e) = env.add_template_owned(name.clone(), source) {
                errors.push(syntax_error(&e, &file.shown, unclosed));
            }
            shown.insert(name, file.shown);
        }
        errors.into_result()?;
        let hash = std::hash::Hasher::finish(&hasher);
        let uses = parts
            .keys()
            .map(|name| (name.clone(), closure_hash(name, &parts).unwrap_or(hash)))
            .collect();

        let t_strings = strings.clone();
        env.add_function(
            "t",
            move |key: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
                let mut args = Vec::new();
                for name in kwargs.args() {
                    let v: Value = kwargs.get(name)?;
                    args.push((name, v.to_string()));
                }
                t_strings.get(key, &args).ok_or_else(|| {
                    minijinja::Error::new(
                        ErrorKind::InvalidOperation,
                        format!("no UI string `{key}`; add it to i18n/LANG.yaml"),
                    )
                })
            },
        );
        // A shortcode template refuses a call it cannot render: the message is
        // reported at the call (see `Resolver::shortcode`).
        env.add_function(
            "fail",
            |message: String| -> Result<String, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, message))
            },
        );
        env.add_function(
            "asset",
            move |name: &str| -> Result<String, minijinja::Error> {
                match asset_urls.get(name.trim_start_matches('/')) {
                    Some(Some(url)) => Ok(url.clone()),
                    _ => Err(minijinja::Error::new(
                        ErrorKind::InvalidOperation,
                        assets::missing(name),
                    )),
                }
            },
        );
        let prefix = base_url.prefix.clone();
        env.add_filter("url", move |path: &str| -> String {
            if path.starts_with('/') && !path.starts_with("//") {
                format!("{prefix}{path}")
            } else {
                path.to_string()
            }
        });
        let date_strings = strings.clone();
        env.add_filter(
            "date",
            move |iso: &str| -> Result<String, minijinja::Error> {
                let d = Date::parse(iso)
                    .map_err(|e| minijinja::Error::new(ErrorKind::InvalidOperation, e))?;
                Ok(date_strings.date(&d))
            },
        );
        env.add_global("site", site);
        env.add_global(
            "theme",
            to_value(&ThemeView {
                name: &theme.name,
                colors: &theme.meta.colors,
            }),
        );
        Ok(Templates {
            env,
            shown,
            hash,
            uses,
        })
    }

    /// The hash of template `name` and of every template it uses: what an output
    /// rendered with it depends on (all templates, when that cannot be told).
    pub fn hash_of(&self, name: &str) -> u64 {
        self.uses.get(name).copied().unwrap_or(self.hash)
    }

    /// The templates whose names start with `prefix`: (name, source, path errors show).
    pub fn sources(&self, prefix: &str) -> Vec<(String, String, PathBuf)> {
        let mut out: Vec<_> = self
            .shown
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .filter_map(|(name, shown)| {
                let source = self.env.get_template(name).ok()?.source().to_string();
                Some((name.clone(), source, shown.clone()))
            })
            .collect();
        out.sort();
        out
    }

    /// Whether a template of this name exists.
    pub fn has(&self, name: &str) -> bool {
        self.shown.contains_key(name)
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| Error::new(format!("template `{name}`: {e}")))?;
        tmpl.render(ctx.clone()).map_err(|e| {
            // An error inside an included or extended template names that template.
            let at = innermost(&e);
            let file = at
                .name()
                .and_then(|n| self.shown.get(n))
                .cloned()
                .unwrap_or_else(|| PathBuf::from(name));
            let err = template_error(&e, &file);
            match undefined_hint(at, &ctx, &self.env) {
                Some((message, hint)) => Error {
                    message,
                    hint: Some(hint),
                    ..err
                },
                None => err,
            }
        })
    }
}

/// HTML output escapes the five characters that matter and nothing else, so URLs in
/// attributes stay readable (`https://` rather than minijinja's `https:&#x2f;&#x2f;`).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if !matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        || value.is_safe()
        || value.is_none()
    {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped)
        .map_err(|e| minijinja::Error::new(ErrorKind::WriteFailure, e.to_string()))
}

#[derive(serde::Serialize)]
struct ThemeView<'a> {
    name: &'a str,
    colors: &'a BTreeMap<String, String>,
}

/// Turns a minijinja error into one that names the template file and line, with the
/// causes (an error inside an included template) as `Reason:` lines.
fn template_error(e: &minijinja::Error, file: &Path) -> Error {
    let mut message = format!(
        "template error: {}",
        e.detail().unwrap_or(&e.kind().to_string())
    );
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(&format!("\n  Reason: {cause}"));
        source = cause.source();
    }
    let mut err = Error::in_file(file, message).hint("fix the template at this line");
    if let Some(line) = innermost(e).line() {
        err = err.at_line(line);
    }
    err
}

/// A template that does not compile; when a block is left open, the error points at
/// the tag that opens it rather than where minijinja noticed (the end of the file, or
/// the end tag of an outer block).
fn syntax_error(e: &minijinja::Error, file: &Path, unclosed: Option<scan::Unclosed>) -> Error {
    let err = template_error(e, file);
    let detail = e.detail().unwrap_or_default();
    let block_error = detail.starts_with("unexpected end of input")
        || detail.starts_with("unknown statement end");
    match unclosed.filter(|_| block_error) {
        Some(open) => {
            let kind = &open.kind;
            let after = match &open.before {
                Some((end, line)) => format!(" before the {{% {end} %}} on line {line}"),
                None => " before the end of the file".to_string(),
            };
            Error::in_file(
                file,
                format!("this {{% {kind} %}} has no {{% end{kind} %}}"),
            )
            .at_line(open.line)
            .hint(format!(
                "add {{% end{kind} %}} where the {kind} should end{after}"
            ))
        }
        None => err,
    }
}

/// How many keys the hint of an undefined value names.
const MAX_KEYS: usize = 40;

/// For an undefined value (`page.titel`), the message in plain words and a hint
/// naming the keys its parent has, when the parent is a variable of the page or a
/// global.
fn undefined_hint(
    e: &minijinja::Error,
    ctx: &Value,
    env: &Environment<'_>,
) -> Option<(String, String)> {
    if e.kind() != ErrorKind::UndefinedError {
        return None;
    }
    let path = e
        .detail()?
        .strip_prefix('`')?
        .strip_suffix("` is undefined")?;
    let message = format!("`{path}` is undefined");
    let optional = format!(
        "if it is optional, test it first: {{% if {path} %}}...{{% endif %}}, or write {{{{ {path} | default(\"\") }}}}"
    );
    let keys = match path.rsplit_once('.') {
        Some((parent, _)) => {
            let mut parts = parent.split('.');
            let first = parts.next().unwrap_or_default();
            let mut value = ctx
                .get_attr(first)
                .ok()
                .filter(|v| !v.is_undefined())
                .or_else(|| env.globals().find(|(k, _)| *k == first).map(|(_, v)| v));
            for part in parts {
                value = value.and_then(|v| v.get_attr(part).ok().filter(|v| !v.is_undefined()));
            }
            value
                .filter(|v| v.kind() == minijinja::value::ValueKind::Map)
                .and_then(|v| v.try_iter().ok())
                .map(|keys| {
                    (
                        format!("`{parent}` has"),
                        keys.map(|k| k.to_string()).collect(),
                    )
                })
        }
        None => ctx.try_iter().ok().map(|keys| {
            let names: Vec<String> = keys
                .map(|k| k.to_string())
                .chain(
                    env.globals()
                        .filter(|(_, v)| v.kind() == minijinja::value::ValueKind::Map)
                        .map(|(k, _)| k.to_string()),
                )
                .collect();
            ("this template has".to_string(), names)
        }),
    };
    let hint = match keys {
        Some((has, mut keys)) if !keys.is_empty() => {
            keys.sort();
            keys.dedup();
            // A data file may be a map of thousands: name the first few.
            let more = keys.len().saturating_sub(MAX_KEYS);
            keys.truncate(MAX_KEYS);
            if more > 0 {
                keys.push(format!("and {more} more"));
            }
            format!("{has}: {}; {optional}", keys.join(", "))
        }
        _ => format!("check the spelling; {optional}"),
    };
    Some((message, hint))
}

/// The deepest template error in the chain that knows its template and line.
fn innermost(e: &minijinja::Error) -> &minijinja::Error {
    let mut best = e;
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(inner) = cause.downcast_ref::<minijinja::Error>() {
            if inner.name().is_some() && inner.line().is_some() {
                best = inner;
            }
        }
        source = cause.source();
    }
    best
}

/// A template value from anything serde can serialise.
pub fn to_value<T: serde::Serialize>(v: &T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_the_literal_names_of_extends_include_import_and_from() {
        let source = r#"{% extends "base.html" %}
{%- include 'partials/a.html' -%}
{% include ["partials/b.html", 'partials/c.html'] ignore missing %}
{% import "macros.html" as m %}{% from "more.html" import x %}
{% if include %}{{ x }}{% endif %}"#;
        assert_eq!(
            references(source),
            Some(
                [
                    "base.html",
                    "partials/a.html",
                    "partials/b.html",
                    "partials/c.html",
                    "macros.html",
                    "more.html"
                ]
                .map(String::from)
                .to_vec()
            )
        );
        assert_eq!(references("{% include name %}"), None);
        assert_eq!(references("{% extends layout ~ '.html' %}"), None);
        assert_eq!(references("no tags at all"), Some(Vec::new()));
    }

    #[test]
    fn a_template_hash_covers_what_it_uses_and_nothing_else() {
        let part = |own: u64, refs: &[&str]| {
            (
                own,
                Some(refs.iter().map(|r| r.to_string()).collect::<Vec<_>>()),
            )
        };
        let mut parts = BTreeMap::new();
        parts.insert("base.html".to_string(), part(1, &["footer.html"]));
        parts.insert("footer.html".to_string(), part(2, &[]));
        parts.insert("guide.html".to_string(), part(3, &["base.html"]));
        parts.insert("tag.html".to_string(), part(4, &["base.html"]));
        let guide = closure_hash("guide.html", &parts);
        let tag = closure_hash("tag.html", &parts);
        parts.insert("tag.html".to_string(), part(5, &["base.html"]));
        assert_eq!(closure_hash("guide.html", &parts), guide);
        assert_ne!(closure_hash("tag.html", &parts), tag);
        parts.insert("footer.html".to_string(), part(6, &[]));
        assert_ne!(closure_hash("guide.html", &parts), guide);
        parts.insert("dynamic.html".to_string(), (7, None));
        parts.insert("uses-dynamic.html".to_string(), part(8, &["dynamic.html"]));
        assert_eq!(closure_hash("uses-dynamic.html", &parts), None);
        parts.insert("uses-missing.html".to_string(), part(9, &["nowhere.html"]));
        assert_eq!(closure_hash("uses-missing.html", &parts), None);
    }
}
