// The disk cache of converted graphs, as ORT optimised them (onnx/session.ts buildSession): a second
// start reads the file instead of converting and optimising, a change of the model files gives a
// new file (the old one is removed), a damaged file is converted again and replaced rather than
// failing the worker's start, and a folder that cannot be written only means converting each time.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/photo/onnx/graph.js';
import { buildSession, floatTensor, runSession } from '../../src/photo/onnx/session.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kaozhao-onnx-cache-'));
const cacheDir = path.join(dir, 'cache');
const source = path.join(dir, 'weights.bin');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** y = relu(x · k): small enough to build in a test, and its output shows which k was built. */
function scaleRelu(k: number): Uint8Array {
  const g = new GraphBuilder('scale-relu');
  const y = g.op('Relu', [g.op('Mul', ['x', g.f32(new Float32Array([k]), [1])])]);
  return g.build({ name: 'x', dims: [1, 3] }, y, 'y', [1, 3]);
}

async function run(k: number, counter: { converts: number }) {
  const built = await buildSession(
    'scale-relu',
    [source],
    () => {
      counter.converts++;
      return scaleRelu(k);
    },
    cacheDir,
  );
  const [y] = await runSession(built.session, { x: floatTensor(new Float32Array([-1, 1, 2]), [1, 3]) }, ['y']);
  return { built, y: Array.from(y!) };
}

describe('converted graphs on disk', () => {
  it('converts once, then reads the file; new model files replace it; a damaged file is rebuilt', async () => {
    writeFileSync(source, 'weights v1');
    const counter = { converts: 0 };

    const first = await run(2, counter);
    expect(first.y).toEqual([0, 2, 4]);
    expect(first.built.timings.cached).toBe(false);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.onnx'))).toHaveLength(1);

    // Same model files: the bytes come from disk, the converter is not called (its k=3 unused).
    const second = await run(3, counter);
    expect(second.built.timings.cached).toBe(true);
    expect(second.y).toEqual([0, 2, 4]);
    expect(counter.converts).toBe(1);

    // Other model files: another key, converted again, and the stale file removed.
    writeFileSync(source, 'weights v2');
    const third = await run(3, counter);
    expect(third.built.timings.cached).toBe(false);
    expect(third.y).toEqual([0, 3, 6]);
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.onnx'));
    expect(files).toHaveLength(1);

    // A truncated file does not load: it is converted and rewritten, and the start goes on.
    const file = path.join(cacheDir, files[0]!);
    writeFileSync(file, readFileSync(file).subarray(0, 20));
    const fourth = await run(4, counter);
    expect(fourth.built.timings.cached).toBe(false);
    expect(fourth.y).toEqual([0, 4, 8]);
    expect(readFileSync(file).byteLength).toBeGreaterThan(20);
    expect(counter.converts).toBe(3);
  });

  it('where the cache folder cannot be made, every start converts and the session still runs', async () => {
    writeFileSync(source, 'weights v1');
    // A folder under a file: mkdir fails with ENOTDIR, as on a read-only models folder.
    const blocked = path.join(source, 'cache');
    const counter = { converts: 0 };
    for (let i = 0; i < 2; i++) {
      const built = await buildSession(
        'scale-relu',
        [source],
        () => {
          counter.converts++;
          return scaleRelu(5);
        },
        blocked,
      );
      const [y] = await runSession(built.session, { x: floatTensor(new Float32Array([-1, 1, 2]), [1, 3]) }, ['y']);
      expect(Array.from(y!)).toEqual([0, 5, 10]);
      expect(built.timings.cached).toBe(false);
    }
    expect(counter.converts).toBe(2);
  });
});
