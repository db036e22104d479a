//! Every file a build writes: the list of outputs, where each one goes, and the one
//! check that every output path has exactly one owner.
//!
//! An owner is a page, an alias, a static or bundle file, or a file piazza generates
//! (lists, tags, feed, sitemap, robots.txt, 404, share cards, the output marker). Paths
//! are compared as the file systems sites are built and deployed on see them: in any
//! letter case and Unicode form (one file on macOS and Windows), and a path one output
//! needs as a folder cannot be another output's file. The check is one hash map over
//! all outputs, so it stays linear however large the site.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use unicode_normalization::UnicodeNormalization;

use crate::content::sitepath::{shown, MAX_SEGMENT};
use crate::content::{Content, PageKind};
use crate::error::{Error, Errors};
use crate::files::StaticFile;
use crate::output::MARKER;

/// One file of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// A page, by index.
    Page(usize),
    /// A section's list page (1-based page number); section 0 is the home page.
    List(usize, usize),
    /// `/tags/`.
    TagIndex,
    /// A tag's list page (1-based page number).
    Tag(usize, usize),
    /// `/404.html`.
    NotFound,
    /// A redirect from a page's alias (page, alias index).
    Alias(usize, usize),
    /// `/feed.xml`.
    Feed,
    /// `/sitemap.xml`.
    Sitemap,
    /// `/robots.txt`.
    Robots,
    /// A static or bundle file, by index.
    File(usize),
    /// A generated share card (`card.png` beside its page).
    Card(CardOf),
    /// `/search/`, when site search is on (its index in `/pagefind/` is written after
    /// the pages, and owned as a whole folder: see [`Outputs::check`]).
    Search,
    /// `/comments/thanks/`, where the comment endpoint sends a reader.
    CommentsThanks,
    /// `/_redirects`, the aliases as real redirects, for `deploy.host: netlify|cloudflare`.
    HostRedirects,
    /// A resized WebP variant of an image, by index (see [`crate::images`]).
    Variant(usize),
}

/// Whose card it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CardOf {
    /// A guide or thesis, by page index.
    Page(usize),
    /// A section list (its first page) or, for 0, the home page.
    Section(usize),
}

/// A share card's file name inside its page's folder.
pub const CARD_FILE: &str = "card.png";

/// `/guides/x/` -> `guides/x/card.png`.
pub fn card_out(path: &str) -> String {
    format!("{}{CARD_FILE}", &path[1..])
}

/// What decides a site's outputs: borrowed from a [`crate::site::Site`], or from its parts while
/// the site is being loaded (so the check runs before anything is rendered).
pub struct Outputs<'a> {
    /// The content index.
    pub content: &'a Content,
    /// Files copied as they are.
    pub files: &'a [StaticFile],
    /// Per page: it gets a generated share card.
    pub card_pages: &'a [bool],
    /// Per section: it gets a generated share card.
    pub card_sections: &'a [bool],
    /// The variants of the site's images.
    pub images: &'a crate::images::Images,
    /// `tags:` from the config (tag pages are made).
    pub tags: bool,
    /// `paginate_by` from the config (tag pages per list page).
    pub paginate_by: usize,
    /// `search:` from the config (the search page and the index folder are made).
    pub search: bool,
    /// Whether any page takes comments (the thanks page is made).
    pub comments: bool,
    /// The host reads `_redirects` (`deploy.host`).
    pub host_redirects: bool,
}

impl Outputs<'_> {
    /// Every output of the site, in a stable order.
    pub fn items(&self) -> Vec<Item> {
        let c = self.content;
        let mut items: Vec<Item> = (0..c.pages.len()).map(Item::Page).collect();
        for (i, s) in c.sections.iter().enumerate() {
            let count = if i == 0 {
                1
            } else {
                page_count(s.pages.len(), s.paginate)
            };
            items.extend((1..=count).map(|n| Item::List(i, n)));
        }
        if self.tags && !c.tags.is_empty() {
            items.push(Item::TagIndex);
            for (i, t) in c.tags.iter().enumerate() {
                let count = page_count(t.pages.len(), self.paginate_by);
                items.extend((1..=count).map(|n| Item::Tag(i, n)));
            }
        }
        for (i, p) in c.pages.iter().enumerate() {
            items.extend((0..p.aliases.len()).map(|a| Item::Alias(i, a)));
        }
        items.extend([Item::NotFound, Item::Feed, Item::Sitemap]);
        if self.search {
            items.push(Item::Search);
        }
        if self.comments {
            items.push(Item::CommentsThanks);
        }
        // A site's own static/robots.txt replaces the generated one.
        if !self.files.iter().any(|f| f.out == "robots.txt") {
            items.push(Item::Robots);
        }
        items.extend((0..self.files.len()).map(Item::File));
        if self.host_redirects {
            items.push(Item::HostRedirects);
        }
        let pages = (0..self.card_pages.len())
            .filter(|&i| self.card_pages[i])
            .map(CardOf::Page);
        let sections = (0..self.card_sections.len())
            .filter(|&i| self.card_sections[i])
            .map(CardOf::Section);
        items.extend(pages.chain(sections).map(Item::Card));
        items.extend((0..self.images.variants.len()).map(Item::Variant));
        items
    }

    /// Where an item is written, relative to the output folder.
    pub fn out_path(&self, item: Item) -> String {
        let c = self.content;
        let dir_index = |path: &str| format!("{}index.html", &path[1..]);
        match item {
            Item::Page(i) => dir_index(&c.pages[i].path),
            Item::List(s, n) => dir_index(&list_path(&c.sections[s].path, n)),
            Item::TagIndex => "tags/index.html".into(),
            Item::Tag(t, n) => dir_index(&list_path(&c.tags[t].path, n)),
            Item::NotFound => "404.html".into(),
            Item::Alias(p, a) => {
                let alias = &c.pages[p].aliases[a];
                if alias.ends_with(".html") {
                    alias[1..].to_string()
                } else {
                    dir_index(alias)
                }
            }
            Item::Feed => "feed.xml".into(),
            Item::Sitemap => "sitemap.xml".into(),
            Item::Robots => "robots.txt".into(),
            Item::Search => crate::searchable::PAGE.into(),
            Item::CommentsThanks => dir_index(crate::comments::view::THANKS_PATH),
            Item::HostRedirects => "_redirects".into(),
            Item::File(f) => self.files[f].out.clone(),
            Item::Card(CardOf::Page(i)) => card_out(&c.pages[i].path),
            Item::Card(CardOf::Section(s)) => card_out(&c.sections[s].path),
            Item::Variant(v) => self.images.variants[v].out.clone(),
        }
    }

    /// Reports every output path with two owners, every folder an output needs where
    /// another output is a file, and every path segment too long to be a file name.
    /// Each error is reported at the later of the two claims in the order of `rank`
    /// (piazza's own files first, aliases last) and names the earlier one.
    pub fn check(&self) -> Errors {
        let items = self.items();
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&k| self.rank(items[k]));
        let mut position = vec![0; items.len()];
        for (pos, &k) in order.iter().enumerate() {
            position[k] = pos;
        }
        let paths: Vec<String> = items.iter().map(|&i| self.out_path(i)).collect();
        let keys: Vec<String> = paths.iter().map(|p| fold(p)).collect();
        let marker = fold(MARKER);
        let mut owners: HashMap<&str, Owner> = HashMap::with_capacity(items.len() + 1);
        owners.insert(&marker, Owner::Marker);
        let mut errors = Errors::default();
        let mut blamed = vec![false; items.len()];
        for &k in &order {
            let other = match owners.entry(&keys[k]) {
                Entry::Vacant(v) => {
                    v.insert(Owner::Item(k));
                    continue;
                }
                Entry::Occupied(o) => *o.get(),
            };
            let other_path = path_of(&paths, other);
            let (message, why) = if other_path == paths[k] {
                (
                    format!("is already {}", self.describe(&items, other)),
                    format!("both would be written to {other_path}"),
                )
            } else {
                let how = if other_path.to_lowercase() == paths[k].to_lowercase() {
                    "letter case"
                } else {
                    "the Unicode form of its accents"
                };
                (
                    format!(
                        "differs only in {how} from /{other_path}, which is {}",
                        self.describe(&items, other)
                    ),
                    "macOS and Windows see both as one file".to_string(),
                )
            };
            let fix = self.claim(items[k]).fix;
            errors.push(self.blame(items[k], &message, format!("{why}: {fix}")));
            blamed[k] = true;
        }
        // A too long name is reported once, by the first claim below it (the list of a
        // folder, not each of its pages; a page, not its card as well).
        let mut too_long: HashSet<&str> = HashSet::new();
        for &k in &order {
            let mut end = 0;
            for segment in paths[k].split('/') {
                end += segment.len() + 1;
                if segment.len() > MAX_SEGMENT {
                    if too_long.insert(&paths[k][..end - 1]) {
                        let message = format!(
                            "has a name of {} bytes in its path, more than the {MAX_SEGMENT} file systems allow",
                            segment.len()
                        );
                        let hint = format!("shorten {}", self.claim(items[k]).name);
                        errors.push(self.blame(items[k], &message, hint));
                    }
                    break;
                }
            }
            if blamed[k] {
                continue;
            }
            // Folded and written paths have their `/` at the same segment boundaries.
            let folders = keys[k].match_indices('/').zip(paths[k].match_indices('/'));
            for ((key_end, _), (end, _)) in folders {
                let Some(&owner) = owners.get(&keys[k][..key_end]) else {
                    continue;
                };
                let folder = &paths[k][..end];
                let why = "one path cannot be both a file and a folder";
                match owner {
                    Owner::Item(j) if position[j] > position[k] => {
                        if !blamed[j] {
                            let message = format!(
                                "is a file where {} needs a folder {folder}/ (for {})",
                                self.describe(&items, Owner::Item(k)),
                                paths[k]
                            );
                            let fix = self.claim(items[j]).fix;
                            errors.push(self.blame(items[j], &message, format!("{why}: {fix}")));
                            blamed[j] = true;
                        }
                    }
                    _ => {
                        let message = format!(
                            "is written to {}, which needs a folder {folder}/ where /{} is already {}",
                            paths[k],
                            path_of(&paths, owner),
                            self.describe(&items, owner)
                        );
                        let fix = self.claim(items[k]).fix;
                        errors.push(self.blame(items[k], &message, format!("{why}: {fix}")));
                        blamed[k] = true;
                    }
                }
                break;
            }
        }
        if self.search {
            for &k in &order {
                if !blamed[k] && crate::searchable::in_bundle(&keys[k]) {
                    let message = format!(
                        "is inside /{}/, where the search index is written",
                        crate::searchable::BUNDLE
                    );
                    let fix = self.claim(items[k]).fix;
                    let hint = format!("nothing else may publish there: {fix}, or turn site search off (`search: false` in config.yaml)");
                    errors.push(self.blame(items[k], &message, hint));
                }
            }
        }
        errors
    }

    /// The order claims are made in: piazza's own files first, then lists and pages,
    /// then files and aliases, so an error lands on what the user added last.
    fn rank(&self, item: Item) -> u8 {
        match item {
            Item::NotFound
            | Item::Feed
            | Item::Sitemap
            | Item::Robots
            | Item::TagIndex
            | Item::Search
            | Item::CommentsThanks => 0,
            Item::HostRedirects => 0,
            Item::Tag(..) => 1,
            Item::List(..) => 2,
            Item::Page(i)
                if !self.content.pages[i]
                    .key_lines
                    .iter()
                    .any(|(k, _)| k == "slug") =>
            {
                3
            }
            Item::Page(_) => 4,
            Item::Card(_) | Item::Variant(_) => 5,
            Item::File(_) => 6,
            Item::Alias(..) => 7,
        }
    }

    /// An error at the file and line of `item`'s claim.
    fn blame(&self, item: Item, message: &str, hint: String) -> Error {
        let claim = self.claim(item);
        let text = format!("the URL {} {message}", shown(&claim.url));
        let e = match &claim.file {
            Some(f) => Error::in_file(f, text),
            None => Error::new(text),
        };
        let e = match claim.line {
            Some(l) => e.at_line(l),
            None => e,
        };
        e.hint(hint)
    }

    fn describe(&self, items: &[Item], owner: Owner) -> String {
        match owner {
            Owner::Marker => format!("piazza's output marker file ({MARKER})"),
            Owner::Item(k) => self.claim(items[k]).what,
        }
    }

    /// Who claims an output, for messages.
    fn claim(&self, item: Item) -> Claim {
        let c = self.content;
        let at = |file: &PathBuf, line: Option<usize>| match line {
            Some(l) => format!("{}:{l}", file.display()),
            None => file.display().to_string(),
        };
        let generated = |url: &str, what: &str| Claim {
            url: url.into(),
            what: what.into(),
            file: None,
            line: None,
            fix: "nothing else may publish it",
            name: "it",
        };
        match item {
            Item::Page(i) => {
                let p = &c.pages[i];
                let line = p
                    .key_lines
                    .iter()
                    .find(|(k, _)| k == "slug")
                    .map(|(_, l)| *l);
                let kind = match p.kind {
                    PageKind::Guide => "guide",
                    PageKind::Thesis => "thesis",
                    PageKind::Page => "page",
                };
                Claim {
                    url: p.path.clone(),
                    what: format!("the {kind} {}", at(&p.shown, line)),
                    file: Some(p.shown.clone()),
                    line,
                    fix: "give the page another `slug:` or file name",
                    name: if line.is_some() {
                        "the `slug:`"
                    } else {
                        "the file name"
                    },
                }
            }
            Item::List(si, n) => {
                let s = &c.sections[si];
                let list = if si == 0 {
                    "the home page".to_string()
                } else {
                    format!("the list {}", s.path)
                };
                let what = if n == 1 {
                    list
                } else {
                    format!("page {n} of {list}")
                };
                Claim {
                    url: list_path(&s.path, n),
                    what: format!("{what} ({})", s.shown.display()),
                    file: Some(s.shown.clone()),
                    line: None,
                    fix: "rename the folder",
                    name: "the folder name",
                }
            }
            Item::Tag(ti, n) => {
                let t = &c.tags[ti];
                // The newest page with the tag: naming it costs the same for any number of pages.
                let newest = t.pages.first().map(|&i| &c.pages[i]);
                let tag = if n == 1 {
                    format!("the page of tag «{}»", shown(&t.name))
                } else {
                    format!("page {n} of tag «{}»", shown(&t.name))
                };
                let line = newest.map(|p| p.line_of("tags"));
                Claim {
                    url: list_path(&t.path, n),
                    what: match newest {
                        Some(p) => format!("{tag} ({})", at(&p.shown, line)),
                        None => tag,
                    },
                    file: newest.map(|p| p.shown.clone()),
                    line,
                    fix: "rename the tag",
                    name: "the tag",
                }
            }
            Item::Alias(pi, a) => {
                let p = &c.pages[pi];
                let line = Some(p.line_of("aliases"));
                Claim {
                    url: p.aliases[a].clone(),
                    what: format!("an alias of {} ({})", p.path, at(&p.shown, line)),
                    file: Some(p.shown.clone()),
                    line,
                    fix: "remove the alias, or give it an old address nothing else publishes",
                    name: "the alias",
                }
            }
            Item::File(f) => {
                let file = &self.files[f];
                let theme = !file.shown.starts_with("static") && !file.shown.starts_with("content");
                Claim {
                    url: format!("/{}", file.out),
                    what: format!(
                        "the {}file {}",
                        if theme { "theme " } else { "" },
                        file.shown.display()
                    ),
                    file: Some(file.shown.clone()),
                    line: None,
                    fix: "rename or move the file",
                    name: "the file name",
                }
            }
            Item::Card(of) => {
                // A card sits beside its page, so its path is claimed where the page's is.
                let page = self.claim(match of {
                    CardOf::Page(i) => Item::Page(i),
                    CardOf::Section(s) => Item::List(s, 1),
                });
                Claim {
                    url: format!("/{}", self.out_path(item)),
                    what: format!("the share card of {}", page.what),
                    fix: "give the page its own `image:`",
                    ..page
                }
            }
            Item::Variant(v) => {
                // A variant sits beside its image, so its path is claimed where the image is.
                let image = self.claim(Item::File(self.images.variants[v].file));
                Claim {
                    url: format!("/{}", self.out_path(item)),
                    what: format!("the WebP variant of {}", image.what),
                    fix: "rename the image or the file that has the variant's name",
                    ..image
                }
            }
            Item::TagIndex => generated("/tags/", "the list of tags"),
            Item::NotFound => generated("/404.html", "the 404 page"),
            Item::Feed => generated("/feed.xml", "the RSS feed"),
            Item::Sitemap => generated("/sitemap.xml", "the sitemap"),
            Item::Robots => generated("/robots.txt", "the generated robots.txt"),
            Item::Search => generated(crate::searchable::PAGE_PATH, "the search page"),
            Item::CommentsThanks => generated(
                crate::comments::view::THANKS_PATH,
                "the page that thanks readers for a comment",
            ),
            Item::HostRedirects => Claim {
                fix: "remove it, or `deploy.host`, which makes piazza write it",
                ..generated(
                    "/_redirects",
                    "the redirects piazza writes for `deploy.host`",
                )
            },
        }
    }
}

/// The owner of an output path while checking.
#[derive(Debug, Clone, Copy)]
enum Owner {
    /// An item, by index.
    Item(usize),
    /// The output marker, which the output folder always holds.
    Marker,
}

/// Who claims an output path, as messages show it.
struct Claim {
    /// The URL as the owner wrote or makes it.
    url: String,
    /// The owner, with the file (and line) that makes the claim.
    what: String,
    /// Where to report an error in this claim.
    file: Option<PathBuf>,
    line: Option<usize>,
    /// What to do when this claim is the one in the way.
    fix: &'static str,
    /// What to shorten when its path is too long.
    name: &'static str,
}

/// The written path of an owner.
fn path_of(paths: &[String], owner: Owner) -> &str {
    match owner {
        Owner::Item(j) => &paths[j],
        Owner::Marker => MARKER,
    }
}

/// An output path as a case-insensitive, normalisation-insensitive file system sees it.
fn fold(path: &str) -> String {
    if path.is_ascii() {
        return path.to_ascii_lowercase();
    }
    path.nfc().collect::<String>().to_lowercase()
}

/// `/guides/` page 1 -> `/guides/`, page 3 -> `/guides/page/3/`.
pub fn list_path(base: &str, n: usize) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{n}/")
    }
}

/// How many list pages `items` entries make at `per_page` a page (at least one).
pub fn page_count(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page.max(1)).max(1)
}
