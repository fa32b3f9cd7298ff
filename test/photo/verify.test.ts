import { describe, expect, it } from 'vitest';
import { cosineSimilarity, VERIFY_THRESHOLD } from '../../src/photo/verify.js';

describe('verification helpers', () => {
  it('cosine similarity', () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 2])).toBeCloseTo(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosineSimilarity([], [1])).toBe(0);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });
  it('threshold is a similarity', () => {
    expect(VERIFY_THRESHOLD).toBeGreaterThan(0);
    expect(VERIFY_THRESHOLD).toBeLessThan(1);
  });
});
