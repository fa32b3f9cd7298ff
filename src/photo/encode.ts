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

async function jpegAt(
  rgb: Uint8Array,
  spec: PhotoSpec,
  quality: number,
  chroma: Encoded['chroma'],
): Promise<Uint8Array> {
  const buf = await sharp(rgb, { raw: { width: spec.width, height: spec.height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: chroma })
    .withDensity(spec.dpi)
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * The highest quality whose file fits under the upper bound (file size grows with quality), as
 * long as it stays above the lower bound. Detailed photos hit the ceiling at lower quality; flat
 * ones may stay under the floor even at the top quality, then 4:4:4 chroma is tried. `hint` (the
 * quality found for the same photo on another background) narrows the search to a few encodes.
 */
export async function encodeJpeg(rgb: Uint8Array, spec: PhotoSpec, hint?: number): Promise<Encoded> {
  const min = spec.fileSizeKB.min * 1024;
  const max = spec.fileSizeKB.max * 1024;
  const qMin = spec.jpegQuality.min;
  const qMax = spec.jpegQuality.max;
  const top = await jpegAt(rgb, spec, qMax, '4:2:0');
  if (top.byteLength <= max) {
    if (top.byteLength >= min) return { jpeg: top, quality: qMax, chroma: '4:2:0', withinBounds: true };
    const full = await jpegAt(rgb, spec, qMax, '4:4:4');
    if (full.byteLength <= max && full.byteLength >= min)
      return { jpeg: full, quality: qMax, chroma: '4:4:4', withinBounds: true };
    return { jpeg: top, quality: qMax, chroma: '4:2:0', withinBounds: false };
  }
  // Invariant: quality `lo - 1` fits (or is below the range), quality `hi + 1` does not.
  let lo = qMin;
  let hi = qMax - 1;
  let best: { jpeg: Uint8Array; q: number } | null = null;
  const tryAt = async (q: number) => {
    const j = await jpegAt(rgb, spec, q, '4:2:0');
    if (j.byteLength <= max) {
      if (!best || q > best.q) best = { jpeg: j, q };
      lo = Math.max(lo, q + 1);
    } else hi = Math.min(hi, q - 1);
  };
  if (hint !== undefined && hint >= qMin && hint < qMax) {
    await tryAt(hint);
    if (lo <= hi) await tryAt(lo > hint ? Math.min(hi, hint + 2) : Math.max(lo, hint - 2));
  }
  while (lo <= hi) await tryAt((lo + hi) >> 1);
  const found = best as { jpeg: Uint8Array; q: number } | null;
  if (found) return { jpeg: found.jpeg, quality: found.q, chroma: '4:2:0', withinBounds: found.jpeg.byteLength >= min };
  const floor = await jpegAt(rgb, spec, qMin, '4:2:0');
  return { jpeg: floor, quality: qMin, chroma: '4:2:0', withinBounds: false };
}

export async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const buf = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 2 })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
