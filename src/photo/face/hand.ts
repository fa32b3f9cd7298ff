// A hand on or under the face (chin in the hand, fingers over the mouth), from MediaPipe's hand
// landmark model as Human ships it (`handlandmark-lite`, in @vladmandic/human's models folder). The
// model reads a 224-px crop and returns a hand-presence score (0..1) and 21 keypoints. It is not
// run on the whole photo: two crops beside the chin, then the better one is re-cropped on its own
// keypoints, upright along wrist → middle finger, as MediaPipe's tracker does. On the shared set,
// the 27 faces of portraits/, eyeglasses_no_reflection/ and face_mask/ read ≤ 0.10, the hands on
// faces 0.83–0.99. Of the ten faces of the whole set whose face.occlusion turned to warn or fail
// with it, nine show a hand on the face (or holding a phone or microphone there) and one, a
// profile, reads 0.52 (warn). No palm detector is needed: Human's own hand detector found 1
// of the 4 hands on faces and saw fists on 7 of 21 portraits. Cost: about 35 ms for the two crops
// (one batch), 23 ms more for each re-crop, which runs only when a crop reads ≥ `REFINE_FROM` (tfjs
// figures; about 8 ms for the pair on ONNX, bench/model-parity.ts). The model runs where settings.ts MODEL_RUNTIME says: onnxruntime-node by default (the
// graph converted in memory, onnx/hand.ts), or tfjs (KAOZHAO_MODEL_RUNTIME=tfjs, parity bench).
import path from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Tensor } from '@tensorflow/tfjs-core';
import { MESH } from '../layout.js';
import { handLandmarkOnnx, handSession, HAND_SIZE as SIZE } from '../onnx/hand.js';
import { MODEL_RUNTIME, type ModelRuntime } from '../settings.js';
import type { Point, Point3, RawImage } from '../types.js';
import { warpSimilarity } from './embedding.js';
import { humanModelDir, loadGraphModel, tf } from './models.js';

/** Crops around the chin, in face widths: side, and centres across the jaw just below the chin. */
const GRID = { side: 1.2, dx: [-0.3, 0.3], dy: 0.1 } as const;
/** A first crop reading at least this is re-cropped on its keypoints; below it no hand was seen. */
const REFINE_FROM = 0.2;
const REFINE_STEPS = 2;
/** Re-crop side: the keypoints' extent times this (the palm and fingers fill about 60% of it). */
const REFINE_MARGIN = 1.6;
const WRIST = 0;
const MIDDLE_MCP = 9;

export interface HandReading {
  /** The landmark model's hand-presence score of the best crop, 0..1. */
  score: number;
  /** The 21 hand keypoints in image pixels (wrist first). */
  keypoints: Point[];
}

let model: Promise<GraphModel> | undefined;

function tfjsModel(): Promise<GraphModel> {
  // The converted graph declares a batch of 1; the crops beside the chin go in one batch.
  model ??= loadGraphModel(path.join(humanModelDir, 'handlandmark-lite.json'), true);
  return model;
}

/** Readies the configured runtime once per process (workers call it at start). */
export async function loadHandModel(): Promise<void> {
  // ONNX shapes are static: one session for the chin grid's batch, one for the single re-crops.
  if (MODEL_RUNTIME === 'onnx') await Promise.all([handSession(GRID.dx.length), handSession(1)]);
  else await tfjsModel();
}

/** The model's raw outputs for a batch of crops: a score per crop, 21 × (x, y, z) crop px per crop. */
export interface HandOutputs {
  scores: Float32Array;
  points: Float32Array;
}

/** The tfjs pass on `n` crops, NHWC floats 0–1; exported for the parity bench and tests. */
export async function handLandmarkTfjs(batch: Float32Array, n: number): Promise<HandOutputs> {
  const m = await tfjsModel();
  const input = tf.tensor4d(batch, [n, SIZE, SIZE, 3]);
  const [scoreT, pointsT] = m.execute(input, ['Identity_1', 'Identity']) as Tensor[];
  try {
    return { scores: (await scoreT!.data()) as Float32Array, points: (await pointsT!.data()) as Float32Array };
  } finally {
    tf.dispose([input, scoreT!, pointsT!]);
  }
}

/** The same on onnxruntime: the crops are laid out as planes (NCHW) here, where it costs nothing extra. */
export function handLandmarkOnnxHwc(batch: Float32Array, n: number): Promise<HandOutputs> {
  const plane = SIZE * SIZE;
  const planes = new Float32Array(batch.length);
  for (let j = 0; j < n; j++) {
    const o = j * plane * 3;
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) planes[o + c * plane + i] = batch[o + i * 3 + c]!;
  }
  return handLandmarkOnnx(planes, n);
}

/** The crops the model reads for `squares` (NHWC floats 0–1) and each crop's crop px → image px map. */
export function handCrops(image: RawImage, squares: readonly Square[]) {
  const h = SIZE / 2;
  // Crop px (u, v) → image px for each square: the crop's centre lands on the square's centre.
  const maps = squares.map(({ cx, cy, side, angle }) => {
    const a = (side / SIZE) * Math.cos(angle);
    const b = (side / SIZE) * Math.sin(angle);
    return [a, b, cx - (a * h - b * h), cy - (b * h + a * h)] as const;
  });
  const batch = new Float32Array(squares.length * SIZE * SIZE * 3);
  for (const [i, map] of maps.entries()) batch.set(warpSimilarity(image, map, SIZE), i * SIZE * SIZE * 3);
  for (let i = 0; i < batch.length; i++) batch[i]! /= 255;
  return { batch, maps };
}

/** The squares beside the chin that handNearChin reads first. */
export function chinSquares(mesh: readonly Point3[], faceWidth: number): Square[] {
  const chin = mesh[MESH.chin]!;
  return GRID.dx.map((dx) => ({
    cx: chin.x + dx * faceWidth,
    cy: chin.y + GRID.dy * faceWidth,
    side: GRID.side * faceWidth,
    angle: 0,
  }));
}

export interface Square {
  cx: number;
  cy: number;
  side: number;
  /** Radians; the crop's up turned by it is the hand's up. */
  angle: number;
}

/** The model on squares of the image, in one batch. */
async function readSquares(image: RawImage, squares: readonly Square[], runtime: ModelRuntime): Promise<HandReading[]> {
  const { batch, maps } = handCrops(image, squares);
  const run = runtime === 'onnx' ? handLandmarkOnnxHwc : handLandmarkTfjs;
  const { scores, points: p } = await run(batch, squares.length);
  return maps.map((map, j) => {
    const keypoints: Point[] = [];
    for (let i = 0; i < 21; i++) {
      const u = p[(j * 21 + i) * 3]!;
      const v = p[(j * 21 + i) * 3 + 1]!;
      keypoints.push({ x: map[0] * u - map[1] * v + map[2], y: map[1] * u + map[0] * v + map[3] });
    }
    return { score: scores[j]!, keypoints };
  });
}

/** The square around a reading's keypoints, turned so the fingers point up. */
function around(r: HandReading): Square {
  const xs = r.keypoints.map((p) => p.x);
  const ys = r.keypoints.map((p) => p.y);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const w = r.keypoints[WRIST]!;
  const mcp = r.keypoints[MIDDLE_MCP]!;
  return {
    cx: (x0 + x1) / 2,
    cy: (y0 + y1) / 2,
    side: Math.max(x1 - x0, y1 - y0) * REFINE_MARGIN,
    // The crop's up (0, −1) turned by the angle points from the wrist to the middle knuckle.
    angle: Math.atan2(mcp.x - w.x, -(mcp.y - w.y)),
  };
}

/**
 * The most hand-like reading around the chin of a face (its 478-point mesh, image pixels).
 * `runtime` defaults to settings.ts MODEL_RUNTIME; the parity bench and tests pass both.
 */
export async function handNearChin(
  image: RawImage,
  mesh: readonly Point3[],
  faceWidth: number,
  runtime: ModelRuntime = MODEL_RUNTIME,
): Promise<HandReading> {
  const grid = await readSquares(image, chinSquares(mesh, faceWidth), runtime);
  let best = grid.reduce((a, b) => (b.score > a.score ? b : a));
  let reading = best;
  if (reading.score < REFINE_FROM) return reading;
  // The best of all readings: a re-crop can lose a hand the first crop saw whole (a hand at the
  // jaw read 0.87, then 0.15 on its own keypoints).
  for (let i = 0; i < REFINE_STEPS; i++) {
    const sq = around(reading);
    // A collapsed keypoint set gives nothing to re-crop on.
    if (!(sq.side > 8)) break;
    [reading] = (await readSquares(image, [sq], runtime)) as [HandReading];
    if (reading.score > best.score) best = reading;
  }
  return best;
}
