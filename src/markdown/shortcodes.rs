//! Shortcode calls, `{{ name(arg="x", n=3) }}` and `{% name(...) %}` … `{% end %}`, and
//! the argument lists that shortcode templates declare (`{# args: id, title="" #}`).
//!
//! Calls are found in a body's source text, not in comrak's tree, where smart
//! punctuation and autolinks would already have changed the arguments. The caller says
//! which positions comrak parsed as code or raw HTML; a brace after a backslash is
//! text. `{{` or `{%` followed by a name starts a call, so every mistake in one is an
//! error with a guess, never text published as it was.

use std::fmt;
use std::ops::Range;

/// The built-in shortcode that quotes a thesis, and its Italian name.
pub const THESIS: [&str; 2] = ["thesis", "tesi"];

/// An argument's value: only literals, so a call can be checked before rendering.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `"text"` or `'text'`.
    Text(String),
    /// `3`, `-2`.
    Int(i64),
    /// `1.5`.
    Float(f64),
    /// `true`, `false`.
    Bool(bool),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(s) => write!(f, "\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(n) => write!(f, "{n}"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Literal {
    /// The value for a template.
    pub fn to_value(&self) -> minijinja::Value {
        match self {
            Literal::Text(s) => s.as_str().into(),
            Literal::Int(n) => (*n).into(),
            Literal::Float(n) => (*n).into(),
            Literal::Bool(b) => (*b).into(),
        }
    }
}

/// One call, as written in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The shortcode's name.
    pub name: String,
    /// Arguments in order: their name (None when positional) and value.
    pub args: Vec<(Option<String>, Literal)>,
    /// Bytes of the source the call takes: the tag, or for a call with a body the
    /// lines from its opening tag to `{% end %}`.
    pub range: Range<usize>,
    /// 1-based line and column (in characters) of the opening braces.
    pub line: usize,
    /// See `line`.
    pub column: usize,
    /// For a call with a body: the body's bytes and its first line.
    pub body: Option<(Range<usize>, usize)>,
    /// How many bodies the call is inside.
    pub depth: usize,
}

impl Call {
    /// A call that is only shown, in the "did you mean" of a malformed one: it has no
    /// place in the source.
    fn guess(name: String, args: Vec<(Option<String>, Literal)>) -> Call {
        Call {
            name,
            args,
            range: 0..0,
            line: 0,
            column: 0,
            body: None,
            depth: 0,
        }
    }

    /// The call written with another name, for "did you mean".
    pub fn renamed(&self, name: &str) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|(k, v)| match k {
                Some(k) => format!("{k}={v}"),
                None => v.to_string(),
            })
            .collect();
        let (open, close) = if self.body.is_some() {
            ("{%", "%}")
        } else {
            ("{{", "}}")
        };
        format!("{open} {name}({}) {close}", args.join(", "))
    }

    /// The thesis number of a `{{ thesis(N) }}` call.
    pub fn thesis(&self) -> Option<u32> {
        match self.args.as_slice() {
            [(None, Literal::Int(n))] if THESIS.contains(&self.name.as_str()) => {
                u32::try_from(*n).ok().filter(|&n| n > 0)
            }
            _ => None,
        }
    }
}

/// What is wrong with a call, and what to do: (message, hint).
pub type Problem = (String, String);

/// Every declared argument of a call with its value, given or default.
pub type Values = Vec<(String, Literal)>;

/// A malformed call, located like [`Call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// What to tell an author who wants braces as text.
const AS_TEXT: &str = "To show the braces as text, write \\{\\{ (or put them in `code`).";

/// Reads the inside of one tag.
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    fn spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    fn eat(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    fn ident(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.at += len;
        Some(&rest[..len])
    }

    /// A literal, or the byte range of the word that is not one.
    fn literal(&mut self) -> Result<Literal, Range<usize>> {
        let rest = self.rest();
        if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let mut text = String::new();
            let mut chars = rest[1..].char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e)) => text.push(e),
                        None => break,
                    },
                    c if c == quote => {
                        self.at += 1 + i + 1;
                        return Ok(Literal::Text(text));
                    }
                    c => text.push(c),
                }
            }
            return Err(self.at..self.s.len());
        }
        let len = rest
            .find(|c: char| c == ',' || c == ')' || c == '}' || c == '%' || c.is_whitespace())
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let value = match word {
            "true" => Some(Literal::Bool(true)),
            "false" => Some(Literal::Bool(false)),
            _ if word.contains('.') => word.parse().ok().map(Literal::Float),
            _ => word.parse().ok().map(Literal::Int),
        };
        match value {
            Some(v) if !word.is_empty() => {
                self.at += len;
                Ok(v)
            }
            _ => Err(self.at..self.at + len),
        }
    }
}

/// Finds every call in `src`, or the first mistake in one. `skip(line, byte_column)`
/// tells positions that are code or raw HTML. Calls inside a body are listed too, with
/// their depth. Each byte is looked at a bounded number of times, however many braces
/// a line holds.
pub fn find(src: &str, skip: &dyn Fn(usize, usize) -> bool) -> (Vec<Call>, Vec<CallError>) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |at: usize| line_starts.partition_point(|&s| s <= at);
    let mut calls = Vec::new();
    let mut errors = Vec::new();
    // Open calls with a body: their index in `calls`.
    let mut open: Vec<usize> = Vec::new();
    // The column of the last call, to count the next one's on from there.
    let mut counted = (0, 0, 0);
    let mut i = 0;
    while let Some(found) = src[i..].find('{') {
        let at = i + found;
        i = at + 1;
        let block = match src.as_bytes().get(at + 1) {
            Some(b'{') => false,
            Some(b'%') => true,
            _ => continue,
        };
        let line = line_of(at);
        let start = line_starts[line - 1];
        let end = line_starts.get(line).map_or(src.len(), |&next| next - 1);
        let backslashes = src[start..at].len() - src[start..at].trim_end_matches('\\').len();
        let inner = src[at + 2..end].trim_start_matches([' ', '\t']);
        if backslashes % 2 == 1
            || !inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            || skip(line, at - start + 1)
        {
            continue;
        }
        i = at + 2;
        let (from, chars) = match counted {
            (l, byte, chars) if l == line => (byte, chars),
            _ => (start, 0),
        };
        let chars = chars + src[from..at].chars().count();
        counted = (line, at, chars);
        let column = chars + 1;
        let err = |message: String, hint: String| CallError {
            line,
            column,
            message,
            hint,
        };
        let tag = match parse_tag(&src[at..end], block) {
            Ok(tag) => tag,
            Err((message, hint)) => {
                errors.push(err(message, hint));
                break;
            }
        };
        if block {
            let alone =
                src[start..at].trim().is_empty() && src[at + tag.len..end].trim().is_empty();
            if !alone {
                errors.push(err(
                    format!("`{}` must stand on a line of its own", &src[at..at + tag.len]),
                    "a shortcode with a body starts and ends on lines of their own: {% name() %}, the Markdown, then {% end %}".into(),
                ));
                break;
            }
        }
        match tag.name {
            None => match open.pop() {
                Some(k) => {
                    let c: &mut Call = &mut calls[k];
                    let body_start = c.range.end + 1;
                    c.body = Some((body_start.min(start)..start, c.line + 1));
                    c.range.end = end;
                }
                None => {
                    errors.push(err(
                        "this `{% end %}` closes no shortcode".into(),
                        "a body starts with {% name(...) %} on a line of its own; remove this line or add the opening tag".into(),
                    ));
                    break;
                }
            },
            Some(name) => {
                let call = Call {
                    name,
                    args: tag.args,
                    range: if block { start..end } else { at..at + tag.len },
                    line,
                    column,
                    body: None,
                    depth: open.len(),
                };
                if THESIS.contains(&call.name.as_str()) && call.thesis().is_none() {
                    errors.push(err(
                        format!("`{}` needs a thesis number", &src[at..at + tag.len]),
                        format!("write the number of the thesis in the parentheses, e.g. {{{{ {}(3) }}}}", call.name),
                    ));
                    break;
                }
                if block {
                    open.push(calls.len());
                }
                calls.push(call);
            }
        }
    }
    let unclosed = if errors.is_empty() { open } else { Vec::new() };
    for k in unclosed {
        let c = &calls[k];
        errors.push(CallError {
            line: c.line,
            column: c.column,
            message: format!("`{}` has no `{{% end %}}`", c.renamed(&c.name)),
            hint: "end the body with {% end %} on a line of its own".into(),
        });
    }
    errors.sort_by_key(|e| (e.line, e.column));
    (calls, errors)
}

/// A parsed tag: `None` for `{% end %}`.
struct Tag {
    name: Option<String>,
    args: Vec<(Option<String>, Literal)>,
    len: usize,
}

/// Parses the tag at the start of `s` (one line, starting with `{{` or `{%`).
fn parse_tag(s: &str, block: bool) -> Result<Tag, (String, String)> {
    let (open, close) = if block { ("{%", "%}") } else { ("{{", "}}") };
    let mut c = Cursor { s, at: 2 };
    c.spaces();
    let name = c.ident().unwrap_or_default().to_string();
    c.spaces();
    if block && name == "end" && c.eat(close) {
        return Ok(Tag {
            name: None,
            args: Vec::new(),
            len: c.at,
        });
    }
    let written = |upto: usize| s[..upto].trim_end().to_string();
    if !c.eat("(") {
        let rest = c.rest();
        let inside = rest
            .find(close)
            .or_else(|| rest.find('}'))
            .map_or(rest, |n| &rest[..n])
            .trim();
        let inside = inside.trim_start_matches('(').trim_end_matches(')');
        return Err((
            format!("the shortcode `{name}` needs its arguments in parentheses"),
            format!("did you mean `{open} {name}({inside}) {close}`? {AS_TEXT}"),
        ));
    }
    let mut args = Vec::new();
    loop {
        c.spaces();
        if c.eat(")") {
            break;
        }
        let before = c.at;
        let key = match c.ident() {
            Some(k) if k != "true" && k != "false" => {
                c.spaces();
                if c.eat("=") {
                    c.spaces();
                    Some(k.to_string())
                } else {
                    c.at = before;
                    None
                }
            }
            _ => {
                c.at = before;
                None
            }
        };
        match c.literal() {
            Ok(v) => args.push((key, v)),
            Err(_) if THESIS.contains(&name.as_str()) => {
                let tag = s.find(close).map_or(s.len(), |n| n + close.len());
                return Err((
                    format!("`{}` needs a thesis number", written(tag)),
                    format!("write the number of the thesis in the parentheses, e.g. {{{{ {name}(3) }}}}"),
                ));
            }
            Err(word) if word.is_empty() && !c.rest().trim().is_empty() => {
                let tag = s.find(close).map_or(s.len(), |n| n + close.len());
                return Err((
                    format!("a value is missing in `{}`", written(tag)),
                    "write a value after each `=`: text in quotes, a number, true or false".into(),
                ));
            }
            Err(word) if word.is_empty() => {
                return Err((
                    format!("`{}` is not closed", written(c.at)),
                    format!("close the arguments with `)` and the shortcode with `{close}`, e.g. {open} {name}(title=\"Text\") {close}"),
                ))
            }
            Err(word) => {
                let bad = &s[word.clone()];
                let end = s[word.end..].find(close).map_or(s.len(), |n| word.end + n + close.len());
                let quoted = bad.trim_matches(|q| q == '"' || q == '\'');
                return Err((
                    format!("`{bad}` is not a value: a value is text in quotes, a number, true or false"),
                    format!(
                        "did you mean `{}\"{quoted}\"{}`?",
                        &s[..word.start],
                        &s[word.end..end]
                    ),
                ));
            }
        }
        c.spaces();
        if c.eat(",") {
            continue;
        }
        if c.eat(")") {
            break;
        }
        let call = Call::guess(name.clone(), args);
        return Err((
            format!("`{}` is missing a `)` or a comma", written(c.at)),
            format!("did you mean `{}`?", shown_as(&call, block)),
        ));
    }
    c.spaces();
    if !c.eat(close) {
        let call = Call::guess(name, args);
        return Err((
            format!(
                "the shortcode `{}` is not closed: `{close}` is missing",
                written(c.at)
            ),
            format!("did you mean `{}`? {AS_TEXT}", shown_as(&call, block)),
        ));
    }
    Ok(Tag {
        name: Some(name),
        args,
        len: c.at,
    })
}

/// A call as written in its own tag form.
fn shown_as(call: &Call, block: bool) -> String {
    let written = call.renamed(&call.name);
    if block {
        format!("{{%{}%}}", &written[2..written.len() - 2])
    } else {
        written
    }
}

mod declared;

pub use declared::{is_link, Declared, Shortcodes};

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Result<Call, CallError> {
        let (calls, errors) = find(src, &|_, _| false);
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(calls.into_iter().next().expect("a call")),
        }
    }

    #[test]
    fn calls_parse_with_literals() {
        let c = one("x {{ cta(url=\"@/a.md\", n=-3, f=1.5, ok=true, s='it\\'s') }} y").unwrap();
        assert_eq!(c.name, "cta");
        assert_eq!(c.column, 3);
        assert_eq!(
            c.args,
            vec![
                (Some("url".into()), Literal::Text("@/a.md".into())),
                (Some("n".into()), Literal::Int(-3)),
                (Some("f".into()), Literal::Float(1.5)),
                (Some("ok".into()), Literal::Bool(true)),
                (Some("s".into()), Literal::Text("it's".into())),
            ]
        );
        assert_eq!(one("{{ thesis(4) }}").unwrap().thesis(), Some(4));
        assert!(one("{{ a(x=) }}")
            .unwrap_err()
            .message
            .contains("a value is missing"));
        assert!(one("{{ a(x=\"y\"")
            .unwrap_err()
            .message
            .contains("missing a `)`"));
    }

    #[test]
    fn bodies_nest_and_must_end() {
        let src = "{% a() %}\n{% b() %}\nx\n{% end %}\n{% end %}\nafter";
        let (calls, errors) = find(src, &|_, _| false);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(calls.len(), 2);
        let (body, line) = calls[0].body.clone().unwrap();
        assert_eq!(&src[body], "{% b() %}\nx\n{% end %}\n");
        assert_eq!(line, 2);
        assert_eq!(calls[1].depth, 1);
        assert!(one("{% a() %}\nno end")
            .unwrap_err()
            .message
            .contains("{% end %}"));
        assert!(one("{% end %}").is_err());
        assert!(one("text {% a() %}\n{% end %}").is_err());
    }

    #[test]
    fn escapes_and_plain_braces_are_text() {
        assert!(find("\\{{ a() }} {{ }} { {x} {{1}}", &|_, _| false)
            .0
            .is_empty());
        assert!(find("{{ a() }}", &|_, _| true).0.is_empty());
    }
}
