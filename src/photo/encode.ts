// JPEG within the spec's file-size bounds by choosing the quality (and, to grow a too-small file,
// 4:4:4 chroma), never by padding. The dpi is written into the file.
import sharp from 'sharp';
import type { PhotoSpec } from './types.js';

export interface Encoded {
  jpeg: Uint8Array;
  quality: number;
  chroma: '4:2:0' | '4:4:4';
  /** Whether the size landed inside the spec's bounds. */
  withinBounds: boolean;
}

async function jpegAt(rgb: Uint8Array, spec: PhotoSpec, quality: number, chroma: Encoded['chroma']): Promise<Uint8Array> {
  const buf = await sharp(rgb, { raw: { width: spec.width, height: spec.height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: chroma })
    .withDensity(spec.dpi)
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * The highest quality whose file fits under the upper bound (binary search; file size grows with
 * quality), as long as it stays above the lower bound. Detailed photos hit the ceiling at lower
 * quality; flat ones may stay under the floor even at the top quality, then 4:4:4 chroma is tried.
 */
export async function encodeJpeg(rgb: Uint8Array, spec: PhotoSpec): Promise<Encoded> {
  const min = spec.fileSizeKB.min * 1024;
  const max = spec.fileSizeKB.max * 1024;
  let lo = spec.jpegQuality.min;
  let hi = spec.jpegQuality.max;
  const top = await jpegAt(rgb, spec, hi, '4:2:0');
  if (top.byteLength <= max) {
    if (top.byteLength >= min) return { jpeg: top, quality: hi, chroma: '4:2:0', withinBounds: true };
    const full = await jpegAt(rgb, spec, hi, '4:4:4');
    if (full.byteLength <= max && full.byteLength >= min)
      return { jpeg: full, quality: hi, chroma: '4:4:4', withinBounds: true };
    return { jpeg: top, quality: hi, chroma: '4:2:0', withinBounds: false };
  }
  let best: Uint8Array | null = null;
  let bestQ = lo;
  hi -= 1;
  while (lo <= hi) {
    const q = (lo + hi) >> 1;
    const j = await jpegAt(rgb, spec, q, '4:2:0');
    if (j.byteLength <= max) {
      best = j;
      bestQ = q;
      lo = q + 1;
    } else hi = q - 1;
  }
  if (best) return { jpeg: best, quality: bestQ, chroma: '4:2:0', withinBounds: best.byteLength >= min };
  const floor = await jpegAt(rgb, spec, spec.jpegQuality.min, '4:2:0');
  return { jpeg: floor, quality: spec.jpegQuality.min, chroma: '4:2:0', withinBounds: false };
}

export async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const buf = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 4 })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
