//! Drawing: a card's SVG rasterised by resvg with the bundled fonts only, encoded as a
//! palette PNG that carries the keys of what it shows, so a rebuild can reuse it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use resvg::{tiny_skia, usvg};

use super::text::fonts;
use super::{Logo, LogoKind, COMPRESSION, FONT_FAMILY, HEIGHT, LOGO_HREF, WIDTH};

/// A card's bytes: the previous output's file, or new bytes.
#[derive(Debug)]
pub enum CardFile {
    /// The card already in the output being replaced is this very card.
    Reuse(PathBuf),
    /// A PNG just drawn (or the previous one with a new input key).
    Drawn(Vec<u8>),
}

/// The `tEXt` keyword that carries a card's keys inside its PNG.
pub(super) const KEY_CHUNK: &str = "piazza-card";

/// The two keys a card PNG carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    /// [`Site::card_key`]: what the card shows.
    pub svg: u64,
    /// [`Site::card_input_key`]: what it was made from.
    pub input: u64,
}

impl Keys {
    pub(super) fn text(self) -> String {
        format!("{:016x} {:016x}", self.svg, self.input)
    }
}

/// The keys stored in a card PNG by [`draw`], read from the chunks before the pixels.
pub fn read_keys(path: &Path) -> Option<Keys> {
    use std::io::Read as _;
    // Signature, IHDR, a palette of up to 256 colours, then the keys.
    let mut head = [0u8; 1024];
    let mut file = std::fs::File::open(path).ok()?;
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    keys_in(&head[..n]).map(|(k, _)| k)
}

/// The keys in a PNG and the byte range of their chunk.
pub(super) fn keys_in(png: &[u8]) -> Option<(Keys, std::ops::Range<usize>)> {
    let mut at = 8;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().ok()?) as usize;
        let kind = &png[at + 4..at + 8];
        let body = png.get(at + 8..at + 8 + len)?;
        if kind == b"IDAT" {
            return None;
        }
        if kind == b"tEXt" {
            let text = std::str::from_utf8(body).ok()?;
            if let Some(hex) = text
                .strip_prefix(KEY_CHUNK)
                .and_then(|t| t.strip_prefix('\0'))
            {
                let (svg, input) = hex.split_once(' ')?;
                let keys = Keys {
                    svg: u64::from_str_radix(svg, 16).ok()?,
                    input: u64::from_str_radix(input, 16).ok()?,
                };
                return Some((keys, at..at + 12 + len));
            }
        }
        at += 12 + len;
    }
    None
}

/// The PNG with its keys' chunk replaced (same length, new CRC).
pub(super) fn rekey(png: &[u8], svg: u64, input: u64) -> Option<Vec<u8>> {
    let (_, range) = keys_in(png)?;
    let text = format!("{KEY_CHUNK}\0{}", Keys { svg, input }.text());
    if range.len() != text.len() + 12 {
        return None;
    }
    let mut out = png.to_vec();
    out[range.start + 8..range.end - 4].copy_from_slice(text.as_bytes());
    let crc = crc32fast::hash(&out[range.start + 4..range.end - 4]);
    out[range.end - 4..range.end].copy_from_slice(&crc.to_be_bytes());
    Some(out)
}

/// Rasterises a card's SVG with the bundled fonts and encodes it as PNG.
pub(super) fn draw(svg: &str, logo: Option<&Logo>, keys: Keys) -> Result<Vec<u8>, String> {
    let f = fonts();
    let logo = logo.map(|l| (l.kind, l.bytes.clone()));
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: f.db.clone(),
        languages: vec!["it".into(), "en".into()],
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            // Only the logo: a template cannot read files from the disk.
            resolve_string: Box::new(move |href: &str, opts: &usvg::Options| {
                let (kind, bytes) = logo.as_ref().filter(|_| href == LOGO_HREF)?;
                Some(match kind {
                    LogoKind::Png => usvg::ImageKind::PNG(bytes.clone()),
                    LogoKind::Jpeg => usvg::ImageKind::JPEG(bytes.clone()),
                    LogoKind::Gif => usvg::ImageKind::GIF(bytes.clone()),
                    LogoKind::Webp => usvg::ImageKind::WEBP(bytes.clone()),
                    LogoKind::Svg => usvg::ImageKind::SVG(usvg::Tree::from_data(bytes, opts).ok()?),
                })
            }),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let mut pixmap =
        tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or_else(|| "cannot allocate".to_string())?;
    let size = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        WIDTH as f32 / size.width(),
        HEIGHT as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    encode(&pixmap, keys).map_err(|e| e.to_string())
}

/// PNG of the pixmap. Cards are flat colours with anti-aliased text: a few dozen
/// distinct colours, so a palette (one byte a pixel) is exact, and several times
/// smaller and faster to compress than RGB. A card with more than 256 colours (a
/// photographic logo) is stored as RGB, or RGBA when not opaque.
pub(super) fn encode(
    pixmap: &tiny_skia::Pixmap,
    keys: Keys,
) -> Result<Vec<u8>, png::EncodingError> {
    let rgba = pixmap.data();
    let palette = to_palette(rgba);
    let opaque = palette.is_some() || rgba.chunks_exact(4).all(|p| p[3] == 255);
    let (color, data, plte) = match palette {
        Some((plte, indices)) => (png::ColorType::Indexed, indices, Some(plte)),
        None if opaque => {
            // Premultiplied and straight colour are the same when opaque.
            let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
            for p in rgba.chunks_exact(4) {
                rgb.extend_from_slice(&p[..3]);
            }
            (png::ColorType::Rgb, rgb, None)
        }
        None => {
            let mut straight = Vec::with_capacity(rgba.len());
            for p in pixmap.pixels() {
                let c = p.demultiply();
                straight.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
            }
            (png::ColorType::Rgba, straight, None)
        }
    };
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        if let Some(plte) = plte {
            encoder.set_palette(plte);
        }
        encoder.set_compression(COMPRESSION);
        encoder.add_text_chunk(KEY_CHUNK.into(), keys.text())?;
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&data)?;
    }
    Ok(out)
}

/// The palette (RGB triples) and one index a pixel, or `None` past 256 colours or
/// when a pixel is not opaque.
pub(super) fn to_palette(rgba: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut map: HashMap<u32, u8> = HashMap::new();
    let mut plte = Vec::new();
    let mut indices = Vec::with_capacity(rgba.len() / 4);
    // Neighbouring pixels are mostly the same colour: look up only on a change.
    let mut last = u32::MAX;
    let mut index = 0u8;
    for p in rgba.chunks_exact(4) {
        let key = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
        if key != last {
            if p[3] != 255 {
                return None;
            }
            index = match map.get(&key) {
                Some(&i) => i,
                None => {
                    let i = u8::try_from(map.len()).ok()?;
                    map.insert(key, i);
                    plte.extend_from_slice(&p[..3]);
                    i
                }
            };
            last = key;
        }
        indices.push(index);
    }
    Some((plte, indices))
}
