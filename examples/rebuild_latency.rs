//! Measures watch-mode rebuilds on a site: one-guide edits and template edits.
//!
//!     cargo run --release --example rebuild_latency -- SITE_DIR [EDITS] [GAP_MS]
//!
//! Each edit appends a sentence to one guide, retitles one, or changes the footer
//! template, and times `Rebuilder::rebuild_after` until the new HTML is on disk. The
//! file watcher's debounce (10 ms) comes on top of these figures. GAP_MS waits before
//! each edit, as a writer does between saves: caches go cold, which is what a real
//! save meets (back-to-back edits measure a warm machine). `PIAZZA_PHASES=1` prints
//! the phases of each rebuild.

use std::path::{Path, PathBuf};
use std::time::Instant;

use piazza::site::SiteOptions;
use piazza::watch::Rebuilder;

/// Makes the new text of a guide for edit number `i`.
type Edit = fn(&str, usize) -> String;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(site) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: rebuild_latency SITE_DIR [EDITS] [GAP_MS]");
        std::process::exit(2);
    };
    let edits: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20);
    let gap =
        std::time::Duration::from_millis(args.get(3).and_then(|n| n.parse().ok()).unwrap_or(0));
    let out = std::env::temp_dir().join("piazza-rebuild-latency");
    let _ = std::fs::remove_dir_all(&out);
    let mut r = Rebuilder::new(&site, &out, SiteOptions::default(), false).expect("output folder");
    let t = Instant::now();
    r.rebuild().expect("first build");
    println!("first build: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);

    let guides: Vec<PathBuf> = std::fs::read_dir(site.join("content/guides"))
        .expect("content/guides")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !p.ends_with("_index.md"))
        .take(edits)
        .collect();
    // A body edit changes the page and, through its reading time, the lists showing
    // it; a title edit also changes its tag pages, neighbours and related guides.
    let kinds: [(&str, Edit); 2] = [
        ("body", |text, i| format!("{text}\nEdit number {i}.\n")),
        ("title", |text, i| {
            text.replacen("title: \"", &format!("title: \"Edit {i}: "), 1)
        }),
    ];
    for (what, edit) in kinds {
        let mut times = Vec::new();
        for (i, g) in guides.iter().enumerate() {
            std::thread::sleep(gap);
            let text = std::fs::read_to_string(g).expect("guide");
            std::fs::write(g, edit(&text, i)).expect("write");
            let t = Instant::now();
            let report = r.rebuild_after(std::slice::from_ref(g)).expect("rebuild");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(report.patched && !report.written.is_empty(), "{report:?}");
            if std::env::var_os("PIAZZA_PHASES").is_some() {
                eprintln!(
                    "{what}: phases (cumulative µs): {:?}, wrote {} files",
                    report.phases,
                    report.written.len()
                );
            }
        }
        let worst = times.iter().cloned().fold(0.0, f64::max);
        println!(
            "one-guide {what} edit: median {:.1} ms, worst {:.1} ms ({} edits)",
            median(&mut times),
            worst,
            times.len()
        );
    }

    let footer = site.join("templates/partials/footer.html");
    std::fs::create_dir_all(footer.parent().unwrap_or(Path::new("."))).expect("templates");
    let mut times = Vec::new();
    for i in 0..5 {
        std::fs::write(
            &footer,
            format!("<footer class=\"site-footer\"><p>{{{{ site.title }}}} · {i}</p></footer>\n"),
        )
        .expect("write");
        let t = Instant::now();
        let report = r
            .rebuild_after(std::slice::from_ref(&footer))
            .expect("rebuild");
        if std::env::var_os("PIAZZA_PHASES").is_some() {
            eprintln!(
                "template: phases (cumulative µs): {:?}, wrote {} files",
                report.phases,
                report.written.len()
            );
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = std::fs::remove_file(&footer);
    let worst = times.iter().cloned().fold(0.0, f64::max);
    println!(
        "template edit: median {:.0} ms, worst {:.0} ms ({} edits)",
        median(&mut times),
        worst,
        times.len()
    );
}
