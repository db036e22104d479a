//! `piazza init` and `piazza new`: files that build at once, with front matter filled in.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::content::date::Date;
use crate::content::{Content, LoadOptions};
use crate::error::{Error, Errors};
use crate::slug::slugify;

/// What `piazza new` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKind {
    /// A guide in the guides folder (`guides_section`).
    Guide,
    /// A thesis with the next free number.
    Thesis,
    /// A standalone page at the top of content/.
    Page,
}

/// YAML double-quoted string (JSON strings are valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Creates a guide, thesis or page titled `title` in the site at `site`; returns its path.
pub fn new_content(site: &Path, kind: NewKind, title: &str) -> Result<PathBuf, Errors> {
    let config = Config::load(site)?;
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(Error::new(format!(
            "the title `{title}` has no letters or digits to make a file name from"
        ))
        .into());
    }
    let today = Date::today().iso_date();
    let it = config.lang_primary() == "it";
    let (rel, front) = match kind {
        NewKind::Guide => (
            format!("{}/{slug}.md", config.guides_section),
            format!(
                "title: {}\n# description: \"{}\"\ndate: {today}\ntags: []\n",
                quoted(title),
                if it {
                    "Una o due frasi per i risultati di ricerca e le anteprime social"
                } else {
                    "One or two sentences for search results and share previews"
                }
            ),
        ),
        NewKind::Thesis => {
            // The next free number needs the existing theses, read from their front matter.
            let content = Content::load(
                &config,
                LoadOptions {
                    drafts: true,
                    future: true,
                    now: 0,
                },
            )?;
            let next = content.theses.keys().next_back().map_or(1, |n| n + 1);
            (
                format!("{}/{next:02}-{slug}.md", config.theses_section),
                format!(
                    "title: {}\nnumber: {next}\n# description: \"\"\ndate: {today}\n",
                    quoted(title)
                ),
            )
        }
        NewKind::Page => (
            format!("{slug}.md"),
            format!("title: {}\n# description: \"\"\n", quoted(title)),
        ),
    };
    let path = site.join("content").join(&rel);
    if path.exists() {
        return Err(
            Error::in_file(Path::new("content").join(&rel), "this file already exists")
                .hint("choose another title, or edit the existing file")
                .into(),
        );
    }
    let body = if it {
        "Scrivi qui il testo.\n"
    } else {
        "Write the text here.\n"
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
    }
    std::fs::write(&path, format!("---\n{front}---\n\n{body}"))
        .map_err(|e| Error::io(&path, &e))?;
    Ok(path)
}

/// Creates a new site in `dir` (which must be new or empty) in `language` (`en` or `it`).
pub fn init(dir: &Path, language: &str) -> Result<(), Errors> {
    let files = match language {
        "it" => STARTER_IT,
        "en" => STARTER_EN,
        other => {
            return Err(Error::new(format!("no starter in `{other}`"))
                .hint("use --language en or --language it; any other language works by adding i18n/LANG.yaml afterwards")
                .into())
        }
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        if entries.next().is_some() {
            return Err(
                Error::new(format!("{} already exists and is not empty", dir.display()))
                    .hint("choose a new folder name")
                    .into(),
            );
        }
    }
    let today = Date::today().iso_date();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        std::fs::write(&path, text.replace("{today}", &today)).map_err(|e| Error::io(&path, &e))?;
    }
    std::fs::create_dir_all(dir.join("static")).map_err(|e| Error::io(dir, &e))?;
    // The build output, the preview folder and the image cache are made from the
    // sources; keep them out of git.
    std::fs::write(
        dir.join(".gitignore"),
        "/public/\n/.piazza-serve/\n/.piazza-cache/\n",
    )
    .map_err(|e| Error::io(dir, &e))?;
    Ok(())
}

const STARTER_EN: &[(&str, &str)] = &[
    (
        "config.yaml",
        "title: \"My Guides\"\nbase_url: \"https://example.org\" # the address the site is published at: change it\nlanguage: en\ndescription: \"Practical guides on marketing for small businesses.\"\nauthor: { name: \"Your Name\" }\nshare: [facebook, x, linkedin, whatsapp, email]\npaginate_by: 10\nsearch: true\n",
    ),
    (
        "content/_index.md",
        "---\ntitle: \"My Guides\"\ndescription: \"Practical guides on marketing for small businesses.\"\n---\n\nWelcome. These guides explain, one step at a time, how a small business can use social media well.\n",
    ),
    (
        "content/about.md",
        "---\ntitle: \"About\"\ndescription: \"Who writes these guides and why.\"\n---\n\nWrite here who you are and what you help your clients with.\n",
    ),
    (
        "content/guides/_index.md",
        "---\ntitle: \"Guides\"\ndescription: \"All the guides, newest first.\"\nsort: date\n---\n",
    ),
    (
        "content/guides/first-guide.md",
        "---\ntitle: \"Your first guide\"\ndescription: \"A short example guide that quotes a thesis and links to another page.\"\ndate: {today}\ntags: [getting started]\n---\n\nGuides are Markdown files with front matter. Quote a thesis by its number:\n\n{{ thesis(1) }}\n\nAnd link to other pages by their source file: [about this site](@/about.md).\n\n## What next?\n\nRun `piazza new guide \"A title\"` to add a guide.\n",
    ),
    (
        "content/theses/_index.md",
        "---\ntitle: \"Theses\"\ndescription: \"Short principles the guides discuss.\"\nsort: number\n---\n",
    ),
    (
        "content/theses/01-markets-are-conversations.md",
        "---\ntitle: \"Markets are conversations\"\nnumber: 1\ndescription: \"Customers talk to each other about you; the first job is to listen.\"\ndate: {today}\n---\n\nExplain the thesis here in a few paragraphs.\n",
    ),
];

const STARTER_IT: &[(&str, &str)] = &[
    (
        "config.yaml",
        "title: \"Le mie guide\"\nbase_url: \"https://example.org\" # l’indirizzo a cui il sito è pubblicato: cambialo\nlanguage: it\ndescription: \"Guide pratiche di marketing per piccole imprese.\"\nauthor: { name: \"Il tuo nome\" }\nshare: [facebook, x, linkedin, whatsapp, email]\npaginate_by: 10\nguides_section: guide\ntheses_section: tesi\nsearch: true\n",
    ),
    (
        "content/_index.md",
        "---\ntitle: \"Le mie guide\"\ndescription: \"Guide pratiche di marketing per piccole imprese.\"\n---\n\nBenvenuti. Queste guide spiegano, un passo alla volta, come una piccola impresa può usare bene i social.\n",
    ),
    (
        "content/chi-siamo.md",
        "---\ntitle: \"Chi siamo\"\ndescription: \"Chi scrive queste guide e perché.\"\n---\n\nScrivi qui chi sei e in che cosa aiuti i tuoi clienti.\n",
    ),
    (
        "content/guide/_index.md",
        "---\ntitle: \"Guide\"\ndescription: \"Tutte le guide, dalla più recente.\"\nsort: date\n---\n",
    ),
    (
        "content/guide/prima-guida.md",
        "---\ntitle: \"La tua prima guida\"\ndescription: \"Una breve guida d’esempio che cita una tesi e rimanda a un’altra pagina.\"\ndate: {today}\ntags: [primi passi]\n---\n\nLe guide sono file Markdown con un’intestazione. Si cita una tesi con il suo numero:\n\n{{ thesis(1) }}\n\nE si rimanda ad altre pagine con il loro file: [chi siamo](@/chi-siamo.md).\n\n## E adesso?\n\nCon `piazza new guide \"Un titolo\"` si aggiunge una guida.\n",
    ),
    (
        "content/tesi/_index.md",
        "---\ntitle: \"Tesi\"\ndescription: \"Brevi principi che le guide discutono.\"\nsort: number\n---\n",
    ),
    (
        "content/tesi/01-il-mercato-e-una-conversazione.md",
        "---\ntitle: \"Il mercato è una conversazione\"\nnumber: 1\ndescription: \"I clienti parlano tra loro di te: il primo compito è ascoltare.\"\ndate: {today}\n---\n\nSpiega qui la tesi in qualche paragrafo.\n",
    ),
];
