//! Image sizes read from file headers (PNG, JPEG, GIF, WebP), without decoding pixels.
//!
//! Share cards need `og:image:width` and `og:image:height` so Facebook and WhatsApp can
//! draw the preview on the first share; reading a few header bytes is enough.

use std::io::Read;
use std::path::Path;

/// The size and type of an image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImageInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// MIME type.
    pub mime: &'static str,
}

/// Reads the size of the image at `path`; `Ok(None)` when the format is not recognised.
pub fn read_info(path: &Path) -> std::io::Result<Option<ImageInfo>> {
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::with_capacity(64 * 1024);
    // A JPEG's size can sit after large EXIF or ICC segments; 256 KiB covers real files.
    file.by_ref().take(256 * 1024).read_to_end(&mut head)?;
    Ok(info_from_bytes(&head))
}

/// Reads the size of an image from its first bytes.
pub fn info_from_bytes(b: &[u8]) -> Option<ImageInfo> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() >= 24 && &b[12..16] == b"IHDR" {
        return Some(ImageInfo {
            width: be32(&b[16..20]),
            height: be32(&b[20..24]),
            mime: "image/png",
        });
    }
    if (b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) && b.len() >= 10 {
        return Some(ImageInfo {
            width: u16::from_le_bytes([b[6], b[7]]) as u32,
            height: u16::from_le_bytes([b[8], b[9]]) as u32,
            mime: "image/gif",
        });
    }
    if b.len() >= 30 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        return webp(b);
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        return jpeg(b);
    }
    None
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn webp(b: &[u8]) -> Option<ImageInfo> {
    let (width, height) = match &b[12..16] {
        b"VP8 " => {
            // Lossy: a key frame header, then 14-bit width and height.
            if b[23..26] != [0x9d, 0x01, 0x2a] {
                return None;
            }
            (
                (u16::from_le_bytes([b[26], b[27]]) & 0x3fff) as u32,
                (u16::from_le_bytes([b[28], b[29]]) & 0x3fff) as u32,
            )
        }
        b"VP8L" => {
            // Lossless: signature 0x2f, then 14 bits each of width-1 and height-1.
            if b[20] != 0x2f {
                return None;
            }
            let bits = u32::from_le_bytes([b[21], b[22], b[23], b[24]]);
            ((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
        }
        b"VP8X" => {
            // Extended: 24-bit canvas width-1 and height-1.
            let w = u32::from_le_bytes([b[24], b[25], b[26], 0]) + 1;
            let h = u32::from_le_bytes([b[27], b[28], b[29], 0]) + 1;
            (w, h)
        }
        _ => return None,
    };
    Some(ImageInfo {
        width,
        height,
        mime: "image/webp",
    })
}

fn jpeg(b: &[u8]) -> Option<ImageInfo> {
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            if i + 9 > b.len() {
                return None;
            }
            return Some(ImageInfo {
                height: u16::from_be_bytes([b[i + 5], b[i + 6]]) as u32,
                width: u16::from_be_bytes([b[i + 7], b[i + 8]]) as u32,
                mime: "image/jpeg",
            });
        }
        i += 2 + len;
    }
    None
}

/// The MIME type a file name suggests, for images whose header could not be read.
pub fn mime_from_name(name: &str) -> Option<&'static str> {
    let ext = name.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "avif" => "image/avif",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_and_gif_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(1200u32.to_be_bytes());
        png.extend(630u32.to_be_bytes());
        assert_eq!(
            info_from_bytes(&png),
            Some(ImageInfo {
                width: 1200,
                height: 630,
                mime: "image/png"
            })
        );
        let gif = b"GIF89a\xb0\x04\x76\x02";
        assert_eq!(
            info_from_bytes(gif).map(|i| (i.width, i.height)),
            Some((1200, 630))
        );
    }

    #[test]
    fn jpeg_skips_segments() {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        j.extend([0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x76, 0x04, 0xB0]);
        assert_eq!(
            info_from_bytes(&j).map(|i| (i.width, i.height)),
            Some((1200, 630))
        );
    }

    #[test]
    fn webp_variants() {
        let mut lossy = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
        lossy.extend([0, 0, 0, 0x9d, 0x01, 0x2a]);
        lossy.extend(1200u16.to_le_bytes());
        lossy.extend(630u16.to_le_bytes());
        assert_eq!(
            info_from_bytes(&lossy).map(|i| (i.width, i.height)),
            Some((1200, 630))
        );
        let mut x = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0".to_vec();
        x.extend([0xAF, 0x04, 0x00, 0x75, 0x02, 0x00]);
        assert_eq!(
            info_from_bytes(&x).map(|i| (i.width, i.height)),
            Some((1200, 630))
        );
        let mut l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        let bits: u32 = 1199 | (629 << 14);
        l.extend(bits.to_le_bytes());
        l.extend([0; 8]);
        assert_eq!(
            info_from_bytes(&l).map(|i| (i.width, i.height)),
            Some((1200, 630))
        );
    }
}
