// The worker's warm-up photo (photo/warmup.ts): Human's own sample face, read from its package,
// must still be there and still be a face the engine finds, or every worker would start cold again
// without anyone noticing (warmUp swallows its failures by design). In the default runtime the
// whole photo runs on onnxruntime-node: tfjs (with tfjs-wasm's heap, ~93 MB that never shrinks) and
// Human must not come back through some module that still reaches for them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
import { MODEL_RUNTIME } from '../../src/photo/settings.js';
import { sampleFace, warmUp } from '../../src/photo/warmup.js';

describe('warm-up', () => {
  it('finds the sample face in @vladmandic/human and makes it through every stage up to the margin', async () => {
    const sample = sampleFace();
    expect(sample).not.toBeNull();
    const r = await makeIdPhoto(sample!);
    expect(r.faceCount).toBe(1);
    expect(r.face?.embedding.length).toBe(128);
    expect(await warmUp()).toBe(true);
  }, 120_000);

  it.skipIf(MODEL_RUNTIME !== 'onnx')(
    'makes its photo without loading tfjs or Human',
    async () => {
      expect(await warmUp()).toBe(true);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      expect(loaded.filter((f) => f.includes('@tensorflow/'))).toEqual([]);
      expect(loaded.filter((f) => f.includes('@vladmandic/human/'))).toEqual([]);
    },
    120_000,
  );
});
