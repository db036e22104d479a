//! File patterns of `deploy.headers`: `*` and `?` within one folder name, `**` for any
//! number of folders, `{a,b}` for alternatives. Matched against output paths such as
//! `guides/x/index.html` (no leading slash).

/// A parsed pattern: its alternatives, each split into path segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    alternatives: Vec<Vec<String>>,
}

impl Glob {
    /// Parses a pattern; braces may not nest.
    pub fn parse(pattern: &str) -> Result<Glob, String> {
        let trimmed = pattern.trim().trim_start_matches('/');
        if trimmed.is_empty() {
            return Err("a pattern is empty; write one like **/*.html".into());
        }
        let mut alternatives = vec![String::new()];
        let mut rest = trimmed;
        while let Some(open) = rest.find(['{', '}']) {
            if rest.as_bytes()[open] == b'}' {
                return Err(format!("`{pattern}` has a `}}` without its `{{`"));
            }
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| format!("`{pattern}` has a `{{` without its `}}`"))?;
            let inside = &rest[open + 1..close];
            if inside.contains('{') {
                return Err(format!(
                    "`{pattern}` nests braces; piazza takes one level, like *.{{css,js}}"
                ));
            }
            let head = &rest[..open];
            alternatives = alternatives
                .iter()
                .flat_map(|a| {
                    inside
                        .split(',')
                        .map(move |choice| format!("{a}{head}{choice}"))
                })
                .collect();
            rest = &rest[close + 1..];
        }
        let alternatives = alternatives
            .into_iter()
            .map(|a| {
                let mut segments: Vec<String> = Vec::new();
                for s in format!("{a}{rest}").split('/') {
                    // `**/**` is `**`: collapsing keeps matching linear in practice.
                    if !(s == "**" && segments.last().is_some_and(|l| l == "**")) {
                        segments.push(s.to_string());
                    }
                }
                segments
            })
            .collect();
        Ok(Glob { alternatives })
    }

    /// Whether `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        self.alternatives.iter().any(|a| segments(a, &parts))
    }
}

fn segments(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|i| segments(rest, &path[i..]))
        }
        Some((first, rest)) => {
            path.first()
                .is_some_and(|p| segment(first.as_bytes(), p.as_bytes()))
                && segments(rest, &path[1..])
        }
    }
}

/// `*` and `?` within one name, by bytes (a `?` matches one byte of a UTF-8 name).
fn segment(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let g = |p: &str| Glob::parse(p).unwrap();
        assert!(g("**/*.html").matches("index.html"));
        assert!(g("**/*.html").matches("a/b/index.html"));
        assert!(!g("**/*.html").matches("a/b/index.htm"));
        assert!(g("*.xml").matches("feed.xml"));
        assert!(!g("*.xml").matches("a/feed.xml"));
        assert!(g("**/*.{css,js}").matches("a/x.js"));
        assert!(g("**/*.{css,js}").matches("x.css"));
        assert!(!g("**/*.{css,js}").matches("x.json"));
        assert!(g("/images/**").matches("images/a/b.png"));
        assert!(g("images/?.png").matches("images/a.png"));
        assert!(g("**/card.png").matches("card.png"));
        assert!(!g("**/card.png").matches("guides/x/mycard.png"));
        assert!(g("**/**/**/x").matches("a/b/c/d/x"));
        for bad in ["", "a{b", "a}b", "{a,{b}}"] {
            assert!(Glob::parse(bad).is_err(), "{bad}");
        }
    }
}
