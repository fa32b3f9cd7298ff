// Matting: a soft alpha (and RVM's foreground colour) for the aligned crop. RVM is called directly
// with zeroed recurrent state on every call: Human's segmentation() carries the state of the last
// photo into the next and runs at full input resolution.
//
// Both run where settings.ts MODEL_RUNTIME says: onnxruntime-node by default (onnx/rvm.ts,
// onnx/selfie.ts), or tfjs.
import path from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Tensor } from '@tensorflow/tfjs-core';
import { extraModelDir, loadGraphModel, tf } from './face/models.js';
import { rvmOnnx, rvmSession } from './onnx/rvm.js';
import { SELFIE_SIZE, selfieMaskOnnx, selfieSession } from './onnx/selfie.js';
import { MODEL_RUNTIME } from './settings.js';
import { loadSpec } from './spec.js';
import { MATTING } from './thresholds.js';
import type { FeatureMap, MattingModel, RawImage } from './types.js';

export interface Matte {
  /** 0–255 per pixel, same size as the input. */
  alpha: Uint8Array;
  /** Foreground colour with the old background removed from mixed pixels (RVM only), RGB. */
  foreground: Uint8Array | null;
  /** RVM's LR-ASPP activations for the learned checks (onnx runtime only; null otherwise). */
  features?: FeatureMap | null;
}

const models = new Map<MattingModel, Promise<GraphModel>>();

function model(kind: MattingModel): Promise<GraphModel> {
  let m = models.get(kind);
  if (!m) {
    m = loadGraphModel(path.join(extraModelDir, `${kind}.json`));
    models.set(kind, m);
  }
  return m;
}

export async function preloadMatting(kind: MattingModel): Promise<void> {
  if (MODEL_RUNTIME === 'onnx') {
    // A session is built per crop size and the crop is the spec's output size: warm the default
    // spec's; another spec's size pays its build (about a second) on its first photo.
    const { width, height } = loadSpec();
    await (kind === 'rvm' ? rvmSession : selfieSession)(width, height);
    return;
  }
  await model(kind);
}

function toUint8(t: Tensor | Float32Array): Uint8Array {
  const data = t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(data[i]! * 255)));
  return out;
}

/** The tfjs path; exported for the parity bench and tests. */
export async function rvmTfjs(image: RawImage): Promise<Matte> {
  const m = await model('rvm');
  const inputs: Record<string, Tensor> = {
    src: tf.tidy(() =>
      tf.div(tf.expandDims(tf.tensor3d(image.data, [image.height, image.width, 3], 'float32'), 0), 255),
    ),
    'r1i:0': tf.tensor(0),
    'r2i:0': tf.tensor(0),
    'r3i:0': tf.tensor(0),
    'r4i:0': tf.tensor(0),
    'downsample_ratio:0': tf.tensor(MATTING.rvmDownsampleRatio),
  };
  const outputs = (await m.executeAsync(inputs, ['fgr', 'pha', 'r1o', 'r2o', 'r3o', 'r4o'])) as Tensor[];
  try {
    const [fgr, pha] = outputs as [Tensor, Tensor];
    return { alpha: toUint8(pha), foreground: toUint8(fgr) };
  } finally {
    tf.dispose(outputs);
    tf.dispose(Object.values(inputs));
  }
}

/** The tfjs path; exported for the parity test. */
export async function selfieTfjs(image: RawImage): Promise<Matte> {
  const m = await model('selfie');
  const size = SELFIE_SIZE;
  const out = tf.tidy(() => {
    const t = tf.expandDims(tf.tensor3d(image.data, [image.height, image.width, 3], 'float32'), 0);
    const resized = tf.image.resizeBilinear(t as import('@tensorflow/tfjs-core').Tensor4D, [size, size]);
    const mask = m.execute(tf.div(resized, 255)) as import('@tensorflow/tfjs-core').Tensor4D;
    return tf.image.resizeBilinear(mask, [image.height, image.width]);
  });
  try {
    return { alpha: toUint8(out), foreground: null };
  } finally {
    out.dispose();
  }
}

export function matte(image: RawImage, kind: MattingModel): Promise<Matte> {
  if (image.channels !== 3) throw new Error('matte expects RGB');
  if (kind === 'selfie')
    return MODEL_RUNTIME === 'onnx'
      ? selfieMaskOnnx(image).then((mask) => ({ alpha: toUint8(mask), foreground: null }))
      : selfieTfjs(image);
  return MODEL_RUNTIME === 'onnx' ? rvmOnnx(image) : rvmTfjs(image);
}
