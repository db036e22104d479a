//! Image sizes read from file headers (PNG, JPEG, GIF, WebP) by `imagesize`, the
//! header reader resvg already brings, without decoding pixels.
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

/// Reads the size of an image from its first bytes: the formats share previews take.
pub fn info_from_bytes(b: &[u8]) -> Option<ImageInfo> {
    use imagesize::ImageType;
    let mime = match imagesize::image_type(b).ok()? {
        ImageType::Png => "image/png",
        ImageType::Jpeg => "image/jpeg",
        ImageType::Gif => "image/gif",
        ImageType::Webp => "image/webp",
        _ => return None,
    };
    let size = imagesize::blob_size(b).ok()?;
    Some(ImageInfo {
        width: u32::try_from(size.width).ok()?,
        height: u32::try_from(size.height).ok()?,
        mime,
    })
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
        // A logical screen descriptor: size, then flags, background and aspect.
        let gif = b"GIF89a\xb0\x04\x76\x02\xf7\x00\x00";
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

    #[test]
    fn truncated_or_unknown_headers_have_no_size() {
        for b in [
            &b"\x89PNG\r\n\x1a\n"[..],
            b"GIF89a",
            b"RIFF\0\0\0\0WEBPVP8 ",
            &[0xFF, 0xD8, 0xFF],
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"",
        ] {
            assert_eq!(info_from_bytes(b), None, "{b:?}");
        }
    }
}
