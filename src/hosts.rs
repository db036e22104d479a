//! Static hosts that read files of their own from the output: `_redirects` for Netlify
//! and Cloudflare Pages (`deploy.host`), and the limits of each host.
//!
//! Both hosts take one `FROM TO 301` rule a line. Cloudflare applies a rule even where
//! a file exists; Netlify serves the file unless the rule is forced (`301!`), and the
//! alias's meta-refresh page is such a file, so Netlify's rules are forced.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::config::deploy::Host;
use crate::config::Config;
use crate::content::Content;

/// What a URL path in `_redirects` must escape: spaces end a field.
const FIELD: &AsciiSet = &CONTROLS.add(b' ').add(b'#');

/// Cloudflare Pages takes at most this many files in one deployment.
pub const CLOUDFLARE_FILES: usize = 20_000;

/// Cloudflare Pages takes at most this many static redirects.
pub const CLOUDFLARE_REDIRECTS: usize = 2_000;

/// The `_redirects` file: every alias to its page, under the base path.
pub fn redirects(config: &Config, content: &Content) -> String {
    let force = if config.deploy.host == Host::Netlify {
        "!"
    } else {
        ""
    };
    let base = &config.base_url;
    let mut out = String::from("# Written by piazza from the pages' aliases.\n");
    for page in &content.pages {
        let to = utf8_percent_encode(&base.url(&page.path), FIELD).to_string();
        for alias in &page.aliases {
            let from = utf8_percent_encode(&base.url(alias), FIELD).to_string();
            out.push_str(&format!("{from} {to} 301{force}\n"));
        }
    }
    out
}

/// Warnings for a host's limits that `files` files and `redirects` aliases pass.
pub fn limits(host: Host, files: usize, redirects: usize) -> Vec<String> {
    let mut warnings = Vec::new();
    if host == Host::Cloudflare {
        if files > CLOUDFLARE_FILES {
            warnings.push(format!(
                "the output has {files} files, more than the {CLOUDFLARE_FILES} Cloudflare Pages takes in one deployment"
            ));
        }
        if redirects > CLOUDFLARE_REDIRECTS {
            warnings.push(format!(
                "the site has {redirects} aliases, more than the {CLOUDFLARE_REDIRECTS} redirects Cloudflare Pages applies from _redirects"
            ));
        }
    }
    warnings
}
