// Human's models moved to onnxruntime-node (MoveNet, onnx/movenet.ts; anti-spoof and liveness,
// onnx/spoof.ts) against the same TF.js graphs run on tfjs, on real photos, as Human feeds them.
// A swapped x/y, a mis-laid head channel or a wrong distance weighting in the decoding moves a
// keypoint by tens of pixels; a wrong flatten order in the classifiers moves a score by tenths.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Tensor, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/photo/decode.js';
import { analyze, paddedSquare } from '../../src/photo/face/human.js';
import { humanModelDir, loadGraphModel, tf } from '../../src/photo/face/models.js';
import { bodyKeypointsOnnx, moveNetInput } from '../../src/photo/onnx/movenet.js';
import { SPOOF_MODELS, type SpoofModel, spoofScore } from '../../src/photo/onnx/spoof.js';
import type { RawImage } from '../../src/photo/types.js';
import { facePath, haveFaces } from '../faces.js';

const PHOTOS = [
  'portraits/compreface__faces__FACE_3.jpg',
  'portraits/deepface__dataset__img13.jpg',
  'portraits/asianfaces__DCleaning_tool__target_images__105__105_1.jpg',
  'defects/hand_over_face/human__in__stock-emotions-b-6.jpg',
];

const PARTS = ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar', 'leftShoulder', 'rightShoulder'];

async function image(file: string): Promise<RawImage> {
  return (await decode(new Uint8Array(readFileSync(facePath(file))))).image;
}

/** Human's MoveNet input on tfjs (body/movenetfix.ts padInput on the padded square). */
function tfjsMoveNetInput(img: RawImage): Tensor4D {
  return tf.tidy(() => {
    const square = paddedSquare(img);
    return tf.cast(tf.image.resizeBilinear(square, [192, 192]), 'int32') as Tensor4D;
  });
}

describe.skipIf(!haveFaces)("Human's MoveNet, anti-spoof and liveness: ONNX vs tfjs on real photos", () => {
  let movenet: GraphModel;
  const spoof = new Map<SpoofModel, GraphModel>();
  const images = new Map<string, RawImage>();
  beforeAll(async () => {
    movenet = await loadGraphModel(path.join(humanModelDir, 'movenet-lightning.json'));
    for (const kind of Object.keys(SPOOF_MODELS) as SpoofModel[])
      spoof.set(kind, await loadGraphModel(path.join(humanModelDir, SPOOF_MODELS[kind].file)));
    for (const f of PHOTOS) images.set(f, await image(f));
  });

  it.each(PHOTOS)('%s: the MoveNet input is the one Human builds', (file) => {
    const img = images.get(file)!;
    const t = tfjsMoveNetInput(img);
    const nhwc = t.dataSync();
    t.dispose();
    const planes = moveNetInput(img);
    const n = 192 * 192;
    let differ = 0;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(planes[c * n + i]! - nhwc[i * 3 + c]!);
        if (d > 0) differ++;
        worst = Math.max(worst, d);
      }
    // Float rounding can tip a truncation by one level on a handful of values.
    expect(worst).toBeLessThanOrEqual(1);
    expect(differ / (3 * n)).toBeLessThan(0.001);
  });

  it.each(PHOTOS)('%s: the confident keypoints agree within 2 px of the analysis image', async (file) => {
    const img = images.get(file)!;
    const side = Math.max(img.width, img.height);
    const input = tfjsMoveNetInput(img);
    const out = movenet.execute(input) as Tensor;
    const rows = (await out.array()) as number[][][][];
    tf.dispose([input, out]);
    const onnx = await bodyKeypointsOnnx(img);
    let compared = 0;
    for (const [k, part] of PARTS.entries()) {
      const [y, x, score] = rows[0]![0]![k]!;
      if (score! < 0.3) continue;
      const o = onnx.find((p) => p.part === part);
      expect(o, part).toBeDefined();
      expect(Math.abs(o!.x - x! * side), part).toBeLessThanOrEqual(2);
      expect(Math.abs(o!.y - y! * side), part).toBeLessThanOrEqual(2);
      expect(Math.abs(o!.score - score!), part).toBeLessThanOrEqual(0.015);
      compared++;
    }
    // Every photo has a face with eyes and nose the model is sure of.
    expect(compared).toBeGreaterThanOrEqual(3);
  });

  it.each(PHOTOS)('%s: anti-spoof and liveness scores agree (|Δ| < 1e-4) on the face crop', async (file) => {
    const img = images.get(file)!;
    // The crop comes from the engine's own analysis (face/human.ts returns it to the pair); here
    // the face box is cut the same way for both runtimes.
    const face = (await analyze(img)).faces[0];
    expect(face).toBeDefined();
    const [bx, by, bw, bh] = face!.box;
    for (const kind of Object.keys(SPOOF_MODELS) as SpoofModel[]) {
      const { size } = SPOOF_MODELS[kind];
      const crop = tf.tidy(() => {
        const full = tf.div(tf.tensor3d(img.data, [img.height, img.width, 3], 'float32'), 255) as Tensor3D;
        const box = [[by / img.height, bx / img.width, (by + bh) / img.height, (bx + bw) / img.width]];
        return tf.image.cropAndResize(tf.expandDims(full, 0) as Tensor4D, box, [0], [size, size]);
      });
      const pixels = crop.dataSync() as Float32Array;
      const res = spoof.get(kind)!.execute(crop) as Tensor;
      const t = (await res.data())[0]!;
      tf.dispose([crop, res]);
      const o = await spoofScore(kind, Float32Array.from(pixels));
      expect(Math.abs(o - t), kind).toBeLessThan(1e-4);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThanOrEqual(1);
    }
  });
});
