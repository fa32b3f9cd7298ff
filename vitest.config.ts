import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Face models take ~600 MB and a core per process: two forks match this 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    // Hang detectors, not budgets: CI machines have run this suite 8× slower than a quiet one
    // (a photo job test took 118 s there against 34 s here).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
