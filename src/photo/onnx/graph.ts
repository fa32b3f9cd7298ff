// A small ONNX graph builder for networks written by hand from their weights (face-api's nets,
// onnx/faceapi.ts), plus the TF conventions those nets rely on (HWIO filters, 'same' padding).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readShardBytes } from '../face/models.js';
import { encodeModel, type OnnxAttr, type OnnxNode, type OnnxTensor, OnnxType } from './protobuf.js';
import { decodeWeights, type TfWeightSpec } from './tfjs-to-onnx.js';

export interface Weight {
  shape: number[];
  data: Float32Array;
}

/**
 * A weights manifest (`<name>-weights_manifest.json` and its shards in `dir`) decoded exactly as
 * tfjs-core's io.decodeWeights does, so both runtimes multiply by the very same float32 values.
 */
export function readWeightsManifest(dir: string, name: string): Map<string, Weight> {
  const manifest = JSON.parse(readFileSync(path.join(dir, `${name}-weights_manifest.json`), 'utf8')) as {
    paths: string[];
    weights: TfWeightSpec[];
  }[];
  const decoded = decodeWeights(
    manifest.flatMap((g) => g.weights),
    readShardBytes(dir, manifest),
  );
  const out = new Map<string, Weight>();
  for (const [k, v] of decoded) {
    if (!(v.data instanceof Float32Array)) throw new Error(`weight ${k}: expected float32`);
    out.set(k, { shape: v.shape, data: v.data });
  }
  return out;
}

/**
 * TF's padding for one spatial axis as [before, after]: 'same' puts the odd pixel at the end
 * (a stride-2 3×3 conv on an even size pads 0 before, 1 after); ONNX's explicit pads take that as is.
 */
export function tfPads(inSize: number, kernel: number, stride: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'valid') return [0, 0];
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Output size of a conv or pool along one axis with explicit pads. */
export const outSize = (inSize: number, kernel: number, stride: number, [a, b]: [number, number]) =>
  Math.floor((inSize + a + b - kernel) / stride) + 1;

/** TF HWIO filter [kh, kw, in, out] → ONNX OIHW, each output channel scaled by `scale[o]` if given. */
export function hwioToOihw(w: Weight, scale?: Float32Array): Float32Array {
  const [kh, kw, ci, co] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          const v = w.data[((y * kw + x) * ci + i) * co + o]!;
          out[((o * ci + i) * kh + y) * kw + x] = scale ? v * scale[o]! : v;
        }
  return out;
}

/** TF depthwise filter [kh, kw, C, 1] → ONNX grouped-conv weight [C, 1, kh, kw]. */
export function depthwiseToOihw(w: Weight): Float32Array {
  const [kh, kw, c, m] = w.shape as [number, number, number, number];
  if (m !== 1) throw new Error(`depthwise multiplier ${m} is not supported`);
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) for (let i = 0; i < c; i++) out[(i * kh + y) * kw + x] = w.data[(y * kw + x) * c + i]!;
  return out;
}

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  f32(data: Float32Array, dims: number[], hint = 'w'): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, type: OnnxType.FLOAT, dims, raw });
    return name;
  }

  i64(values: number[]): string {
    const name = this.fresh('i64');
    const a = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, type: OnnxType.INT64, dims: [values.length], raw: new Uint8Array(a.buffer) });
    return name;
  }

  op(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, hint = op): string {
    const out = this.fresh(hint);
    this.nodes.push({ op, name: this.fresh(`n_${op}`), inputs, outputs: [out], attrs });
    return out;
  }

  /** Conv with explicit pads [top, left, bottom, right]. */
  conv(
    x: string,
    w: Float32Array,
    dims: [number, number, number, number],
    bias: Float32Array | null,
    stride: number,
    pads: [number, number, number, number],
    group = 1,
  ): string {
    const inputs = [x, this.f32(w, dims)];
    if (bias) inputs.push(this.f32(bias, [dims[0]], 'b'));
    return this.op('Conv', inputs, {
      kernel_shape: { kind: 'ints', value: [dims[2], dims[3]] },
      strides: { kind: 'ints', value: [stride, stride] },
      pads: { kind: 'ints', value: pads },
      group: { kind: 'int', value: group },
    });
  }

  /** Zero padding of an NCHW tensor: `pads` is ONNX's [begin per axis..., end per axis...]. */
  pad(x: string, pads: number[]): string {
    return this.op('Pad', [x, this.i64(pads)], { mode: { kind: 'string', value: 'constant' } });
  }

  /** The model bytes; `output` is renamed to `outputName` through an Identity. */
  build(
    input: { name: string; dims: (number | string)[] },
    output: string,
    outputName: string,
    outDims: (number | string)[],
  ): Uint8Array {
    this.nodes.push({ op: 'Identity', name: 'out', inputs: [output], outputs: [outputName] });
    return encodeModel({
      opset: 17,
      producer: 'kaozhao',
      graphName: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: [{ name: input.name, type: OnnxType.FLOAT, shape: input.dims }],
      outputs: [{ name: outputName, type: OnnxType.FLOAT, shape: outDims }],
    });
  }
}
