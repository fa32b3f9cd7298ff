// face-api's FaceRecognitionNet and FaceExpressionNet as ONNX graphs, built here from the same
// uint8-quantised weights the tfjs path decodes (face/facerec.ts, face/expression.ts): those nets
// are code over weights, not graph models, so there is nothing for tfjs-to-onnx.ts to convert.
// Every layer mirrors the tfjs forward pass, TF's asymmetric 'same' padding included.
import path from 'node:path';
import { EXPRESSION_SIZE, FACEREC_SIZE, faceApiModelDir } from '../face/models.js';
import {
  depthwiseToOihw,
  GraphBuilder,
  hwioToOihw,
  outSize,
  readWeightsManifest,
  tfPads,
  type Weight,
} from './graph.js';
import { type BuiltSession, buildSession, floatTensor, runSession, SessionCache, weightFiles } from './session.js';

/** face-api's mean RGB (faceApiInput in face/models.ts), as the float32 tfjs subtracts. */
const MEAN = [122.782, 117.001, 104.298].map(Math.fround);

/**
 * A size×size RGB crop (0..255 HWC) → face-api's normalised NCHW input, rounded at each step as
 * tfjs' float32 sub then div are, so both runtimes see the same input bits.
 */
export function faceApiPlanes(crop: Float32Array, size: number): Float32Array {
  const plane = size * size;
  if (crop.length !== plane * 3) throw new Error(`expected a ${size}×${size} RGB crop`);
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) out[c * plane + i] = Math.fround(crop[i * 3 + c]! - MEAN[c]!) / 255;
  return out;
}

function weight(w: Map<string, Weight>, name: string): Weight {
  const v = w.get(name);
  if (!v) throw new Error(`face-api weights: no ${name}`);
  return v;
}

interface Feature {
  name: string;
  /** Channels, height, width. */
  c: number;
  h: number;
  w: number;
}

// --- FaceRecognitionNet ----------------------------------------------------------------------------

/**
 * convLayer: conv (+ bias), then the scale layer (× weights + biases), relu or not. The scale is
 * folded into the conv: W·s and b·s + t, one rounding per weight instead of two per activation.
 */
function recConv(g: GraphBuilder, w: Map<string, Weight>, x: Feature, prefix: string, stride: 1 | 2, relu: boolean) {
  const filters = weight(w, `${prefix}/conv/filters`);
  const bias = weight(w, `${prefix}/conv/bias`).data;
  const s = weight(w, `${prefix}/scale/weights`).data;
  const t = weight(w, `${prefix}/scale/biases`).data;
  const [k, , ci, co] = filters.shape as [number, number, number, number];
  if (ci !== x.c) throw new Error(`${prefix}: filter expects ${ci} channels, input has ${x.c}`);
  const folded = new Float32Array(co);
  for (let o = 0; o < co; o++) folded[o] = bias[o]! * s[o]! + t[o]!;
  // face-api: 'valid' for the strided convs, 'same' otherwise.
  const ph = tfPads(x.h, k, stride, stride === 2 ? 'valid' : 'same');
  const pw = tfPads(x.w, k, stride, stride === 2 ? 'valid' : 'same');
  let y = g.conv(x.name, hwioToOihw(filters, s), [co, ci, k, k], folded, stride, [ph[0], pw[0], ph[1], pw[1]]);
  if (relu) y = g.op('Relu', [y]);
  return { name: y, c: co, h: outSize(x.h, k, stride, ph), w: outSize(x.w, k, stride, pw) };
}

function recResidual(g: GraphBuilder, w: Map<string, Weight>, x: Feature, prefix: string): Feature {
  const out = recConv(g, w, recConv(g, w, x, `${prefix}/conv1`, 1, true), `${prefix}/conv2`, 1, false);
  return { ...out, name: g.op('Relu', [g.op('Add', [out.name, x.name])]) };
}

/**
 * residualDown: the strided branch plus a 2×2 average pool of the input. Where the pool is a pixel
 * larger (odd input), face-api concatenates a zero row and column at the end of the conv branch;
 * where the branch has more channels, zero channels after the pooled ones. Both are end-padding.
 */
function recResidualDown(g: GraphBuilder, w: Map<string, Weight>, x: Feature, prefix: string): Feature {
  let out = recConv(g, w, recConv(g, w, x, `${prefix}/conv1`, 2, true), `${prefix}/conv2`, 1, false);
  let pooled: Feature = {
    name: g.op('AveragePool', [x.name], {
      kernel_shape: { kind: 'ints', value: [2, 2] },
      strides: { kind: 'ints', value: [2, 2] },
    }),
    c: x.c,
    h: outSize(x.h, 2, 2, [0, 0]),
    w: outSize(x.w, 2, 2, [0, 0]),
  };
  if (pooled.h !== out.h || pooled.w !== out.w) {
    // face-api adds exactly one row and one column whenever the sizes differ.
    out = { ...out, name: g.pad(out.name, [0, 0, 0, 0, 0, 0, 1, 1]), h: out.h + 1, w: out.w + 1 };
    if (pooled.h !== out.h || pooled.w !== out.w)
      throw new Error(`${prefix}: pool ${pooled.h}×${pooled.w} vs conv ${out.h}×${out.w}`);
  }
  if (pooled.c !== out.c) {
    // face-api concatenates zeros of the pooled tensor's own shape: twice the channels.
    if (pooled.c * 2 !== out.c) throw new Error(`${prefix}: ${pooled.c} pooled channels vs ${out.c}`);
    pooled = { ...pooled, name: g.pad(pooled.name, [0, 0, 0, 0, 0, pooled.c, 0, 0]), c: out.c };
  }
  return { ...out, name: g.op('Relu', [g.op('Add', [pooled.name, out.name])]) };
}

/** FaceRecognitionNet for one NCHW 1×3×150×150 input `input`, output `descriptor` [1, 128]. */
export function buildFaceRecOnnx(size = FACEREC_SIZE): Uint8Array {
  const w = readWeightsManifest(faceApiModelDir, 'face_recognition_model');
  const g = new GraphBuilder('face_recognition_net');
  let x: Feature = { name: 'input', c: 3, h: size, w: size };
  x = recConv(g, w, x, 'conv32_down', 2, true);
  x = {
    ...x,
    name: g.op('MaxPool', [x.name], {
      kernel_shape: { kind: 'ints', value: [3, 3] },
      strides: { kind: 'ints', value: [2, 2] },
    }),
    h: outSize(x.h, 3, 2, [0, 0]),
    w: outSize(x.w, 3, 2, [0, 0]),
  };
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = recResidual(g, w, x, p);
  x = recResidualDown(g, w, x, 'conv64_down');
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = recResidual(g, w, x, p);
  x = recResidualDown(g, w, x, 'conv128_down');
  for (const p of ['conv128_1', 'conv128_2']) x = recResidual(g, w, x, p);
  x = recResidualDown(g, w, x, 'conv256_down');
  for (const p of ['conv256_1', 'conv256_2']) x = recResidual(g, w, x, p);
  x = recResidualDown(g, w, x, 'conv256_down_out');
  const fc = weight(w, 'fc');
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [x.name])]);
  const y = g.op('MatMul', [pooled, g.f32(fc.data, fc.shape)]);
  return g.build({ name: 'input', dims: [1, 3, size, size] }, y, 'descriptor', [1, fc.shape[1]!]);
}

// --- FaceExpressionNet -----------------------------------------------------------------------------

/** tf.separableConv2d (depthwise, then 1×1 'valid') plus bias, 'same' padding. */
function separable(g: GraphBuilder, w: Map<string, Weight>, x: Feature, prefix: string, stride: 1 | 2): Feature {
  const dw = weight(w, `${prefix}/depthwise_filter`);
  const pw = weight(w, `${prefix}/pointwise_filter`);
  const bias = weight(w, `${prefix}/bias`).data;
  const k = dw.shape[0]!;
  const ph = tfPads(x.h, k, stride, 'same');
  const pwd = tfPads(x.w, k, stride, 'same');
  const d = g.conv(x.name, depthwiseToOihw(dw), [x.c, 1, k, k], null, stride, [ph[0], pwd[0], ph[1], pwd[1]], x.c);
  const co = pw.shape[3]!;
  const y = g.conv(d, hwioToOihw(pw), [co, x.c, 1, 1], bias, 1, [0, 0, 0, 0]);
  return { name: y, c: co, h: outSize(x.h, k, stride, ph), w: outSize(x.w, k, stride, pwd) };
}

/** denseBlock4, the sums associated as the tfjs pass does: out1 + (out2 + (out3 + out4)). */
function denseBlock(g: GraphBuilder, w: Map<string, Weight>, x: Feature, prefix: string, first: boolean): Feature {
  let c0: Feature;
  if (first) {
    const f = weight(w, `${prefix}/conv0/filters`);
    const [k, , ci, co] = f.shape as [number, number, number, number];
    const ph = tfPads(x.h, k, 2, 'same');
    const pw = tfPads(x.w, k, 2, 'same');
    c0 = {
      name: g.conv(x.name, hwioToOihw(f), [co, ci, k, k], weight(w, `${prefix}/conv0/bias`).data, 2, [
        ph[0],
        pw[0],
        ph[1],
        pw[1],
      ]),
      c: co,
      h: outSize(x.h, k, 2, ph),
      w: outSize(x.w, k, 2, pw),
    };
  } else c0 = separable(g, w, x, `${prefix}/conv0`, 2);
  const out1 = { ...c0, name: g.op('Relu', [c0.name]) };
  const out2 = separable(g, w, out1, `${prefix}/conv1`, 1);
  const in3 = { ...out1, name: g.op('Relu', [g.op('Add', [out1.name, out2.name])]) };
  const out3 = separable(g, w, in3, `${prefix}/conv2`, 1);
  const in4 = { ...out1, name: g.op('Relu', [g.op('Add', [out1.name, g.op('Add', [out2.name, out3.name])])]) };
  const out4 = separable(g, w, in4, `${prefix}/conv3`, 1);
  const sum = g.op('Add', [out1.name, g.op('Add', [out2.name, g.op('Add', [out3.name, out4.name])])]);
  return { ...out1, name: g.op('Relu', [sum]) };
}

/** FaceExpressionNet for one NCHW 1×3×112×112 input `input`, output `probabilities` [1, 7]. */
export function buildExpressionOnnx(size = EXPRESSION_SIZE): Uint8Array {
  const w = readWeightsManifest(faceApiModelDir, 'face_expression_model');
  const g = new GraphBuilder('face_expression_net');
  let x: Feature = { name: 'input', c: 3, h: size, w: size };
  x = denseBlock(g, w, x, 'dense0', true);
  x = denseBlock(g, w, x, 'dense1', false);
  x = denseBlock(g, w, x, 'dense2', false);
  x = denseBlock(g, w, x, 'dense3', false);
  if (outSize(x.h, 7, 2, [0, 0]) !== 1 || outSize(x.w, 7, 2, [0, 0]) !== 1)
    throw new Error(`expression net: ${x.h}×${x.w} before the 7×7 pool, expected 1×1 after`);
  const pooled = g.op('AveragePool', [x.name], {
    kernel_shape: { kind: 'ints', value: [7, 7] },
    strides: { kind: 'ints', value: [2, 2] },
  });
  const fcW = weight(w, 'fc/weights');
  const fcB = weight(w, 'fc/bias');
  const logits = g.op('Add', [
    g.op('MatMul', [g.op('Flatten', [pooled]), g.f32(fcW.data, fcW.shape)]),
    g.f32(fcB.data, fcB.shape),
  ]);
  const probs = g.op('Softmax', [logits], { axis: { kind: 'int', value: 1 } });
  return g.build({ name: 'input', dims: [1, 3, size, size] }, probs, 'probabilities', [1, fcW.shape[1]!]);
}

// --- sessions ----------------------------------------------------------------------------------------

const sessions = new SessionCache<BuiltSession>();

const manifest = (name: string) => weightFiles(path.join(faceApiModelDir, `${name}-weights_manifest.json`));

export const faceRecSession = () =>
  sessions.get('facerec', () =>
    buildSession(`facerec-${FACEREC_SIZE}`, manifest('face_recognition_model'), () => buildFaceRecOnnx()),
  );
export const expressionSession = () =>
  sessions.get('expression', () =>
    buildSession(`expression-${EXPRESSION_SIZE}`, manifest('face_expression_model'), () => buildExpressionOnnx()),
  );

/** Same contract as face/facerec.ts faceRecDescriptorTfjs: a 150×150 RGB crop (0..255 HWC) → 128 values. */
export async function faceRecDescriptorOnnx(crop: Float32Array): Promise<number[]> {
  const { session } = await faceRecSession();
  const input = floatTensor(faceApiPlanes(crop, FACEREC_SIZE), [1, 3, FACEREC_SIZE, FACEREC_SIZE]);
  const [d] = await runSession(session, { input }, ['descriptor']);
  return Array.from(d!);
}

/** Same contract as face/expression.ts' tfjs pass: a 112×112 RGB crop (0..255 HWC) → 7 probabilities. */
export async function expressionOnnx(crop: Float32Array): Promise<Float32Array> {
  const { session } = await expressionSession();
  const input = floatTensor(faceApiPlanes(crop, EXPRESSION_SIZE), [1, 3, EXPRESSION_SIZE, EXPRESSION_SIZE]);
  const [p] = await runSession(session, { input }, ['probabilities']);
  return p!;
}
