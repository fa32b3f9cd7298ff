// face-api.js's FaceExpressionNet (seven expressions from a 112-px face crop), weights from the npm
// package @vladmandic/face-api (MIT). The forward pass follows face-api's
// src/faceFeatureExtractor/{FaceFeatureExtractor,denseBlock}.ts and
// src/faceExpressionNet/FaceExpressionNet.ts on the tfjs-core and WASM backend Human already uses.
// It replaced Human's emotion model, which read neutral portraits of the shared set as surprised or
// fearful at up to 0.75; this net gives the 21 negatives at most 0.05 of angry, disgusted, fearful
// and surprised together (thresholds.ts `mouth.strongExpression`). About 6 ms per face on tfjs.
// It runs where settings.ts MODEL_RUNTIME says: onnxruntime-node by default (the same layers built
// as an ONNX graph, onnx/faceapi.ts), or the tfjs pass below (KAOZHAO_MODEL_RUNTIME=tfjs, parity bench).
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { expressionOnnx, expressionSession } from '../onnx/faceapi.js';
import { MODEL_RUNTIME } from '../settings.js';
import type { Point, Point3, RawImage } from '../types.js';
import { alignedCrop, fivePoints } from './embedding.js';
import { EXPRESSION_SIZE, faceApiInput, loadFaceApiWeights, tf } from './models.js';

/** The network's outputs, in its order. */
export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
export type Expression = (typeof EXPRESSIONS)[number];
/** The readings that make an expression not neutral on their own (checks/mouth.ts). */
export const STRONG_EXPRESSIONS = [
  'angry',
  'disgusted',
  'fearful',
  'surprised',
] as const satisfies readonly Expression[];
export type StrongExpression = (typeof STRONG_EXPRESSIONS)[number];

export { EXPRESSION_SIZE };

/**
 * Where face-api's own pipeline puts the five landmarks (eye centres, nose tip, mouth corners) in
 * the 112-px input: its SSD detector's face box, padded to a square. Medians over 33 faces of the
 * shared set, made left-right symmetric. The crop here is aligned on them, so the net sees the
 * framing it was trained on, with the roll removed.
 */
export const EXPRESSION_TEMPLATE: readonly Point[] = [
  { x: 38.3, y: 42.1 },
  { x: 77.5, y: 42.1 },
  { x: 57.9, y: 63.3 },
  { x: 40.9, y: 84.0 },
  { x: 74.9, y: 84.0 },
];

type Weights = Record<string, Tensor>;

let weights: Promise<Weights> | undefined;

/** The tfjs weights, decoded once per process on first use. */
function tfjsWeights(): Promise<Weights> {
  weights ??= loadFaceApiWeights('face_expression_model');
  return weights;
}

/** Readies the configured runtime once per process (workers call it at start). */
export async function loadExpressionNet(): Promise<void> {
  if (MODEL_RUNTIME === 'onnx') await expressionSession();
  else await tfjsWeights();
}

function separable(w: Weights, x: Tensor4D, prefix: string, stride: 1 | 2): Tensor4D {
  const out = tf.separableConv2d(
    x,
    w[`${prefix}/depthwise_filter`] as Tensor4D,
    w[`${prefix}/pointwise_filter`] as Tensor4D,
    stride,
    'same',
  );
  return tf.add(out, w[`${prefix}/bias`] as Tensor1D);
}

/** face-api's denseBlock4: four convolutions, each fed the sum of the ones before it. */
function denseBlock(w: Weights, x: Tensor4D, prefix: string, first: boolean): Tensor4D {
  const out1 = tf.relu(
    first
      ? tf.add(tf.conv2d(x, w[`${prefix}/conv0/filters`] as Tensor4D, 2, 'same'), w[`${prefix}/conv0/bias`] as Tensor1D)
      : separable(w, x, `${prefix}/conv0`, 2),
  ) as Tensor4D;
  const out2 = separable(w, out1, `${prefix}/conv1`, 1);
  const in3 = tf.relu(tf.add(out1, out2)) as Tensor4D;
  const out3 = separable(w, in3, `${prefix}/conv2`, 1);
  const in4 = tf.relu(tf.add(out1, tf.add(out2, out3))) as Tensor4D;
  const out4 = separable(w, in4, `${prefix}/conv3`, 1);
  return tf.relu(tf.add(out1, tf.add(out2, tf.add(out3, out4)))) as Tensor4D;
}

/** Probabilities of the seven expressions for a 112×112 RGB crop (float 0..255, row-major HWC). */
export async function expressionProbabilities(crop: Float32Array): Promise<Record<Expression, number>> {
  const v = MODEL_RUNTIME === 'onnx' ? await expressionOnnx(crop) : await expressionVectorTfjs(crop);
  return Object.fromEntries(EXPRESSIONS.map((e, i) => [e, v[i] ?? 0])) as Record<Expression, number>;
}

/** The tfjs pass: the seven probabilities in EXPRESSIONS order; exported for the parity bench and tests. */
export async function expressionVectorTfjs(crop: Float32Array): Promise<Float32Array> {
  const w = await tfjsWeights();
  const probs = tf.tidy(() => {
    let out = faceApiInput(crop, EXPRESSION_SIZE);
    out = denseBlock(w, out, 'dense0', true);
    out = denseBlock(w, out, 'dense1', false);
    out = denseBlock(w, out, 'dense2', false);
    out = denseBlock(w, out, 'dense3', false);
    out = tf.avgPool(out, 7, 2, 'valid');
    const flat = tf.reshape(out, [1, -1]) as Tensor2D;
    return tf.softmax(tf.add(tf.matMul(flat, w['fc/weights'] as Tensor2D), w['fc/bias'] as Tensor1D));
  });
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}

/** The expression reading of a face: the net on a crop aligned to EXPRESSION_TEMPLATE. */
export function faceExpression(image: RawImage, mesh: readonly Point3[]): Promise<Record<Expression, number>> {
  return expressionProbabilities(alignedCrop(image, fivePoints(mesh), EXPRESSION_SIZE, 1, EXPRESSION_TEMPLATE));
}
