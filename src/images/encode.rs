//! Decoding, orienting, resizing and encoding one image.
//!
//! `image` decodes (zune-jpeg for JPEG) and reads the EXIF orientation, which is
//! applied to the pixels; `fast_image_resize` scales with Lanczos3 (SIMD, several
//! times faster than `image`'s own resize); libwebp (the `webp` crate) encodes lossy
//! WebP. Only pixels are encoded, so no EXIF (GPS position, camera serial) or other
//! metadata of the source reaches a variant.

use std::io::Cursor;

use fast_image_resize::{images::Image, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::files::Source;

/// The largest image decoded, in pixels (a 100-megapixel photo; more is a mistake or
/// an attack, and would need gigabytes).
const MAX_PIXELS: u64 = 100_000_000;

fn decoder(bytes: &[u8]) -> Result<Box<dyn ImageDecoder + '_>, String> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("it is not a JPEG, PNG or WebP image".into());
    }
    let decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w == 0 || h == 0 {
        return Err(format!("{w}x{h} pixels is too large to process"));
    }
    Ok(Box::new(decoder))
}

fn swaps(o: image::metadata::Orientation) -> bool {
    use image::metadata::Orientation::*;
    matches!(o, Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH)
}

/// The size of an image as shown, its EXIF orientation applied, from its header.
///
/// The pixels are not decoded here: that is the encoder's work, done once per variant
/// and skipped when the cache has it, so a warm build reads only headers. A file whose
/// header is fine and whose pixels are not fails the build when its variants are made.
pub(super) fn oriented_size(source: &Source) -> Result<(u32, u32), String> {
    let bytes;
    let data: &[u8] = match source {
        Source::File(p) => {
            bytes = std::fs::read(p).map_err(|e| e.to_string())?;
            &bytes
        }
        Source::Bytes(b) => b,
    };
    let mut d = decoder(data)?;
    let (w, h) = d.dimensions();
    let o = d
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    Ok(if swaps(o) { (h, w) } else { (w, h) })
}

/// `source` decoded, oriented, scaled to `width`x`height` and encoded as lossy WebP
/// at `quality` (1-100).
pub(super) fn webp(source: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>, String> {
    let mut d = decoder(source)?;
    let orientation = d
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(d).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    let alpha = img.color().has_alpha();
    let (src, pixel) = if alpha {
        (DynamicImage::ImageRgba8(img.into_rgba8()), PixelType::U8x4)
    } else {
        (DynamicImage::ImageRgb8(img.into_rgb8()), PixelType::U8x3)
    };
    let mut dst = Image::new(width, height, pixel);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    let encoder = if alpha {
        webp::Encoder::from_rgba(dst.buffer(), width, height)
    } else {
        webp::Encoder::from_rgb(dst.buffer(), width, height)
    };
    let encoded = encoder
        .encode_simple(false, f32::from(quality))
        .map_err(|e| format!("WebP encoding failed: {e:?}"))?;
    Ok(encoded.to_vec())
}
