//! piazza: a static site generator for marketing guides and theses, made to be shared.
//!
//! Data flows one way: [`config`] and [`content`] load and check the site, [`site`]
//! resolves it (theme, images, static files), [`outputs`] lists every file it makes
//! and gives each path one owner, [`sitelinks`] checks that every link written in
//! content lands on one of them, [`render`] turns it into files through
//! [`templates`], [`markdown`] and [`social`], and [`output`] writes them safely.
//! [`search`] indexes the built pages for the site's search page.
//! [`watch`] and [`serve`] keep an output current for live preview, [`shutdown`]
//! makes Ctrl-C safe, [`deploy`] publishes the output to object storage, and [`cli`] is the thin layer that turns arguments into one
//! of these runs.

pub mod cache;
pub mod card;
pub mod check;
pub mod cli;
pub mod comments;
pub mod config;
pub mod content;
pub mod deploy;
pub mod error;
pub mod files;
pub mod glob;
pub mod hash;
pub mod hosts;
pub mod image;
pub mod images;
pub mod links;

pub mod limits;
pub mod markdown;
pub mod output;
pub mod outputs;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod searchable;
pub mod serve;
pub mod shutdown;
pub mod site;
pub mod sitelinks;
pub mod slug;
pub mod social;
pub mod source;
pub mod templates;
pub mod watch;
