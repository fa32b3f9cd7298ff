// The evidence a learned check reads: every native value the hand measures took (measures.ts),
// the face models' outputs (description, expression, hand, anti-spoof), and a coarse picture of
// the aligned crop. The crop is placed by the spec (eyes, crown and face width at fixed places),
// so one grid cell covers the same part of every person: the head top, an ear, the neck, the
// background beside the shoulders. Per cell: gradient orientations (edges of a brim, a hand, an
// earring, a busy wall), colour and the matte's coverage. Per part of the crop: RVM's own reading
// of it (its LR-ASPP activations, a network trained to tell a person's outline, hair and hands
// from what is behind them). Names are stable: the model file maps
// weights by name, so adding a feature never shifts another.
import { CHECK_STATUSES, type CheckResult } from '../../domain/checks.js';
import type { FaceAnalysis, FeatureMap, RawImage } from '../types.js';

export type Features = Record<string, number>;

/** Grid over the 480×640 crop: cells of 60×64 px (the crop's own pixels). */
const GRID = { cols: 8, rows: 10 } as const;
/** Unsigned gradient orientation bins (0–180°). */
const BINS = 8;
/** Numeric arrays longer than this (meshes, keypoint lists) are not features. */
const MAX_ARRAY = 16;

function put(out: Features, name: string, v: number): void {
  out[name] = Number.isFinite(v) ? v : 0;
}

/** Every number reachable in `value` (booleans as 0/1), named by its path. */
export function flatten(out: Features, prefix: string, value: unknown, depth = 0): void {
  if (depth > 4 || value === null || value === undefined) return;
  if (typeof value === 'number') put(out, prefix, value);
  else if (typeof value === 'boolean') put(out, prefix, value ? 1 : 0);
  else if (Array.isArray(value)) {
    if (value.length <= MAX_ARRAY)
      value.forEach((v, i) => {
        flatten(out, `${prefix}.${i}`, v, depth + 1);
      });
  } else if (typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const k of Object.keys(value).sort())
      flatten(out, `${prefix}.${k}`, (value as Record<string, unknown>)[k], depth + 1);
  }
}

/** Per grid cell of the RGB crop (at half resolution: cells of 30×32 px still resolve a brim, an
 *  earring or a fringe, at a quarter of the cost): a normalised orientation histogram, log edge
 *  energy, Y/Cb/Cr means, luma spread, matte coverage. */
export function cropFeatures(out: Features, crop: RawImage, alpha: Uint8Array): void {
  const { width: W, channels: c, data } = crop;
  const w = Math.floor(W / 2);
  const h = Math.floor(crop.height / 2);
  const luma = new Float32Array(w * h);
  const cells = GRID.cols * GRID.rows;
  const hist = new Float64Array(cells * BINS);
  const stats = new Float64Array(cells * 7); // energy, Y, Cb, Cr, Y², alpha, n
  const colOf = Int32Array.from({ length: w }, (_, x) => Math.min(GRID.cols - 1, Math.floor((x * GRID.cols) / w)));
  const rowOf = Int32Array.from(
    { length: h },
    (_, y) => Math.min(GRID.rows - 1, Math.floor((y * GRID.rows) / h)) * GRID.cols,
  );
  for (let y = 0; y < h; y++) {
    const top = 2 * y * W;
    for (let x = 0; x < w; x++) {
      const j0 = top + 2 * x;
      const j1 = j0 + W;
      const r = data[j0 * c]! + data[(j0 + 1) * c]! + data[j1 * c]! + data[(j1 + 1) * c]!;
      const g = data[j0 * c + 1]! + data[(j0 + 1) * c + 1]! + data[j1 * c + 1]! + data[(j1 + 1) * c + 1]!;
      const b = data[j0 * c + 2]! + data[(j0 + 1) * c + 2]! + data[j1 * c + 2]! + data[(j1 + 1) * c + 2]!;
      const a = alpha[j0]! + alpha[j0 + 1]! + alpha[j1]! + alpha[j1 + 1]!;
      const Y = (0.299 * r + 0.587 * g + 0.114 * b) / 4;
      luma[y * w + x] = Y;
      const s = (rowOf[y]! + colOf[x]!) * 7;
      stats[s + 1]! += Y;
      stats[s + 2]! += b / 4 - Y;
      stats[s + 3]! += r / 4 - Y;
      stats[s + 4]! += Y * Y;
      stats[s + 5]! += a / (4 * 255);
      stats[s + 6]! += 1;
    }
  }
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = luma[i + 1]! - luma[i - 1]!;
      const gy = luma[i + w]! - luma[i - w]!;
      const mag = Math.sqrt(gx * gx + gy * gy);
      if (mag < 1) continue;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      const cell = rowOf[y]! + colOf[x]!;
      hist[cell * BINS + Math.min(BINS - 1, Math.floor((angle / Math.PI) * BINS))]! += mag;
      stats[cell * 7]! += mag;
    }
  }
  for (let cell = 0; cell < cells; cell++) {
    const s = cell * 7;
    const n = Math.max(1, stats[s + 6]!);
    const energy = stats[s]!;
    const name = `crop.${Math.floor(cell / GRID.cols)}.${cell % GRID.cols}`;
    for (let b = 0; b < BINS; b++) put(out, `${name}.o${b}`, hist[cell * BINS + b]! / (energy + 1e-6));
    put(out, `${name}.edge`, Math.log1p(energy / n));
    const meanY = stats[s + 1]! / n;
    put(out, `${name}.y`, meanY / 255);
    put(out, `${name}.cb`, stats[s + 2]! / n / 255);
    put(out, `${name}.cr`, stats[s + 3]! / n / 255);
    put(out, `${name}.ysd`, Math.sqrt(Math.max(0, stats[s + 4]! / n - meanY * meanY)) / 255);
    put(out, `${name}.alpha`, stats[s + 5]! / n);
  }
}

/**
 * Parts of the crop, as shares of its width and height (x0, x1, y0, y1). The spec places the crown
 * at 8–17% of the height, the eyes at 31–47% and a face 37–62% of the width wide, centred, so each
 * part covers the same anatomy on every photo: the head top (a hat, a scarf), the ears, the eye
 * band (hair, frames), the lower face (a hand, a mask), the neck (a necklace, a collar), the
 * background beside the head, and the whole crop.
 */
const PARTS: Record<string, [number, number, number, number][]> = {
  top: [[0.3, 0.7, 0, 0.3]],
  earL: [[0.1, 0.35, 0.3, 0.55]],
  earR: [[0.65, 0.9, 0.3, 0.55]],
  eyes: [[0.3, 0.7, 0.3, 0.45]],
  lower: [[0.33, 0.67, 0.45, 0.65]],
  neck: [[0.25, 0.75, 0.65, 0.85]],
  side: [
    [0, 0.15, 0, 0.6],
    [0.85, 1, 0, 0.6],
  ],
  all: [[0, 1, 0, 1]],
};

/** Per part, the cells of a width×height map whose centre lies in it; one map size per spec, so
 *  computed once per size, not per photo. */
const partCells = new Map<string, [string, number[]][]>();
function cellsOf(width: number, height: number): [string, number[]][] {
  const key = `${width}x${height}`;
  let parts = partCells.get(key);
  if (!parts) {
    parts = Object.entries(PARTS).map(([part, boxes]) => {
      const cells: number[] = [];
      for (let y = 0; y < height; y++) {
        const cy = (y + 0.5) / height;
        for (let x = 0; x < width; x++) {
          const cx = (x + 0.5) / width;
          if (boxes.some(([x0, x1, y0, y1]) => cx >= x0 && cx < x1 && cy >= y0 && cy < y1)) cells.push(y * width + x);
        }
      }
      return [part, cells];
    });
    partCells.set(key, parts);
  }
  return parts;
}

/** Per part of the crop, the mean of each channel of an activation map over the cells it covers
 *  (a cell counts when its centre lies in the part). */
export function encoderFeatures(out: Features, map: FeatureMap): void {
  const { data, channels, width, height } = map;
  const plane = width * height;
  for (const [part, cells] of cellsOf(width, height)) {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (const i of cells) sum += data[c * plane + i]!;
      put(out, `rvm.${part}.${c}`, cells.length ? sum / cells.length : 0);
    }
  }
}

/** The face models' outputs: description, expression probabilities, hand reading, detector and anti-spoof scores. */
export function faceFeatures(out: Features, face: FaceAnalysis): void {
  face.embedding.forEach((v, i) => {
    put(out, `face.emb.${i}`, v);
  });
  flatten(out, 'face.expression', face.expression);
  flatten(out, 'face.hand', face.hand);
  flatten(out, 'face.gaze', face.gaze);
  flatten(out, 'face.pose', face.pose);
  put(out, 'face.score', face.score);
  put(out, 'face.real', face.real ?? 1);
  put(out, 'face.live', face.live ?? 1);
}

/** Each hand rule's value and status (0 pass, 1 warn, 2 fail) so far: the learned checks start from what the rules saw. */
export function ruleFeatures(out: Features, report: readonly CheckResult[]): void {
  for (const e of report) {
    put(out, `rule.${e.id}.status`, CHECK_STATUSES.indexOf(e.status));
    if (e.value !== null) put(out, `rule.${e.id}.value`, e.value);
  }
}
