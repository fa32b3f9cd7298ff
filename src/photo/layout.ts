// Where the head goes: measures taken on the face mesh in a face-aligned frame (u along the eye
// line, v down the face), and the scale and offset that put crown, eye line and face width inside
// the spec's bands. The result is one affine map from source pixels to output pixels.
import type { Affine, PhotoSpec, Point, Point3 } from './types.js';

/** Mesh indices (MediaPipe face mesh with iris refinement). */
export const MESH = {
  irisA: 468,
  irisB: 473,
  cheekA: 234,
  cheekB: 454,
  foreheadTop: 10,
  chin: 152,
} as const;

export interface FaceFrame {
  /** Eye midpoint, source px. */
  origin: Point;
  /** Unit vector along the eye line, pointing from the image-left cheek to the image-right one. */
  ex: Point;
  /** Unit vector down the face. */
  ey: Point;
  /** Roll of the eye line in degrees, + clockwise. */
  roll: number;
  interEye: number;
  faceWidth: number;
  /** u of the face's centre line (midpoint of the cheeks). */
  centreU: number;
  /** v (below the eyes) of the chin and of the forehead top. */
  chinV: number;
  foreheadV: number;
}

const sub = (p: Point, q: Point): Point => ({ x: p.x - q.x, y: p.y - q.y });
const dot = (p: Point, q: Point) => p.x * q.x + p.y * q.y;

export function faceFrame(mesh: readonly Point3[]): FaceFrame {
  const at = (i: number) => {
    const p = mesh[i];
    if (!p) throw new Error(`mesh point ${i} missing`);
    return p;
  };
  let a = at(MESH.irisA);
  let b = at(MESH.irisB);
  // Order the irises like the cheeks so the frame is right-handed whatever the photo's rotation.
  if (dot(sub(b, a), sub(at(MESH.cheekB), at(MESH.cheekA))) < 0) [a, b] = [b, a];
  const interEye = Math.hypot(b.x - a.x, b.y - a.y);
  const ex = { x: (b.x - a.x) / interEye, y: (b.y - a.y) / interEye };
  const ey = { x: -ex.y, y: ex.x };
  const origin = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const u = (p: Point) => dot(sub(p, origin), ex);
  const v = (p: Point) => dot(sub(p, origin), ey);
  const cheekA = at(MESH.cheekA);
  const cheekB = at(MESH.cheekB);
  return {
    origin,
    ex,
    ey,
    roll: (Math.atan2(ex.y, ex.x) * 180) / Math.PI,
    interEye,
    faceWidth: Math.abs(u(cheekB) - u(cheekA)),
    centreU: (u(cheekA) + u(cheekB)) / 2,
    chinV: v(at(MESH.chin)),
    foreheadV: v(at(MESH.foreheadTop)),
  };
}

/** A first guess of the crown's height above the eyes, before the matte shows the hair: the eyes
 *  sit near the middle of the head, and hair adds a little. */
export function estimateCrownAbove(frame: FaceFrame): number {
  return Math.max(frame.chinV * 1.05, -frame.foreheadV * 1.4);
}

export interface Layout {
  /** Output px per source px. */
  scale: number;
  /** Eye line, output px from the top. */
  eyesY: number;
  /** Source px → output px. */
  toOutput: Affine;
  /** Where the layout expects the crown, output px from the top. */
  crownY: number;
  faceWidth: number;
}

const mid = (r: { min: number; max: number }) => (r.min + r.max) / 2;
const span = (r: { min: number; max: number }) => Math.max(1, r.max - r.min);
/** Distance outside a band, 0 inside. */
export const outside = (v: number, r: { min: number; max: number }) =>
  v < r.min ? r.min - v : v > r.max ? v - r.max : 0;

/**
 * How far (output px) the frame's bottom edge reaches past the bottom of the photo, at its two
 * corners and its centre: there the body would end in a line above the frame's edge.
 */
function overshoot(
  frame: FaceFrame,
  spec: PhotoSpec,
  source: { width: number; height: number },
  scale: number,
  eyesY: number,
): number {
  const v = (spec.height - eyesY) / scale;
  let worst = 0;
  for (const xOut of [0, spec.width / 2, spec.width]) {
    const u = (xOut - spec.width / 2) / scale + frame.centreU;
    const y = frame.origin.y + u * frame.ex.y + v * frame.ey.y;
    worst = Math.max(worst, ((y - source.height) * scale) / Math.max(0.2, frame.ey.y));
  }
  return Math.max(0, worst);
}

/**
 * Scale and eye line for a face of width `frame.faceWidth` whose crown is `crownAbove` source px
 * above the eyes, in a source photo of the given size. Searched on a grid over
 * the bands: first every band must hold, then the frame should not reach past the bottom of the
 * photo (the body would end in a straight line above the frame's edge); among those, the closest to
 * the middle of every band. Where nothing fits, the least violation wins and the checks report it.
 */
export function solveLayout(
  spec: PhotoSpec,
  frame: FaceFrame,
  crownAbove: number,
  source?: { width: number; height: number },
): Layout {
  // Aim a few px inside every band: the matte of the final frame can move the crown by a pixel or
  // two, and a head placed on a band's edge would then fall off it.
  const inset = (r: { min: number; max: number }) => ({ min: r.min + 4, max: r.max - 4 });
  const g = {
    crownFromTop: inset(spec.geometry.crownFromTop),
    eyesFromTop: inset(spec.geometry.eyesFromTop),
    faceWidth: inset(spec.geometry.faceWidth),
  };
  const F = frame.faceWidth;
  const H = Math.max(1, crownAbove);
  const sLo = (g.faceWidth.min / F) * 0.9;
  const sHi = (g.faceWidth.max / F) * 1.1;
  const steps = 48;
  let best = { cost: Number.POSITIVE_INFINITY, scale: mid(g.faceWidth) / F, eyesY: mid(g.eyesFromTop) };
  for (let i = 0; i <= steps; i++) {
    const scale = sLo + ((sHi - sLo) * i) / steps;
    for (let j = 0; j <= steps; j++) {
      const eyesY = g.eyesFromTop.min - 10 + ((span(g.eyesFromTop) + 20) * j) / steps;
      const crownY = eyesY - H * scale;
      const faceW = F * scale;
      const bottomGap = source ? overshoot(frame, spec, source, scale, eyesY) : 0;
      // The bands come first (they are the spec); a frame reaching past the photo's bottom comes
      // next (the margin check reports it); the distance from the bands' middles decides the rest.
      const violation =
        (outside(faceW, g.faceWidth) + outside(crownY, g.crownFromTop) + outside(eyesY, g.eyesFromTop)) * 10 +
        bottomGap;
      const off =
        ((faceW - mid(g.faceWidth)) / span(g.faceWidth)) ** 2 +
        ((crownY - mid(g.crownFromTop)) / span(g.crownFromTop)) ** 2 +
        ((eyesY - mid(g.eyesFromTop)) / span(g.eyesFromTop)) ** 2;
      const cost = violation * 1000 + off;
      if (cost < best.cost) best = { cost, scale, eyesY };
    }
  }
  const { scale, eyesY } = best;
  const { ex, ey, origin } = frame;
  const cx = spec.width / 2 - scale * frame.centreU;
  // x_out = cx + s·u, y_out = eyesY + s·v, with u, v the face-frame coordinates of a source point.
  const toOutput: Affine = {
    a: scale * ex.x,
    b: scale * ex.y,
    c: cx - scale * (ex.x * origin.x + ex.y * origin.y),
    d: scale * ey.x,
    e: scale * ey.y,
    f: eyesY - scale * (ey.x * origin.x + ey.y * origin.y),
  };
  return { scale, eyesY, toOutput, crownY: eyesY - H * scale, faceWidth: F * scale };
}

/**
 * The crown in an output-sized matte: for each column across the middle of the face, walk up from
 * the eye line while the matte is foreground (bridging gaps of a few px of thin hair); the highest
 * point reached. Walking up from the face ignores stray foreground elsewhere in the frame.
 */
export function findCrown(
  alpha: Uint8Array,
  width: number,
  eyesY: number,
  centreX: number,
  halfSpan: number,
  inside?: Uint8Array,
): number | null {
  const x0 = Math.max(0, Math.round(centreX - halfSpan));
  const x1 = Math.min(width - 1, Math.round(centreX + halfSpan));
  const startY = Math.max(0, Math.round(eyesY));
  const maxGap = 4;
  let best: number | null = null;
  for (let x = x0; x <= x1; x++) {
    let top: number | null = null;
    let gap = 0;
    for (let y = startY; y >= 0; y--) {
      const i = y * width + x;
      const fg = alpha[i]! >= 128 && (!inside || inside[i]! > 0);
      if (fg) {
        top = y;
        gap = 0;
      } else if (++gap > maxGap) break;
    }
    if (top !== null && (best === null || top < best)) best = top;
  }
  return best;
}
