// Measures how flat the new background came out, on the encoded JPEG, away from the hair edge.
import sharp from 'sharp';
import { deltaE2000, rgbToLab } from './color.js';

/** Max filter over a square window, separable: grows the foreground mask by `r` px. */
function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const tmp = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    let last = -Infinity;
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x]) last = x;
      if (x - last <= r) tmp[y * width + x] = 1;
    }
    last = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (mask[y * width + x]) last = x;
      if (last - x <= r) tmp[y * width + x] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < height; y++) {
      if (tmp[y * width + x]) last = y;
      if (y - last <= r) out[y * width + x] = 1;
    }
    last = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (tmp[y * width + x]) last = y;
      if (last - y <= r) out[y * width + x] = 1;
    }
  }
  return out;
}

/** Pixels more than `band` px from any (even faintly) opaque pixel of the matte: 1, else 0. */
export function farFromPerson(alpha: Uint8Array, width: number, height: number, band: number): Uint8Array {
  const fgMask = new Uint8Array(alpha.length);
  for (let i = 0; i < alpha.length; i++) fgMask[i] = alpha[i]! > 0 ? 1 : 0;
  const near = dilate(fgMask, width, height, band);
  for (let i = 0; i < near.length; i++) near[i] = near[i] ? 0 : 1;
  return near;
}

/**
 * 99th-percentile CIEDE2000 between the chosen colour and the JPEG's pixels marked in `far`
 * (see farFromPerson), sampled on a 2 px grid.
 */
export async function backgroundDeltaE(
  jpeg: Uint8Array,
  far: Uint8Array,
  width: number,
  height: number,
  bg: readonly [number, number, number],
): Promise<number> {
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const ref = rgbToLab(bg[0], bg[1], bg[2]);
  // Typed, so the percentile sort is numeric without a comparator (up to 77k values per colour).
  const values = new Float64Array(Math.ceil(height / 2) * Math.ceil(width / 2));
  let n = 0;
  // A flat background holds few distinct colours: compute each one's ΔE once.
  const seen = new Map<number, number>();
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      const i = y * width + x;
      if (!far[i]) continue;
      const key = (data[i * 3]! << 16) | (data[i * 3 + 1]! << 8) | data[i * 3 + 2]!;
      let d = seen.get(key);
      if (d === undefined) {
        d = deltaE2000(ref, rgbToLab(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!));
        seen.set(key, d);
      }
      values[n++] = d;
    }
  }
  if (n === 0) return 0;
  const sorted = values.subarray(0, n).sort();
  return sorted[Math.min(n - 1, Math.floor(n * 0.99))]!;
}
