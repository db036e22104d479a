//! What site search owns and keeps, known to the modules below [`crate::search`]
//! (outputs, rendering, fingerprints) without their depending on the indexer: the
//! paths of the search page and the index folder, and which pages are indexed.

use crate::config::Config;
use crate::content::Page;

/// The output folder of the index, which search owns whole.
pub const BUNDLE: &str = "pagefind";
/// The search page, relative to the output folder.
pub const PAGE: &str = "search/index.html";
/// Its site path.
pub const PAGE_PATH: &str = "/search/";
/// The template of the search page.
pub const TEMPLATE: &str = "search.html";

/// Whether search keeps a page: site search is on, and the page is published for
/// readers (not a draft, not `noindex`) and has not opted out with `search: false`.
pub fn indexed(config: &Config, page: &Page) -> bool {
    config.search && page.search && !page.noindex()
}

/// Whether an output path lies in the index folder (or is it), which nothing else
/// may publish while search is on.
pub fn in_bundle(folded_path: &str) -> bool {
    folded_path == BUNDLE
        || folded_path
            .strip_prefix(BUNDLE)
            .is_some_and(|rest| rest.starts_with('/'))
}
