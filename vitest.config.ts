import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // A shared 2-core CI machine: keep parallelism modest so end-to-end timings stay honest.
    maxWorkers: 2,
  },
});
