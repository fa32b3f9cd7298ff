// The TF.js → ONNX converter (src/photo/onnx/) against tfjs itself: weights decode bit for bit as
// tfjs decodes them, a small graph with the ops whose conventions differ most between the two
// (SAME padding with stride, half-pixel resize, SAME average pooling on odd sizes, channel concat)
// computes the same on both, and RVM and the selfie scout (a transposed convolution at its end) on
// real portraits give the same alpha on both runtimes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ensureBackend, extraModelDir, tf } from '../../src/photo/face/models.js';
import { matte, rvmTfjs, selfieTfjs } from '../../src/photo/matting.js';
import { rvmOnnx } from '../../src/photo/onnx/rvm.js';
import {
  decodeWeights,
  type TfModelJson,
  type TfNode,
  type TfWeightSpec,
  tfjsGraphToOnnx,
  UnsupportedOpError,
} from '../../src/photo/onnx/tfjs-to-onnx.js';
import type { RawImage } from '../../src/photo/types.js';
import { facePath, haveFaces } from '../faces.js';

const require = createRequire(import.meta.url);
const converter: typeof import('@tensorflow/tfjs-converter') = require('@tensorflow/tfjs-converter');
const ort: typeof import('onnxruntime-node') = require('onnxruntime-node');

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
const float = { dtype: { type: 'DT_FLOAT' } };

/** A deterministic pseudo-random float in [-1, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

interface TinyModel {
  json: TfModelJson;
  bytes: Uint8Array;
  specs: TfWeightSpec[];
}

/** A graph model built in memory: consts are float32/int32 weights in node order. */
function tinyModel(
  nodes: TfNode[],
  consts: { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: number[] }[],
) {
  const specs: TfWeightSpec[] = consts.map((c) => ({ name: c.name, shape: c.shape, dtype: c.dtype }));
  const parts = consts.map((c) =>
    c.dtype === 'float32'
      ? new Uint8Array(Float32Array.from(c.data).buffer)
      : new Uint8Array(Int32Array.from(c.data).buffer),
  );
  const bytes = new Uint8Array(Buffer.concat(parts));
  const constNodes: TfNode[] = consts.map((c) => ({
    name: c.name,
    op: 'Const',
    attr: { dtype: { type: c.dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32' }, value: { tensor: {} } },
  }));
  const json: TfModelJson = {
    modelTopology: { node: [...constNodes, ...nodes], library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: [], weights: specs }],
  };
  return { json, bytes, specs } satisfies TinyModel;
}

/** The same tiny model loaded by tfjs itself, the reference the converted graph is held to. */
function tfjsModel({ json, bytes, specs }: TinyModel) {
  return converter.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: specs as Parameters<typeof tf.io.decodeWeights>[1],
      weightData: bytes.slice().buffer,
    }),
  );
}

async function runOnnx(bytes: Uint8Array, feeds: Record<string, InstanceType<typeof ort.Tensor>>) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  return session.run(feeds);
}

describe('tfjs → ONNX converter', () => {
  it('decodes the uint8-quantised RVM weights exactly as tfjs does', async () => {
    await ensureBackend();
    const json = JSON.parse(readFileSync(path.join(extraModelDir, 'rvm.json'), 'utf8')) as TfModelJson;
    const bin = readFileSync(path.join(extraModelDir, 'rvm.bin'));
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    expect(specs.some((s) => s.quantization?.dtype === 'uint8')).toBe(true);
    const ours = decodeWeights(specs, new Uint8Array(bin));
    const theirs = tf.io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      specs as Parameters<typeof tf.io.decodeWeights>[1],
    );
    let compared = 0;
    for (const spec of specs) {
      const a = ours.get(spec.name)!.data;
      const b = theirs[spec.name]!.dataSync();
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect([spec.name, i, a[i]]).toEqual([spec.name, i, b[i]]);
      compared += a.length;
    }
    tf.dispose(Object.values(theirs));
    expect(compared).toBeGreaterThan(1_000_000);
  });

  it('matches tfjs on strided SAME conv, half-pixel resize, SAME avg pool and channel ops', async () => {
    await ensureBackend();
    const rnd = lcg(7);
    const { json, bytes, specs } = tinyModel(
      [
        { name: 'x', op: 'Placeholder', attr: { ...float, shape: { shape: { unknownRank: true } } } },
        {
          name: 'conv',
          op: '_FusedConv2D',
          input: ['x', 'w', 'b'],
          attr: {
            strides: ints(1, 2, 2, 1),
            dilations: ints(1, 1, 1, 1),
            padding: { s: b64('SAME') },
            data_format: { s: b64('NHWC') },
            fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } },
            num_args: { i: '1' },
          },
        },
        {
          name: 'resize',
          op: 'ResizeBilinear',
          input: ['conv', 'size'],
          attr: { align_corners: { b: false }, half_pixel_centers: { b: true } },
        },
        { name: 'mean', op: 'Mean', input: ['resize', 'axis'], attr: { keep_dims: { b: true } } },
        { name: 'cat', op: 'ConcatV2', input: ['resize', 'mean', 'axis'], attr: { N: { i: '2' } } },
        {
          name: 'pool',
          op: 'AvgPool',
          input: ['cat'],
          attr: {
            ksize: ints(1, 2, 2, 1),
            strides: ints(1, 2, 2, 1),
            padding: { s: b64('SAME') },
            data_format: { s: b64('NHWC') },
          },
        },
        { name: 'split', op: 'Split', input: ['axis', 'pool'], attr: { num_split: { i: '2' } } },
        { name: 'out', op: 'Mul', input: ['split', 'split:1'] },
      ],
      [
        { name: 'w', shape: [3, 3, 3, 5], dtype: 'float32', data: Array.from({ length: 135 }, rnd) },
        { name: 'b', shape: [5], dtype: 'float32', data: Array.from({ length: 5 }, rnd) },
        { name: 'size', shape: [2], dtype: 'int32', data: [11, 7] },
        { name: 'axis', shape: [], dtype: 'int32', data: [3] },
      ],
    );
    const shape = [1, 9, 13, 3];
    const input = Float32Array.from({ length: 9 * 13 * 3 }, rnd);
    const onnxBytes = tfjsGraphToOnnx(json, bytes, { inputShapes: { x: shape }, outputs: { out: 'out' } });
    const got = (await runOnnx(onnxBytes, { x: new ort.Tensor('float32', input, shape) })).out!;

    const model = await tfjsModel({ json, bytes, specs });
    const x = tf.tensor4d(input, shape as [number, number, number, number]);
    const want = model.execute({ x }, 'out') as import('@tensorflow/tfjs-core').Tensor;
    expect(got.dims).toEqual(want.shape);
    expect(want.shape).toEqual([1, 6, 4, 3]);
    const a = got.data as Float32Array;
    const b = want.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    tf.dispose([x, want]);
  });

  it('matches tfjs on a strided transposed conv with a leftover row, a flatten and a fused dense layer', async () => {
    await ensureBackend();
    const rnd = lcg(11);
    // 3×3 → 8×7 at stride 2, VALID, kernel 3: a forward conv from 8 rows gives 3 and leaves one
    // row over, so the height needs output_padding (2·2 + 3 = 7, one short of 8); the width does
    // not. Then a Flatten of the NHWC data and a Dense layer with its ReLU fused, and a softmax, as
    // the anti-spoof classifiers end.
    const { json, bytes, specs } = tinyModel(
      [
        { name: 'x', op: 'Placeholder', attr: { ...float, shape: { shape: { unknownRank: true } } } },
        {
          name: 'up',
          op: 'Conv2DBackpropInput',
          input: ['outSize', 'f', 'x'],
          attr: {
            strides: ints(1, 2, 2, 1),
            dilations: ints(1, 1, 1, 1),
            padding: { s: b64('VALID') },
            data_format: { s: b64('NHWC') },
          },
        },
        { name: 'flat', op: 'Reshape', input: ['up', 'flatShape'] },
        {
          name: 'dense',
          op: '_FusedMatMul',
          input: ['flat', 'w', 'b'],
          attr: {
            transpose_a: { b: false },
            transpose_b: { b: false },
            fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } },
            num_args: { i: '1' },
          },
        },
        { name: 'out', op: 'Softmax', input: ['dense'] },
      ],
      [
        { name: 'outSize', shape: [4], dtype: 'int32', data: [1, 8, 7, 2] },
        { name: 'f', shape: [3, 3, 2, 4], dtype: 'float32', data: Array.from({ length: 72 }, rnd) },
        { name: 'flatShape', shape: [2], dtype: 'int32', data: [-1, 112] },
        { name: 'w', shape: [112, 3], dtype: 'float32', data: Array.from({ length: 336 }, rnd) },
        { name: 'b', shape: [3], dtype: 'float32', data: Array.from({ length: 3 }, rnd) },
      ],
    );
    const shape = [1, 3, 3, 4];
    const input = Float32Array.from({ length: 36 }, rnd);
    const onnxBytes = tfjsGraphToOnnx(json, bytes, {
      inputShapes: { x: shape },
      outputs: { up: 'up', out: 'out' },
    });
    const got = await runOnnx(onnxBytes, { x: new ort.Tensor('float32', input, shape) });
    const model = await tfjsModel({ json, bytes, specs });
    const x = tf.tensor4d(input, shape as [number, number, number, number]);
    const [up, out] = model.execute({ x }, ['up', 'out']) as import('@tensorflow/tfjs-core').Tensor[];
    expect(got.up!.dims).toEqual([1, 8, 7, 2]);
    expect(up!.shape).toEqual([1, 8, 7, 2]);
    const a = got.up!.data as Float32Array;
    const b = up!.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    const p = got.out!.data as Float32Array;
    const q = out!.dataSync();
    expect(p).toHaveLength(3);
    for (let i = 0; i < 3; i++) expect(p[i]).toBeCloseTo(q[i]!, 5);
    tf.dispose([x, up!, out!]);
  });

  it("matches tfjs on an unfused PReLU with a per-channel slope (Human's facemesh and iris)", async () => {
    await ensureBackend();
    const rnd = lcg(5);
    const { json, bytes, specs } = tinyModel(
      [
        { name: 'x', op: 'Placeholder', attr: float },
        { name: 'out', op: 'Prelu', input: ['x', 'slope'] },
      ],
      // As in facemesh.json: shape [1, 1, C], one slope negative.
      [{ name: 'slope', shape: [1, 1, 3], dtype: 'float32', data: [0.25, -0.5, 1.5] }],
    );
    const shape = [1, 4, 5, 3];
    const input = Float32Array.from({ length: 60 }, rnd);
    const onnxBytes = tfjsGraphToOnnx(json, bytes, { inputShapes: { x: shape }, outputs: { out: 'out' } });
    const got = (await runOnnx(onnxBytes, { x: new ort.Tensor('float32', input, shape) })).out!.data as Float32Array;
    const model = await tfjsModel({ json, bytes, specs });
    const x = tf.tensor4d(input, shape as [number, number, number, number]);
    const y = model.execute(x) as import('@tensorflow/tfjs-core').Tensor;
    const want = y.dataSync();
    tf.dispose([x, y]);
    expect(want.some((v, i) => v !== input[i])).toBe(true);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
  });

  it('refuses an op it does not know, naming it', () => {
    const { json, bytes } = tinyModel(
      [
        { name: 'x', op: 'Placeholder', attr: float },
        { name: 'y', op: 'Erfinv', input: ['x'] },
      ],
      [],
    );
    const convert = () => tfjsGraphToOnnx(json, bytes, { inputShapes: { x: [1, 4, 4, 1] }, outputs: { y: 'y' } });
    expect(convert).toThrow(UnsupportedOpError);
    expect(convert).toThrow(/unsupported TF op Erfinv \(node y\)/);
  });

  it('refuses an unknown fused activation instead of dropping it', () => {
    const { json, bytes } = tinyModel(
      [
        { name: 'x', op: 'Placeholder', attr: float },
        {
          name: 'conv',
          op: '_FusedConv2D',
          input: ['x', 'w', 'b'],
          attr: {
            strides: ints(1, 1, 1, 1),
            padding: { s: b64('VALID') },
            fused_ops: { list: { s: [b64('BiasAdd'), b64('Gelu')] } },
          },
        },
      ],
      [
        { name: 'w', shape: [1, 1, 1, 1], dtype: 'float32', data: [1] },
        { name: 'b', shape: [1], dtype: 'float32', data: [0] },
      ],
    );
    expect(() => tfjsGraphToOnnx(json, bytes, { inputShapes: { x: [1, 2, 2, 1] }, outputs: { y: 'conv' } })).toThrow(
      /fused activation Gelu/,
    );
  });
});

const PORTRAITS = [
  'portraits/slinko__without_glasses__1.jpg',
  'portraits/serfiq__data__test_img.jpg',
  'portraits/compreface__faces__FACE_1.jpg',
];

async function crop(file: string): Promise<RawImage> {
  const { data } = await sharp(facePath(file))
    .rotate()
    .resize(480, 640, { fit: 'cover', position: 'top' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: 480, height: 640, channels: 3 };
}

/** A real matte: a person and a background, so agreeing is not agreeing on a blank. */
function expectRealMatte(alpha: Uint8Array): void {
  expect(alpha.filter((v) => v > 200).length / alpha.length).toBeGreaterThan(0.1);
  expect(alpha.filter((v) => v < 50).length / alpha.length).toBeGreaterThan(0.02);
}

describe.skipIf(!haveFaces)('RVM on onnxruntime vs tfjs, real portraits', () => {
  it.each(PORTRAITS)('%s: the same alpha and foreground', async (file) => {
    const img = await crop(file);
    const t = await rvmTfjs(img);
    const o = await rvmOnnx(img);
    expect(o.alpha.length).toBe(480 * 640);
    const d = Array.from(o.alpha, (v, i) => Math.abs(v - t.alpha[i]!)).sort((a, b) => a - b);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    expect(mean).toBeLessThan(1);
    expect(d[Math.floor(d.length * 0.99)]!).toBeLessThan(4);
    expectRealMatte(o.alpha);
    let fgDiff = 0;
    for (let i = 0; i < o.foreground.length; i++) fgDiff += Math.abs(o.foreground[i]! - t.foreground![i]!);
    expect(fgDiff / o.foreground.length).toBeLessThan(1);
  });
});

describe.skipIf(!haveFaces)('the selfie scout on onnxruntime vs tfjs, real portraits', () => {
  it.each(PORTRAITS)('%s: the same mask, resizes included', async (file) => {
    const img = await crop(file);
    const t = await selfieTfjs(img);
    // The engine's own call: onnxruntime under the default runtime.
    const o = await matte(img, 'selfie');
    expect(o.alpha.length).toBe(480 * 640);
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < o.alpha.length; i++) {
      const d = Math.abs(o.alpha[i]! - t.alpha[i]!);
      worst = Math.max(worst, d);
      sum += d;
    }
    // A transposed convolution laid out wrongly, or another resize, moves the edge by many levels.
    expect(sum / o.alpha.length).toBeLessThan(0.05);
    expect(worst).toBeLessThanOrEqual(2);
    expectRealMatte(o.alpha);
  });
});
