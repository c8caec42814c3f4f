/**
 * Resizing photos on the device before they are posted: the long side at most 2048 px for the
 * image and 320 px for the thumbnail, re-encoded as JPEG (which also drops camera metadata such
 * as location, since only pixels are drawn).
 */
import type { NewPhoto } from '../core/peer/peer.ts';
import { AVATAR_SIDE, COVER_WIDTH } from '../core/docs/content-limits.ts';

/** Long side of a posted image. */
export const IMAGE_SIDE = 2048;
/** Long side of a thumbnail. */
export const THUMB_SIDE = 320;

/** Side of a profile photo's thumbnail (post cards, lists). */
export const AVATAR_THUMB_SIDE = 128;
/** Width of a cover's thumbnail. */
export const COVER_THUMB_WIDTH = 480;
/** Tallest cover, as a multiple of its width: a portrait picture is cropped to a wide band. */
const COVER_MAX_HEIGHT_RATIO = 0.5;

/** A file that is not an image this browser can decode. */
export class PhotoError extends Error {
  override readonly name = 'PhotoError';
}

/** Decodes, resizes and re-encodes one picked file. */
export function preparePhoto(file: Blob): Promise<NewPhoto> {
  return encodeTwoSizes(file, IMAGE_SIDE, THUMB_SIDE, () => undefined);
}

/**
 * Prepares a profile photo: the picture's centre, cropped to a square, at most
 * {@link AVATAR_SIDE} px, with a {@link AVATAR_THUMB_SIDE} px thumbnail.
 */
export function prepareAvatar(file: Blob): Promise<NewPhoto> {
  return prepareCropped(file, 1, AVATAR_SIDE, AVATAR_THUMB_SIDE);
}

/**
 * Prepares a cover: at most {@link COVER_WIDTH} px wide and half as tall (a taller picture is
 * cropped around its centre), with a {@link COVER_THUMB_WIDTH} px wide thumbnail.
 */
export function prepareCover(file: Blob): Promise<NewPhoto> {
  return prepareCropped(file, COVER_MAX_HEIGHT_RATIO, COVER_WIDTH, COVER_THUMB_WIDTH);
}

/** Decodes `file`, crops its centre to at most `ratio` (height / width) and encodes two sizes. */
function prepareCropped(
  file: Blob,
  ratio: number,
  width: number,
  thumbWidth: number,
): Promise<NewPhoto> {
  return encodeTwoSizes(file, width, thumbWidth, (bitmap) => {
    const cropHeight = Math.min(bitmap.height, Math.round(bitmap.width * ratio));
    const cropWidth = ratio === 1 ? Math.min(bitmap.width, bitmap.height) : bitmap.width;
    return {
      x: Math.round((bitmap.width - cropWidth) / 2),
      y: Math.round((bitmap.height - cropHeight) / 2),
      width: cropWidth,
      height: cropHeight,
    };
  });
}

/**
 * Decodes `file` (a `PhotoError` when the browser cannot), keeps the part `crop` chooses (all of
 * it when undefined) and encodes it as a JPEG image of at most `side` px and a thumbnail of at
 * most `thumbSide` px.
 */
async function encodeTwoSizes(
  file: Blob,
  side: number,
  thumbSide: number,
  crop: (bitmap: ImageBitmap) => Crop | undefined,
): Promise<NewPhoto> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // The browser's decoder refused it: not an image, or a format it cannot read.
    throw new PhotoError('This file is not a picture this browser can open.');
  }
  try {
    const kept = crop(bitmap);
    const image = await encode(bitmap, side, 0.85, kept);
    const thumb = await encode(bitmap, thumbSide, 0.75, kept);
    return {
      image: image.bytes,
      thumb: thumb.bytes,
      width: image.width,
      height: image.height,
      mime: 'image/jpeg',
    };
  } finally {
    bitmap.close();
  }
}

/** The part of a picture that is kept. */
interface Crop {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

async function encode(
  bitmap: ImageBitmap,
  side: number,
  quality: number,
  crop: Crop = { x: 0, y: 0, width: bitmap.width, height: bitmap.height },
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const scale = Math.min(1, side / Math.max(crop.width, crop.height));
  const width = Math.max(1, Math.round(crop.width * scale));
  const height = Math.max(1, Math.round(crop.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new PhotoError('This browser cannot resize pictures.');
  // JPEG has no transparency: what was transparent (a logo's corners, a sticker) would turn
  // black. White, as on paper.
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, width, height);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  return { bytes: new Uint8Array(await blob.arrayBuffer()), width, height };
}
