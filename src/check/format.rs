//! The report as a reader sees it: a table in the terminal, or JSON for tools.

use std::fmt::Write;

use crate::config::CONFIG_FILE;

use super::{is_direction_control, Finding, Report};

impl Report {
    /// How many findings, on pages and in config.yaml.
    pub fn findings(&self) -> usize {
        self.site.len() + self.pages.iter().map(|p| p.findings.len()).sum::<usize>()
    }

    /// The human-readable report: one block per page with findings, then a summary line.
    pub fn text(&self, strict: bool) -> String {
        let level = if strict { "error" } else { "warning" };
        let mut out = String::new();
        let finding = |out: &mut String, f: &Finding| {
            let _ = write!(out, "  {level}: {}", f.file);
            if let Some(l) = f.line {
                let _ = write!(out, ":{l}");
            }
            let _ = writeln!(out, ": {} [{}]", f.message, f.code.as_str());
        };
        if !self.site.is_empty() {
            let _ = writeln!(out, "{CONFIG_FILE} (site-wide)");
            for f in &self.site {
                finding(&mut out, f);
            }
            out.push('\n');
        }
        for p in self.pages.iter().filter(|p| !p.findings.is_empty()) {
            let _ = writeln!(out, "{} ({}, {})", p.file, p.kind, p.url);
            let _ = writeln!(
                out,
                "  title        {} ({} characters)",
                one_line(&p.title),
                p.title.trim().chars().count()
            );
            let _ = writeln!(
                out,
                "  description  {} ({}, {} characters)",
                one_line(&p.description),
                p.description_source.as_str(),
                p.description.trim().chars().count()
            );
            match &p.image {
                Some(img) => {
                    let size = match (img.width, img.height) {
                        (Some(w), Some(h)) => format!("{w}x{h}"),
                        _ => "size unknown".into(),
                    };
                    let alt = match &img.alt {
                        Some(a) if !a.trim().is_empty() => format!("alt \"{}\"", one_line(a)),
                        _ => "no alt".into(),
                    };
                    let from = if img.source == "card" {
                        ", generated card"
                    } else if img.source == "site" {
                        ", from social.image"
                    } else {
                        ""
                    };
                    let _ = writeln!(out, "  image        {} ({size}, {alt}{from})", img.url);
                }
                None => {
                    let _ = writeln!(out, "  image        none");
                }
            }
            for f in &p.findings {
                finding(&mut out, f);
            }
            out.push('\n');
        }
        if !self.scheduled.is_empty() {
            let _ = writeln!(
                out,
                "scheduled: built from their date on (build with --future to include them now)"
            );
            for s in &self.scheduled {
                let _ = writeln!(out, "  {}:{}  {}  {}", s.file, s.line, s.date, s.url);
            }
            out.push('\n');
        }
        let n = self.pages.len();
        let m = self.findings();
        let _ = writeln!(
            out,
            "{n} {} checked, {m} {}",
            if n == 1 { "page" } else { "pages" },
            if m == 1 { "finding" } else { "findings" }
        );
        out
    }

    /// The report for tools: pages with their card and findings, and a summary.
    pub fn json(&self, strict: bool) -> serde_json::Value {
        let severity = if strict { "error" } else { "warning" };
        let finding = |f: &Finding| {
            serde_json::json!({
                "code": f.code,
                "severity": severity,
                "message": f.message,
                "file": f.file,
                "line": f.line,
            })
        };
        let pages: Vec<serde_json::Value> = self
            .pages
            .iter()
            .map(|p| {
                serde_json::json!({
                    "url": p.url,
                    "file": p.file,
                    "kind": p.kind,
                    "title": p.title,
                    "description": p.description,
                    "description_source": p.description_source,
                    "image": p.image,
                    "findings": p.findings.iter().map(finding).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({
            "pages_checked": self.pages.len(),
            "findings": self.findings(),
            "strict": strict,
            "site": {
                "file": CONFIG_FILE,
                "findings": self.site.iter().map(finding).collect::<Vec<_>>(),
            },
            "pages": pages,
            "scheduled": self.scheduled,
        })
    }
}

/// Text on one line, for the table, with direction controls shown as their code point
/// so they cannot reorder the report itself.
pub(super) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for c in word.chars() {
            if is_direction_control(c) {
                let _ = write!(out, "<U+{:04X}>", c as u32);
            } else {
                out.push(c);
            }
        }
    }
    out
}
