import { defineConfig } from 'vitest/config';

// Load and fault tests with real processes: each file starts its own PostgreSQL (so it can
// stop it) and its own app instances. One file at a time; the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/resilience/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
