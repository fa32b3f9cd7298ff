// A minimal protobuf writer and the ONNX messages built on it: enough to hand a converted graph to
// onnxruntime as bytes. Only writing is needed (ORT parses), so no reader and no npm dependency.
// Field numbers follow onnx/onnx.proto (IR version 8).

/** Appends protobuf wire-format fields; nested messages are encoded first and written as bytes. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private pos = 0;
  private total = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, 256));
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.slice(0, this.pos));
    this.pos = 0;
  }

  /** Unsigned varint; negative int64 values are written as their 10-byte two's complement. */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    if (v < 0x80n) {
      this.buf[this.pos++] = Number(v);
      this.total++;
      return this;
    }
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      this.total++;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
    this.total++;
    return this;
  }

  private tag(field: number, wireType: 0 | 1 | 2 | 5): this {
    return this.varint((field << 3) | wireType);
  }

  private raw(bytes: Uint8Array): this {
    if (bytes.length > 4096) {
      this.flush();
      this.chunks.push(bytes);
    } else {
      this.ensure(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    }
    this.total += bytes.length;
    return this;
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, 5).raw(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2).varint(value.length).raw(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  packedInts(field: number, values: ArrayLike<number | bigint>): this {
    const w = new ProtoWriter();
    for (let i = 0; i < values.length; i++) w.varint(values[i]!);
    return this.bytes(field, w.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** TensorProto.DataType values used here. */
export const OnnxType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type OnnxTypeCode = (typeof OnnxType)[keyof typeof OnnxType];

export interface OnnxTensor {
  name: string;
  type: OnnxTypeCode;
  dims: number[];
  /** Little-endian element bytes (raw_data). */
  raw: Uint8Array;
}

export type OnnxAttr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] };

export interface OnnxNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, OnnxAttr>;
}

export interface OnnxValueInfo {
  name: string;
  type: OnnxTypeCode;
  /** A number, or a symbolic dimension name. */
  shape: (number | string)[];
}

export interface OnnxModel {
  opset: number;
  producer: string;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function writeAttr(w: ProtoWriter, name: string, a: OnnxAttr): void {
  w.string(1, name).int(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
  }
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, t.type).string(8, t.name).bytes(9, t.raw);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type).message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serialises a ModelProto (IR version 8, default domain). */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8);
  w.string(2, m.producer);
  w.message(7, (g) => {
    for (const n of m.nodes)
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name).string(4, n.op);
        for (const [k, a] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttr(aw, k, a));
      });
    g.string(2, m.graphName);
    for (const t of m.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of m.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of m.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (op) => op.string(1, '').int(2, m.opset));
  return w.finish();
}
