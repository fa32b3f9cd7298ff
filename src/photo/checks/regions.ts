// Landmark regions of the aligned crop and pixel statistics over them. Every measure of the
// compliance checks is taken in crop px (480×640, roll corrected) and scaled by the eye distance,
// so the numbers mean the same whatever the source resolution.
import { type Lab, luma as lumaAt } from '../color.js';
import type { CheckContext, Point, Point3, RawImage } from '../types.js';

// A table-driven sRGB → CIELAB (D65) for the per-pixel loops: the same maths as color.ts's
// rgbToLab with the cube root tabulated (error < 0.05 L*), ~5× faster.
const LIN = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LIN[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
const F_STEPS = 4096;
const F = new Float64Array(F_STEPS + 2);
for (let i = 0; i <= F_STEPS + 1; i++) {
  const t = i / F_STEPS;
  F[i] = t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
}
const fLut = (t: number) => {
  const x = Math.max(0, Math.min(1, t)) * F_STEPS;
  const i = Math.floor(x);
  return F[i]! + (F[i + 1]! - F[i]!) * (x - i);
};

export function fastLab(r: number, g: number, b: number): Lab {
  const R = LIN[r]!;
  const G = LIN[g]!;
  const B = LIN[b]!;
  const fx = fLut((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047);
  const fy = fLut(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = fLut((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883);
  return { L: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz) };
}

/** MediaPipe face-mesh indices used by the checks (subject's right = image left). */
export const M = {
  rEyeOuter: 33,
  rEyeInner: 133,
  rEyeTop: [160, 159, 158],
  rEyeBottom: [144, 145, 153],
  lEyeInner: 362,
  lEyeOuter: 263,
  lEyeTop: [385, 386, 387],
  lEyeBottom: [380, 374, 373],
  irisA: 468,
  irisB: 473,
  lipTopInner: 13,
  lipBottomInner: 14,
  lipTopOuter: 0,
  lipBottomOuter: 17,
  mouthInnerR: 78,
  mouthInnerL: 308,
  mouthR: 61,
  mouthL: 291,
  rBrow: [70, 63, 105, 66, 107],
  lBrow: [300, 293, 334, 296, 336],
  foreheadTop: 10,
  foreheadMid: 151,
  chin: 152,
  noseTip: 1,
  cheekR: 234,
  cheekL: 454,
  jawR: 172,
  jawL: 397,
  /** Jaw contour at mouth height and at the ear lobe's height (earrings hang between). */
  jawMouthR: 58,
  jawMouthL: 288,
  jawLobeR: 132,
  jawLobeL: 361,
  cheekCentreR: 205,
  cheekCentreL: 425,
} as const;

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const mid = (p: Point, q: Point): Point => ({ x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 });
export const dist = (p: Point, q: Point) => Math.hypot(p.x - q.x, p.y - q.y);
export const meanPoint = (ps: readonly Point[]): Point => ({
  x: ps.reduce((s, p) => s + p.x, 0) / ps.length,
  y: ps.reduce((s, p) => s + p.y, 0) / ps.length,
});

export function boxAround(c: Point, w: number, h: number): Box {
  return { x0: c.x - w / 2, y0: c.y - h / 2, x1: c.x + w / 2, y1: c.y + h / 2 };
}

export interface Eye {
  inner: Point;
  outer: Point;
  centre: Point;
  width: number;
  /** Mean lid opening over three columns, px. */
  opening: number;
  iris: Point;
}

/** The geometry every check shares, computed once per photo. */
export interface Face {
  mesh: readonly Point3[];
  /** Subject's right eye (image left) and left eye. */
  eyeR: Eye;
  eyeL: Eye;
  /** Eye-centre distance, px: the unit of every region. */
  ipd: number;
  eyesMid: Point;
  faceWidth: number;
  cheekR: Point;
  cheekL: Point;
  chin: Point;
}

export function faceGeometry(mesh: readonly Point3[]): Face {
  const p = (i: number) => mesh[i]!;
  const ps = (is: readonly number[]) => is.map(p);
  const eye = (inner: number, outer: number, top: readonly number[], bottom: readonly number[]): Omit<Eye, 'iris'> => {
    const t = ps(top);
    const b = ps(bottom);
    const opening = t.reduce((s, q, k) => s + dist(q, b[k]!), 0) / t.length;
    return {
      inner: p(inner),
      outer: p(outer),
      centre: mid(p(inner), p(outer)),
      width: dist(p(inner), p(outer)),
      opening,
    };
  };
  const r = eye(M.rEyeInner, M.rEyeOuter, M.rEyeTop, M.rEyeBottom);
  const l = eye(M.lEyeInner, M.lEyeOuter, M.lEyeTop, M.lEyeBottom);
  // Which iris block belongs to which eye differs between models: take the nearer one.
  let ia = p(M.irisA);
  let ib = p(M.irisB);
  if (dist(ia, r.centre) + dist(ib, l.centre) > dist(ib, r.centre) + dist(ia, l.centre)) [ia, ib] = [ib, ia];
  const eyeR = { ...r, iris: ia ?? r.centre };
  const eyeL = { ...l, iris: ib ?? l.centre };
  return {
    mesh,
    eyeR,
    eyeL,
    ipd: Math.max(1, dist(eyeR.centre, eyeL.centre)),
    eyesMid: mid(eyeR.centre, eyeL.centre),
    faceWidth: dist(p(M.cheekR), p(M.cheekL)),
    cheekR: p(M.cheekR),
    cheekL: p(M.cheekL),
    chin: p(M.chin),
  };
}

/** Per-photo pixel planes, computed once and shared by the checks. */
export interface Planes {
  img: RawImage;
  alpha: Uint8Array;
  /** Rec. 601 luma 0..255. */
  luma: Float32Array;
  /** True where the crop lies inside the source (warp fills the rest with black). */
  width: number;
  height: number;
}

export function planes(ctx: CheckContext): Planes {
  const { crop, alpha } = ctx;
  const n = crop.width * crop.height;
  const luma = new Float32Array(n);
  const d = crop.data;
  const c = crop.channels;
  for (let i = 0, j = 0; i < n; i++, j += c) luma[i] = lumaAt(d, j);
  return { img: crop, alpha, luma, width: crop.width, height: crop.height };
}

export function clampBox(b: Box, w: number, h: number): Box {
  return {
    x0: Math.max(0, Math.min(w, Math.round(b.x0))),
    y0: Math.max(0, Math.min(h, Math.round(b.y0))),
    x1: Math.max(0, Math.min(w, Math.round(b.x1))),
    y1: Math.max(0, Math.min(h, Math.round(b.y1))),
  };
}

/** Lab of every `step`-th pixel in a box (optionally only where the matte is ≥ minAlpha). */
export function labSamples(pl: Planes, box: Box, step = 1, minAlpha = 0): Lab[] {
  const b = clampBox(box, pl.width, pl.height);
  const out: Lab[] = [];
  const d = pl.img.data;
  const c = pl.img.channels;
  for (let y = b.y0; y < b.y1; y += step)
    for (let x = b.x0; x < b.x1; x += step) {
      const i = y * pl.width + x;
      if (minAlpha > 0 && pl.alpha[i]! < minAlpha) continue;
      out.push(fastLab(d[i * c]!, d[i * c + 1]!, d[i * c + 2]!));
    }
  return out;
}

export function lumaSamples(pl: Planes, box: Box, step = 1): number[] {
  const b = clampBox(box, pl.width, pl.height);
  const out: number[] = [];
  for (let y = b.y0; y < b.y1; y += step) for (let x = b.x0; x < b.x1; x += step) out.push(pl.luma[y * pl.width + x]!);
  return out;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  // A typed copy sorts numerically without a comparator call per comparison (several times
  // faster; the checks take a few hundred quantiles per photo).
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))]!;
}

export const median = (v: readonly number[]) => quantile(v, 0.5);
export const mean = (v: readonly number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : Number.NaN);
export const chroma = (l: Lab) => Math.hypot(l.a, l.b);

export function medianLab(ls: readonly Lab[]): Lab {
  return { L: median(ls.map((l) => l.L)), a: median(ls.map((l) => l.a)), b: median(ls.map((l) => l.b)) };
}
