// face-api.js's FaceRecognitionNet (dlib's ResNet-34-like face descriptor, 128 values, 99.38% on
// LFW), weights from the npm package @vladmandic/face-api (MIT), read from node_modules at run time.
// Only the weights are used: the forward pass below follows face-api's
// src/faceRecognitionNet/{FaceRecognitionNet,convLayer,residualLayer,scaleLayer}.ts on the tfjs-core
// and WASM backend Human already uses, so no second tfjs instance is loaded.
// It runs where settings.ts MODEL_RUNTIME says: onnxruntime-node by default (the same layers built
// as an ONNX graph, onnx/faceapi.ts), or this file's tfjs pass, kept for KAOZHAO_MODEL_RUNTIME=tfjs
// and for the parity bench (bench/model-parity.ts).
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { faceRecDescriptorOnnx, faceRecSession } from '../onnx/faceapi.js';
import { MODEL_RUNTIME } from '../settings.js';
import type { Point } from '../types.js';
import { FACEREC_SIZE, faceApiInput, loadFaceApiWeights, tf } from './models.js';

export { FACEREC_SIZE };

/**
 * dlib's face chip (get_face_chip_details, 150 px, padding 0.25, what the net was trained on) as a
 * five-point template in a 112-px frame (alignedCrop's convention): dlib's mean face shape points
 * for the eye centres (means of 36–41 and 42–47), nose tip (30) and mouth corners (48, 54),
 * mapped by (v + 0.25) / 1.5.
 */
export const DLIB_TEMPLATE: readonly Point[] = [
  [0.225492, 0.21599],
  [0.754761, 0.21599],
  [0.490127, 0.515625],
  [0.254149, 0.780233],
  [0.726104, 0.780233],
].map(([x, y]) => ({ x: ((x! + 0.25) / 1.5) * 112, y: ((y! + 0.25) / 1.5) * 112 }));

type Weights = Record<string, Tensor>;

let weights: Promise<Weights> | undefined;

/** The tfjs weights, decoded once per process on first use. */
function tfjsWeights(): Promise<Weights> {
  weights ??= loadFaceApiWeights('face_recognition_model');
  return weights;
}

/** Readies the configured runtime once per process (workers call it at start). */
export async function loadFaceRec(): Promise<void> {
  if (MODEL_RUNTIME === 'onnx') await faceRecSession();
  else await tfjsWeights();
}

function convLayer(w: Weights, x: Tensor4D, prefix: string, stride: 1 | 2, relu: boolean): Tensor4D {
  const filters = w[`${prefix}/conv/filters`] as Tensor4D;
  let out: Tensor4D = tf.conv2d(x, filters, stride, stride === 2 ? 'valid' : 'same');
  out = tf.add(out, w[`${prefix}/conv/bias`] as Tensor1D);
  out = tf.add(tf.mul(out, w[`${prefix}/scale/weights`] as Tensor1D), w[`${prefix}/scale/biases`] as Tensor1D);
  return relu ? tf.relu(out) : out;
}

function residual(w: Weights, x: Tensor4D, prefix: string): Tensor4D {
  const out = convLayer(w, convLayer(w, x, `${prefix}/conv1`, 1, true), `${prefix}/conv2`, 1, false);
  return tf.relu(tf.add(out, x)) as Tensor4D;
}

function residualDown(w: Weights, x: Tensor4D, prefix: string): Tensor4D {
  let out = convLayer(w, convLayer(w, x, `${prefix}/conv1`, 2, true), `${prefix}/conv2`, 1, false);
  let pooled = tf.avgPool(x, 2, 2, 'valid');
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    const [b, h, wd, c] = out.shape;
    out = tf.concat([out, tf.zeros([b, 1, wd, c])], 1);
    out = tf.concat([out, tf.zeros([b, h + 1, 1, c])], 2);
  }
  if (pooled.shape[3] !== out.shape[3]) pooled = tf.concat([pooled, tf.zeros(pooled.shape)], 3);
  return tf.relu(tf.add(pooled, out)) as Tensor4D;
}

/** The 128-value descriptor of a 150×150 RGB crop (float 0..255, row-major HWC). */
export function faceRecDescriptor(crop: Float32Array): Promise<number[]> {
  return MODEL_RUNTIME === 'onnx' ? faceRecDescriptorOnnx(crop) : faceRecDescriptorTfjs(crop);
}

/** The tfjs pass; exported for the parity bench and tests. */
export async function faceRecDescriptorTfjs(crop: Float32Array): Promise<number[]> {
  const w = await tfjsWeights();
  const desc = tf.tidy(() => {
    const input = faceApiInput(crop, FACEREC_SIZE);
    let out = convLayer(w, input, 'conv32_down', 2, true);
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(w, out, p);
    out = residualDown(w, out, 'conv64_down');
    for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(w, out, p);
    out = residualDown(w, out, 'conv128_down');
    for (const p of ['conv128_1', 'conv128_2']) out = residual(w, out, p);
    out = residualDown(w, out, 'conv256_down');
    for (const p of ['conv256_1', 'conv256_2']) out = residual(w, out, p);
    out = residualDown(w, out, 'conv256_down_out');
    return tf.matMul(tf.mean(out, [1, 2]) as Tensor2D, w.fc as Tensor2D);
  });
  try {
    return Array.from(await desc.data());
  } finally {
    desc.dispose();
  }
}
