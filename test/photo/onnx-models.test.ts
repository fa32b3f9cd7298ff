// The networks moved to onnxruntime-node besides RVM (face-api's FaceRecognitionNet and
// FaceExpressionNet built as ONNX graphs, onnx/faceapi.ts; Human's handlandmark-lite converted,
// onnx/hand.ts) against their tfjs passes on the inputs the engine feeds them for real photos:
// both runtimes must agree within the bounds bench/model-parity.ts reports against. A wrong
// padding, a missed zero-concat or a mis-laid filter moves these outputs by orders of magnitude
// more than the bounds (with residualDown's zero row put first instead of last, the descriptor's
// cosine fell to 0.91–0.96).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/photo/decode.js';
import { alignedCrop, fivePoints } from '../../src/photo/face/embedding.js';
import { EXPRESSION_SIZE, EXPRESSION_TEMPLATE, expressionVectorTfjs } from '../../src/photo/face/expression.js';
import { DLIB_TEMPLATE, FACEREC_SIZE, faceRecDescriptorTfjs } from '../../src/photo/face/facerec.js';
import {
  chinSquares,
  handCrops,
  handLandmarkOnnxHwc,
  handLandmarkTfjs,
  handNearChin,
} from '../../src/photo/face/hand.js';
import { analyze } from '../../src/photo/face/human.js';
import { expressionOnnx, faceRecDescriptorOnnx } from '../../src/photo/onnx/faceapi.js';
import { cosineSimilarity } from '../../src/photo/similarity.js';
import type { Point3, RawImage } from '../../src/photo/types.js';
import { facePath, haveFaces } from '../faces.js';

const PORTRAITS = [
  'portraits/compreface__faces__FACE_1.jpg',
  'portraits/compreface__faces__FACE_3.jpg',
  'portraits/asianfaces__DCleaning_tool__target_images__105__105_1.jpg',
];
/** A hand on the face: its first crop reads high, so the re-crop steps run too. */
const HAND = 'defects/hand_over_face/human__in__stock-emotions-b-6.jpg';

interface Face {
  image: RawImage;
  mesh: Point3[];
  width: number;
}

async function face(file: string): Promise<Face> {
  const d = await decode(new Uint8Array(readFileSync(facePath(file))));
  const f = (await analyze(d.image)).faces[0];
  if (!f) throw new Error(`${file}: no face`);
  return { image: d.image, mesh: f.mesh, width: f.box[2] };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describe.skipIf(!haveFaces)('ONNX vs tfjs on real portraits: descriptor, expression, hand', () => {
  const faces = new Map<string, Face>();
  beforeAll(async () => {
    for (const f of [...PORTRAITS, HAND]) faces.set(f, await face(f));
  });

  it.each(PORTRAITS)('%s: FaceRecognitionNet descriptors agree (cosine ≥ 0.99999)', async (file) => {
    const { image, mesh } = faces.get(file)!;
    const chip = alignedCrop(image, fivePoints(mesh), FACEREC_SIZE, 1, DLIB_TEMPLATE);
    const t = await faceRecDescriptorTfjs(chip);
    const o = await faceRecDescriptorOnnx(chip);
    expect(o).toHaveLength(128);
    expect(cosineSimilarity(t, o)).toBeGreaterThanOrEqual(0.99999);
    // Raw values are about 0.1 each: 1e-4 is a thousandth of one.
    expect(maxAbsDiff(t, o)).toBeLessThan(1e-4);
  });

  it.each(PORTRAITS)('%s: FaceExpressionNet probabilities agree (|Δ| < 1e-4)', async (file) => {
    const { image, mesh } = faces.get(file)!;
    const crop = alignedCrop(image, fivePoints(mesh), EXPRESSION_SIZE, 1, EXPRESSION_TEMPLATE);
    const t = await expressionVectorTfjs(crop);
    const o = await expressionOnnx(crop);
    expect(o).toHaveLength(7);
    expect(maxAbsDiff(t, o)).toBeLessThan(1e-4);
  });

  it.each([...PORTRAITS, HAND])('%s: hand landmarks agree on the chin batch and end to end', async (file) => {
    const { image, mesh, width } = faces.get(file)!;
    const { batch } = handCrops(image, chinSquares(mesh, width));
    const t = await handLandmarkTfjs(batch, 2);
    const o = await handLandmarkOnnxHwc(batch, 2);
    expect(o.scores).toHaveLength(2);
    expect(o.points).toHaveLength(2 * 63);
    expect(maxAbsDiff(t.scores, o.scores)).toBeLessThan(1e-3);
    // Crop pixels of a 224-px crop.
    expect(maxAbsDiff(t.points, o.points)).toBeLessThan(0.05);

    const ht = await handNearChin(image, mesh, width, 'tfjs');
    const ho = await handNearChin(image, mesh, width, 'onnx');
    expect(Math.abs(ht.score - ho.score)).toBeLessThan(1e-3);
    const kp = Math.max(...ht.keypoints.map((p, i) => Math.hypot(p.x - ho.keypoints[i]!.x, p.y - ho.keypoints[i]!.y)));
    expect(kp).toBeLessThan(0.5);
    if (file === HAND) expect(ho.score).toBeGreaterThan(0.5);
  });
});
