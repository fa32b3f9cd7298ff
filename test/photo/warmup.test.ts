// The worker's warm-up photo (photo/warmup.ts): Human's own sample face, read from its package,
// must still be there and still be a face the engine finds, or every worker would start cold again
// without anyone noticing (warmUp swallows its failures by design).
import { describe, expect, it } from 'vitest';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
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
});
