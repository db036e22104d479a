//! One Markdown file read: its front matter checked, its body scanned, and a page or
//! a section's intro made of it.

use std::path::Path;
use std::sync::Arc;

use crate::error::Error;
use crate::limits::ByteSize;
use crate::markdown;
use crate::slug::slugify;
use crate::source::SourceRef;

use super::frontmatter::{PageFrontMatter, SectionFrontMatter};
use super::{
    frontmatter, parent_dir, sitepath, source_parent, LoadOptions, Page, PageKind, Section,
};

/// One Markdown file after reading, before it is placed in the index.
#[derive(Debug, Clone)]
pub(super) enum Loaded {
    Page(
        Arc<Page>,
        Arc<[(u32, SourceRef)]>,
        Arc<[(String, SourceRef)]>,
    ),
    Section(
        Box<Section>,
        Vec<(u32, SourceRef)>,
        Vec<(String, SourceRef)>,
    ),
    Draft(String),
    /// A page dated after the build's "now", held back.
    Scheduled(Arc<Page>),
}

/// Reads one Markdown file: a page, or a section's `_index.md`.
pub(super) fn load_file(
    options: LoadOptions,
    max_page_size: ByteSize,
    content_dir: &Path,
    rel: &str,
    section: &Section,
    section_index: usize,
) -> Result<Loaded, Error> {
    let source = content_dir.join(rel);
    let shown = Path::new("content").join(rel);
    let text = crate::limits::read_page(&source, &shown, max_page_size)?;
    let split = frontmatter::split(&text, &shown)?;
    let key_lines = frontmatter::key_lines(&split);
    let mut scan = markdown::scan(split.body, split.body_line, max_page_size);
    if let Some(e) = scan.errors.into_iter().next() {
        return Err(Error::in_file(&shown, e.message)
            .at(e.line, e.column)
            .hint(e.hint));
    }
    let file_name = rel.rsplit('/').next().unwrap_or(rel);
    if file_name == "_index.md" {
        let fm: SectionFrontMatter = frontmatter::parse(&split, &shown)?;
        let mut s = section.clone();
        s.shown = shown;
        s.has_index = true;
        if let Some(t) = fm.title {
            s.title = t;
        }
        s.description = fm.description;
        if let Some(sort) = fm.sort {
            s.sort = sort;
        }
        if let Some(n) = fm.paginate {
            if n == 0 {
                return Err(Error::in_file(&s.shown, "`paginate` must be at least 1")
                    .at_line(frontmatter::line_of(&key_lines, "paginate")));
            }
            s.paginate = n;
        }
        s.template = fm.template;
        s.image = fm.image;
        s.image_alt = fm.image_alt;
        s.key_lines = key_lines;
        s.body_line = split.body_line;
        s.has_body = !split.body.trim().is_empty();
        s.hash = crate::hash::of(&text);
        s.links = scan.links.iter().map(|(t, _)| t.clone()).collect();
        s.shortcodes = std::mem::take(&mut scan.shortcodes);

        s.site_links = std::mem::take(&mut scan.site_links);
        s.theses = Vec::new();
        for &(n, _) in &scan.theses {
            if !s.theses.contains(&n) {
                s.theses.push(n);
            }
        }
        return Ok(Loaded::Section(Box::new(s), scan.theses, scan.links));
    }

    let fm: PageFrontMatter = frontmatter::parse(&split, &shown)?;
    if fm.draft && !options.drafts {
        return Ok(Loaded::Draft(rel.to_string()));
    }
    if fm.title.trim().is_empty() {
        return Err(Error::in_file(&shown, "`title` is empty")
            .at_line(frontmatter::line_of(&key_lines, "title"))
            .hint("every page needs a title"));
    }
    let is_bundle = file_name == "index.md" && rel.contains('/');
    let stem = if is_bundle {
        let dir = parent_dir(rel);
        dir.rsplit('/').next().unwrap_or(dir)
    } else {
        file_name.strip_suffix(".md").unwrap_or(file_name)
    };
    let slug = match &fm.slug {
        Some(s) => sitepath::slug(s).map_err(|r| {
            Error::in_file(&shown, r.message)
                .at_line(frontmatter::line_of(&key_lines, "slug"))
                .hint(r.hint)
        })?,
        None => {
            let slug = slugify(stem);
            if slug.is_empty() {
                return Err(
                    Error::in_file(&shown, "the file name gives an empty URL slug")
                        .at(1, 1)
                        .hint("rename the file with letters or digits, or add `slug:`"),
                );
            }
            slug
        }
    };
    let kind = if section_index == 0 {
        PageKind::Page
    } else if section.is_theses {
        PageKind::Thesis
    } else {
        PageKind::Guide
    };
    let mut aliases = Vec::with_capacity(fm.aliases.len());
    for a in &fm.aliases {
        aliases.push(sitepath::alias(a).map_err(|r| {
            Error::in_file(&shown, r.message)
                .at_line(frontmatter::line_of(&key_lines, "aliases"))
                .hint(r.hint)
        })?);
    }
    let date = frontmatter::date(fm.date.as_deref(), "date", &key_lines, &shown)?;
    let updated = frontmatter::date(fm.updated.as_deref(), "updated", &key_lines, &shown)?;
    let number = fm
        .number
        .map(|n| frontmatter::thesis_number(n, "number", &key_lines, &shown))
        .transpose()?;
    let mut cited = Vec::with_capacity(fm.theses.len());
    for &n in &fm.theses {
        cited.push(frontmatter::thesis_number(n, "theses", &key_lines, &shown)?);
    }
    let mut theses: Vec<u32> = Vec::new();
    for n in cited.into_iter().chain(scan.theses.iter().map(|(n, _)| *n)) {
        if !theses.contains(&n) {
            theses.push(n);
        }
    }
    let summary = match (&fm.summary, &fm.description) {
        (Some(s), _) if s.trim().is_empty() => {
            return Err(Error::in_file(&shown, "`summary` is empty")
                .at_line(frontmatter::line_of(&key_lines, "summary"))
                .hint(
                    "write the plain text lists and feeds show for this page, or remove the key",
                ))
        }
        (Some(s), _) => s.trim().to_string(),
        (None, Some(d)) => d.clone(),
        (None, None) => markdown::summary(split.body, 160),
    };
    let extra = match fm.extra {
        None | Some(serde_yaml::Value::Null) => serde_yaml::Value::Mapping(Default::default()),
        Some(map @ serde_yaml::Value::Mapping(_)) => map,
        Some(_) => {
            return Err(Error::in_file(&shown, "`extra` is not a map")
                .at_line(frontmatter::line_of(&key_lines, "extra"))
                .hint("write your own keys under it, indented: `extra:` then `  color: red` on the next line"))
        }
    };
    let mut canonical = fm.canonical;
    if let Some(url) = &canonical {
        match crate::links::check_canonical(url) {
            // Naming itself is the default: the page stays its own canonical page.
            Ok(Some(target)) if target == rel => canonical = None,
            Ok(Some(target)) => scan.links.push((
                target.to_string(),
                SourceRef {
                    line: frontmatter::line_of(&key_lines, "canonical"),
                    column: 1,
                },
            )),
            Ok(None) => {}
            Err(m) => {
                return Err(Error::in_file(&shown, format!("`canonical`: {m}"))
                    .at_line(frontmatter::line_of(&key_lines, "canonical"))
                    .hint("write the original's full address (https://example.org/original/) or a page of this site (@/guides/x.md)"))
            }
        }
    }
    let tag_slugs = fm.tags.iter().map(|t| slugify(t)).collect();
    // An author page named by `@/` is checked and tracked like a link in the text.
    if let Some(target) = fm
        .author
        .as_ref()
        .and_then(|a| a.url())
        .and_then(|u| u.strip_prefix("@/"))
    {
        scan.links.push((
            target.to_string(),
            SourceRef {
                line: frontmatter::line_of(&key_lines, "author"),
                column: 1,
            },
        ));
    }
    let loaded = Loaded::Page(
        Arc::new(Page {
            source,
            rel: rel.to_string(),
            shown,
            kind,
            section: section_index,
            path: format!("{}{slug}/", section.path),
            title: fm.title,
            description: fm.description,
            summary,
            date,
            updated,
            author: fm.author,
            tags: fm.tags,
            image: fm.image,
            image_alt: fm.image_alt,
            draft: fm.draft,
            number,
            theses,
            template: fm.template,
            aliases,
            body_line: split.body_line,
            bundle: is_bundle.then(|| source_parent(&content_dir.join(rel))),
            key_lines,
            words: scan.words,
            hash: crate::hash::of(&text),
            links: scan.links.iter().map(|(t, _)| t.clone()).collect(),
            shortcodes: std::mem::take(&mut scan.shortcodes),

            site_links: scan.site_links,
            tag_slugs,
            sort_key: date.map_or(i64::MIN, |d| d.sort_key()),
            extra,
            canonical,
            noindex: fm.noindex,
            toc: fm.toc,
            search: fm.search.unwrap_or(true),
            comments: fm.comments,
        }),
        scan.theses.into(),
        scan.links.into(),
    );
    match loaded {
        Loaded::Page(page, _, _) if page.sort_key > options.now && !options.future => {
            Ok(Loaded::Scheduled(page))
        }
        loaded => Ok(loaded),
    }
}
