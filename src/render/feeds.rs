//! The RSS feed and the sitemap are read by machines, not people: XML written directly,
//! without templates, and the choice of newest guides the feed (and home page) carry.

use crate::content::date::Date;
use crate::content::{Page, PageKind};
use crate::output::xml_escape;
use crate::site::Site;

impl Site {
    /// RSS 2.0 of the newest guides, with absolute links.
    pub(super) fn feed(&self) -> String {
        let c = &self.content;
        let guides = self.feed_guides();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
        let e = xml_escape;
        out.push_str(&format!("<title>{}</title>\n", e(&self.config.title)));
        out.push_str(&format!("<link>{}</link>\n", e(&self.abs("/"))));
        out.push_str(&format!(
            "<description>{}</description>\n",
            e(self
                .config
                .description
                .as_deref()
                .unwrap_or(&self.config.title))
        ));
        out.push_str(&format!(
            "<language>{}</language>\n",
            e(&self.config.language)
        ));
        out.push_str(&format!(
            "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
            e(&self.abs("/feed.xml"))
        ));
        out.push_str("<generator>piazza</generator>\n");
        if let Some(d) = guides
            .iter()
            .filter_map(|&j| c.pages[j].last_modified())
            .max_by_key(|d| d.sort_key())
        {
            out.push_str(&format!("<lastBuildDate>{}</lastBuildDate>\n", d.rfc822()));
        }
        for &j in &guides {
            let p = &c.pages[j];
            let link = self.abs(&p.path);
            out.push_str("<item>\n");
            out.push_str(&format!("<title>{}</title>\n", e(&p.title)));
            out.push_str(&format!("<link>{}</link>\n", e(&link)));
            out.push_str(&format!("<guid isPermaLink=\"true\">{}</guid>\n", e(&link)));
            out.push_str(&format!("<description>{}</description>\n", e(&p.summary)));
            if let Some(d) = p.date {
                out.push_str(&format!("<pubDate>{}</pubDate>\n", d.rfc822()));
            }
            for t in &p.tags {
                out.push_str(&format!("<category>{}</category>\n", e(t)));
            }
            out.push_str("</item>\n");
        }
        out.push_str("</channel>\n</rss>\n");
        out
    }

    /// Every public page with its last change.
    pub(super) fn sitemap(&self) -> String {
        let c = &self.content;
        let newest = |pages: &[usize]| {
            pages
                .iter()
                .filter_map(|&j| c.pages[j].last_modified())
                .max_by_key(|d| d.sort_key())
        };
        let mut entries: Vec<(String, Option<Date>)> = Vec::new();
        let all: Vec<usize> = (0..c.pages.len())
            .filter(|&j| c.pages[j].in_sitemap())
            .collect();
        for (i, s) in c.sections.iter().enumerate() {
            let lastmod = if i == 0 {
                newest(&all)
            } else {
                newest(&s.pages)
            };
            entries.push((s.path.clone(), lastmod));
        }
        for &j in &all {
            entries.push((c.pages[j].path.clone(), c.pages[j].last_modified()));
        }
        if self.config.tags && !c.tags.is_empty() {
            entries.push(("/tags/".into(), newest(&all)));
            for t in &c.tags {
                entries.push((t.path.clone(), newest(&t.pages)));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (path, lastmod) in entries {
            out.push_str("<url><loc>");
            out.push_str(&xml_escape(&self.abs(&path)));
            out.push_str("</loc>");
            if let Some(d) = lastmod {
                out.push_str(&format!("<lastmod>{}</lastmod>", d.iso_date()));
            }
            out.push_str("</url>\n");
        }
        out.push_str("</urlset>\n");
        out
    }
}

/// How many guides the feed carries.
pub const FEED_ITEMS: usize = 20;

impl Site {
    /// The `n` newest published guides, newest first (the home page).
    pub fn newest_guides(&self, n: usize) -> Vec<usize> {
        self.newest(n, |p| !p.draft)
    }

    /// The guides the feed carries: the newest published ones, without `noindex` pages.
    pub fn feed_guides(&self) -> Vec<usize> {
        self.newest(FEED_ITEMS, |p| !p.noindex())
    }

    /// The `n` newest guides that `keep`, newest first.
    fn newest(&self, n: usize, keep: impl Fn(&Page) -> bool) -> Vec<usize> {
        let c = &self.content;
        let mut guides: Vec<usize> = (0..c.pages.len())
            .filter(|&j| c.pages[j].kind == PageKind::Guide && keep(&c.pages[j]))
            .collect();
        let key = |j: &usize| (std::cmp::Reverse(c.pages[*j].sort_date()), *j);
        if guides.len() > n {
            guides.select_nth_unstable_by_key(n, key);
            guides.truncate(n);
        }
        guides.sort_by_key(key);
        guides
    }
}
