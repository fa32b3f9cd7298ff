// Background replacement. Mixed (hair-edge) pixels take RVM's foreground colour, which has the old
// background removed, so no fringe of the old wall survives on the new colour.
import type { RawImage } from './types.js';

/** Matte values this close to 0 or 255 are model noise on flat regions, not translucency. */
const ALPHA_FLOOR = 10;
const ALPHA_CEIL = 245;

export function cleanAlpha(alpha: Uint8Array, inside?: Uint8Array): Uint8Array {
  const out = new Uint8Array(alpha.length);
  for (let i = 0; i < alpha.length; i++) {
    const a = inside && inside[i] === 0 ? 0 : alpha[i]!;
    out[i] =
      a <= ALPHA_FLOOR ? 0 : a >= ALPHA_CEIL ? 255 : Math.round(((a - ALPHA_FLOOR) * 255) / (ALPHA_CEIL - ALPHA_FLOOR));
  }
  return out;
}

/** Foreground colour per pixel: the photo where the person is opaque, RVM's estimate at the edges. */
export function foregroundOf(crop: RawImage, alpha: Uint8Array, estimate: Uint8Array | null): Uint8Array {
  if (!estimate) return crop.data;
  const out = new Uint8Array(crop.data.length);
  for (let i = 0, p = 0; i < alpha.length; i++, p += 3) {
    const src = alpha[i] === 255 ? crop.data : estimate;
    out[p] = src[p]!;
    out[p + 1] = src[p + 1]!;
    out[p + 2] = src[p + 2]!;
  }
  return out;
}

export function composite(fg: Uint8Array, alpha: Uint8Array, bg: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(fg.length);
  for (let i = 0, p = 0; i < alpha.length; i++, p += 3) {
    const a = alpha[i]! / 255;
    out[p] = Math.round(fg[p]! * a + bg[0] * (1 - a));
    out[p + 1] = Math.round(fg[p + 1]! * a + bg[1] * (1 - a));
    out[p + 2] = Math.round(fg[p + 2]! * a + bg[2] * (1 - a));
  }
  return out;
}

export function rgba(fg: Uint8Array, alpha: Uint8Array): Uint8Array {
  const out = new Uint8Array(alpha.length * 4);
  for (let i = 0, p = 0, q = 0; i < alpha.length; i++, p += 3, q += 4) {
    out[q] = fg[p]!;
    out[q + 1] = fg[p + 1]!;
    out[q + 2] = fg[p + 2]!;
    out[q + 3] = alpha[i]!;
  }
  return out;
}

/**
 * Keeps only the matte connected to the person: a flood from `seed` (a point on the face) through
 * pixels with any opacity. Blobs elsewhere (a lamp, a poster, a watermark in a corner that the
 * model took for foreground) are dropped instead of being pasted onto the new background.
 */
export function keepConnected(
  alpha: Uint8Array,
  width: number,
  height: number,
  seed: { x: number; y: number },
): Uint8Array {
  const sx = Math.min(width - 1, Math.max(0, Math.round(seed.x)));
  const sy = Math.min(height - 1, Math.max(0, Math.round(seed.y)));
  const start = sy * width + sx;
  if (alpha[start] === 0) return alpha;
  const reached = new Uint8Array(alpha.length);
  const stack = new Int32Array(alpha.length);
  let top = 0;
  stack[top++] = start;
  reached[start] = 1;
  while (top > 0) {
    const i = stack[--top]!;
    const x = i % width;
    const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width];
    for (const n of neighbours) {
      if (n < 0 || n >= alpha.length || reached[n] || alpha[n] === 0) continue;
      reached[n] = 1;
      stack[top++] = n;
    }
  }
  const out = new Uint8Array(alpha.length);
  for (let i = 0; i < alpha.length; i++) out[i] = reached[i] ? alpha[i]! : 0;
  return out;
}
