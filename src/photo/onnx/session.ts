// The onnxruntime-node plumbing every ONNX-backed network shares: the native binding, loaded on
// first use so a tfjs-only process (KAOZHAO_MODEL_RUNTIME=tfjs) never loads it, and one set of
// session options.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { sourcePath } from '../../runtime/paths.js';
import { extraModelDir } from '../face/models.js';

const require = createRequire(import.meta.url);
export type Ort = typeof import('onnxruntime-node');

let ortModule: Ort | undefined;

export const ort = (): Ort => {
  ortModule ??= require('onnxruntime-node') as Ort;
  return ortModule;
};

/**
 * One thread per session: the engine already runs one worker per core, and a second intra-op
 * thread would only contend with the neighbouring worker. `graph`: 'source' is a graph as
 * converted, which ORT optimises at every level (NCHWc layouts for this CPU included) and, given
 * `saveTo`, writes out as optimised; 'optimised' is such a file, loaded without optimising it
 * again. Optimising took most of a session's creation: RVM 289 ms against 94 ms to load its
 * optimised graph, FaceRecognitionNet 258 against 52 (quiet machine).
 */
export function createSession(
  model: Uint8Array | string,
  graph: 'source' | 'optimised' = 'source',
  saveTo?: string,
): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: graph === 'source' ? 'all' : 'disabled',
    // ORT warns, when it writes a graph optimised at this level, that the file fits this machine
    // only: the cache key says which machine (machineKey), so that warning is silenced here.
    ...(saveTo ? { optimizedModelFilePath: saveTo, logSeverityLevel: 3 as const } : {}),
    executionMode: 'sequential',
    // Without the arena and the pre-planned pattern each run allocates what it needs and returns
    // it: a worker's peak RSS fell from 883 to 824 MB over 100 photos, and it ran no slower
    // (bench/photo.bench.ts --child, one worker). With the arena off but the pattern on, RVM ran
    // twice as slow.
    enableCpuMemArena: false,
    enableMemPattern: false,
  };
  // A path lets ORT read the file itself instead of parsing a copy held by JS (see cacheKey). Two
  // calls because ORT's create() is overloaded on a path or on bytes, not on their union.
  return typeof model === 'string'
    ? ort().InferenceSession.create(model, options)
    : ort().InferenceSession.create(model, options);
}

export interface BuiltSession {
  session: InferenceSession;
  /** convertMs is 0 when the graph came from the disk cache. */
  timings: { convertMs: number; sessionMs: number; cached: boolean };
}

/**
 * Converted graphs are kept in `<models>/onnx-cache` (KAOZHAO_MODELS), so a worker that starts
 * again skips the conversion (RVM and FaceRecognitionNet take 0.3–0.7 s each on a quiet core, more
 * than the rest of a worker's start). The file name carries a hash of everything the bytes depend
 * on: the model files and this folder's code; a stale file is never read, only replaced.
 */
const cacheDir = path.join(extraModelDir, 'onnx-cache');
const here = sourcePath('photo', 'onnx');

/** A weights manifest (a graph model's JSON, or face-api's manifest array) and the shards it names. */
export function weightFiles(jsonPath: string): string[] {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as
    | { paths: string[] }[]
    | { weightsManifest: { paths: string[] }[] };
  const groups = Array.isArray(json) ? json : json.weightsManifest;
  return [jsonPath, ...groups.flatMap((g) => g.paths.map((p) => path.join(path.dirname(jsonPath), p)))];
}

/** This folder's code, hashed once per process rather than once per graph. */
let codeHash: string | undefined;
function converterHash(): string {
  if (codeHash === undefined) {
    const h = createHash('sha256');
    for (const f of readdirSync(here).sort()) h.update(f).update(readFileSync(path.join(here, f)));
    codeHash = h.digest('hex');
  }
  return codeHash;
}

/**
 * What an optimised graph depends on besides its sources and this folder's code: ORT's version and
 * the machine. At level 'all' ORT lays convolutions out for this CPU's vector width (NCHWc), and a
 * file optimised on another CPU may not run here, so a models folder copied to another machine
 * optimises again instead of reading it.
 */
let machine: string | undefined;
function machineKey(): string {
  if (machine === undefined) {
    let flags = '';
    try {
      flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    } catch {
      // Not Linux: the model name below still tells most CPUs apart.
    }
    machine = [ort().env.versions.node, process.arch, cpus()[0]?.model ?? '', flags].join('|');
  }
  return machine;
}

/**
 * Reused for every source file. Memory a process touches for the first time costs page faults,
 * which on these VMs dominate reading: a 22 MB file took 65 ms to read into a new buffer against
 * 7 ms for `cat`, and as long again to copy. So the sources are hashed through one small buffer
 * and the cached graph is handed to ORT by path (buildSession), not read into JS: a worker's
 * models loaded in 0.51–0.68 s instead of 0.89 s (the loaders timed in one process).
 */
const chunk = Buffer.allocUnsafe(1 << 20);

function cacheKey(name: string, sources: readonly string[]): string {
  const h = createHash('sha256').update(name).update(converterHash()).update(machineKey());
  for (const f of sources) {
    const fd = openSync(f, 'r');
    try {
      for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) h.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** A temporary name beside `file`: written there and renamed, so a worker starting beside this
 *  one never reads half a file. Null where the folder cannot be made (read-only models folder). */
function tempBeside(file: string): string | null {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    return `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  } catch {
    return null;
  }
}

/** Best effort: a read-only models folder only means every start converts and optimises again. */
function commitCached(name: string, file: string, tmp: string): void {
  const dir = path.dirname(file);
  try {
    renameSync(tmp, file);
    for (const old of readdirSync(dir))
      if (old.startsWith(`${name}-`) && old.endsWith('.onnx') && path.join(dir, old) !== file)
        rmSync(path.join(dir, old), { force: true });
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * The session for the graph `convert` makes, named `name` (which must say every option the graph
 * depends on beyond `sources`, e.g. its input size). The disk cache holds the graph as ORT
 * optimised it on this machine, so a start neither converts nor optimises; a file that no longer
 * loads is converted again and replaced.
 */
export async function buildSession(
  name: string,
  sources: readonly string[],
  convert: () => Uint8Array,
  dir = cacheDir,
): Promise<BuiltSession> {
  const file = path.join(dir, `${name}-${cacheKey(name, sources)}.onnx`);
  if (existsSync(file)) {
    const t0 = performance.now();
    try {
      const session = await createSession(file, 'optimised');
      return { session, timings: { convertMs: 0, sessionMs: performance.now() - t0, cached: true } };
    } catch {
      // A damaged file: fall through, convert, and replace it.
    }
  }
  const t0 = performance.now();
  const bytes = convert();
  const t1 = performance.now();
  let tmp = tempBeside(file);
  let session: InferenceSession;
  try {
    session = await createSession(bytes, 'source', tmp ?? undefined);
  } catch (e) {
    if (!tmp) throw e;
    // ORT could not write the optimised graph (a read-only folder): the session without it.
    rmSync(tmp, { force: true });
    tmp = null;
    session = await createSession(bytes);
  }
  const sessionMs = performance.now() - t1;
  if (tmp) commitCached(name, file, tmp);
  return { session, timings: { convertMs: t1 - t0, sessionMs, cached: false } };
}

/** A float32 tensor for a session feed. */
export function floatTensor(data: Float32Array, dims: readonly number[]): Tensor {
  return new (ort().Tensor)('float32', data, dims);
}

/**
 * A session cache keyed by anything that changes the graph (input size, batch). A failed build is
 * dropped so the next call retries (and reports) instead of failing forever.
 */
export class SessionCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  get(key: string, build: () => Promise<T>): Promise<T> {
    let s = this.entries.get(key);
    if (!s) {
      s = build();
      s.catch(() => this.entries.delete(key));
      this.entries.set(key, s);
    }
    return s;
  }
}

/** Runs a session and copies the named outputs out before releasing ORT's buffers. */
export async function runSession(
  session: InferenceSession,
  feeds: Record<string, Tensor>,
  names: readonly string[],
): Promise<Float32Array[]> {
  const out = await session.run(feeds);
  try {
    return names.map((n) => {
      const t = out[n];
      if (!t) throw new Error(`ONNX session returned no ${n}`);
      return Float32Array.from(t.data as Float32Array);
    });
  } finally {
    for (const t of Object.values(out)) t.dispose();
  }
}
