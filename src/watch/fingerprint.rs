//! Fingerprints: for every output, a hash of exactly the data its rendering reads,
//! and a record of which pages it read, so a saved page re-hashes only its readers.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use crate::files::Source;
use crate::outputs::CardOf;
use crate::outputs::{list_path, Item};
use crate::render::{page_template, section_template};
use crate::site::{Site, THESIS_SHORTCODE};

use crate::hash::StableHasher;

fn hash<T: Hash + ?Sized>(h: &mut impl Hasher, v: &T) {
    v.hash(h);
}

/// How an output's fingerprint read a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// The page's own data (its page, aliases, share card).
    Own(u32),
    /// What lists show of it: its card hash.
    Card(u32),
}

/// What every output's fingerprint shares: site-wide inputs and the pages the home
/// page and the feed list.
struct Scope {
    global: u64,
    home_guides: Vec<usize>,
    feed_guides: Vec<usize>,
    theses: Vec<usize>,
}

/// The fingerprints of a site's outputs and, per page, which outputs read it.
pub(super) struct Prints {
    pub(super) items: Vec<Item>,
    /// Output path of each item.
    pub(super) outs: Vec<String>,
    /// Fingerprint of each item.
    pub(super) values: Vec<u64>,
    /// The pages each item's fingerprint read.
    reads: Vec<Vec<Read>>,
    /// Per page: the hash of what lists show of it.
    cards: Vec<u64>,
    /// Per page: the hash of its sitemap entry (URL, dates, draft state).
    entries: Vec<u64>,
    /// The sitemap among the items: it reads every page's entry, kept apart so an
    /// edit need not walk all pages to learn that it is unchanged.
    sitemap: Option<usize>,
    /// Per page: the items that read its own data.
    own: Vec<Vec<u32>>,
    /// Per page: the items that show its card.
    shown_in: Vec<Vec<u32>>,
    scope: Scope,
}

impl Prints {
    /// Fingerprints every output of `site`.
    pub(super) fn of(site: &Site) -> Prints {
        let cards: Vec<u64> = (0..site.content.pages.len())
            .into_par_iter()
            .map(|i| card_hash(site, i))
            .collect();
        let entries: Vec<u64> = (0..site.content.pages.len())
            .into_par_iter()
            .map(|i| sitemap_entry(site, i))
            .collect();
        let scope = Scope::of(site);
        let items = site.items();
        let hashes = PageHashes {
            cards: &cards,
            entries: &entries,
        };
        let computed: Vec<(String, u64, Vec<Read>)> = items
            .par_iter()
            .map(|&item| {
                let mut reads = Vec::new();
                let value = fingerprint(site, &scope, hashes, item, &mut reads);
                (site.out_path(item), value, reads)
            })
            .collect();
        let pages = site.content.pages.len();
        let sitemap = items.iter().position(|&i| i == Item::Sitemap);
        let mut prints = Prints {
            sitemap,
            entries,
            items,
            outs: Vec::with_capacity(computed.len()),
            values: Vec::with_capacity(computed.len()),
            reads: Vec::with_capacity(computed.len()),
            cards,
            own: vec![Vec::new(); pages],
            shown_in: vec![Vec::new(); pages],
            scope,
        };
        for (k, (out, value, reads)) in computed.into_iter().enumerate() {
            prints.outs.push(out);
            prints.values.push(value);
            prints.link(k, &reads);
            prints.reads.push(reads);
        }
        prints
    }

    /// Records in the per-page lists that item `k` reads `reads`.
    fn link(&mut self, k: usize, reads: &[Read]) {
        for &read in reads {
            match read {
                Read::Own(p) => self.own[p as usize].push(k as u32),
                Read::Card(p) => self.shown_in[p as usize].push(k as u32),
            }
        }
    }

    /// Removes item `k` from the per-page lists of `reads`.
    fn unlink(&mut self, k: usize, reads: &[Read]) {
        for &read in reads {
            let list = match read {
                Read::Own(p) => &mut self.own[p as usize],
                Read::Card(p) => &mut self.shown_in[p as usize],
            };
            list.retain(|&x| x as usize != k);
        }
    }

    /// Fingerprints again the outputs that read `edited` pages after they were
    /// replaced in place, and those that read `moved` pages (whose place in a list
    /// changed, so what lists them may list others now); returns the items whose
    /// fingerprint changed.
    pub(super) fn update(&mut self, site: &Site, edited: &[usize], moved: &[usize]) -> Vec<usize> {
        let mut dirty: BTreeSet<u32> = BTreeSet::new();
        for &i in edited {
            let card = card_hash(site, i);
            if card != self.cards[i] {
                self.cards[i] = card;
                dirty.extend(&self.shown_in[i]);
            }
            let entry = sitemap_entry(site, i);
            if entry != self.entries[i] {
                self.entries[i] = entry;
                dirty.extend(self.sitemap.map(|k| k as u32));
            }
            dirty.extend(&self.own[i]);
        }
        for &i in moved {
            dirty.extend(&self.own[i]);
            dirty.extend(&self.shown_in[i]);
        }
        let mut changed = Vec::new();
        for k in dirty {
            let k = k as usize;
            let mut reads = Vec::new();
            let hashes = PageHashes {
                cards: &self.cards,
                entries: &self.entries,
            };
            let value = fingerprint(site, &self.scope, hashes, self.items[k], &mut reads);
            if reads != self.reads[k] {
                let old = std::mem::take(&mut self.reads[k]);
                self.unlink(k, &old);
                self.link(k, &reads);
                self.reads[k] = reads;
            }
            if value != self.values[k] {
                self.values[k] = value;
                changed.push(k);
            }
        }
        changed
    }
}

impl Scope {
    fn of(site: &Site) -> Scope {
        let mut h = crate::hash::hasher();
        hash(&mut h, &format!("{:?}", site.config));
        hash(&mut h, &site.strings.fingerprint());
        hash(
            &mut h,
            &format!(
                "{:?}{:?}{:?}",
                site.theme.meta, site.default_image, site.publisher_logo
            ),
        );
        hash(&mut h, &format!("{:?}", site.site_view));
        Scope {
            global: h.finish(),
            home_guides: site.newest_guides(site.config.paginate_by.min(6)),
            feed_guides: site.feed_guides(),
            theses: site.content.theses.values().copied().collect(),
        }
    }
}

/// What a list shows of page `i`; anything listing or linking the page includes it.
fn card_hash(site: &Site, i: usize) -> u64 {
    let c = &site.content;
    let p = &c.pages[i];
    let mut h = crate::hash::hasher();
    hash(
        &mut h,
        &(
            &p.title, &p.path, &p.summary, p.date, p.updated, p.number, p.kind, p.words, p.draft,
        ),
    );
    hash(&mut h, &site.page_images[i]);
    for &t in &c.page_tags[i] {
        hash(&mut h, &(&c.tags[t].name, &c.tags[t].path));
    }
    h.finish()
}

/// What the sitemap shows of page `i`.
fn sitemap_entry(site: &Site, i: usize) -> u64 {
    let p = &site.content.pages[i];
    let mut h = crate::hash::hasher();
    hash(&mut h, &(&p.path, p.date, p.updated, p.in_sitemap()));
    h.finish()
}

/// Per-page hashes that outputs combine.
#[derive(Clone, Copy)]
struct PageHashes<'a> {
    cards: &'a [u64],
    entries: &'a [u64],
}

/// The fingerprint of one output: a hash of everything its rendering reads. The
/// pages it reads are recorded in `reads`.
fn fingerprint(
    site: &Site,
    scope: &Scope,
    hashes: PageHashes<'_>,
    item: Item,
    reads: &mut Vec<Read>,
) -> u64 {
    let c = &site.content;
    let cards = hashes.cards;
    let mut h = crate::hash::hasher();
    let cards_of = |h: &mut StableHasher, reads: &mut Vec<Read>, pages: &[usize]| {
        for &j in pages {
            hash(h, &(j, cards[j]));
            reads.push(Read::Card(j as u32));
        }
    };
    let links = |h: &mut StableHasher, targets: &[String]| {
        for t in targets {
            hash(h, &c.resolve_link(t));
        }
    };
    // Where a link into the site lands decides whether it gets the base path.
    let site_links = |h: &mut StableHasher, from: &str, written: &[crate::links::SiteLink]| {
        for l in written {
            hash(
                h,
                &site
                    .published
                    .land(&l.url, from, &site.config.base_url.prefix),
            );
        }
    };
    // A card is fingerprinted by what it is made from alone (its input key), and
    // redrawn only when its SVG changed: see `Site::card_file`.
    if let Item::Card(card) = item {
        if let CardOf::Page(i) = card {
            reads.push(Read::Own(i as u32));
        }
        return site.card_fingerprint(card);
    }
    hash(&mut h, &scope.global);
    hash(&mut h, &item);
    // The templates the output is rendered with, and those they use: a template
    // change re-renders only the outputs it reaches.
    let template = |h: &mut StableHasher, name: &str| hash(h, &site.templates.hash_of(name));
    match item {
        Item::Page(i) => {
            reads.push(Read::Own(i as u32));
            let p = &c.pages[i];
            template(&mut h, &page_template(p));
            template(&mut h, THESIS_SHORTCODE);
            for call in &p.shortcodes {
                template(&mut h, &format!("shortcodes/{}.html", call.name));
                hash(&mut h, &site.call_images(call));
            }
            hash(&mut h, &(p.hash, cards[i], &p.source));
            hash(&mut h, &site.comments.fingerprint(&site.config, i, p));
            links(&mut h, &p.links);
            site_links(&mut h, &p.path, &p.site_links);
            let mut s = Some(p.section);
            while let Some(si) = s {
                hash(&mut h, &(&c.sections[si].title, &c.sections[si].path));
                s = c.sections[si].parent;
            }
            let cited: Vec<usize> = p
                .theses
                .iter()
                .filter_map(|n| c.theses.get(n).copied())
                .collect();
            cards_of(&mut h, reads, &cited);
            cards_of(&mut h, reads, &c.cited_by[i]);
            cards_of(&mut h, reads, &site.related(i));
            let section = &c.sections[p.section].pages;
            let pos = c.positions[i];
            let neighbours: Vec<usize> = [pos.checked_sub(1), Some(pos + 1)]
                .into_iter()
                .flatten()
                .filter_map(|x| section.get(x).copied())
                .collect();
            cards_of(&mut h, reads, &neighbours);
        }
        Item::List(si, n) => {
            let s = &c.sections[si];
            template(&mut h, &section_template(s, si));
            template(&mut h, THESIS_SHORTCODE);
            for call in &s.shortcodes {
                template(&mut h, &format!("shortcodes/{}.html", call.name));
                hash(&mut h, &site.call_images(call));
            }
            hash(
                &mut h,
                &(
                    &s.title,
                    &s.description,
                    &s.path,
                    s.paginate,
                    s.hash,
                    s.pages.len(),
                ),
            );
            hash(&mut h, &site.section_images[si]);
            links(&mut h, &s.links);
            site_links(&mut h, &s.path, &s.site_links);
            let quoted: Vec<usize> = s
                .theses
                .iter()
                .filter_map(|n| c.theses.get(n).copied())
                .collect();
            cards_of(&mut h, reads, &quoted);
            for &sub in &s.subsections {
                hash(&mut h, &(&c.sections[sub].title, &c.sections[sub].path));
            }
            if si == 0 {
                cards_of(&mut h, reads, &scope.home_guides);
                cards_of(&mut h, reads, &scope.theses);
            } else {
                let per = s.paginate.max(1);
                let start = ((n - 1) * per).min(s.pages.len());
                let end = (start + per).min(s.pages.len());
                cards_of(&mut h, reads, &s.pages[start..end]);
                hash(&mut h, &list_path(&s.path, n));
            }
        }
        Item::TagIndex => {
            template(&mut h, "tags.html");
            for t in &c.tags {
                hash(&mut h, &(&t.name, &t.path, t.pages.len()));
            }
        }
        Item::Tag(t, n) => {
            template(&mut h, "tag.html");
            let tag = &c.tags[t];
            hash(&mut h, &(&tag.name, &tag.path, tag.pages.len()));
            let per = site.config.paginate_by.max(1);
            let start = ((n - 1) * per).min(tag.pages.len());
            let end = (start + per).min(tag.pages.len());
            cards_of(&mut h, reads, &tag.pages[start..end]);
        }
        Item::Alias(p, a) => {
            template(&mut h, "alias.html");
            reads.push(Read::Own(p as u32));
            hash(
                &mut h,
                &(&c.pages[p].aliases[a], &c.pages[p].path, &c.pages[p].title),
            );
        }
        Item::Feed => {
            cards_of(&mut h, reads, &scope.feed_guides);
            for &j in &scope.feed_guides {
                hash(&mut h, &c.pages[j].tags);
            }
        }
        Item::Sitemap => {
            hash(&mut h, hashes.entries);
            for s in &c.sections {
                hash(&mut h, &s.path);
            }
            for t in &c.tags {
                hash(&mut h, &(&t.path, &t.pages));
            }
        }
        Item::File(f) => match &site.files[f].source {
            Source::File(path) => {
                let stamp = std::fs::metadata(path)
                    .map(|m| crate::source::Stamp::of(&m))
                    .ok();
                hash(&mut h, &(path, stamp));
            }
            Source::Bytes(b) => hash(&mut h, b.as_ref()),
        },
        Item::Variant(v) => {
            let v = &site.images.variants[v];
            if let Source::File(path) = &site.files[v.file].source {
                let stamp = std::fs::metadata(path)
                    .map(|m| crate::source::Stamp::of(&m))
                    .ok();
                hash(&mut h, &(path, stamp));
            }
            hash(&mut h, &(v.width, v.height, site.images.settings().quality));
        }
        Item::NotFound => template(&mut h, "404.html"),
        Item::Search => template(&mut h, crate::searchable::TEMPLATE),
        Item::CommentsThanks => template(&mut h, "comments-thanks.html"),
        Item::HostRedirects => {
            for page in &c.pages {
                hash(&mut h, &(&page.path, &page.aliases));
            }
        }
        Item::Robots | Item::Card(_) => {}
    }
    h.finish()
}
