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

/** Where the search starts without a hint: blue-background ID photos land near it. */
const TYPICAL_QUALITY = 88;

/**
 * The highest quality whose file fits under the upper bound (file size grows with quality), as
 * long as it stays above the lower bound. Detailed photos hit the ceiling at lower quality; flat
 * ones may stay under the floor even at the top quality, then 4:4:4 chroma is tried. `hint` (the
 * quality found for the same photo on another background) narrows the search to a few encodes.
 */
export async function encodeJpeg(rgb: Uint8Array, spec: PhotoSpec, hint = TYPICAL_QUALITY): Promise<Encoded> {
  const min = spec.fileSizeKB.min * 1024;
  const max = spec.fileSizeKB.max * 1024;
  const qMin = spec.jpegQuality.min;
  const qMax = spec.jpegQuality.max;
  const sizes = new Map<number, Uint8Array>();
  const at = async (q: number) => {
    let j = sizes.get(q);
    if (!j) {
      j = await jpegAt(rgb, spec, q, '4:2:0');
      sizes.set(q, j);
    }
    return j;
  };
  const fits = async (q: number) => (await at(q)).byteLength <= max;
  const done = (q: number): Encoded => {
    const jpeg = sizes.get(q)!;
    return { jpeg, quality: q, chroma: '4:2:0', withinBounds: jpeg.byteLength >= min && jpeg.byteLength <= max };
  };
  // Usually two encodes: the hint fits and one step up does not.
  const h = Math.min(qMax, Math.max(qMin, Math.round(hint)));
  let lo: number;
  let hi: number;
  if (await fits(h)) {
    if (h === qMax || !(await fits(h + 1))) return finish(h);
    lo = h + 2;
    hi = qMax;
  } else {
    lo = qMin;
    hi = h - 1;
  }
  // Invariant: quality lo - 1 fits (or lies below the range), quality hi + 1 does not.
  while (lo <= hi) {
    const q = (lo + hi) >> 1;
    if (await fits(q)) lo = q + 1;
    else hi = q - 1;
  }
  return finish(Math.max(qMin, hi));

  async function finish(q: number): Promise<Encoded> {
    const result = done(q);
    if (result.withinBounds || result.jpeg.byteLength > max || q < qMax) return result;
    // A flat photo under the floor even at the top quality: full-resolution chroma grows it.
    const full = await jpegAt(rgb, spec, qMax, '4:4:4');
    if (full.byteLength >= min && full.byteLength <= max)
      return { jpeg: full, quality: qMax, chroma: '4:4:4', withinBounds: true };
    return result;
  }
}

export async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const buf = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
