//! The theme: its layers of files, most specific first (the site's `templates/`, the
//! site's `themes/NAME/`, the default theme embedded in the binary), each listed once
//! when the site loads, and its `theme.yaml`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::error::{yaml_error, Error, Errors};
use crate::files::{self, Names};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));
}

/// Where one layer of theme files lives.
#[derive(Debug, Clone)]
enum Layer {
    /// A folder on disk, how errors should name it, and its files (found once, when
    /// the theme is loaded), keyed by their path inside it.
    Dir {
        shown: PathBuf,
        files: BTreeMap<String, PathBuf>,
    },
    /// The default theme inside the binary.
    Embedded,
}

/// A file of the theme: its bytes and the path errors show for it.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    /// Contents.
    pub bytes: Cow<'static, [u8]>,
    /// Where it came from, as the user would find it.
    pub shown: PathBuf,
    /// The file on disk, when it is not embedded.
    pub source: Option<PathBuf>,
}

/// The theme: its layers, most specific first.
#[derive(Debug, Clone)]
pub struct Theme {
    layers: Vec<Layer>,
    /// The theme's name.
    pub name: String,
    /// Settings from `theme.yaml`.
    pub meta: ThemeMeta,
    /// Files of the theme left out (links that lead out of it).
    pub warnings: Vec<Error>,
}

/// `theme.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeMeta {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// One line on what the theme is.
    #[serde(default)]
    pub description: Option<String>,
    /// Licence of the theme.
    #[serde(default)]
    pub license: Option<String>,
    /// Colours the theme suggests, available to templates as `theme.colors`.
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
}

impl Theme {
    /// Finds the theme named in the config. A theme folder must lie inside the site
    /// (a link to a theme elsewhere is an error: the build would publish files from
    /// outside the site), and each file inside the theme's folder.
    pub fn load(config: &Config) -> Result<Theme, Error> {
        let site_theme = config.root.join("themes").join(&config.theme);
        let shown = Path::new("themes").join(&config.theme);
        let mut layers = Vec::new();
        let mut warnings = Vec::new();
        if site_theme.is_dir() {
            let site_real = files::real(&config.root);
            let theme_real = files::real(&site_theme);
            if !theme_real.starts_with(&site_real) || theme_real == site_real {
                return Err(Error::in_file(
                    &shown,
                    format!(
                        "the theme folder leads to {}, outside the site",
                        theme_real.display()
                    ),
                )
                .hint(format!(
                    "copy the theme into {} (or add it as a git submodule) instead of linking to it",
                    shown.display()
                )));
            }
            layers.push(Layer::Dir {
                files: theme_files(&config.root, &site_theme, &theme_real, &mut warnings),
                shown,
            });
        } else if config.theme != "default" {
            return Err(Error::in_file(
                crate::config::CONFIG_FILE,
                format!("there is no theme `{}` in themes/", config.theme),
            )
            .hint("put the theme in themes/NAME/ or use `theme: default`"));
        }
        layers.push(Layer::Embedded);
        let mut theme = Theme {
            layers,
            name: config.theme.clone(),
            meta: ThemeMeta::default(),
            warnings,
        };
        if let Some(f) = theme.file("theme.yaml") {
            let text = String::from_utf8_lossy(&f.bytes);
            if !text.trim().is_empty() {
                theme.meta =
                    serde_yaml::from_str(&text).map_err(|e| yaml_error(&f.shown, &text, &e, 0))?;
            }
        }
        Ok(theme)
    }

    /// The most specific file at `rel` inside the theme.
    pub fn file(&self, rel: &str) -> Option<ThemeFile> {
        self.layers.iter().find_map(|layer| match layer {
            Layer::Dir { shown, files } => {
                let path = files.get(rel)?;
                std::fs::read(path).ok().map(|bytes| ThemeFile {
                    bytes: Cow::Owned(bytes),
                    shown: shown.join(rel),
                    source: Some(path.clone()),
                })
            }
            Layer::Embedded => embedded::FILES
                .iter()
                .find(|(p, _)| *p == rel)
                .map(|(p, b)| ThemeFile {
                    bytes: Cow::Borrowed(*b),
                    shown: Path::new("themes/default (built in)").join(p),
                    source: None,
                }),
        })
    }

    /// Every file under `dir` (e.g. `templates`), the most specific layer winning,
    /// keyed by the path inside `dir`.
    pub fn files_under(&self, dir: &str) -> BTreeMap<String, ThemeFile> {
        let mut out = BTreeMap::new();
        for layer in self.layers.iter().rev() {
            match layer {
                Layer::Embedded => {
                    let prefix = format!("{dir}/");
                    for (p, b) in embedded::FILES {
                        if let Some(rel) = p.strip_prefix(&prefix) {
                            out.insert(
                                rel.to_string(),
                                ThemeFile {
                                    bytes: Cow::Borrowed(*b),
                                    shown: Path::new("themes/default (built in)").join(p),
                                    source: None,
                                },
                            );
                        }
                    }
                }
                Layer::Dir { shown, files } => {
                    let prefix = format!("{dir}/");
                    for (p, path) in files {
                        let Some(rel) = p.strip_prefix(&prefix) else {
                            continue;
                        };
                        if let Ok(bytes) = std::fs::read(path) {
                            out.insert(
                                rel.to_string(),
                                ThemeFile {
                                    bytes: Cow::Owned(bytes),
                                    shown: shown.join(p),
                                    source: Some(path.clone()),
                                },
                            );
                        }
                    }
                }
            }
        }
        out
    }
}

/// The files of the theme folder `dir` (real path `real`) that a theme has:
/// `theme.yaml`, `i18n/`, `templates/` and `static/` (dotfiles included, as for the
/// site's static/), keyed by their path inside it.
fn theme_files(
    site_root: &Path,
    dir: &Path,
    real: &Path,
    warnings: &mut Vec<Error>,
) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let meta = dir.join("theme.yaml");
    if meta.is_file() && files::file_inside(site_root, real, &meta, warnings) {
        out.insert("theme.yaml".to_string(), meta);
    }
    // Unreadable theme files were always skipped: a theme falls back to the default.
    let mut unreadable = Errors::default();
    for (sub, names) in [
        ("i18n", Names::NoHidden),
        ("templates", Names::NoHidden),
        ("static", Names::Dotfiles),
    ] {
        let sub_dir = dir.join(sub);
        for w in files::walk_within(site_root, real, &sub_dir, names, warnings, &mut unreadable) {
            out.insert(format!("{sub}/{}", w.rel), sub_dir.join(&w.rel));
        }
    }
    out
}
