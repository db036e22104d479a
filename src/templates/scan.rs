//! A light reading of template source, beside minijinja's own parser: where the tags
//! are and on which line, so an error can point at the line of the mistake (an
//! unclosed `{% if %}` where it opens, not at the end of the file) and the asset
//! names a template uses are known before anything is rendered.

/// A `{% statement %}` or `{{ expression }}` of a template, comments and raw blocks
/// left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    /// Whether it is a statement (`{% %}`) rather than an expression (`{{ }}`).
    pub statement: bool,
    /// What is between the delimiters, without whitespace-control marks, trimmed.
    pub text: &'a str,
    /// 1-based line where the tag starts.
    pub line: usize,
}

/// Every tag of `source`, in order. An unterminated tag ends the list (minijinja
/// reports it).
pub fn tags(source: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut in_raw = false;
    let (mut line, mut counted) = (1, 0);
    while let Some(found) = source[at..].find('{') {
        let start = at + found;
        let rest = &source[start..];
        let close = match rest.as_bytes().get(1) {
            Some(b'#') if !in_raw => "#}",
            Some(b'%') => "%}",
            Some(b'{') if !in_raw => "}}",
            _ => {
                at = start + 1;
                continue;
            }
        };
        let Some(len) = rest[2..].find(close) else {
            break;
        };
        let end = start + 2 + len + 2;
        let inner = rest[2..2 + len]
            .trim_start_matches(['-', '+'])
            .trim_end_matches(['-', '+'])
            .trim();
        at = end;
        if close == "#}" {
            continue;
        }
        let statement = close == "%}";
        let word = first_word(inner);
        if in_raw {
            // Inside a raw block only its end counts.
            in_raw = !(statement && word == "endraw");
            if in_raw {
                continue;
            }
        } else if statement && word == "raw" {
            in_raw = true;
        }
        line += source[counted..start].matches('\n').count();
        counted = start;
        out.push(Tag {
            statement,
            text: inner,
            line,
        });
    }
    out
}

fn first_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// A block statement whose end tag is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    /// `if`, `for`, `block`...
    pub kind: String,
    /// Line of the opening tag.
    pub line: usize,
    /// The end tag of an outer block met while this one was open, and its line.
    pub before: Option<(String, usize)>,
}

/// The statements that open a block closed by `end` + their name.
const BLOCKS: [&str; 9] = [
    "if",
    "for",
    "block",
    "macro",
    "with",
    "filter",
    "call",
    "autoescape",
    "raw",
];

/// The first block of `source` left open: either at the end of the file, or when an
/// end tag of another block arrives while it is open.
pub fn unclosed(source: &str) -> Option<Unclosed> {
    let mut open: Vec<(String, usize)> = Vec::new();
    for tag in tags(source).into_iter().filter(|t| t.statement) {
        let word = first_word(tag.text);
        let opens = BLOCKS.contains(&word) || (word == "set" && !has_assignment(tag.text));
        if opens {
            open.push((word.to_string(), tag.line));
        } else if let Some(kind) = word.strip_prefix("end") {
            match open.last() {
                Some((top, _)) if top == kind => {
                    open.pop();
                }
                Some((top, line)) => {
                    return Some(Unclosed {
                        kind: top.clone(),
                        line: *line,
                        before: Some((word.to_string(), tag.line)),
                    })
                }
                None => return None,
            }
        }
    }
    open.pop().map(|(kind, line)| Unclosed {
        kind,
        line,
        before: None,
    })
}

/// Whether a `set` tag assigns in place (`set x = 1`) rather than opening a block.
fn has_assignment(text: &str) -> bool {
    let mut quote = None;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'=' => {
                let next = bytes.get(i + 1).copied();
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                if next != Some(b'=') && !matches!(prev, Some(b'=' | b'!' | b'<' | b'>')) {
                    return true;
                }
            }
            None => {}
        }
    }
    false
}

/// A call of `asset(...)` in a template: the quoted file name, or None when the
/// argument is not a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetUse {
    /// The file name in quotes.
    pub name: Option<String>,
    /// 1-based line of the tag.
    pub line: usize,
}

/// Every `asset(...)` call in the tags of `source`.
pub fn asset_uses(source: &str) -> Vec<AssetUse> {
    let mut out = Vec::new();
    for tag in tags(source) {
        let text = tag.text;
        let mut from = 0;
        while let Some(i) = text[from..].find("asset") {
            let start = from + i;
            from = start + "asset".len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let Some(args) = text[from..].trim_start().strip_prefix('(') else {
                continue;
            };
            let args = args.trim_start();
            let name = args
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .and_then(|q| {
                    let (name, after) = args[1..].split_once(q)?;
                    after
                        .trim_start()
                        .starts_with(')')
                        .then(|| name.to_string())
                });
            out.push(AssetUse {
                name,
                line: tag.line,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_raw_blocks_hide_their_tags() {
        let source =
            "{# {% if x %} #}\n{% raw %}{% for a in b %}{{ c }}{% endraw %}\n{%- if y -%}\n";
        let found: Vec<(bool, &str, usize)> = tags(source)
            .iter()
            .map(|t| (t.statement, t.text, t.line))
            .collect();
        assert_eq!(
            found,
            [(true, "raw", 2), (true, "endraw", 2), (true, "if y", 3)]
        );
    }

    #[test]
    fn the_block_left_open_is_found_where_it_opens() {
        let source = "{% block main %}\n{% set x = 1 %}\n{% if a %}\n{% for b in c %}{% endfor %}\n{% endblock %}\n";
        assert_eq!(
            unclosed(source),
            Some(Unclosed {
                kind: "if".into(),
                line: 3,
                before: Some(("endblock".into(), 5))
            })
        );
        let source = "{% set nav %}\n<a>{% if a == b %}x{% endif %}</a>\n";
        assert_eq!(
            unclosed(source),
            Some(Unclosed {
                kind: "set".into(),
                line: 1,
                before: None
            })
        );
        assert_eq!(unclosed("{% if a %}{% else %}{% endif %}"), None);
        assert_eq!(unclosed("{% endif %}"), None);
    }

    #[test]
    fn asset_calls_are_found_with_their_names() {
        let uses = asset_uses(
            "<link href=\"{{ asset('style.css') }}\">\n{{ asset (\"a b.js\") }}{{ my_asset('x') }}\n{{ asset(name) }}{# asset('gone') #}",
        );
        assert_eq!(
            uses,
            [
                AssetUse {
                    name: Some("style.css".into()),
                    line: 1
                },
                AssetUse {
                    name: Some("a b.js".into()),
                    line: 2
                },
                AssetUse {
                    name: None,
                    line: 3
                },
            ]
        );
    }
}
