// Stripes on the clothes (photo-spec §1 item 8, "避免复杂图案、条纹"): a striped shirt repeats light
// and dark at one period across the cloth. Mean gradient (the texture measure) misses fine or soft
// stripes and fires on knit and folds alike; periodicity tells them apart. Measured as the
// autocorrelation of luma profiles across the clothes, after removing shading, averaged over many
// profiles: a second peak after the first dip means a repeating pattern.
import type { Planes } from './regions.js';

/** Longest stripe period looked for, px of the output crop (480 px wide): wider bands are a
 *  two-tone garment, not stripes. */
const MAX_LAG = 24;
/** Profiles shorter than this (px) cannot show two periods of the longest stripe. */
const MIN_PROFILE = 2 * MAX_LAG;

/** Luma minus its moving average over ±MAX_LAG (removes shading and folds, keeps stripes). */
function highPass(p: number[]): number[] {
  const sums = new Float64Array(p.length + 1);
  for (let i = 0; i < p.length; i++) sums[i + 1] = sums[i]! + p[i]!;
  return p.map((v, i) => {
    const a = Math.max(0, i - MAX_LAG);
    const b = Math.min(p.length, i + MAX_LAG + 1);
    return v - (sums[b]! - sums[a]!) / (b - a);
  });
}

/** Height of the highest autocorrelation peak after the first dip below zero, 0 if none. */
function periodicity(profiles: number[][]): number {
  const acf = new Float64Array(MAX_LAG + 1);
  let n = 0;
  for (const raw of profiles) {
    if (raw.length < MIN_PROFILE) continue;
    const p = highPass(raw);
    let v0 = 0;
    for (const x of p) v0 += x * x;
    if (v0 <= 1e-6) continue;
    for (let lag = 1; lag <= MAX_LAG; lag++) {
      let s = 0;
      for (let i = 0; i + lag < p.length; i++) s += p[i]! * p[i + lag]!;
      // Unbiased: each lag is normalised by the pairs it had.
      acf[lag] = acf[lag]! + ((s / v0) * p.length) / (p.length - lag);
    }
    n++;
  }
  if (n === 0) return 0;
  for (let lag = 1; lag <= MAX_LAG; lag++) acf[lag]! /= n;
  let i = 1;
  while (i < MAX_LAG && !(acf[i]! < 0 && acf[i]! <= acf[i + 1]!)) i++;
  let peak = 0;
  for (let lag = i + 1; lag < MAX_LAG; lag++)
    if (acf[lag]! > acf[lag - 1]! && acf[lag]! >= acf[lag + 1]! && acf[lag]! > peak) peak = acf[lag]!;
  return peak;
}

/**
 * Stripe strength on the clothes: the stronger of horizontal stripes (profiles down the columns)
 * and vertical ones (along the rows). `keep(x, y)` says which person pixels are clothes.
 */
export function stripeStrength(
  pl: Planes,
  box: { x0: number; y0: number; x1: number; y1: number },
  keep: (x: number, y: number) => boolean,
): number {
  const runs = (down: boolean): number[][] => {
    const out: number[][] = [];
    const [a0, a1, b0, b1] = down ? [box.x0, box.x1, box.y0, box.y1] : [box.y0, box.y1, box.x0, box.x1];
    // Every other line: neighbouring profiles repeat each other.
    for (let a = a0; a < a1; a += 2) {
      let cur: number[] = [];
      for (let b = b0; b < b1; b++) {
        const x = down ? a : b;
        const y = down ? b : a;
        const i = y * pl.width + x;
        if (pl.alpha[i]! >= 250 && keep(x, y)) cur.push(pl.luma[i]!);
        else if (cur.length) {
          out.push(cur);
          cur = [];
        }
      }
      if (cur.length) out.push(cur);
    }
    return out;
  };
  return Math.max(periodicity(runs(true)), periodicity(runs(false)));
}
