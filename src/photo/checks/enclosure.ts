// A photo of a print or of a screen shows the print's or the screen's straight edges around the
// face: left and right of it over its whole height, and above the forehead. A live person in front
// of a wall shows no such frame (hair, shoulders and faces are curved; door frames and columns give
// vertical lines but no edge above the face between them). This measure looks for the three edges
// on a copy of the source scaled to a fixed face width, so lengths are in face widths.
import { luma as lumaAt } from '../color.js';
import type { FaceAnalysis, RawImage } from '../types.js';

/** Face width of the analysis grid, px: the edges are judged at this scale whatever the photo. */
const FW = 48;
/** Grid margins around the detector box, in face widths (left/right, above, below). */
const SIDE = 2;
const ABOVE = 1.5;
const BELOW = 1.5;
/** A pixel is on an edge when its Sobel step is ≥ this many luma levels per pixel. */
const MIN_STEP = 6;
/** Slopes tried for each edge (a held print or tablet is rarely square to the camera): ±0.2 in
 *  steps of 0.025 (finer steps found the same edges on the shared set at twice the cost). */
const SLOPES = Array.from({ length: 17 }, (_, i) => -0.2 + i * 0.025);
/** Gaps (px) allowed inside a straight run: a finger, a reflection. */
const GAP = 2;
/** The run must cover this share of the face's own extent along it (it frames the face). */
const COVER = 0.8;

export interface EnclosureMeasures {
  /** Longest straight edge run, in face widths, left of the face, right of it, and above the head
   *  (0 where not searched: after a missing edge, see `frame`). */
  left: number;
  right: number;
  top: number;
  /** The shortest of the three: a frame needs all of them. */
  frame: number;
}

interface Grid {
  w: number;
  h: number;
  /** +1/−1: a vertical edge (horizontal step) rising/falling left to right; 0 none. */
  vertical: Int8Array;
  /** The same for horizontal edges (vertical step), top to bottom. */
  horizontal: Int8Array;
}

function grid(src: RawImage, x0: number, y0: number, scale: number, w: number, h: number): Grid {
  const d = src.data;
  const c = src.channels;
  // Box-average the source pixels under each cell (shrinking without it turns fine texture such
  // as hair or knit into noise edges): one pass over the covered source pixels, each added to its
  // cell. Cells wider than 8 px average every other pixel of every other row (a quarter of the
  // reads). Against the integral image this replaces, one face of the set moved (0 → 0.83, below
  // the warn level) and one print 1.04 → 1.06.
  const step = scale <= 1 / 8 ? 2 : 1;
  const sum = new Float32Array(w * h);
  const count = new Uint16Array(w * h);
  const sx0 = Math.max(0, Math.ceil(x0));
  const sy0 = Math.max(0, Math.ceil(y0));
  const sx1 = Math.min(src.width, Math.floor(x0 + w / scale));
  const sy1 = Math.min(src.height, Math.floor(y0 + h / scale));
  const cellX = new Int32Array(Math.max(0, sx1 - sx0));
  for (let sx = sx0; sx < sx1; sx++) cellX[sx - sx0] = Math.min(w - 1, Math.floor((sx - x0) * scale));
  for (let sy = sy0; sy < sy1; sy += step) {
    const row = Math.min(h - 1, Math.floor((sy - y0) * scale)) * w;
    for (let sx = sx0; sx < sx1; sx += step) {
      const i = (sy * src.width + sx) * c;
      const cell = row + cellX[sx - sx0]!;
      sum[cell]! += c >= 3 ? lumaAt(d, i) : d[i]!;
      count[cell]!++;
    }
  }
  const luma = new Float32Array(w * h);
  for (let k = 0; k < w * h; k++) luma[k] = count[k] ? sum[k]! / count[k]! : Number.NaN;
  const vertical = new Int8Array(w * h);
  const horizontal = new Int8Array(w * h);
  const at = (x: number, y: number) => luma[y * w + x]!;
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const gx =
        (at(x + 1, y - 1) +
          2 * at(x + 1, y) +
          at(x + 1, y + 1) -
          at(x - 1, y - 1) -
          2 * at(x - 1, y) -
          at(x - 1, y + 1)) /
        8;
      const gy =
        (at(x - 1, y + 1) +
          2 * at(x, y + 1) +
          at(x + 1, y + 1) -
          at(x - 1, y - 1) -
          2 * at(x, y - 1) -
          at(x + 1, y - 1)) /
        8;
      // NaN (outside the photo) compares false: no edge at the photo's own border.
      if (Math.abs(gx) >= MIN_STEP && Math.abs(gx) > Math.abs(gy)) vertical[y * w + x] = gx > 0 ? 1 : -1;
      else if (Math.abs(gy) >= MIN_STEP && Math.abs(gy) > Math.abs(gx)) horizontal[y * w + x] = gy > 0 ? 1 : -1;
    }
  return { w, h, vertical, horizontal };
}

/**
 * Longest run of one edge sign along `hits` (gaps ≤ GAP) that covers COVER of [need0, need1]
 * (positions along the line, in the same units as `from`).
 */
function longestRun(hits: Int8Array, from: number, need0: number, need1: number): number {
  let best = 0;
  for (const sign of [1, -1]) {
    let start = -1;
    let last = -GAP - 2;
    const close = () => {
      if (start < 0) return;
      const r0 = from + start;
      const r1 = from + last;
      const overlap = Math.max(0, Math.min(r1, need1) - Math.max(r0, need0)) / Math.max(1, need1 - need0);
      if (overlap >= COVER) best = Math.max(best, r1 - r0 + 1);
      start = -1;
    };
    for (let i = 0; i < hits.length; i++) {
      if (hits[i] !== sign) continue;
      if (i - last > GAP + 1) {
        close();
        start = i;
      }
      last = i;
    }
    close();
  }
  return best;
}

/**
 * Best straight edge line of the grid (vertical or horizontal edges, slopes SLOPES) crossing
 * positions `lo..hi` across and running `a0..a1` along (across = x for a vertical line); returns
 * its longest run, in grid px.
 */
function bestLine(
  g: Grid,
  vertical: boolean,
  lo: number,
  hi: number,
  a0: number,
  a1: number,
  need0: number,
  need1: number,
): number {
  const map = vertical ? g.vertical : g.horizontal;
  const acrossMax = vertical ? g.w : g.h;
  const alongMax = vertical ? g.h : g.w;
  const s0 = Math.max(1, Math.round(a0));
  const s1 = Math.min(alongMax - 2, Math.round(a1));
  if (s1 <= s0) return 0;
  const mid = (s0 + s1) / 2;
  const hits = new Int8Array(s1 - s0 + 1);
  let best = 0;
  for (const k of SLOPES)
    for (let c = Math.max(1, Math.round(lo)); c <= Math.min(acrossMax - 2, Math.round(hi)); c++) {
      let inNeed = 0;
      for (let a = s0; a <= s1; a++) {
        const x = Math.round(c + k * (a - mid));
        const hit = x < 0 || x >= acrossMax ? 0 : vertical ? map[a * g.w + x]! : map[x * g.w + a]!;
        hits[a - s0] = hit;
        if (hit !== 0 && a >= need0 && a <= need1) inNeed++;
      }
      // A run with gaps ≤ GAP over COVER of the span has at least this many edge pixels in it:
      // most lines have far fewer, and need no run search.
      if (inNeed < (COVER * (need1 - need0)) / (GAP + 1) - 1) continue;
      best = Math.max(best, longestRun(hits, s0, need0, need1));
    }
  return best;
}

export function enclosureMeasures(src: RawImage, face: FaceAnalysis): EnclosureMeasures {
  const [bx, by, bw, bh] = face.box;
  const scale = FW / Math.max(1, bw);
  const x0 = bx - SIDE * bw;
  const y0 = by - ABOVE * bw;
  const w = Math.round((2 * SIDE + 1) * FW);
  const h = Math.round((bh + (ABOVE + BELOW) * bw) * scale);
  const g = grid(src, x0, y0, scale, w, h);
  const fx0 = (bx - x0) * scale;
  const fx1 = fx0 + bw * scale;
  const fy0 = (by - y0) * scale;
  const fy1 = fy0 + bh * scale;
  // The top edge is looked for from just above the mesh's top (the hairline) upwards.
  const meshTop = (Math.min(...face.mesh.map((p) => p.y)) - y0) * scale;
  // Side edges may touch the detector box (a print cut close to the face), and run a face width
  // beyond it either way; the top edge spans a face width beyond either side.
  // A frame needs all three edges: once one is missing the others cannot change the measure, so
  // they are not searched (with the per-cell pass below, 20 → 10 ms mean over the set's faces).
  const top = bestLine(g, false, 0, meshTop - 5, fx0 - FW, fx1 + FW, fx0, fx1) / FW;
  const left = top > 0 ? bestLine(g, true, 0, fx0 + 3, fy0 - FW, fy1 + FW, fy0, fy1) / FW : 0;
  const right = left > 0 ? bestLine(g, true, fx1 - 3, w, fy0 - FW, fy1 + FW, fy0, fy1) / FW : 0;
  return { left, right, top, frame: Math.min(left, right, top) };
}
