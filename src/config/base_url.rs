//! Every link and absolute URL the site writes goes through the base URL, so its parsing
//! and the placeholder-host test `piazza check` uses have one owner of their own.

/// The site's base URL, split so paths can be prefixed and made absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// Scheme and host, without a trailing slash: `https://example.org`.
    pub origin: String,
    /// Path prefix without a trailing slash, empty at the root: `/blog`.
    pub prefix: String,
}

impl BaseUrl {
    /// Parses an absolute http(s) URL, with or without a path prefix.
    pub fn parse(url: &str) -> Result<BaseUrl, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("`{url}` is not an absolute URL; write it as https://example.org")
            })?;
        if rest.contains(['?', '#', ' ', '"', '<', '>', '\\']) {
            return Err(format!(
                "`{url}` must be a plain address, without query, fragment or spaces"
            ));
        }
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if host.is_empty() {
            return Err(format!("`{url}` has no host name"));
        }
        let scheme_len = url.len() - rest.len();
        Ok(BaseUrl {
            origin: format!("{}{}", &url[..scheme_len], host),
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// The host when it is one that stands in for a real address: the bare
    /// `example.org`, `.com` or `.net` (or `www.`) a starter or tutorial writes, or this
    /// machine (`localhost`, `127.x.x.x`, `[::1]`). A named host under an example domain
    /// (`piazza.example.org`) is a deliberate demo or test address and is not one.
    pub fn placeholder_host(&self) -> Option<&str> {
        let authority = self.origin.split_once("://").map_or("", |(_, a)| a);
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        let bare = name.strip_prefix("www.").unwrap_or(&name);
        let placeholder = matches!(bare, "example.org" | "example.com" | "example.net")
            || name == "localhost"
            || name.ends_with(".localhost")
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        placeholder.then_some(host)
    }

    /// A site path (`/guides/x/`) as the browser should request it (`/blog/guides/x/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }

    /// A site path as an absolute URL (`https://host/blog/guides/x/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}{}", self.origin, self.prefix, path)
    }
}

#[cfg(test)]
mod tests {
    use super::BaseUrl;

    #[test]
    fn base_url_splits_prefix() {
        let b = BaseUrl::parse("https://host.example/blog/").unwrap();
        assert_eq!(b.origin, "https://host.example");
        assert_eq!(b.prefix, "/blog");
        assert_eq!(b.url("/guides/x/"), "/blog/guides/x/");
        assert_eq!(b.absolute("/"), "https://host.example/blog/");
        assert!(BaseUrl::parse("example.org").is_err());
    }

    #[test]
    fn placeholder_hosts() {
        let host = |url: &str| {
            BaseUrl::parse(url)
                .unwrap()
                .placeholder_host()
                .map(str::to_string)
        };
        for (url, expected) in [
            ("https://example.org", Some("example.org")),
            ("https://WWW.Example.COM./blog/", Some("WWW.Example.COM.")),
            ("http://localhost:1111", Some("localhost")),
            ("http://app.localhost", Some("app.localhost")),
            ("http://127.0.0.1:8000/", Some("127.0.0.1")),
            ("http://[::1]:8080/", Some("::1")),
            ("https://piazza.example.org", None),
            ("https://example.org.bottega.it", None),
            ("https://myexample.com", None),
            ("https://127.example.com", None),
            ("https://127.0.0.example.com", None),
            ("https://bottega.it", None),
        ] {
            assert_eq!(host(url).as_deref(), expected, "{url}");
        }
    }
}
