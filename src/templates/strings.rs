//! UI strings (i18n): the theme's `i18n/LANG.yaml`, English as the fallback, a site's
//! own file overriding single strings, and dates spelled out in the site language.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::content::date::Date;
use crate::error::{yaml_error, Error, Errors};
use crate::files;

use super::theme::Theme;

/// UI strings in the site language, with English as the fallback for missing keys.
#[derive(Debug, Clone, Default)]
pub struct Strings {
    pub(super) map: HashMap<String, String>,
    pub(super) months: Vec<String>,
}

impl Strings {
    /// Loads the theme's `i18n/en.yaml`, then the language's file, then the site's own
    /// `i18n/LANG.yaml`, each overriding single keys of the one before.
    /// A site file that is a link out of the site's i18n/ folder is left out.
    pub fn load(
        config: &Config,
        theme: &Theme,
        warnings: &mut Vec<Error>,
    ) -> Result<Strings, Errors> {
        let lang = config.language.to_ascii_lowercase();
        let primary = config.lang_primary();
        let mut candidates = vec!["en".to_string(), primary.clone()];
        if lang != primary {
            candidates.push(lang.clone());
        }
        candidates.dedup();
        let mut strings = Strings::default();
        let mut errors = Errors::default();
        let mut found_language = primary == "en";
        let site_i18n = files::folder(
            &config.root,
            &files::real(&config.root),
            &config.root.join("i18n"),
            warnings,
        );
        for code in &candidates {
            let name = format!("i18n/{code}.yaml");
            if let Some(f) = theme.file(&name) {
                found_language |= code != "en";
                if let Err(e) = strings.merge(&f.bytes, &f.shown) {
                    errors.push(e);
                }
            }
            let site_file = config.root.join(&name);
            let readable = site_file.is_file()
                && site_i18n.as_ref().is_some_and(|real| {
                    files::file_inside(&config.root, real, &site_file, warnings)
                });
            if readable {
                found_language |= code != "en";
                match std::fs::read(&site_file) {
                    Ok(bytes) => {
                        if let Err(e) = strings.merge(&bytes, Path::new(&name)) {
                            errors.push(e);
                        }
                    }
                    Err(e) => errors.push(Error::io(Path::new(&name), &e)),
                }
            }
        }
        if !found_language {
            errors.push(
                Error::in_file(
                    crate::config::CONFIG_FILE,
                    format!("the theme has no UI strings for `{}`", config.language),
                )
                .hint(format!(
                    "add i18n/{primary}.yaml to the site (copy the keys of the theme's i18n/en.yaml and translate them)"
                )),
            );
        }
        errors.into_result().map(|()| strings)
    }

    fn merge(&mut self, bytes: &[u8], shown: &Path) -> Result<(), Error> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::in_file(shown, "this file is not valid UTF-8"))?;
        if text.trim().is_empty() {
            return Ok(());
        }
        let map: BTreeMap<String, serde_yaml::Value> =
            serde_yaml::from_str(text).map_err(|e| yaml_error(shown, text, &e, 0))?;
        for (key, value) in map {
            match value {
                serde_yaml::Value::String(s) => {
                    self.map.insert(key, s);
                }
                serde_yaml::Value::Sequence(items) if key == "months" => {
                    let months: Vec<String> = items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect();
                    if months.len() != 12 {
                        return Err(Error::in_file(
                            shown,
                            "`months` must list the 12 month names",
                        ));
                    }
                    self.months = months;
                }
                serde_yaml::Value::Number(n) => {
                    self.map.insert(key, n.to_string());
                }
                _ => {
                    return Err(
                        Error::in_file(shown, format!("`{key}` must be a text string"))
                            .hint("UI strings are `key: \"text\"` lines"),
                    )
                }
            }
        }
        Ok(())
    }

    /// A hash of every string, independent of map order.
    pub fn fingerprint(&self) -> u64 {
        let sorted: BTreeMap<&String, &String> = self.map.iter().collect();
        let mut h = crate::hash::hasher();
        std::hash::Hash::hash(&(sorted, &self.months), &mut h);
        std::hash::Hasher::finish(&h)
    }

    /// The string for `key`, with `{name}` placeholders filled from `args`.
    pub fn get(&self, key: &str, args: &[(&str, String)]) -> Option<String> {
        let mut s = self.map.get(key)?.clone();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        Some(s)
    }

    /// The string for `key`, or the key itself (only for strings the theme must have).
    pub fn text(&self, key: &str) -> String {
        self.get(key, &[]).unwrap_or_else(|| key.to_string())
    }

    /// A date spelled out in the site language: "14 maggio 2013".
    pub fn date(&self, d: &Date) -> String {
        let month = self
            .months
            .get(d.month as usize - 1)
            .cloned()
            .unwrap_or_else(|| format!("{:02}", d.month));
        let pattern = self
            .map
            .get("date_format")
            .map_or("{day} {month} {year}", String::as_str);
        pattern
            .replace("{day}", &d.day.to_string())
            .replace("{month}", &month)
            .replace("{year}", &d.year.to_string())
    }
}
/// A date in the forms templates need.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `2026-03-01`.
    pub iso: String,
    /// RFC 3339 for `<time datetime>`.
    pub datetime: String,
    /// Spelled out in the site language.
    pub display: String,
}

impl DateView {
    pub fn new(d: &Date, strings: &Strings) -> DateView {
        DateView {
            iso: d.iso_date(),
            datetime: d.rfc3339(),
            display: strings.date(d),
        }
    }
}
