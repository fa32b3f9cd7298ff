// Face embeddings for 1:1 verification from an aligned crop: the face is warped by a similarity
// transform (rotation, uniform scale, shift) that maps five mesh landmarks (eye centres, nose tip,
// mouth corners) onto a fixed template, so every face reaches the embedding model with level eyes
// at the same place and scale. The embedding graph is called directly on that crop.
// faceDescription is the adopted description (exam entry and the stored photo's): face-api's
// FaceRecognitionNet (face/facerec.ts) on dlib's 150-px face chip. faceresEmbedding stays for
// comparison in bench/verify-eval.ts.
import path from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Point, Point3, RawImage } from '../types.js';
import { DLIB_TEMPLATE, FACEREC_SIZE, faceRecDescriptor, loadFaceRec } from './facerec.js';
import { humanModelDir, loadGraphModel, tf } from './models.js';

/** ArcFace's five-point template in a 112×112 crop: eyes, nose tip, mouth corners (subject's right first). */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/** Mesh indices (MediaPipe 468 + iris): image-left eye, image-right eye, nose tip, mouth corners. */
const EYE_A = [33, 133];
const EYE_B = [362, 263];
const IRIS_A = 468;
const IRIS_B = 473;
const NOSE = 4;
const MOUTH_A = 61;
const MOUTH_B = 291;

/** The five landmarks in template order from a 478-point mesh (iris centres when present). */
export function fivePoints(mesh: readonly Point3[]): Point[] {
  const mid = (ids: number[]): Point => ({
    x: ids.reduce((s, i) => s + mesh[i]!.x, 0) / ids.length,
    y: ids.reduce((s, i) => s + mesh[i]!.y, 0) / ids.length,
  });
  let eyeA = mid(EYE_A);
  let eyeB = mid(EYE_B);
  if (mesh.length > IRIS_B) {
    // Iris centres are more precise than corner midpoints; which iris block is which eye varies.
    const i1 = mid([IRIS_A]);
    const i2 = mid([IRIS_B]);
    const d = (p: Point, q: Point) => (p.x - q.x) ** 2 + (p.y - q.y) ** 2;
    [eyeA, eyeB] = d(i1, eyeA) + d(i2, eyeB) <= d(i1, eyeB) + d(i2, eyeA) ? [i1, i2] : [i2, i1];
  }
  return [eyeA, eyeB, mid([NOSE]), mid([MOUTH_A]), mid([MOUTH_B])];
}

/** Least-squares similarity [a -b tx; b a ty] mapping `from` onto `to` (no reflection). */
export function similarity(from: readonly Point[], to: readonly Point[]): [number, number, number, number] {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]!.x / n;
    fy += from[i]!.y / n;
    tx += to[i]!.x / n;
    ty += to[i]!.y / n;
  }
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]!.x - fx;
    const py = from[i]!.y - fy;
    const qx = to[i]!.x - tx;
    const qy = to[i]!.y - ty;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  const a = num1 / den;
  const b = num2 / den;
  return [a, b, tx - (a * fx - b * fy), ty - (b * fx + a * fy)];
}

/**
 * An RGB crop of `size`×`size` (float 0..255) where the landmarks land on `template` (given in a
 * 112-px frame, scaled to `size`; `zoom` < 1 shows more around the face). Bilinear; outside the
 * image the edge pixels repeat.
 */
export function alignedCrop(
  image: RawImage,
  landmarks: readonly Point[],
  size: number,
  zoom = 1,
  template: readonly Point[] = ARCFACE_TEMPLATE,
): Float32Array {
  const k = size / 112;
  const c = 56 * k;
  const dst = template.map((p) => ({ x: c + (p.x * k - c) * zoom, y: c + (p.y * k - c) * zoom }));
  // Output px → image px.
  return warpSimilarity(image, similarity(dst, landmarks), size);
}

/**
 * A `size`×`size` RGB crop (float 0..255) whose pixel (u, v) is the image at
 * (a·u − b·v + tx, b·u + a·v + ty). Bilinear; outside the image the edge pixels repeat.
 */
export function warpSimilarity(
  image: RawImage,
  [a, b, tx, ty]: readonly [number, number, number, number],
  size: number,
): Float32Array {
  const { width: w, height: h, channels: ch, data } = image;
  const out = new Float32Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = Math.min(w - 1, Math.max(0, a * u - b * v + tx));
      const y = Math.min(h - 1, Math.max(0, b * u + a * v + ty));
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const dx = x - x0;
      const dy = y - y0;
      const o = (v * size + u) * 3;
      for (let cc = 0; cc < 3; cc++) {
        const s = ch === 1 ? 0 : cc;
        const p00 = data[(y0 * w + x0) * ch + s]!;
        const p01 = data[(y0 * w + x1) * ch + s]!;
        const p10 = data[(y1 * w + x0) * ch + s]!;
        const p11 = data[(y1 * w + x1) * ch + s]!;
        out[o + cc] = (p00 * (1 - dx) + p01 * dx) * (1 - dy) + (p10 * (1 - dx) + p11 * dx) * dy;
      }
    }
  }
  return out;
}

let faceres: Promise<GraphModel> | undefined;

/** Loads faceres once per process (workers call it at start so the first photo does not wait). */
export function loadFaceres(): Promise<GraphModel> {
  faceres ??= loadGraphModel(path.join(humanModelDir, 'faceres.json'));
  return faceres;
}

/** Side of faceres' input. */
export const FACERES_SIZE = 224;

/**
 * Human's faceres model (HSE FaceRes, MobileNet trained on VGGFace2) on an aligned crop: the
 * 1024-value global-pooling output. Input range 0..255, as Human feeds it. `zoom` 1 places the
 * landmarks on ArcFace's template scaled to 224 px (measured best of 0.5–1.15 in bench/verify-eval.ts).
 */
export async function faceresEmbedding(image: RawImage, mesh: readonly Point3[], zoom = 1): Promise<number[]> {
  // Called directly, not through Human: Human would only run it on its own, unaligned face crop.
  const g = await loadFaceres();
  const crop = alignedCrop(image, fivePoints(mesh), FACERES_SIZE, zoom);
  const input = tf.tensor4d(crop, [1, FACERES_SIZE, FACERES_SIZE, 3]);
  const outs = g.execute(input) as Tensor[];
  try {
    const desc = outs.find((t) => t.shape[1] === 1024);
    if (!desc) throw new Error('faceres: no 1024-value output');
    return Array.from(await desc.data());
  } finally {
    tf.dispose(outs);
    input.dispose();
  }
}

/** Loads what faceDescription needs (workers call it at start so the first photo does not wait). */
export async function loadFaceDescription(): Promise<void> {
  await loadFaceRec();
}

export { FACE_DESCRIPTION_LENGTH } from '../similarity.js';

/**
 * The face description used for 1:1 verification: face-api's FaceRecognitionNet (dlib's ResNet)
 * on a 150×150 crop aligned to dlib's own face-chip geometry (padding 0.25), L2-normalised, so
 * cosine similarity (and Euclidean distance) compare descriptions. Over pairs/*.tsv (923 pairs,
 * bench/verify-eval.ts `facerec`) it reached ROC 0.9998, TAR 99.4% at 1% FAR, against 88.1% for
 * faceres on the ArcFace crop; fusing both (mean of cosines) scored 96.7%, so faceres is not used.
 * The chip geometry is dlib's (zoom 1); zooms 0.9–1.1 gave 97.3–99.8%, so it was not tuned.
 */
export async function faceDescription(image: RawImage, mesh: readonly Point3[]): Promise<number[]> {
  const crop = alignedCrop(image, fivePoints(mesh), FACEREC_SIZE, 1, DLIB_TEMPLATE);
  const d = await faceRecDescriptor(crop);
  const n = Math.hypot(...d) || 1;
  return d.map((v) => v / n);
}
