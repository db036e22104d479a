//! `deploy:` in config.yaml: where a site goes and with which headers.
//!
//! Every value is checked while it is read, so a mistake is reported at its own line
//! and column. Credentials never appear here: a target URL with a user or password in
//! it is refused, and the clients read them from the environment.

use std::fmt;
use std::path::PathBuf;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::glob::Glob;

/// `deploy:` as piazza uses it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where `piazza deploy` can publish, by name; the first is the default.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Cache headers by file pattern; the first match wins.
    #[serde(default = "default_headers")]
    pub headers: Vec<HeaderRule>,
    /// File extensions stored gzip-compressed, with `Content-Encoding: gzip`.
    #[serde(default, deserialize_with = "extensions")]
    pub compress: Vec<String>,
    /// The static host the output is served by, when it reads its own files.
    #[serde(default)]
    pub host: Host,
    /// A command run after a deploy, with `PIAZZA_CHANGED_URLS` naming the list of
    /// changed URLs (a CDN purge).
    #[serde(default)]
    pub after: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            targets: Vec::new(),
            headers: default_headers(),
            compress: Vec::new(),
            host: Host::default(),
            after: None,
        }
    }
}

impl Settings {
    /// Target names are words and unique, so `--target NAME` picks one.
    pub fn check(&self) -> Result<(), String> {
        for (i, t) in self.targets.iter().enumerate() {
            let ok = !t.name.is_empty()
                && t.name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(format!(
                    "`{}` is not a target name; use letters, digits, `-` and `_`, like `production`",
                    t.name
                ));
            }
            if self.targets[..i].iter().any(|o| o.name == t.name) {
                return Err(format!(
                    "two deploy targets are named `{}`; give each its own name",
                    t.name
                ));
            }
        }
        Ok(())
    }

    /// The target called `name`, or the first one.
    pub fn target(&self, name: Option<&str>) -> Result<&Target, String> {
        let names = || {
            self.targets
                .iter()
                .map(|t| format!("`{}`", t.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match name {
            None => self.targets.first().ok_or_else(|| {
                "config.yaml has no deploy target; add one under `deploy: targets:` (see the README, \"Deploy\")".to_string()
            }),
            Some(name) => self.targets.iter().find(|t| t.name == name).ok_or_else(|| {
                if self.targets.is_empty() {
                    format!("there is no deploy target `{name}`: config.yaml has no `deploy: targets:`")
                } else {
                    format!("there is no deploy target `{name}`; config.yaml names {}", names())
                }
            }),
        }
    }

    /// The `Cache-Control` of the file at `rel`, from the first rule that matches it.
    pub fn cache_control(&self, rel: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.pattern.matches(rel))
            .map(|h| h.cache_control.as_str())
    }

    /// Whether the file at `rel` is stored compressed.
    pub fn compressed(&self, rel: &str) -> bool {
        let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        ext.is_some_and(|e| self.compress.contains(&e))
    }
}

/// The static host: object storage (the default) or a host that reads `_redirects`
/// and `_headers` from the output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Host {
    /// Object storage behind a CDN, or a plain web server.
    #[default]
    Storage,
    /// Netlify: `_redirects` and `_headers` in the output.
    Netlify,
    /// Cloudflare Pages: `_redirects` and `_headers`, at most 20,000 files.
    Cloudflare,
}

/// One entry of `deploy.targets`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The name `--target` picks it by.
    pub name: String,
    /// Where it is.
    #[serde(deserialize_with = "target_url")]
    pub url: TargetUrl,
}

/// A target URL, split into the store and the prefix inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl {
    /// The URL as written (it holds no credentials), for messages.
    pub shown: String,
    /// The kind of store and where it is.
    pub store: Store,
    /// The folder inside the bucket, without slashes at either end; empty at the root.
    pub prefix: String,
}

/// The kinds of store piazza deploys to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// S3 and compatible stores (R2, MinIO, Backblaze B2).
    S3 {
        /// Bucket name.
        bucket: String,
        /// `?region=`, else `AWS_REGION`/`AWS_DEFAULT_REGION`.
        region: Option<String>,
        /// `?endpoint=`, else `AWS_ENDPOINT_URL`.
        endpoint: Option<String>,
    },
    /// Google Cloud Storage.
    Gcs {
        /// Bucket name.
        bucket: String,
    },
    /// Azure Blob Storage (the account comes from `AZURE_STORAGE_ACCOUNT_NAME`).
    Azure {
        /// Container name.
        container: String,
    },
    /// A folder on this machine, such as a web server's root.
    File {
        /// The absolute folder.
        path: PathBuf,
    },
}

impl TargetUrl {
    /// Parses `s3://bucket/prefix?region=..&endpoint=..`, `gs://bucket/prefix`,
    /// `az://container/prefix` or `file:///absolute/folder`.
    pub fn parse(text: &str) -> Result<TargetUrl, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| {
            format!("`{text}` is not a URL ({e}); write it like s3://my-bucket/site, gs://my-bucket, az://container or file:///srv/www")
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("a deploy URL must not hold credentials; piazza reads them from the environment (AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT_KEY...)".into());
        }
        if url.fragment().is_some() {
            return Err(format!("`{text}` has a `#`; remove it"));
        }
        // Checked as written: URL parsing would quietly resolve `a/../c` to `c`.
        let written = text.trim().split(['?', '#']).next().unwrap_or("");
        let written_path = written
            .split_once("://")
            .map_or("", |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
        let dotted = written_path.split('/').any(|s| {
            let s = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
            s == "." || s == ".."
        });
        if dotted && url.scheme() != "file" {
            return Err(format!("the folder in `{text}` has a `.` or `..` part"));
        }
        let shown = text.trim().to_string();
        let bucket = || -> Result<String, String> {
            match url.host_str() {
                Some(b) if !b.is_empty() => Ok(b.to_string()),
                _ => Err(format!(
                    "`{text}` names no bucket; write it like {}://my-bucket/site",
                    url.scheme()
                )),
            }
        };
        let prefix = {
            let decoded = percent_encoding::percent_decode_str(url.path())
                .decode_utf8()
                .map_err(|_| format!("`{text}` has a path that is not UTF-8"))?;
            let p = decoded.trim_matches('/').to_string();
            if p.split('/').any(|s| s.is_empty() || s == "." || s == "..") && !p.is_empty() {
                return Err(format!(
                    "the folder in `{text}` has an empty, `.` or `..` part"
                ));
            }
            p
        };
        let mut region = None;
        let mut endpoint = None;
        for (key, value) in url.query_pairs() {
            match (url.scheme(), key.as_ref()) {
                ("s3", "region") => region = Some(value.into_owned()),
                ("s3", "endpoint") => {
                    let ok = value.starts_with("https://") || value.starts_with("http://");
                    if !ok {
                        return Err(format!("the endpoint `{value}` is not an http(s) URL; write it like https://ACCOUNT.r2.cloudflarestorage.com"));
                    }
                    endpoint = Some(value.trim_end_matches('/').to_string());
                }
                ("s3", other) => {
                    return Err(format!("unknown option `{other}` in `{text}`; an s3:// URL takes `region` and `endpoint`"))
                }
                (_, other) => {
                    return Err(format!("unknown option `{other}` in `{text}`; only s3:// URLs take options (`region`, `endpoint`)"))
                }
            }
        }
        let store = match url.scheme() {
            "s3" => Store::S3 {
                bucket: bucket()?,
                region,
                endpoint,
            },
            "gs" => Store::Gcs { bucket: bucket()? },
            "az" | "azure" => Store::Azure {
                container: bucket()?,
            },
            "file" => {
                if url.host_str().is_some_and(|h| !h.is_empty()) {
                    return Err(format!("`{text}` names a host; a folder on this machine is file:///absolute/path (three slashes)"));
                }
                let path = url
                    .to_file_path()
                    .map_err(|()| format!("`{text}` is not an absolute folder"))?;
                return Ok(TargetUrl {
                    shown,
                    store: Store::File { path },
                    prefix: String::new(),
                });
            }
            other => {
                return Err(format!(
                    "piazza cannot deploy to `{other}://`; use s3:// (also R2, MinIO, B2), gs://, az:// or file://"
                ))
            }
        };
        Ok(TargetUrl {
            shown,
            store,
            prefix,
        })
    }
}

/// One entry of `deploy.headers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRule {
    /// Which files: `**/*.html`, `images/*`, `**/*.{css,js}`.
    #[serde(deserialize_with = "glob")]
    pub pattern: Glob,
    /// Their `Cache-Control`.
    #[serde(deserialize_with = "header_value")]
    pub cache_control: String,
}

/// The headers the issue of `deploy` asks for: pages always revalidated, share cards a
/// day, fingerprinted assets a week.
fn default_headers() -> Vec<HeaderRule> {
    [
        ("**/*.html", "public, max-age=0, must-revalidate"),
        ("**/card.png", "public, max-age=86400"),
        (
            "**/*.{css,js,woff2,png,jpg,jpeg,webp,avif,svg}",
            "public, max-age=604800",
        ),
    ]
    .into_iter()
    .filter_map(|(p, c)| {
        Some(HeaderRule {
            pattern: Glob::parse(p).ok()?,
            cache_control: c.to_string(),
        })
    })
    .collect()
}

/// A string value that `check` turns into a `T`, checked inside the visitor so the
/// error carries the value's line and column.
fn checked<'de, D: Deserializer<'de>, T>(
    d: D,
    what: &'static str,
    check: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct V<T> {
        what: &'static str,
        check: fn(&str) -> Result<T, String>,
    }
    impl<T> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.what)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            (self.check)(s).map_err(E::custom)
        }
    }
    d.deserialize_str(V { what, check })
}

fn target_url<'de, D: Deserializer<'de>>(d: D) -> Result<TargetUrl, D::Error> {
    checked(d, "a URL such as s3://my-bucket/site", TargetUrl::parse)
}

fn glob<'de, D: Deserializer<'de>>(d: D) -> Result<Glob, D::Error> {
    checked(d, "a file pattern such as **/*.html", Glob::parse)
}

fn header_value<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked(d, "a header value", |s| {
        if s.trim().is_empty() || s.chars().any(|c| c.is_control() || !c.is_ascii()) {
            Err(format!(
                "`{s}` is not a header value: it must be plain ASCII text on one line"
            ))
        } else {
            Ok(s.trim().to_string())
        }
    })
}

fn extensions<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let list = Vec::<String>::deserialize(d)?;
    list.into_iter()
        .map(|e| {
            let e = e.trim().trim_start_matches('.').to_ascii_lowercase();
            if e.is_empty() || !e.chars().all(|c| c.is_ascii_alphanumeric()) {
                Err(de::Error::custom(format!(
                    "`{e}` is not a file extension; write them like [html, css, js]"
                )))
            } else {
                Ok(e)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_urls() {
        let t = TargetUrl::parse("s3://my-bucket/site/?region=eu-south-1").unwrap();
        assert_eq!(t.prefix, "site");
        assert_eq!(
            t.store,
            Store::S3 {
                bucket: "my-bucket".into(),
                region: Some("eu-south-1".into()),
                endpoint: None
            }
        );
        let t = TargetUrl::parse("s3://b?endpoint=http://127.0.0.1:9000/").unwrap();
        assert_eq!(t.prefix, "");
        assert!(
            matches!(t.store, Store::S3 { endpoint: Some(e), .. } if e == "http://127.0.0.1:9000")
        );
        let t = TargetUrl::parse("file:///srv/www").unwrap();
        assert_eq!(
            t.store,
            Store::File {
                path: "/srv/www".into()
            }
        );
        for bad in [
            "s3://key:secret@bucket",
            "s3:///nobucket",
            "s3://b?color=red",
            "ftp://host/x",
            "file://host/x",
            "s3://b/a/../c",
            "gs://b?region=x",
            "not a url",
        ] {
            assert!(TargetUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_headers_first_match_wins() {
        let s = Settings::default();
        assert_eq!(
            s.cache_control("guides/x/index.html"),
            Some("public, max-age=0, must-revalidate")
        );
        assert_eq!(
            s.cache_control("index.html"),
            Some("public, max-age=0, must-revalidate")
        );
        assert_eq!(
            s.cache_control("guides/x/card.png"),
            Some("public, max-age=86400")
        );
        assert_eq!(s.cache_control("style.css"), Some("public, max-age=604800"));
        assert_eq!(s.cache_control("feed.xml"), None);
    }
}
