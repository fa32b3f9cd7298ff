// Completing the clothing below a chest-cut source. A passport-style crop or a phone held close ends
// at the chest; the spec's frame reaches further down, so the layout that needs the least missing
// area still leaves rows at the bottom that the source never showed. Those rows are clothing: each
// column continues the torso's colour and opacity from its last real rows, softened as it goes
// down. Only the chin or the head top being cut refuses a photo (checks/making.ts margin).

import type { Warped } from './geometry.js';
import { MAKING } from './thresholds.js';
import type { Affine } from './types.js';

/**
 * For each output column, the first row that lies below the source's bottom edge (`height` when
 * the column reaches the frame's bottom inside the source). `toSource` maps output px to source px.
 * Only this edge is completed: a column leaving the source through a side edge (a tilted or narrow
 * source) is background there, which the matte already makes.
 */
export function bottomEdgeRows(toSource: Affine, sourceHeight: number, width: number, height: number): Int32Array {
  const rows = new Int32Array(width).fill(height);
  const { d, e, f } = toSource;
  if (e <= 1e-9) return rows;
  for (let x = 0; x < width; x++) {
    // Pixel centres, as warpAffine samples: sy = d·(x+½) + e·(y+½) + f − ½ passes sh − ½ here.
    const y = Math.ceil((sourceHeight - d * (x + 0.5) - f) / e - 0.5);
    rows[x] = Math.max(0, Math.min(height, y));
  }
  return rows;
}

/** `Warped.inside` value of a completed pixel: inside for the matte, not for judging the source. */
export const COMPLETED = 128;

/**
 * The crop with its rows below the source's bottom edge completed, before matting, so the matte
 * sees one continuous torso rather than an edge it would trim (extendAlpha sets the opacity of the
 * completed rows afterwards). Each column continues the torso's colour from its last rows (their
 * mean, skipping the edge rows, which are often a blend or a scanner's border); the farther down,
 * the wider the horizontal blur, so the detail of the last rows (a strand of hair, a zip, a drawn mark) fades into the fabric's
 * shading instead of being drawn out into streaks. A mirror of the rows above was tried first and
 * reflected beards, necks and ticks drawn on the source into the clothing.
 * Columns that leave the source through a side stay outside (the new background fills them).
 */
export function completeBelow(warped: Warped, edgeRows: Int32Array): Warped {
  const { width, height, channels } = warped.image;
  const src = warped.image.data;
  const { skip, rows: meanRows, blurStep, blurMax } = MAKING.completion;
  const base = new Float64Array(width * channels);
  const has = new Uint8Array(width);
  for (let x = 0; x < width; x++) {
    const last = edgeRows[x]! - 1 - skip;
    if (edgeRows[x]! >= height || last - meanRows < 0 || warped.inside[last * width + x] === 0) continue;
    has[x] = 1;
    for (let y = last - meanRows + 1; y <= last; y++)
      for (let c = 0; c < channels; c++) {
        const b = x * channels + c;
        base[b] = base[b]! + src[(y * width + x) * channels + c]! / meanRows;
      }
  }
  // Prefix sums over the columns that have a base, for box blurs of any radius.
  const sum = new Float64Array((width + 1) * channels);
  const count = new Float64Array(width + 1);
  for (let x = 0; x < width; x++) {
    count[x + 1] = count[x]! + has[x]!;
    for (let c = 0; c < channels; c++)
      sum[(x + 1) * channels + c] = sum[x * channels + c]! + (has[x] ? base[x * channels + c]! : 0);
  }
  if (count[width] === 0) return warped;
  const data = new Uint8Array(src);
  const inside = new Uint8Array(warped.inside);
  for (let x = 0; x < width; x++) {
    if (!has[x]) continue;
    const edge = edgeRows[x]! - skip;
    for (let y = edge; y < height; y++) {
      const r = Math.min(blurMax, Math.floor((y - edge) / blurStep));
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width, x + r + 1);
      const n = count[x1]! - count[x0]!;
      const o = y * width + x;
      for (let c = 0; c < channels; c++)
        data[o * channels + c] = Math.round((sum[x1 * channels + c]! - sum[x0 * channels + c]!) / n);
      inside[o] = COMPLETED;
    }
  }
  return { image: { ...warped.image, data }, inside };
}

/**
 * The matte over completed rows: each column keeps the opacity of its last real rows, so the
 * torso's silhouette goes straight down. The matting model is not asked to judge rows it never
 * saw in a photo (on a smooth completed area it sometimes called the clothing background).
 */
export function extendAlpha(alpha: Uint8Array, inside: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(alpha);
  for (let x = 0; x < width; x++) {
    let y = height - 1;
    while (y > 0 && inside[y * width + x] === COMPLETED) y--;
    if (y === height - 1) continue;
    let a = 0;
    for (let yy = Math.max(0, y - MAKING.completion.rows + 1); yy <= y; yy++) a = Math.max(a, alpha[yy * width + x]!);
    for (let yy = y + 1; yy < height; yy++) out[yy * width + x] = a;
  }
  return out;
}

/** Only the pixels the source itself shows (for judging the source's background). */
export function sourceOnly(inside: Uint8Array): Uint8Array {
  return inside.map((v) => (v === 255 ? 255 : 0));
}

/** Fraction of the frame's height completed at the bottom centre. */
export function completedShare(edgeRows: Int32Array, height: number): number {
  const centre = edgeRows[Math.floor(edgeRows.length / 2)]!;
  return Math.max(0, height - centre) / height;
}
