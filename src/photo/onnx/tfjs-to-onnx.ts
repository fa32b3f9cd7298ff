// Converts a TF.js graph model (model.json + weight bytes) into an ONNX model, in memory, for one
// fixed input shape. Everything that does not depend on pixel data (shape arithmetic, the cond
// predicates, zero recurrent states...) is evaluated here in JS and becomes an initializer; the dead
// branch of every Switch/Merge is dropped. Only the data path becomes ONNX nodes.
//
// Layout: TF graphs are NHWC, ONNX Conv/Resize/pools want NCHW. Every 4-D data tensor is kept NCHW
// inside the ONNX graph (a Transpose after each input and before each output, or none with
// ioLayout 'nchw') and the axes of Concat/Split/Mean/Pad/Slice and the broadcast constants are
// remapped, so ORT runs no per-conv Transposes. Shapes are tracked in TF (NHWC) terms.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readShardBytes } from '../face/models.js';
import { encodeModel, type OnnxAttr, type OnnxNode, type OnnxTensor, OnnxType, type OnnxTypeCode } from './protobuf.js';

export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  shape?: unknown;
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

export interface TfModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: TfWeightSpec[] }[];
}

export interface ConstantInput {
  shape: number[];
  data: ArrayLike<number>;
}

export interface ConvertOptions {
  /**
   * Placeholder name → full static shape (NHWC for images). These become ONNX inputs. A float node
   * inside the graph may be named too: the graph then starts there, and what computes it is left
   * out (a model whose own input stage reshapes in ways the converter does not follow).
   */
  inputShapes: Record<string, number[]>;
  /** Placeholder name → value fixed at conversion time (a number is a float32 scalar). */
  constantInputs?: Record<string, number | ConstantInput>;
  /** ONNX output name → TF tensor ("node" or "node:index"). */
  outputs: Record<string, string>;
  /**
   * Layout of rank-4 inputs and outputs: 'nhwc' (TF's, the default) or 'nchw', which spares the
   * graph its boundary Transposes when the caller lays out planes itself anyway.
   */
  ioLayout?: 'nhwc' | 'nchw';
  opset?: number;
}

type DType = 'float32' | 'int32' | 'bool';
type Data = Float32Array | Int32Array | Uint8Array;

interface Static {
  kind: 'static';
  dtype: DType;
  shape: number[];
  data: Data;
  /** Set when every element has this value (a broadcast scalar): lets elementwise ops use a scalar. */
  splat?: number;
}

/** A data-dependent tensor: its ONNX name and its shape in TF terms. Rank-4 tensors are NCHW in ONNX. */
interface Dyn {
  kind: 'dyn';
  name: string;
  shape: number[];
  /** SpaceToBatchND waiting for its convolution (TF's dilated-conv pattern). */
  spaceToBatch?: { block: [number, number]; pads: [number, number, number, number]; src: Dyn };
  /** A dilated convolution's output waiting for BatchToSpaceND's crops. */
  batchToSpace?: { block: [number, number]; full: Dyn };
}

interface Dead {
  kind: 'dead';
}

type Val = Static | Dyn | Dead;

export class UnsupportedOpError extends Error {}

// --- small helpers -------------------------------------------------------------------------------

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

function alloc(dtype: DType, n: number): Data {
  return dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

function mkStatic(dtype: DType, shape: number[], data: ArrayLike<number>): Static {
  const d = alloc(dtype, size(shape));
  for (let i = 0; i < d.length; i++) d[i] = data[i]!;
  return { kind: 'static', dtype, shape, data: d };
}

function tfDtype(t: string | undefined): DType {
  if (t === 'DT_FLOAT') return 'float32';
  if (t === 'DT_INT32') return 'int32';
  if (t === 'DT_BOOL') return 'bool';
  throw new UnsupportedOpError(`unsupported TF dtype ${t}`);
}

function attrS(n: TfNode, k: string): string | undefined {
  const s = n.attr?.[k]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}
const attrI = (n: TfNode, k: string, dflt = 0) => Number(n.attr?.[k]?.i ?? dflt);
const attrB = (n: TfNode, k: string) => n.attr?.[k]?.b === true;
const attrInts = (n: TfNode, k: string) => (n.attr?.[k]?.list?.i ?? []).map(Number);
const attrStrs = (n: TfNode, k: string) =>
  (n.attr?.[k]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Index map from an output position to a broadcast operand's flat index. */
function broadcastIndexer(shape: number[], out: number[]): (flat: number) => number {
  const r = out.length;
  const padded = [...new Array<number>(r - shape.length).fill(1), ...shape];
  const inStrides = stridesOf(padded);
  const outStrides = stridesOf(out);
  return (flat) => {
    let idx = 0;
    for (let d = 0; d < r; d++) {
      const c = Math.floor(flat / outStrides[d]!) % out[d]!;
      if (padded[d] !== 1) idx += c * inStrides[d]!;
    }
    return idx;
  };
}

function binaryStatic(a: Static, b: Static, f: (x: number, y: number) => number, dtype: DType): Static {
  const shape = broadcastShape(a.shape, b.shape);
  const n = size(shape);
  const out = alloc(dtype, n);
  const ia = broadcastIndexer(a.shape, shape);
  const ib = broadcastIndexer(b.shape, shape);
  for (let i = 0; i < n; i++) out[i] = f(a.data[ia(i)]!, b.data[ib(i)]!);
  return { kind: 'static', dtype, shape, data: out };
}

function transposeStatic(t: Static, perm: number[]): Static {
  const shape = perm.map((p) => t.shape[p]!);
  const inStrides = stridesOf(t.shape);
  const outStrides = stridesOf(shape);
  const out = alloc(t.dtype, t.data.length);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += (Math.floor(i / outStrides[d]!) % shape[d]!) * inStrides[perm[d]!]!;
    out[i] = t.data[src]!;
  }
  return { kind: 'static', dtype: t.dtype, shape, data: out, splat: t.splat };
}

/** TF axis of a rank-4 NHWC tensor → the same axis in NCHW. */
const NCHW_AXIS = [0, 2, 3, 1];
const toOnnxShape = (s: number[]) => (s.length === 4 ? [s[0]!, s[3]!, s[1]!, s[2]!] : s);

function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/** Bytes per value of a weight as stored in the shards; throws for a dtype or quantisation tfjs-core does not decode. */
function storedWidth(spec: TfWeightSpec): number {
  const dtype = spec.dtype;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool')
    throw new UnsupportedOpError(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
  const q = spec.quantization;
  if (!q) return dtype === 'bool' ? 1 : 4;
  if (q.dtype === 'uint8') return 1;
  if (q.dtype === 'uint16') return 2;
  if (q.dtype === 'float16') {
    if (dtype !== 'float32') throw new UnsupportedOpError(`weight ${spec.name}: float16 on ${dtype}`);
    return 2;
  }
  throw new UnsupportedOpError(`weight ${spec.name}: unknown quantization ${q.dtype}`);
}

/**
 * Decodes the weight shards exactly as tfjs-core's io.decodeWeights does (uint8/uint16/float16).
 * With `only`, just those weights are decoded (the others are stepped over): a caller that needs
 * two constants of a model does not decode its megabytes.
 */
export function decodeWeights(
  specs: TfWeightSpec[],
  bytes: Uint8Array,
  only?: ReadonlySet<string>,
): Map<string, Static> {
  const out = new Map<string, Static>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const n = size(spec.shape);
    const width = storedWidth(spec);
    if (only && !only.has(spec.name)) {
      offset += n * width;
      continue;
    }
    const dtype = spec.dtype as DType;
    const values = alloc(dtype, n);
    const q = spec.quantization;
    if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
      const scale = q.scale ?? 0;
      const min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        const v = width === 1 ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
        values[i] = dtype === 'int32' ? Math.round(v * scale + min) : v * scale + min;
      }
    } else if (q?.dtype === 'float16') {
      for (let i = 0; i < n; i++) values[i] = float16ToFloat32(view.getUint16(offset + 2 * i, true));
    } else if (dtype === 'float32') {
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(offset + 4 * i, true);
    } else if (dtype === 'int32') {
      for (let i = 0; i < n; i++) values[i] = view.getInt32(offset + 4 * i, true);
    } else {
      for (let i = 0; i < n; i++) values[i] = view.getUint8(offset + i);
    }
    offset += n * width;
    out.set(spec.name, { kind: 'static', dtype, shape: spec.shape, data: values });
  }
  if (offset !== bytes.byteLength)
    throw new Error(`weights: manifest describes ${offset} bytes, shards hold ${bytes.byteLength}`);
  return out;
}

// --- StridedSlice (TF semantics, masks included) -------------------------------------------------

interface SliceDim {
  begin: number;
  stride: number;
  length: number;
  shrink: boolean;
}

function stridedSliceSpec(
  inShape: number[],
  begin: number[],
  end: number[],
  strides: number[],
  masks: { begin: number; end: number; ellipsis: number; newAxis: number; shrink: number },
): { dims: SliceDim[]; outShape: number[] } {
  const dims: SliceDim[] = [];
  const outShape: number[] = [];
  const full = (d: number) => {
    dims.push({ begin: 0, stride: 1, length: inShape[d]!, shrink: false });
    outShape.push(inShape[d]!);
  };
  const explicit = begin.filter((_, i) => !((masks.ellipsis >> i) & 1) && !((masks.newAxis >> i) & 1)).length;
  let d = 0;
  let sawEllipsis = false;
  for (let i = 0; i < begin.length; i++) {
    if ((masks.ellipsis >> i) & 1) {
      sawEllipsis = true;
      const cover = inShape.length - explicit;
      for (let k = 0; k < cover; k++) full(d++);
      continue;
    }
    if ((masks.newAxis >> i) & 1) {
      outShape.push(1);
      continue;
    }
    const dim = inShape[d]!;
    const s = strides[i] ?? 1;
    if (s === 0) throw new Error('StridedSlice: zero stride');
    if ((masks.shrink >> i) & 1) {
      const b = begin[i]! < 0 ? begin[i]! + dim : begin[i]!;
      dims.push({ begin: b, stride: 1, length: 1, shrink: true });
      d++;
      continue;
    }
    const clamp = (v: number) => (s > 0 ? Math.min(Math.max(v, 0), dim) : Math.min(Math.max(v, -1), dim - 1));
    const norm = (v: number) => clamp(v < 0 ? v + dim : v);
    const b = (masks.begin >> i) & 1 ? (s > 0 ? 0 : dim - 1) : norm(begin[i]!);
    const e = (masks.end >> i) & 1 ? (s > 0 ? dim : -1) : norm(end[i]!);
    const length = Math.max(0, Math.ceil((e - b) / s));
    dims.push({ begin: b, stride: s, length, shrink: false });
    outShape.push(length);
    d++;
  }
  if (!sawEllipsis) while (d < inShape.length) full(d++);
  return { dims, outShape };
}

function stridedSliceStatic(x: Static, dims: SliceDim[], outShape: number[]): Static {
  const inStrides = stridesOf(x.shape);
  const lens = dims.map((d) => d.length);
  const n = size(lens);
  const out = alloc(x.dtype, n);
  const ls = stridesOf(lens);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) {
      const c = Math.floor(i / ls[k]!) % lens[k]!;
      src += (dims[k]!.begin + c * dims[k]!.stride) * inStrides[k]!;
    }
    out[i] = x.data[src]!;
  }
  return { kind: 'static', dtype: x.dtype, shape: outShape, data: out };
}

// --- the converter -------------------------------------------------------------------------------

const BINARY: Record<string, { onnx: string; f: (a: number, b: number) => number }> = {
  Add: { onnx: 'Add', f: (a, b) => a + b },
  AddV2: { onnx: 'Add', f: (a, b) => a + b },
  Sub: { onnx: 'Sub', f: (a, b) => a - b },
  Mul: { onnx: 'Mul', f: (a, b) => a * b },
  RealDiv: { onnx: 'Div', f: (a, b) => a / b },
  Minimum: { onnx: 'Min', f: (a, b) => Math.min(a, b) },
  Maximum: { onnx: 'Max', f: (a, b) => Math.max(a, b) },
  Pow: { onnx: 'Pow', f: (a, b) => a ** b },
  // Unfused PReLU (Human's facemesh and iris): x, or x times the slope below 0.
  Prelu: { onnx: 'PRelu', f: (x, slope) => (x < 0 ? x * slope : x) },
};

const UNARY: Record<string, { onnx: string; f: (a: number) => number }> = {
  Relu: { onnx: 'Relu', f: (a) => Math.max(a, 0) },
  Sigmoid: { onnx: 'Sigmoid', f: (a) => 1 / (1 + Math.exp(-a)) },
  Tanh: { onnx: 'Tanh', f: Math.tanh },
  Neg: { onnx: 'Neg', f: (a) => -a },
  Exp: { onnx: 'Exp', f: Math.exp },
  Abs: { onnx: 'Abs', f: Math.abs },
  Sqrt: { onnx: 'Sqrt', f: Math.sqrt },
  Reciprocal: { onnx: 'Reciprocal', f: (a) => 1 / a },
};

class Converter {
  private readonly nodes = new Map<string, TfNode>();
  private readonly values = new Map<string, Val[]>();
  private readonly onnxNodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly initCache = new WeakMap<Static, Map<string, string>>();
  private counter = 0;

  constructor(
    topology: TfNode[],
    private readonly weights: Map<string, Static>,
    private readonly opts: ConvertOptions,
  ) {
    // A float node inside the graph named in `inputShapes` starts the graph there: it becomes a
    // Placeholder, and what computed it is left out.
    for (const n of topology)
      this.nodes.set(
        n.name,
        n.op !== 'Placeholder' && Object.hasOwn(opts.inputShapes, n.name)
          ? { name: n.name, op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' } } }
          : n,
      );
  }

  private get nchwIO(): boolean {
    return this.opts.ioLayout === 'nchw';
  }

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  private emit(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, nOut = 1, hint = op): string[] {
    const outputs = Array.from({ length: nOut }, () => this.fresh(hint));
    this.onnxNodes.push({ op, name: this.fresh(`n_${op}`), inputs, outputs, attrs });
    return outputs;
  }

  private emit1(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}): string {
    return this.emit(op, inputs, attrs)[0]!;
  }

  private addInit(type: OnnxTypeCode, dims: number[], raw: Uint8Array, hint = 'c'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, type, dims, raw });
    return name;
  }

  private i64(values: number[]): string {
    const a = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.addInit(OnnxType.INT64, [values.length], new Uint8Array(a.buffer), 'i64');
  }

  private f32(values: number[], dims: number[] = []): string {
    return this.addInit(OnnxType.FLOAT, dims, new Uint8Array(Float32Array.from(values).buffer), 'f32');
  }

  /** A static tensor as an initializer; `nchw` remaps a broadcast operand of a rank-4 data tensor. */
  private constant(t: Static, nchw: boolean): string {
    const key = nchw ? 'nchw' : 'plain';
    let cache = this.initCache.get(t);
    const hit = cache?.get(key);
    if (hit) return hit;
    let v = t;
    if (nchw && t.shape.length > 0) {
      if (t.shape.length > 4) throw new Error(`cannot lay out a rank-${t.shape.length} constant as NCHW`);
      const shape = [...new Array<number>(4 - t.shape.length).fill(1), ...t.shape];
      v = transposeStatic({ ...t, shape }, [0, 3, 1, 2]);
    }
    let name: string;
    if (v.dtype === 'float32')
      name = this.addInit(OnnxType.FLOAT, v.shape, new Uint8Array(Float32Array.from(v.data).buffer));
    else if (v.dtype === 'int32')
      name = this.addInit(OnnxType.INT32, v.shape, new Uint8Array(Int32Array.from(v.data).buffer));
    else name = this.addInit(OnnxType.BOOL, v.shape, Uint8Array.from(v.data));
    if (!cache) {
      cache = new Map();
      this.initCache.set(t, cache);
    }
    cache.set(key, name);
    return name;
  }

  private dyn(name: string, shape: number[]): Dyn {
    return { kind: 'dyn', name, shape };
  }

  private plainDyn(v: Val, node: TfNode): Dyn {
    if (v.kind !== 'dyn') throw new Error(`${node.op} ${node.name}: expected a data tensor`);
    if (v.spaceToBatch || v.batchToSpace)
      throw new UnsupportedOpError(`${node.op} ${node.name}: SpaceToBatchND/BatchToSpaceND outside a dilated conv`);
    return v;
  }

  private need4d(v: Dyn, node: TfNode): void {
    if (v.shape.length !== 4)
      throw new UnsupportedOpError(`${node.op} ${node.name}: rank-${v.shape.length} data tensors are not supported`);
  }

  private staticOf(v: Val, node: TfNode, what: string): Static {
    if (v.kind !== 'static')
      throw new UnsupportedOpError(`${node.op} ${node.name}: ${what} must be known at conversion time`);
    return v;
  }

  /** Parses "name", "name:1", "^name" (control, ignored). */
  private ref(input: string): { node: string; index: number } | null {
    if (input.startsWith('^')) return null;
    const m = /^(.*):(\d+)$/.exec(input);
    return m ? { node: m[1]!, index: Number(m[2]) } : { node: input, index: 0 };
  }

  private get(input: string): Val {
    const r = this.ref(input);
    if (!r) throw new Error('control input has no value');
    const vals = this.values.get(r.node);
    const v = vals?.[r.index];
    if (!v) throw new Error(`no value for ${input}`);
    return v;
  }

  run(): Uint8Array {
    const order = this.topoOrder(Object.values(this.opts.outputs));
    for (const name of order) {
      const node = this.nodes.get(name)!;
      const inputs = (node.input ?? []).filter((i) => !i.startsWith('^')).map((i) => this.get(i));
      let out: Val[];
      if (node.op !== 'Merge' && inputs.some((v) => v.kind === 'dead')) out = [{ kind: 'dead' }, { kind: 'dead' }];
      else out = this.convertNode(node, inputs);
      this.values.set(name, out);
    }
    const outputs = Object.entries(this.opts.outputs).map(([onnxName, tfName]) => {
      const v = this.get(tfName);
      if (v.kind !== 'dyn') throw new Error(`output ${tfName} is ${v.kind}, not data-dependent`);
      if (v.shape.length === 4 && !this.nchwIO)
        this.onnxNodes.push({
          op: 'Transpose',
          name: `out_${onnxName}`,
          inputs: [v.name],
          outputs: [onnxName],
          attrs: { perm: { kind: 'ints', value: [0, 2, 3, 1] } },
        });
      else this.onnxNodes.push({ op: 'Identity', name: `out_${onnxName}`, inputs: [v.name], outputs: [onnxName] });
      return { name: onnxName, type: OnnxType.FLOAT, shape: this.nchwIO ? toOnnxShape(v.shape) : v.shape };
    });
    const inputs = Object.entries(this.opts.inputShapes).map(([name, shape]) => ({
      name,
      type: OnnxType.FLOAT,
      shape: this.nchwIO ? toOnnxShape(shape) : shape,
    }));
    const { nodes, initializers } = this.prune(outputs.map((o) => o.name));
    return encodeModel({
      opset: this.opts.opset ?? 17,
      producer: 'kaozhao-tfjs-to-onnx',
      graphName: 'converted',
      nodes,
      initializers,
      inputs,
      outputs,
    });
  }

  /** Drops nodes and initializers no output depends on (e.g. peepholes that replaced a chain). */
  private prune(outputs: string[]): { nodes: OnnxNode[]; initializers: OnnxTensor[] } {
    const producer = new Map<string, OnnxNode>();
    for (const n of this.onnxNodes) for (const o of n.outputs) producer.set(o, n);
    const live = new Set<OnnxNode>();
    const used = new Set<string>();
    const stack = [...outputs];
    while (stack.length) {
      const t = stack.pop()!;
      if (used.has(t)) continue;
      used.add(t);
      const p = producer.get(t);
      if (p && !live.has(p)) {
        live.add(p);
        for (const i of p.inputs) if (i) stack.push(i);
      }
    }
    return {
      nodes: this.onnxNodes.filter((n) => live.has(n)),
      initializers: this.initializers.filter((t) => used.has(t.name)),
    };
  }

  private topoOrder(targets: string[]): string[] {
    const order: string[] = [];
    const state = new Map<string, 1 | 2>();
    const visit = (root: string) => {
      const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const node = this.nodes.get(top.name);
        if (!node) throw new Error(`graph has no node ${top.name}`);
        if (top.next === 0) {
          if (state.get(top.name) === 2) {
            stack.pop();
            continue;
          }
          state.set(top.name, 1);
        }
        const ins = (node.input ?? []).map((i) => this.ref(i)).filter((r) => r !== null);
        if (top.next < ins.length) {
          const dep = ins[top.next++]!.node;
          const s = state.get(dep);
          if (s === 1) throw new Error(`cycle through ${dep} (loops are not supported)`);
          if (!s) stack.push({ name: dep, next: 0 });
          continue;
        }
        state.set(top.name, 2);
        order.push(top.name);
        stack.pop();
      }
    };
    for (const t of targets) {
      const r = this.ref(t);
      if (r) visit(r.node);
    }
    return order;
  }

  // --- per-op conversion ---------------------------------------------------------------------------

  private convertNode(node: TfNode, ins: Val[]): Val[] {
    const op = node.op;
    const allStatic = ins.every((v) => v.kind === 'static');
    switch (op) {
      case 'Const': {
        const w = this.weights.get(node.name);
        if (!w) throw new Error(`Const ${node.name} has no weight`);
        return [w];
      }
      case 'Placeholder': {
        const c = this.opts.constantInputs?.[node.name];
        if (c !== undefined) {
          const dtype = tfDtype(node.attr?.dtype?.type);
          return [typeof c === 'number' ? { ...mkStatic(dtype, [], [c]), splat: c } : mkStatic(dtype, c.shape, c.data)];
        }
        const shape = this.opts.inputShapes[node.name];
        if (!shape) throw new Error(`placeholder ${node.name} has neither an input shape nor a constant value`);
        if (shape.length !== 4 || this.nchwIO) return [this.dyn(node.name, shape)];
        return [this.dyn(this.emit1('Transpose', [node.name], { perm: { kind: 'ints', value: [0, 3, 1, 2] } }), shape)];
      }
      case 'Identity':
      case 'StopGradient':
      case 'Snapshot':
        return [ins[0]!];
      case 'NoOp':
        return [];
      case 'Switch': {
        const pred = this.staticOf(ins[1]!, node, 'the Switch predicate');
        const data = ins[0]!;
        return pred.data[0] ? [{ kind: 'dead' }, data] : [data, { kind: 'dead' }];
      }
      case 'Merge': {
        const i = ins.findIndex((v) => v.kind !== 'dead');
        if (i < 0) return [{ kind: 'dead' }, { kind: 'dead' }];
        return [ins[i]!, mkStatic('int32', [], [i])];
      }
      case 'Shape': {
        const v = ins[0]!;
        if (v.kind === 'dead') return [v];
        return [mkStatic('int32', [v.shape.length], v.shape)];
      }
      case 'Cast': {
        const dst = tfDtype(node.attr?.DstT?.type);
        const v = ins[0]!;
        if (v.kind === 'static') {
          const d = alloc(dst, v.data.length);
          for (let i = 0; i < d.length; i++) {
            const x = v.data[i]!;
            d[i] = dst === 'int32' ? Math.trunc(x) : dst === 'bool' ? (x ? 1 : 0) : x;
          }
          return [{ kind: 'static', dtype: dst, shape: v.shape, data: d }];
        }
        if (dst !== 'float32') throw new UnsupportedOpError(`Cast ${node.name}: data tensors must stay float32`);
        return [v];
      }
      case 'Equal':
      case 'NotEqual':
      case 'Less':
      case 'Greater': {
        const [a, b] = ins.map((v) => this.staticOf(v, node, 'comparison operands')) as [Static, Static];
        const f =
          op === 'Equal'
            ? (x: number, y: number) => (x === y ? 1 : 0)
            : op === 'NotEqual'
              ? (x: number, y: number) => (x !== y ? 1 : 0)
              : op === 'Less'
                ? (x: number, y: number) => (x < y ? 1 : 0)
                : (x: number, y: number) => (x > y ? 1 : 0);
        return [binaryStatic(a, b, f, 'bool')];
      }
      case 'Squeeze': {
        const v = this.staticOf(ins[0]!, node, 'Squeeze input');
        const axes = attrInts(node, 'squeeze_dims').map((a) => (a < 0 ? a + v.shape.length : a));
        const shape = v.shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
        return [{ ...v, shape }];
      }
      case 'Reshape': {
        const s = Array.from(this.staticOf(ins[1]!, node, 'Reshape shape').data);
        const x = ins[0]!;
        const n = x.kind === 'dead' ? 0 : size(x.shape);
        const known = s.filter((d) => d >= 0).reduce((a, b) => a * b, 1);
        const shape = s.map((d) => (d < 0 ? n / known : d));
        if (x.kind !== 'dyn') return [{ ...this.staticOf(x, node, 'Reshape input'), shape }];
        // Data reshaped to a lower rank (a classifier's Flatten): TF reads it in NHWC order, so a
        // rank-4 tensor, held as NCHW here, goes back to NHWC first.
        const d = this.plainDyn(x, node);
        if (shape.length === 4) throw new UnsupportedOpError(`Reshape ${node.name}: data reshaped to rank 4`);
        const nhwc =
          d.shape.length === 4
            ? this.emit1('Transpose', [d.name], { perm: { kind: 'ints', value: [0, 2, 3, 1] } })
            : d.name;
        return [this.dyn(this.emit1('Reshape', [nhwc, this.i64(shape)]), shape)];
      }
      case 'FloorMod':
      case 'FloorDiv': {
        const [a, b] = ins.map((v) => this.staticOf(v, node, 'operands')) as [Static, Static];
        const f =
          op === 'FloorMod'
            ? (x: number, y: number) => x - Math.floor(x / y) * y
            : (x: number, y: number) => Math.floor(x / y);
        return [binaryStatic(a, b, f, a.dtype)];
      }
      case 'Pack': {
        const parts = ins.map((v) => this.staticOf(v, node, 'Pack operands'));
        const inShape = parts[0]!.shape;
        let axis = attrI(node, 'axis');
        if (axis < 0) axis += inShape.length + 1;
        if (parts.some((p) => p.shape.join() !== inShape.join()))
          throw new Error(`Pack ${node.name}: operands differ in shape`);
        const outer = size(inShape.slice(0, axis));
        const inner = size(inShape.slice(axis));
        const data: number[] = [];
        for (let o = 0; o < outer; o++)
          for (const p of parts) for (let i = 0; i < inner; i++) data.push(p.data[o * inner + i]!);
        const shape = [...inShape.slice(0, axis), parts.length, ...inShape.slice(axis)];
        return [mkStatic(parts[0]!.dtype, shape, data)];
      }
      case 'StridedSlice':
        return [this.stridedSlice(node, ins)];
      case 'BroadcastTo': {
        const shape = Array.from(this.staticOf(ins[1]!, node, 'BroadcastTo shape').data);
        const v = ins[0]!;
        if (v.kind === 'static') {
          const zero: Static = { kind: 'static', dtype: v.dtype, shape, data: alloc(v.dtype, size(shape)) };
          const out = binaryStatic(v, zero, (x) => x, v.dtype);
          return [{ ...out, splat: v.data.length === 1 ? v.data[0] : undefined }];
        }
        const d = this.plainDyn(v, node);
        this.need4d(d, node);
        return [this.dyn(this.emit1('Expand', [d.name, this.i64(toOnnxShape(shape))]), shape)];
      }
    }

    if (op in BINARY) {
      const b = BINARY[op]!;
      if (allStatic) {
        const [x, y] = ins as [Static, Static];
        return [binaryStatic(x, y, b.f, x.dtype)];
      }
      return [this.binary(node, b.onnx, ins[0]!, ins[1]!)];
    }
    if (op === 'SquaredDifference') {
      const d = this.binary(node, 'Sub', ins[0]!, ins[1]!);
      return [this.dyn(this.emit1('Mul', [d.name, d.name]), d.shape)];
    }
    if (op === 'Softmax') {
      // Over the last axis, as TF's; only for the rank-2 logits of a classifier head, where ONNX's
      // axis and TF's agree (a rank-4 tensor is held as NCHW here).
      const x = this.plainDyn(ins[0]!, node);
      if (x.shape.length !== 2) throw new UnsupportedOpError(`Softmax ${node.name}: rank-${x.shape.length} input`);
      return [this.dyn(this.emit1('Softmax', [x.name], { axis: { kind: 'int', value: -1 } }), x.shape)];
    }
    if (op in UNARY || op === 'Relu6' || op === 'Square' || op === 'Rsqrt' || op === 'LeakyRelu' || op === 'Elu') {
      if (allStatic)
        throw new UnsupportedOpError(`${op} ${node.name}: folding constants through ${op} is not implemented`);
      const x = this.plainDyn(ins[0]!, node);
      return [this.dyn(this.activation(op, x.name, node), x.shape)];
    }

    const x0 = ins[0]!;
    if (op === 'SpaceToBatchND' || op === 'BatchToSpaceND') return [this.spaceBatch(node, ins)];
    if (
      op === 'Conv2D' ||
      op === '_FusedConv2D' ||
      op === 'DepthwiseConv2dNative' ||
      op === 'FusedDepthwiseConv2dNative'
    )
      return [this.conv(node, ins)];
    if (op === 'Conv2DBackpropInput') return [this.convTranspose(node, ins)];
    if (x0.kind !== 'dyn' && op !== 'ConcatV2' && op !== 'Split' && op !== 'SplitV')
      throw new UnsupportedOpError(`${op} ${node.name}: constant folding of ${op} is not implemented`);

    switch (op) {
      case 'Pad':
      case 'PadV2': {
        const x = this.plainDyn(x0, node);
        this.need4d(x, node);
        const p = Array.from(this.staticOf(ins[1]!, node, 'paddings').data);
        const before = [0, 0, 0, 0];
        const after = [0, 0, 0, 0];
        for (let d = 0; d < 4; d++) {
          before[NCHW_AXIS[d]!] = p[2 * d]!;
          after[NCHW_AXIS[d]!] = p[2 * d + 1]!;
        }
        const inputs = [x.name, this.i64([...before, ...after])];
        if (op === 'PadV2') inputs.push(this.constant(this.staticOf(ins[2]!, node, 'pad value'), false));
        const shape = x.shape.map((s, d) => s + p[2 * d]! + p[2 * d + 1]!);
        return [this.dyn(this.emit1('Pad', inputs, { mode: { kind: 'string', value: 'constant' } }), shape)];
      }
      case 'AvgPool':
      case 'MaxPool': {
        const x = this.plainDyn(x0, node);
        this.need4d(x, node);
        if ((attrS(node, 'data_format') ?? 'NHWC') !== 'NHWC') throw new UnsupportedOpError(`${op} ${node.name}: NCHW`);
        const k = attrInts(node, 'ksize');
        const s = attrInts(node, 'strides');
        if (k[0] !== 1 || k[3] !== 1 || s[0] !== 1 || s[3] !== 1)
          throw new UnsupportedOpError(`${op} ${node.name}: pooling over batch or channels`);
        const { pads, out } = this.spatialPads(node, x.shape, [k[1]!, k[2]!], [s[1]!, s[2]!], [1, 1]);
        const attrs: Record<string, OnnxAttr> = {
          kernel_shape: { kind: 'ints', value: [k[1]!, k[2]!] },
          strides: { kind: 'ints', value: [s[1]!, s[2]!] },
          pads: { kind: 'ints', value: pads },
        };
        // TF's SAME average excludes the padding from the count.
        if (op === 'AvgPool') attrs.count_include_pad = { kind: 'int', value: 0 };
        const name = this.emit1(op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [x.name], attrs);
        return [this.dyn(name, [x.shape[0]!, out[0]!, out[1]!, x.shape[3]!])];
      }
      case 'Mean': {
        const x = this.plainDyn(x0, node);
        this.need4d(x, node);
        const axes = Array.from(this.staticOf(ins[1]!, node, 'reduction axes').data).map((a) => (a < 0 ? a + 4 : a));
        const shape = x.shape.map((s, i) => (axes.includes(i) ? 1 : s));
        const sorted = [...axes].sort();
        const spatial = sorted.length === 2 && sorted[0] === 1 && sorted[1] === 2;
        if (!attrB(node, 'keep_dims')) {
          // Global average pooling before a dense head: [N, C] is the same whichever layout.
          if (!spatial) throw new UnsupportedOpError(`Mean ${node.name}: keep_dims=false over axes [${axes}]`);
          const pooled = this.emit1('GlobalAveragePool', [x.name]);
          return [
            this.dyn(this.emit1('Flatten', [pooled], { axis: { kind: 'int', value: 1 } }), [x.shape[0]!, x.shape[3]!]),
          ];
        }
        if (spatial) return [this.dyn(this.emit1('GlobalAveragePool', [x.name]), shape)];
        const onnxAxes = axes.map((a) => NCHW_AXIS[a]!);
        return [
          this.dyn(
            this.emit1('ReduceMean', [x.name], {
              axes: { kind: 'ints', value: onnxAxes },
              keepdims: { kind: 'int', value: 1 },
            }),
            shape,
          ),
        ];
      }
      case 'ConcatV2': {
        const axisV = this.staticOf(ins[ins.length - 1]!, node, 'concat axis');
        const parts = ins.slice(0, -1);
        const rank = parts[0]!.kind === 'dead' ? 0 : parts[0]!.shape.length;
        let axis = axisV.data[0]!;
        if (axis < 0) axis += rank;
        if (parts.every((p) => p.kind === 'static'))
          throw new UnsupportedOpError(`ConcatV2 ${node.name}: constant folding not implemented`);
        if (rank !== 4) throw new UnsupportedOpError(`ConcatV2 ${node.name}: rank ${rank}`);
        const names = parts.map((p) => (p.kind === 'static' ? this.constant(p, true) : this.plainDyn(p, node).name));
        const shape = [...(parts[0] as Static | Dyn).shape];
        shape[axis] = parts.reduce((a, p) => a + (p as Static | Dyn).shape[axis]!, 0);
        return [this.dyn(this.emit1('Concat', names, { axis: { kind: 'int', value: NCHW_AXIS[axis]! } }), shape)];
      }
      case 'Split':
      case 'SplitV': {
        const xv = op === 'Split' ? ins[1]! : ins[0]!;
        const dimV = this.staticOf(op === 'Split' ? ins[0]! : ins[2]!, node, 'split axis');
        const x = this.plainDyn(xv, node);
        this.need4d(x, node);
        let axis = dimV.data[0]!;
        if (axis < 0) axis += 4;
        const n = attrI(node, 'num_split');
        let sizes: number[];
        if (op === 'Split') {
          if (x.shape[axis]! % n) throw new Error(`Split ${node.name}: ${x.shape[axis]} is not divisible by ${n}`);
          sizes = new Array<number>(n).fill(x.shape[axis]! / n);
        } else {
          sizes = Array.from(this.staticOf(ins[1]!, node, 'split sizes').data);
          const known = sizes.filter((s) => s >= 0).reduce((a, b) => a + b, 0);
          sizes = sizes.map((s) => (s < 0 ? x.shape[axis]! - known : s));
        }
        const names = this.emit(
          'Split',
          [x.name, this.i64(sizes)],
          { axis: { kind: 'int', value: NCHW_AXIS[axis]! } },
          n,
        );
        return names.map((nm, i) => {
          const shape = [...x.shape];
          shape[axis] = sizes[i]!;
          return this.dyn(nm, shape);
        });
      }
      case 'Slice': {
        const x = this.plainDyn(x0, node);
        this.need4d(x, node);
        const begin = Array.from(this.staticOf(ins[1]!, node, 'slice begin').data);
        const sz = Array.from(this.staticOf(ins[2]!, node, 'slice size').data);
        const shape = x.shape.map((s, d) => (sz[d]! < 0 ? s - begin[d]! : sz[d]!));
        return [this.slice(x, begin, shape)];
      }
      case 'ResizeBilinear':
      case 'ResizeNearestNeighbor': {
        const x = this.plainDyn(x0, node);
        this.need4d(x, node);
        const [h, w] = Array.from(this.staticOf(ins[1]!, node, 'resize size').data) as [number, number];
        const alignCorners = attrB(node, 'align_corners');
        const halfPixel = attrB(node, 'half_pixel_centers');
        // TF's three conventions map one-to-one onto ONNX's coordinate transformations.
        const ctm = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
        const attrs: Record<string, OnnxAttr> = {
          mode: { kind: 'string', value: op === 'ResizeBilinear' ? 'linear' : 'nearest' },
          coordinate_transformation_mode: {
            kind: 'string',
            value: op === 'ResizeNearestNeighbor' && halfPixel ? 'tf_half_pixel_for_nn' : ctm,
          },
        };
        if (op === 'ResizeNearestNeighbor')
          attrs.nearest_mode = { kind: 'string', value: alignCorners ? 'round_prefer_ceil' : 'floor' };
        const sizes = this.i64([x.shape[0]!, x.shape[3]!, h, w]);
        return [this.dyn(this.emit1('Resize', [x.name, '', '', sizes], attrs), [x.shape[0]!, h, w, x.shape[3]!])];
      }
      case 'MatMul':
      case '_FusedMatMul': {
        const x = this.plainDyn(x0, node);
        if (x.shape.length !== 2) throw new UnsupportedOpError(`${op} ${node.name}: rank-${x.shape.length} input`);
        if (attrB(node, 'transpose_a')) throw new UnsupportedOpError(`${op} ${node.name}: transpose_a`);
        const w = this.staticOf(ins[1]!, node, 'the weight matrix');
        const transB = attrB(node, 'transpose_b');
        const fused = op === '_FusedMatMul' ? attrStrs(node, 'fused_ops') : [];
        const [bias, act, ...rest] = fused;
        if (rest.length || (bias !== undefined && bias !== 'BiasAdd'))
          throw new UnsupportedOpError(`${op} ${node.name}: fused ops [${fused}]`);
        const inputs = [x.name, this.constant(w, false)];
        if (bias) inputs.push(this.constant(this.staticOf(ins[2]!, node, 'the bias'), false));
        const cols = transB ? w.shape[0]! : w.shape[1]!;
        const y = this.emit1('Gemm', inputs, { transB: { kind: 'int', value: transB ? 1 : 0 } });
        return [this.dyn(act ? this.activation(act, y, node) : y, [x.shape[0]!, cols])];
      }
      case 'AddN': {
        const parts = ins.map((p) => this.plainDyn(p, node));
        return [
          this.dyn(
            this.emit1(
              'Sum',
              parts.map((p) => p.name),
            ),
            parts[0]!.shape,
          ),
        ];
      }
    }
    throw new UnsupportedOpError(`unsupported TF op ${op} (node ${node.name})`);
  }

  private stridedSlice(node: TfNode, ins: Val[]): Val {
    const [b, e, s] = [1, 2, 3].map((i) => Array.from(this.staticOf(ins[i]!, node, 'slice bounds').data));
    const masks = {
      begin: attrI(node, 'begin_mask'),
      end: attrI(node, 'end_mask'),
      ellipsis: attrI(node, 'ellipsis_mask'),
      newAxis: attrI(node, 'new_axis_mask'),
      shrink: attrI(node, 'shrink_axis_mask'),
    };
    const x = ins[0]!;
    if (x.kind === 'dead') return x;
    const { dims, outShape } = stridedSliceSpec(x.shape, b!, e!, s!, masks);
    if (x.kind === 'static') return stridedSliceStatic(x, dims, outShape);
    const d = this.plainDyn(x, node);
    if (d.shape.length !== 4 || outShape.length !== 4 || dims.some((k) => k.stride !== 1))
      throw new UnsupportedOpError(`StridedSlice ${node.name}: only rank-preserving unit-stride slices of data`);
    return this.slice(
      d,
      dims.map((k) => k.begin),
      dims.map((k) => k.length),
    );
  }

  /** ONNX Slice of a rank-4 data tensor, `begin`/`shape` in TF axes; a no-op slice emits nothing. */
  private slice(x: Dyn, begin: number[], shape: number[]): Dyn {
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let d = 0; d < 4; d++) {
      if (begin[d] === 0 && shape[d] === x.shape[d]) continue;
      axes.push(NCHW_AXIS[d]!);
      starts.push(begin[d]!);
      ends.push(begin[d]! + shape[d]!);
    }
    if (!axes.length) return x;
    return this.dyn(this.emit1('Slice', [x.name, this.i64(starts), this.i64(ends), this.i64(axes)]), shape);
  }

  private binary(node: TfNode, onnxOp: string, a: Val, b: Val): Dyn {
    const shapeOf = (v: Val) => (v.kind === 'dead' ? [] : v.shape);
    const shape = broadcastShape(shapeOf(a), shapeOf(b));
    const nchw = shape.length === 4;
    const operand = (v: Val, other: Val): string => {
      if (v.kind === 'dyn') {
        const d = this.plainDyn(v, node);
        if (nchw && d.shape.length !== 4)
          throw new UnsupportedOpError(`${node.op} ${node.name}: mixed-rank data operands`);
        return d.name;
      }
      if (v.kind === 'static') {
        // A uniform constant against a data tensor that already has the output shape: a scalar suffices.
        if (v.splat !== undefined && other.kind === 'dyn' && other.shape.join() === shape.join())
          return v.dtype === 'float32' ? this.f32([v.splat]) : this.constant(mkStatic(v.dtype, [], [v.splat]), false);
        return this.constant(v, nchw);
      }
      throw new Error('dead operand');
    };
    return this.dyn(this.emit1(onnxOp, [operand(a, b), operand(b, a)]), shape);
  }

  private activation(op: string, x: string, node: TfNode, alpha?: number): string {
    switch (op) {
      case 'Relu6':
        return this.emit1('Clip', [x, this.f32([0]), this.f32([6])]);
      case 'Square':
        return this.emit1('Mul', [x, x]);
      case 'Rsqrt':
        return this.emit1('Reciprocal', [this.emit1('Sqrt', [x])]);
      case 'LeakyRelu':
      case 'Leakyrelu':
        return this.emit1('LeakyRelu', [x], {
          alpha: { kind: 'float', value: alpha ?? node.attr?.alpha?.f ?? node.attr?.leakyrelu_alpha?.f ?? 0.2 },
        });
      case 'Elu':
        return this.emit1('Elu', [x]);
      default: {
        const u = UNARY[op];
        if (!u) throw new UnsupportedOpError(`unsupported activation ${op} (node ${node.name})`);
        return this.emit1(u.onnx, [x]);
      }
    }
  }

  /** Explicit ONNX pads [top, left, bottom, right] and the output size for TF's padding modes. */
  private spatialPads(
    node: TfNode,
    shape: number[],
    k: [number, number],
    s: [number, number],
    dil: [number, number],
  ): { pads: number[]; out: [number, number] } {
    const padding = attrS(node, 'padding') ?? 'VALID';
    const before = [0, 0];
    const after = [0, 0];
    if (padding === 'SAME') {
      for (let i = 0; i < 2; i++) {
        const inSize = shape[i + 1]!;
        const outSize = Math.ceil(inSize / s[i]!);
        const total = Math.max((outSize - 1) * s[i]! + (k[i]! - 1) * dil[i]! + 1 - inSize, 0);
        before[i] = Math.floor(total / 2);
        after[i] = total - before[i]!;
      }
    } else if (padding === 'EXPLICIT') {
      const p = attrInts(node, 'explicit_paddings');
      before[0] = p[2]!;
      after[0] = p[3]!;
      before[1] = p[4]!;
      after[1] = p[5]!;
    } else if (padding !== 'VALID') throw new UnsupportedOpError(`${node.op} ${node.name}: padding ${padding}`);
    const out = [0, 1].map(
      (i) => Math.floor((shape[i + 1]! + before[i]! + after[i]! - ((k[i]! - 1) * dil[i]! + 1)) / s[i]!) + 1,
    ) as [number, number];
    return { pads: [before[0]!, before[1]!, after[0]!, after[1]!], out };
  }

  private spaceBatch(node: TfNode, ins: Val[]): Val {
    const block = Array.from(this.staticOf(ins[1]!, node, 'block shape').data);
    const p = Array.from(this.staticOf(ins[2]!, node, node.op === 'SpaceToBatchND' ? 'paddings' : 'crops').data);
    if (block.length !== 2) throw new UnsupportedOpError(`${node.op} ${node.name}: block rank ${block.length}`);
    const x = ins[0]!;
    if (x.kind !== 'dyn') throw new UnsupportedOpError(`${node.op} ${node.name}: constant input`);
    const [bh, bw] = block as [number, number];
    if (node.op === 'SpaceToBatchND') {
      const src = this.plainDyn(x, node);
      const ph = src.shape[1]! + p[0]! + p[1]!;
      const pw = src.shape[2]! + p[2]! + p[3]!;
      return {
        kind: 'dyn',
        name: '',
        shape: [src.shape[0]! * bh * bw, ph / bh, pw / bw, src.shape[3]!],
        spaceToBatch: { block: [bh, bw], pads: [p[0]!, p[2]!, p[1]!, p[3]!], src },
      };
    }
    if (!x.batchToSpace) throw new UnsupportedOpError(`BatchToSpaceND ${node.name}: not after a SpaceToBatchND conv`);
    const full = x.batchToSpace.full;
    const shape = [full.shape[0]!, full.shape[1]! - p[0]! - p[1]!, full.shape[2]! - p[2]! - p[3]!, full.shape[3]!];
    return this.slice(full, [0, p[0]!, p[2]!, 0], shape);
  }

  /**
   * TF's transposed convolution (Conv2DBackpropInput: output size, filter [kh, kw, out, in], data)
   * as ONNX ConvTranspose. The pads are those of the forward convolution from the output size back
   * to the input's, and any row the stride leaves over goes to output_padding, at the end as in TF.
   */
  private convTranspose(node: TfNode, ins: Val[]): Val {
    if ((attrS(node, 'data_format') ?? 'NHWC') !== 'NHWC')
      throw new UnsupportedOpError(`${node.op} ${node.name}: NCHW`);
    const size = Array.from(this.staticOf(ins[0]!, node, 'the output size').data);
    const filter = this.staticOf(ins[1]!, node, 'the filter');
    const x = this.plainDyn(ins[2]!, node);
    this.need4d(x, node);
    const [kh, kw, co, ci] = filter.shape as [number, number, number, number];
    if (ci !== x.shape[3])
      throw new Error(`${node.op} ${node.name}: filter expects ${ci} channels, input has ${x.shape[3]}`);
    const dil = attrInts(node, 'dilations');
    if (dil.some((v) => v !== 1)) throw new UnsupportedOpError(`${node.op} ${node.name}: dilations`);
    const strides = attrInts(node, 'strides');
    const s: [number, number] = [strides[1] ?? 1, strides[2] ?? 1];
    const out: [number, number] = [size[1]!, size[2]!];
    const { pads, out: back } = this.spatialPads(node, [1, out[0], out[1], co], [kh, kw], s, [1, 1]);
    if (back[0] !== x.shape[1] || back[1] !== x.shape[2])
      throw new Error(`${node.op} ${node.name}: output ${out} does not come back to ${x.shape.slice(1, 3)}`);
    const k = [kh, kw];
    const outputPadding = [0, 1].map(
      (i) => out[i]! - (s[i]! * (x.shape[i + 1]! - 1) + k[i]! - pads[i]! - pads[i + 2]!),
    );
    const y = this.emit1('ConvTranspose', [x.name, this.constant(transposeStatic(filter, [3, 2, 0, 1]), false)], {
      kernel_shape: { kind: 'ints', value: k },
      strides: { kind: 'ints', value: s },
      pads: { kind: 'ints', value: pads },
      output_padding: { kind: 'ints', value: outputPadding },
    });
    return this.dyn(y, [x.shape[0]!, out[0], out[1], co]);
  }

  private conv(node: TfNode, ins: Val[]): Val {
    const op = node.op;
    const depthwise = op.includes('Depthwise');
    if ((attrS(node, 'data_format') ?? 'NHWC') !== 'NHWC') throw new UnsupportedOpError(`${op} ${node.name}: NCHW`);
    const xv = ins[0]!;
    if (xv.kind !== 'dyn') throw new UnsupportedOpError(`${op} ${node.name}: constant input`);
    if (xv.batchToSpace) throw new UnsupportedOpError(`${op} ${node.name}: conv of a SpaceToBatchND conv`);
    const filter = this.staticOf(ins[1]!, node, 'the filter');
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const strides = attrInts(node, 'strides');
    let dil = attrInts(node, 'dilations');
    if (!dil.length) dil = [1, 1, 1, 1];
    const s: [number, number] = [strides[1] ?? 1, strides[2] ?? 1];
    let d: [number, number] = [dil[1] ?? 1, dil[2] ?? 1];
    let x: Dyn;
    let pads: number[];
    let out: [number, number];
    const s2b = xv.spaceToBatch;
    if (s2b) {
      // SpaceToBatchND → VALID conv → BatchToSpaceND is TF's dilated convolution: one Conv with
      // dilations, SpaceToBatch's zero padding as Conv pads, BatchToSpace's crops as a Slice after.
      if (attrS(node, 'padding') !== 'VALID' || s[0] !== 1 || s[1] !== 1 || d[0] !== 1 || d[1] !== 1)
        throw new UnsupportedOpError(`${op} ${node.name}: SpaceToBatchND conv must be VALID, stride 1`);
      x = s2b.src;
      d = s2b.block;
      pads = s2b.pads;
      out = [x.shape[1]! + pads[0]! + pads[2]! - (kh - 1) * d[0], x.shape[2]! + pads[1]! + pads[3]! - (kw - 1) * d[1]];
    } else {
      x = xv;
      ({ pads, out } = this.spatialPads(node, x.shape, [kh, kw], s, d));
    }
    const inC = x.shape[3]!;
    let w: Static;
    let group = 1;
    let outC: number;
    if (depthwise) {
      if (ci !== inC) throw new Error(`${op} ${node.name}: filter expects ${ci} channels, input has ${inC}`);
      const t = transposeStatic(filter, [2, 3, 0, 1]);
      outC = ci * co;
      w = { ...t, shape: [outC, 1, kh, kw] };
      group = ci;
    } else {
      if (inC % ci !== 0) throw new Error(`${op} ${node.name}: filter expects ${ci} channels, input has ${inC}`);
      group = inC / ci;
      w = transposeStatic(filter, [3, 2, 0, 1]);
      outC = co;
    }
    const inputs = [x.name, this.constant(w, false)];
    const fused = op.startsWith('Fused') || op.startsWith('_Fused') ? attrStrs(node, 'fused_ops') : [];
    const rest = [...fused];
    let extra = 2;
    if (rest[0] === 'BiasAdd') {
      rest.shift();
      const bias = this.staticOf(ins[extra++]!, node, 'the bias');
      inputs.push(this.constant(bias, false));
    } else if (rest.length) {
      throw new UnsupportedOpError(`${op} ${node.name}: fused ops [${fused}] (expected BiasAdd first)`);
    }
    const attrs: Record<string, OnnxAttr> = {
      kernel_shape: { kind: 'ints', value: [kh, kw] },
      strides: { kind: 'ints', value: s },
      dilations: { kind: 'ints', value: d },
      pads: { kind: 'ints', value: pads },
      group: { kind: 'int', value: group },
    };
    let y = this.emit1('Conv', inputs, attrs);
    if (rest.length > 1) throw new UnsupportedOpError(`${op} ${node.name}: fused ops [${fused}]`);
    if (rest.length === 1) {
      const act = rest[0]!;
      if (act === 'Prelu') {
        const alpha = this.staticOf(ins[extra++]!, node, 'the PReLU slope');
        y = this.emit1('PRelu', [y, this.constant(alpha, true)]);
      } else if (act === 'Relu' || act === 'Relu6' || act === 'Elu' || act === 'Sigmoid' || act === 'Tanh') {
        y = this.activation(act, y, node);
      } else if (act === 'LeakyRelu') {
        y = this.activation(act, y, node, node.attr?.leakyrelu_alpha?.f ?? 0.2);
      } else {
        throw new UnsupportedOpError(`${op} ${node.name}: fused activation ${act}`);
      }
    }
    const full = this.dyn(y, [x.shape[0]!, out[0], out[1], outC]);
    if (s2b) return { ...full, name: y, batchToSpace: { block: s2b.block, full } };
    return full;
  }
}

/** A model.json on disk and the bytes of its weight shards, which lie beside it. */
export function readTfjsGraph(jsonPath: string): { json: TfModelJson; bytes: Uint8Array } {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as TfModelJson;
  return { json, bytes: readShardBytes(path.dirname(jsonPath), json.weightsManifest) };
}

/** tfjsGraphToOnnx for a model.json on disk. */
export function tfjsGraphFileToOnnx(jsonPath: string, opts: ConvertOptions): Uint8Array {
  const { json, bytes } = readTfjsGraph(jsonPath);
  return tfjsGraphToOnnx(json, bytes, opts);
}

/**
 * Converts a TF.js graph model to ONNX bytes for one static input shape. Throws
 * UnsupportedOpError naming the op and node for anything it cannot translate faithfully.
 */
export function tfjsGraphToOnnx(modelJson: TfModelJson, weightBytes: Uint8Array, opts: ConvertOptions): Uint8Array {
  const topology = (modelJson.modelTopology as { node?: TfNode[] }).node ?? [];
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const weights = decodeWeights(specs, weightBytes);
  return new Converter(topology, weights, opts).run();
}
