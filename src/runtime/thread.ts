// Starting a worker thread whose entry is a TypeScript source (the server runs under tsx, tests
// under vitest). Loader flags in execArgv do not reach worker threads on Node 20, so a thread used
// to register tsx's loader itself and import its entry through it: 0.45–0.65 s from `new Worker`
// to the photo worker's first line, against ~0.25 s for the same modules bundled into one ES
// module (this 2-core machine). Each photo worker, the exam face-box thread and every roster parse
// (a fresh thread per file) paid it.
//
// So the entry and the project modules it imports are bundled by esbuild (tsx's own transpiler),
// packages left as imports, into node_modules/.cache, where packages resolve as from the sources.
// A build takes ~0.2 s and is reused while no source it read has changed (size and mtime, kept in
// a manifest beside it); a process keeps the bundle it started with. In a bundle every module's
// import.meta.url is the bundle's, so files kept beside the sources are found from
// runtime/paths.ts. Where the bundle cannot be built or written (a read-only install), the thread
// registers tsx's loader as before.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { PROJECT_ROOT } from './paths.js';

const require = createRequire(import.meta.url);
/** Where thread bundles and their manifests are kept. */
export const THREAD_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'kaozhao-threads');
const cacheDir = THREAD_CACHE_DIR;

/** Bundles per entry: built once per process, null where building or writing failed. */
const bundles = new Map<string, string | null>();

/** Another version's bundle this much older than ours is removed (a process may still use it). */
const KEEP_OLD_MS = 24 * 3600_000;

function removeOld(name: string, keep: string): void {
  for (const f of readdirSync(cacheDir)) {
    const p = path.join(cacheDir, f);
    if (!f.startsWith(`${name}-`) || !f.endsWith('.mjs') || p === keep) continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > KEEP_OLD_MS) rmSync(p, { force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/** What a bundle was built from: each source's size and modification time. */
interface Manifest {
  file: string;
  inputs: Record<string, [size: number, mtimeMs: number]>;
}

/** The bundle of the last build, if no source it was built from has changed since. */
function current(manifestPath: string): string | null {
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    for (const [f, [size, mtimeMs]] of Object.entries(m.inputs)) {
      const st = statSync(path.join(PROJECT_ROOT, f));
      if (st.size !== size || st.mtimeMs !== mtimeMs) return null;
    }
    const file = path.join(cacheDir, m.file);
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/** Written beside, then renamed: a process starting beside this one never reads half a file. */
function writeWhole(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function bundle(entry: string): string | null {
  const known = bundles.get(entry);
  // Built before, and still there (a neighbour may have cleared the cache).
  if (known === null || (known && existsSync(known))) return known;
  // The file's name, and a hash of its path so two entries of the same name keep apart.
  const where = createHash('sha256').update(path.relative(PROJECT_ROOT, entry)).digest('hex').slice(0, 8);
  const name = `${path.basename(entry, '.ts')}-${where}`;
  const manifestPath = path.join(cacheDir, `${name}.json`);
  // Unchanged sources reuse the last build (stat-ing ~80 files, a few ms); building takes ~0.2 s.
  let out = current(manifestPath);
  if (!out) {
    try {
      const esbuild = require('esbuild') as typeof import('esbuild');
      const result = esbuild.buildSync({
        entryPoints: [entry],
        absWorkingDir: PROJECT_ROOT,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const code = result.outputFiles[0]!.contents;
      // Named by content: processes building side by side write the same file, and one still
      // running an older bundle keeps it (removeOld spares a day's worth).
      const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
      const file = path.join(cacheDir, `${name}-${hash}.mjs`);
      const inputs: Manifest['inputs'] = {};
      for (const f of Object.keys(result.metafile.inputs)) {
        const st = statSync(path.join(PROJECT_ROOT, f));
        inputs[f] = [st.size, st.mtimeMs];
      }
      mkdirSync(cacheDir, { recursive: true });
      writeWhole(file, code);
      writeWhole(manifestPath, JSON.stringify({ file: path.basename(file), inputs } satisfies Manifest));
      removeOld(name, file);
      out = file;
    } catch {
      out = null;
    }
  }
  bundles.set(entry, out);
  return out;
}

/**
 * A worker thread running the module `name` (a path without extension, relative to `from`, the
 * caller's import.meta.url): compiled .js as it is, a .ts source from its bundle (or, failing that,
 * through tsx's loader registered in the thread).
 */
export function startThread(from: string, name: string, options: WorkerOptions = {}): Worker {
  const ts = from.endsWith('.ts');
  const entry = new URL(`${name}${ts ? '.ts' : '.js'}`, from);
  if (!ts) return new Worker(entry, options);
  const file = bundle(fileURLToPath(entry));
  if (file) return new Worker(pathToFileURL(file), options);
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
