// Worker threads from TypeScript sources start from a bundle (src/runtime/thread.ts): the thread
// runs the entry's current code, finds the project's files as the sources do, and a bundle is
// built again only when a source it was built from changes.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime/paths.js';
import { THREAD_CACHE_DIR } from '../../src/runtime/thread.js';

const dir = path.join(PROJECT_ROOT, 'test-output', `thread-probe-${process.pid}`);
const entry = path.join(dir, 'probe.ts');
const dep = path.join(dir, 'answer.ts');
const cache = THREAD_CACHE_DIR;
/** The probe's manifest (named after the entry and a hash of its path). */
const manifest = () => {
  const f = readdirSync(cache).find((n) => /^probe-[0-9a-f]{8}\.json$/.test(n));
  if (!f) throw new Error('no manifest for the probe');
  return path.join(cache, f);
};

/** The probe imports a project module (paths.ts) and a local one, and posts what it found. */
function writeProbe(answer: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(dep, `export const answer: string = ${JSON.stringify(answer)};\n`);
  writeFileSync(
    entry,
    [
      "import { parentPort } from 'node:worker_threads';",
      "import { PROJECT_ROOT, sourcePath } from '../../src/runtime/paths.js';",
      "import { answer } from './answer.js';",
      'parentPort!.postMessage({ answer, root: PROJECT_ROOT, specs: sourcePath("photo", "specs"), url: import.meta.url });',
      '',
    ].join('\n'),
  );
}

function reply(w: Worker): Promise<{ answer: string; root: string; specs: string; url: string }> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/** startThread from a fresh copy of the module: what a newly started process would do. */
async function freshStart(): Promise<Worker> {
  vi.resetModules();
  const { startThread } = await import('../../src/runtime/thread.js');
  return startThread(pathToFileURL(path.join(dir, 'caller.ts')).href, './probe');
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const f of readdirSync(cache)) if (f.startsWith('probe-')) rmSync(path.join(cache, f), { force: true });
});

describe('startThread', () => {
  it('runs a TypeScript entry from its bundle, which finds the project as the sources do', async () => {
    writeProbe('first');
    const w = await freshStart();
    const r = await reply(w);
    await w.terminate();
    expect(r.answer).toBe('first');
    expect(r.root).toBe(PROJECT_ROOT);
    expect(r.specs).toBe(path.join(PROJECT_ROOT, 'src', 'photo', 'specs'));
    // It ran from the bundle, not through tsx's loader.
    expect(r.url).toMatch(/\/node_modules\/\.cache\/kaozhao-threads\/probe-[0-9a-f]{8}-[0-9a-f]{16}\.mjs$/);
    const inputs = Object.keys((JSON.parse(readFileSync(manifest(), 'utf8')) as { inputs: object }).inputs);
    expect(inputs.some((f) => f.endsWith('answer.ts'))).toBe(true);
  });

  it('reuses the bundle while its sources are unchanged, and builds it again when one changes', async () => {
    writeProbe('first');
    const a = await freshStart();
    const ra = await reply(a);
    await a.terminate();
    const builtAt = statSync(fileURLToPath(ra.url)).mtimeMs;
    const b = await freshStart();
    const rb = await reply(b);
    await b.terminate();
    expect(rb.url).toBe(ra.url);
    // Not written again: read from the manifest without building.
    expect(statSync(fileURLToPath(rb.url)).mtimeMs).toBe(builtAt);
    // A dependency of the entry changes (not the entry): the next process runs the new code.
    writeProbe('second answer');
    const c = await freshStart();
    const rc = await reply(c);
    await c.terminate();
    expect(rc.answer).toBe('second answer');
    expect(rc.url).not.toBe(ra.url);
  });
});
