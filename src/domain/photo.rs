//! A consumer's photo of a suspected fake, made safe to keep and show: the
//! upload is decoded (JPEG or PNG only) under limits, so a decompression bomb
//! — a small file that claims a huge picture — is refused before its pixels
//! are allocated; it is turned upright, shrunk to fit `MAX_SIDE` and encoded
//! again as a JPEG. Nothing of the upload but its pixels survives: no EXIF
//! (GPS position, phone model, time), no comments, no trailing bytes.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The largest upload read, in bytes: a phone's 12-megapixel JPEG is 3–6 MB.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The widest or tallest picture decoded, in pixels.
pub const MAX_DECODED_SIDE: u32 = 8192;
/// The memory a decoder may take: a 40-megapixel RGB picture and some room.
pub const MAX_DECODE_ALLOC: u64 = 128 * 1024 * 1024;
/// The longer side of the kept picture, in pixels: enough to read a label or
/// a shop sign, about 100–300 KB as JPEG.
pub const MAX_SIDE: u32 = 1280;
/// JPEG quality of the kept picture.
const QUALITY: u8 = 80;

/// Why an upload is not a photo we keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoError {
    /// More than `MAX_UPLOAD_BYTES`.
    TooLarge,
    /// Not a JPEG or PNG, or a broken one.
    NotAnImage,
    /// Its picture is larger than the limits allow.
    TooManyPixels,
}

/// The limits the decoder runs under.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// The upload as the JPEG we keep.
pub fn clean(upload: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if upload.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(PhotoError::NotAnImage);
    }
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) * 4 > MAX_DECODE_ALLOC {
        return Err(PhotoError::TooManyPixels);
    }
    let orientation = decoder.orientation().map_err(refusal)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    picture.apply_orientation(orientation);
    if picture.width() > MAX_SIDE || picture.height() > MAX_SIDE {
        picture = picture.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let rgb = DynamicImage::ImageRgb8(picture.into_rgb8());
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|_| PhotoError::NotAnImage)?;
    Ok(out)
}

fn refusal(err: image::ImageError) -> PhotoError {
    match err {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::NotAnImage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                RgbImage::new(width, height).as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    /// PNG's chunk checksum, so the forged header is otherwise valid.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_large_picture_is_shrunk_to_a_jpeg() {
        let kept = clean(&png(2000, 1000)).unwrap();
        assert_eq!(&kept[..2], &[0xFF, 0xD8], "a JPEG");
        let back = image::load_from_memory(&kept).unwrap();
        assert_eq!((back.width(), back.height()), (MAX_SIDE, MAX_SIDE / 2));
    }

    #[test]
    fn text_and_truncated_pictures_are_not_images() {
        assert_eq!(clean(b"hello, not a picture"), Err(PhotoError::NotAnImage));
        let whole = png(10, 10);
        assert_eq!(
            clean(&whole[..whole.len() / 2]),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(
            clean(&vec![0u8; MAX_UPLOAD_BYTES + 1]),
            Err(PhotoError::TooLarge)
        );
    }

    #[test]
    fn a_picture_past_the_limits_is_refused_before_decoding() {
        // A PNG header claiming 20000 × 20000 pixels, with almost no data.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(clean(&bomb), Err(PhotoError::TooManyPixels));
    }
}
