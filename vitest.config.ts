import { defineConfig } from 'vitest/config';

// Each project starts its own fresh database in globalSetup; the root project declares none,
// or Vitest would run it once more for the root as well.
const globalSetup = ['test/support/globalSetup.ts'];
const CARD_BINDING_TESTS = ['test/routes/certificate.test.ts', 'test/routes/card-binding.test.ts'];
// Tests that take away every other portal administrator and the demo agency cards' grants.
const ALONE_TESTS = ['test/routes/admin-grants-alone.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    setupFiles: ['test/support/pgWarnings.ts'],
    projects: [
      { extends: true, test: { name: 'unit', globalSetup, include: ['test/unit/**/*.test.ts'] } },
      // Tests that bind the demo person cards (activation) expect them unbound: they get a
      // database of their own, apart from the area tests that sign in with those cards.
      { extends: true, test: { name: 'routes', globalSetup, include: ['test/routes/**/*.test.ts'], exclude: [...CARD_BINDING_TESTS, ...ALONE_TESTS] } },
      { extends: true, test: { name: 'cards', globalSetup, include: CARD_BINDING_TESTS } },
      { extends: true, test: { name: 'alone', globalSetup, include: ALONE_TESTS } },
      {
        extends: true,
        test: { name: 'e2e', globalSetup, include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000, fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'bridge', globalSetup, include: ['test/bridge/**/*.test.ts'], testTimeout: 60_000, fileParallelism: false },
      },
    ],
  },
});
