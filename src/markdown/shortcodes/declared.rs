//! The arguments shortcode templates declare on their first line
//! (`{# args: id, title="" #}`), and the check of every call against them, so a wrong
//! argument is an error at the call with the closest name, never an empty render.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Call, Cursor, Literal, Problem, Values, AS_TEXT, THESIS};
use crate::error::{Error, Errors};

/// The known name closest to `wrong`, if one is close enough to be a typo.
pub fn closest<'a>(wrong: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names
        .map(|n| (strsim::damerau_levenshtein(wrong, n), n))
        .filter(|&(d, n)| d <= 2.max(n.len() / 3) && d < n.len())
        .min()
        .map(|(_, n)| n)
}

/// The arguments a shortcode template declares on its first line.
#[derive(Debug, Clone)]
pub struct Declared {
    /// The template's name (`shortcodes/NAME.html`).
    pub template: String,
    /// The template as errors show it.
    pub shown: PathBuf,
    /// Each argument and its default (None when required).
    pub args: Vec<(String, Option<Literal>)>,
}

/// A site's shortcodes: every template in `shortcodes/` but the thesis quote.
#[derive(Debug, Clone, Default)]
pub struct Shortcodes {
    by_name: BTreeMap<String, Declared>,
}

impl Shortcodes {
    /// Reads the declarations of `templates`: (name inside templates/, source, shown).
    pub fn load<'a>(
        templates: impl Iterator<Item = (&'a str, &'a str, &'a Path)>,
    ) -> Result<Shortcodes, Errors> {
        let mut by_name = BTreeMap::new();
        let mut errors = Errors::default();
        for (template, source, shown) in templates {
            let Some(name) = template
                .strip_prefix("shortcodes/")
                .and_then(|n| n.strip_suffix(".html"))
            else {
                continue;
            };
            if THESIS.contains(&name) || name.contains('/') {
                continue;
            }
            match declaration(source) {
                Ok(args) => {
                    by_name.insert(
                        name.to_string(),
                        Declared {
                            template: template.to_string(),
                            shown: shown.to_path_buf(),
                            args,
                        },
                    );
                }
                Err(m) => errors.push(Error::in_file(shown, m).at_line(1).hint(
                    "a shortcode template starts with its arguments: {# args: id, title=\"\" #} (required ones bare, optional ones with a default; {# args: #} for none)",
                )),
            }
        }
        errors.into_result().map(|()| Shortcodes { by_name })
    }

    /// Every shortcode name, the built-in ones included.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        THESIS
            .into_iter()
            .chain(self.by_name.keys().map(String::as_str))
    }

    /// The values a call gives its template's arguments (defaults filled in), or what
    /// is wrong with it: (message, hint).
    pub fn bind(&self, call: &Call) -> Result<(&Declared, Values), Problem> {
        let Some(decl) = self.by_name.get(&call.name) else {
            let hint = match closest(&call.name, self.names()) {
                Some(n) => format!("did you mean `{}`?", call.renamed(n)),
                None => format!("the shortcodes are {}. {AS_TEXT}", list(self.names())),
            };
            return Err((format!("there is no shortcode `{}`", call.name), hint));
        };
        let at = |m: String| format!("{m} ({})", decl.shown.display());
        let mut given: BTreeMap<&str, &Literal> = BTreeMap::new();
        for (key, value) in &call.args {
            let Some(key) = key else {
                return Err((
                    at(format!("`{}` takes its arguments by name", call.name)),
                    format!("write them as name=value: {}", example(decl)),
                ));
            };
            if !decl.args.iter().any(|(a, _)| a == key) {
                let names = decl.args.iter().map(|(a, _)| a.as_str());
                let hint = match closest(key, names.clone()) {
                    Some(n) => format!("did you mean `{n}`? `{}` takes {}", call.name, list(names)),
                    None => format!("`{}` takes {}", call.name, list(names)),
                };
                return Err((at(format!("`{}` has no argument `{key}`", call.name)), hint));
            }
            if given.insert(key, value).is_some() {
                return Err((
                    at(format!("the argument `{key}` is given twice")),
                    "give each argument once".into(),
                ));
            }
        }
        let mut values = Vec::new();
        for (name, default) in &decl.args {
            match given.get(name.as_str()).copied().or(default.as_ref()) {
                Some(v) => values.push((name.clone(), v.clone())),
                None => {
                    return Err((
                        at(format!("`{}` needs the argument `{name}`", call.name)),
                        format!("for example {}", example(decl)),
                    ))
                }
            }
        }
        Ok((decl, values))
    }
}

/// `a`, `b` and `c`, or "no arguments".
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "no arguments".into()
    } else {
        names.join(", ")
    }
}

/// A call with the required arguments filled with placeholders.
fn example(decl: &Declared) -> String {
    let name = decl.template["shortcodes/".len()..].trim_end_matches(".html");
    let args: Vec<String> = decl
        .args
        .iter()
        .filter(|(_, d)| d.is_none())
        .map(|(a, _)| format!("{a}=\"...\""))
        .collect();
    format!("{{{{ {name}({}) }}}}", args.join(", "))
}

/// The arguments declared on a template's first line, `{# args: id, title="" #}`.
fn declaration(source: &str) -> Result<Vec<(String, Option<Literal>)>, String> {
    let first = source.lines().next().unwrap_or("").trim();
    let Some(list) = first
        .strip_prefix("{#")
        .and_then(|s| s.strip_suffix("#}"))
        .map(str::trim)
        .and_then(|s| s.strip_prefix("args:"))
    else {
        return Err("a shortcode template must declare its arguments on its first line".into());
    };
    let mut c = Cursor { s: list, at: 0 };
    let mut args: Vec<(String, Option<Literal>)> = Vec::new();
    loop {
        c.spaces();
        if c.rest().is_empty() {
            break;
        }
        let Some(name) = c.ident() else {
            return Err(format!("`{}` is not an argument name", c.rest().trim()));
        };
        if args.iter().any(|(a, _)| a == name) {
            return Err(format!("the argument `{name}` is declared twice"));
        }
        c.spaces();
        let default = if c.eat("=") {
            c.spaces();
            match c.literal() {
                Ok(v) => Some(v),
                Err(w) => {
                    return Err(format!(
                        "the default of `{name}`, `{}`, is not a value: write text in quotes, a number, true or false",
                        &list[w]
                    ))
                }
            }
        } else {
            None
        };
        args.push((name.to_string(), default));
        c.spaces();
        if !c.eat(",") && !c.rest().is_empty() {
            return Err(format!("expected a comma before `{}`", c.rest().trim()));
        }
    }
    Ok(args)
}

/// Whether argument `name` holds a link, resolved like links in the text: `url`,
/// `src`, `href` and names ending in `_url`.
pub fn is_link(name: &str) -> bool {
    matches!(name, "url" | "src" | "href") || name.ends_with("_url")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_read_from_the_first_line() {
        assert_eq!(
            declaration("{# args: id, title=\"\", n=2 #}\n<p>").unwrap(),
            vec![
                ("id".into(), None),
                ("title".into(), Some(Literal::Text(String::new()))),
                ("n".into(), Some(Literal::Int(2))),
            ]
        );
        assert_eq!(declaration("{# args: #}").unwrap(), vec![]);
        assert!(declaration("<p>").is_err());
        assert!(declaration("{# args: a=b #}").is_err());
    }
}
