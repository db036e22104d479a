//! YAML errors in a writer's words, at the line of the mistake.
//!
//! serde and the YAML parser speak of types (`expected i64`) and tokens, and notice a
//! missing `]` or quote only where the text runs out. Here their messages are mapped
//! to what the key holds (`number` is a whole number, like 3), and the line moves back
//! to where the mistake opens, read from the YAML source itself.

/// What to tell the user: the message, where (1-based line and column in the YAML
/// source), and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// What is wrong, in a writer's words.
    pub message: String,
    /// 1-based line in the YAML source.
    pub line: usize,
    /// 1-based column, when one is known.
    pub column: Option<usize>,
    /// What to do about it.
    pub hint: String,
}

/// Explains the parser's `raw` message, given at `line`:`column` of `source`.
pub fn explain(raw: &str, source: &str, line: usize, column: Option<usize>) -> Explained {
    let at = |message: String, line: usize, column: Option<usize>, hint: &str| Explained {
        message,
        line,
        column,
        hint: hint.to_string(),
    };
    if let Some(key) = duplicate_key(raw) {
        let lines = key_lines(source, &key);
        if let [first, second, ..] = lines[..] {
            return at(
                format!("`{key}` is written twice, on lines {first} and {second}"),
                second,
                None,
                "keep one of them",
            );
        }
        return at(
            format!("`{key}` is written twice"),
            line,
            column,
            "keep one of them",
        );
    }
    if let Some(e) = wrong_type(raw, line, column) {
        return e;
    }
    let source_line = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let syntax = !raw.contains("invalid type")
        && !raw.contains("invalid value")
        && !raw.contains("field")
        && !raw.contains("variant");
    if syntax && (raw.contains("tab") || raw.contains("cannot start any token")) {
        if let Some(tab) = source_line.find('\t') {
            return at(
                "YAML indents with spaces, not tabs: replace the tab on this line".into(),
                line,
                Some(source_line[..tab].chars().count() + 1),
                "replace each tab with spaces (two spaces for each level of indentation)",
            );
        }
        let found = column
            .and_then(|c| source_line.chars().nth(c.saturating_sub(1)))
            .filter(|c| !c.is_whitespace());
        if let Some(c) = found {
            return at(
                format!("a value cannot start with `{c}`"),
                line,
                column,
                &format!("put the whole value in quotes: key: \"{c}...\""),
            );
        }
    }
    if syntax {
        let scan = scan(source, line);
        if raw.contains("did not find expected ',' or") || raw.contains("flow") {
            if let Some((bracket, l, c)) = scan.open_bracket {
                let close = if bracket == '[' { ']' } else { '}' };
                return at(
                    format!("this `{bracket}` is never closed"),
                    l,
                    Some(c),
                    &format!(
                        "close it with `{close}` on the same line; if the `{bracket}` is part of the text, put the whole value in quotes (values that contain `[`, `:` or `#` need them): title: \"[Guide] Social media: per chi?\""
                    ),
                );
            }
        }
        if let Some((quote, l, c)) = scan.open_quote {
            return at(
                format!("this `{quote}` is never closed on its line"),
                l,
                Some(c),
                &format!("end the quoted value with `{quote}` on the same line: description: {quote}A short text.{quote}"),
            );
        }
    }
    if let Some(e) = unknown_key(raw, line, column) {
        return e;
    }
    if let Some(key) = raw
        .split_once("missing field `")
        .and_then(|(_, r)| r.split_once('`'))
        .map(|(key, _)| key)
    {
        return at(
            format!("the key `{key}` is missing"),
            line,
            column,
            &format!("add a line `{key}: ...`; it is required"),
        );
    }
    let hint = if raw.contains("mapping values are not allowed")
        || raw.contains("did not find expected")
    {
        "a value that contains `: `, `#`, or starts with a quote, `{` or `[` must be quoted: title: \"Social media: per chi?\""
    } else {
        "fix the YAML at this line"
    };
    at(raw.to_string(), line, column, hint)
}

impl Explained {
    /// Moves every line number by `offset` (the lines before the YAML in its file).
    pub fn shifted(mut self, offset: usize) -> Explained {
        if offset == 0 {
            return self;
        }
        self.line += offset;
        if let Some((head, tail)) = self.message.split_once(", on lines ") {
            let moved: Vec<String> = tail
                .split(" and ")
                .map(|n| {
                    n.parse::<usize>()
                        .map_or(n.to_string(), |n| (n + offset).to_string())
                })
                .collect();
            self.message = format!("{head}, on lines {}", moved.join(" and "));
        }
        self
    }
}

/// The key of a "duplicate field" or "duplicate entry" message.
fn duplicate_key(raw: &str) -> Option<String> {
    let rest = raw
        .split_once("duplicate field `")
        .map(|(_, r)| r.split_once('`'))
        .or_else(|| {
            raw.split_once("duplicate entry with key \"")
                .map(|(_, r)| r.split_once('"'))
        })??;
    Some(rest.0.to_string())
}

/// The 1-based lines where `key` is written as a key, at the indentation of its first
/// occurrence.
fn key_lines(source: &str, key: &str) -> Vec<usize> {
    let mut indent = None;
    let mut out = Vec::new();
    for (i, l) in source.lines().enumerate() {
        let trimmed = l.trim_start();
        let unquoted = trimmed
            .strip_prefix(key)
            .or_else(|| trimmed.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| trimmed.strip_prefix(&format!("'{key}'")));
        if unquoted.is_some_and(|r| r.trim_start().starts_with(':')) {
            let here = l.len() - trimmed.len();
            if *indent.get_or_insert(here) == here {
                out.push(i + 1);
            }
        }
    }
    out
}

/// `PATH: invalid type: FOUND, expected WHAT` in words.
fn wrong_type(raw: &str, line: usize, column: Option<usize>) -> Option<Explained> {
    let (path, rest) = match raw.split_once(": invalid ") {
        Some((path, rest)) => (path, rest),
        None => ("", raw.strip_prefix("invalid ")?),
    };
    let rest = rest
        .strip_prefix("type: ")
        .or_else(|| rest.strip_prefix("value: "))?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let item = path.ends_with(']');
    let field = path.rsplit('.').next().unwrap_or(path);
    let field = field.split('[').next().unwrap_or(field);
    let (what, hint) = holds(field, expected)?;
    let subject = if field.is_empty() {
        "this value".to_string()
    } else if item {
        format!("each item of `{field}`")
    } else {
        format!("`{field}`")
    };
    Some(Explained {
        message: format!("{subject} is {what}; found {}", found_words(found)),
        line,
        column,
        hint: hint.to_string(),
    })
}

/// What a key expecting serde's `expected` holds, and how to write it.
fn holds(field: &str, expected: &str) -> Option<(&'static str, &'static str)> {
    let integer = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    ];
    Some(
        if integer.contains(&expected) || expected.contains("integer") {
            (
                "a whole number, like 3",
                "write digits only, without quotes: number: 3",
            )
        } else if expected == "f32" || expected == "f64" {
            ("a number, like 1.5", "write the number without quotes: 1.5")
        } else if expected == "a boolean" {
            (
                "true or false",
                "write true or false, without quotes: draft: true",
            )
        } else if expected == "a sequence" {
            (
                "a list, like [a, b]",
                "write tags: [a, b], or one item per line, each starting with `- `",
            )
        } else if expected == "a string" && matches!(field, "date" | "updated") {
            (
                "a date, like 2024-03-01",
                "write the date as year-month-day: date: 2024-03-01",
            )
        } else if expected == "a string" {
            (
            "text",
            "write the text after the key, in quotes if it holds `: `, `#` or starts with `[`: title: \"Social media: per chi?\"",
        )
        } else if expected.starts_with("a name, or") {
            (
            "a name, or a group with `name:` and `url:`",
            "write author: Anna Rossi, or author: { name: Anna Rossi, url: \"https://example.org\" }",
        )
        } else if expected.starts_with("a map") || expected.starts_with("struct") {
            (
                "a group of keys",
                "put each of its keys on its own line below it, indented with spaces",
            )
        } else {
            return None;
        },
    )
}

/// serde's description of a found value, as a writer would say it.
fn found_words(found: &str) -> String {
    let tick = |s: &str| s.trim_matches('`').to_string();
    if let Some(s) = found.strip_prefix("string ") {
        format!("the text {s}")
    } else if let Some(n) = found.strip_prefix("integer ") {
        format!("the number {}", tick(n))
    } else if let Some(n) = found.strip_prefix("floating point ") {
        format!("the number {}", tick(n))
    } else if let Some(b) = found.strip_prefix("boolean ") {
        tick(b)
    } else {
        match found {
            "sequence" => "a list".into(),
            "map" => "a group of keys".into(),
            "unit value" => "nothing".into(),
            other => other.to_string(),
        }
    }
}

/// `unknown field `X`, expected one of ...` with the closest known key, if one is close.
fn unknown_key(raw: &str, line: usize, column: Option<usize>) -> Option<Explained> {
    let (_, rest) = raw.split_once("unknown field `")?;
    let (key, known) = rest.split_once('`')?;
    let names: Vec<&str> = known.split('`').skip(1).step_by(2).collect();
    let closest = names
        .iter()
        .map(|n| (distance(key, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min();
    let message = match closest {
        Some((_, name)) => format!("{raw}\n  did you mean `{name}`?"),
        None => raw.to_string(),
    };
    Some(Explained {
        message,
        line,
        column,
        hint: "check the spelling; the list above names every key this file may have".into(),
    })
}

/// Edit distance between two short words.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Brackets and quotes left open in `source` up to the end of line `upto`.
#[derive(Debug, Default)]
struct Scan {
    /// The innermost `[` or `{` still open, with its line and column.
    open_bracket: Option<(char, usize, usize)>,
    /// The first quoted value that runs past the end of its line.
    open_quote: Option<(char, usize, usize)>,
}

/// Reads `source` as YAML flow text: quotes start only where a value may start, `#`
/// after a space starts a comment.
fn scan(source: &str, upto: usize) -> Scan {
    let mut out = Scan::default();
    let mut brackets: Vec<(char, usize, usize)> = Vec::new();
    let mut quote: Option<(char, usize, usize)> = None;
    for (i, text) in source.lines().enumerate().take(upto) {
        let line = i + 1;
        let mut prev = ' ';
        let mut chars = text.chars().enumerate().peekable();
        while let Some((c0, c)) = chars.next() {
            let column = c0 + 1;
            match quote {
                Some((q, _, _)) => {
                    if c == '\\' && q == '"' {
                        chars.next();
                    } else if c == q {
                        if q == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    }
                }
                None => match c {
                    '"' | '\'' if " \t[{,:-".contains(prev) => quote = Some((c, line, column)),
                    '#' if prev == ' ' || prev == '\t' => break,
                    '[' | '{' => brackets.push((c, line, column)),
                    ']' | '}' => {
                        brackets.pop();
                    }
                    _ => {}
                },
            }
            prev = c;
        }
        if let Some(q) = quote {
            out.open_quote.get_or_insert(q);
        }
    }
    out.open_bracket = brackets.last().copied();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("sumary", "summary"), 1);
        assert_eq!(distance("titel", "title"), 2);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn brackets_and_quotes_in_text_do_not_count() {
        let s = scan("title: l'arte [a]\ntags: [a, \"b]\", c\nnext: x\n", 3);
        assert_eq!(s.open_bracket, Some(('[', 2, 7)));
        assert_eq!(s.open_quote, None);
        let s = scan("title: 'it''s'\ndescription: \"x\nimage: y\n", 3);
        assert_eq!(s.open_quote, Some(('"', 2, 14)));
    }

    #[test]
    fn duplicate_lines_are_shifted_with_the_error() {
        let e = explain(
            "duplicate field `title`",
            "title: a\ndate: b\ntitle: c\n",
            1,
            Some(1),
        );
        assert_eq!(e.message, "`title` is written twice, on lines 1 and 3");
        let e = e.shifted(1);
        assert_eq!(
            (e.line, e.message.as_str()),
            (4, "`title` is written twice, on lines 2 and 4")
        );
    }
}
