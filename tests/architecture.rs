//! The modules of piazza depend on each other in one direction (docs/ARCHITECTURE.md):
//! this test reads `crate::` paths in src/ (outside comments and unit tests) and fails
//! when modules form a circle, so a helper put in the wrong module is caught when it is
//! written, not when the next feature cannot find its place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Circles known and not yet taken apart; each must shrink, never grow.
const KNOWN: &[&[&str]] = &[&["card", "render", "site"]];

/// Top-level module -> the top-level modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.expect("walk src/");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).expect("inside src/");
        let first = rel.components().next().expect("a file name");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read a source file");
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let targets = edges.entry(module.clone()).or_default();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    targets.insert(name);
                }
            }
        }
    }
    edges
}

/// The modules reachable from `from`.
fn reach(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(m) = todo.pop() {
        for next in edges.get(&m).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn modules_form_no_new_circle() {
    let edges = graph();
    assert!(
        edges.len() > 20,
        "found only {} modules: is src/ where this test looks?",
        edges.len()
    );
    let mut circles: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for m in edges.keys() {
        let from_m = reach(&edges, m);
        if from_m.contains(m) {
            let circle: BTreeSet<String> = from_m
                .iter()
                .filter(|other| reach(&edges, other).contains(m))
                .cloned()
                .collect();
            circles.insert(circle);
        }
    }
    let known: BTreeSet<BTreeSet<String>> = KNOWN
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    let new: Vec<_> = circles.difference(&known).collect();
    assert!(
        new.is_empty(),
        "modules that depend on each other in a circle: {new:?}\n\
         move the shared part into a module below both (see docs/ARCHITECTURE.md)"
    );
}
