/**
 * Resizing photos on the device before they are posted: the long side at most 2048 px for the
 * image and 320 px for the thumbnail, re-encoded as JPEG (which also drops camera metadata such
 * as location, since only pixels are drawn).
 */
import type { NewPhoto } from '../core/peer/peer.ts';

/** Long side of a posted image. */
export const IMAGE_SIDE = 2048;
/** Long side of a thumbnail. */
export const THUMB_SIDE = 320;

/** A file that is not an image this browser can decode. */
export class PhotoError extends Error {
  override readonly name = 'PhotoError';
}

/** Decodes, resizes and re-encodes one picked file. */
export async function preparePhoto(file: Blob): Promise<NewPhoto> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // The browser's decoder refused it: not an image, or a format it cannot read.
    throw new PhotoError('This file is not a picture this browser can open.');
  }
  try {
    const image = await encode(bitmap, IMAGE_SIDE, 0.85);
    const thumb = await encode(bitmap, THUMB_SIDE, 0.75);
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

async function encode(
  bitmap: ImageBitmap,
  side: number,
  quality: number,
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new PhotoError('This browser cannot resize pictures.');
  context.drawImage(bitmap, 0, 0, width, height);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
  return { bytes: new Uint8Array(await blob.arrayBuffer()), width, height };
}
