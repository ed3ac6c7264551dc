/**
 * The shape of src/, checked in `npm test` (npm run lint:deps):
 * - areas (auth, portal, pics, cloud, jobs, mydata, bridge) import only the platform
 *   (src/platform/, plus src/config.ts, the one configuration module) and their own folder;
 *   a call from one area into another is a dependency wired in src/services.ts;
 * - the platform imports no area;
 * - nothing under src/ imports seeds/ (demo data is handed in by the entry point);
 * - no import cycles, type-only imports included;
 * - knex only in *repository.ts files and platform/database.
 * test/unit/dependencyRules.test.ts runs these rules on fixtures that break each of them.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'area-imports-only-platform',
      comment: 'An area imports the platform, the configuration and its own folder; anything else is wired in src/services.ts.',
      severity: 'error',
      from: { path: '^src/(auth|portal|pics|cloud|jobs|mydata|bridge)/' },
      to: { path: '^src/', pathNot: ['^src/platform/', '^src/config[.]ts$', '^src/types[.]d[.]ts$', '^src/$1/'] },
    },
    {
      name: 'platform-imports-no-area',
      comment: 'The platform serves every area and knows none of them.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: ['^src/platform/', '^src/config[.]ts$', '^src/types[.]d[.]ts$'] },
    },
    {
      name: 'src-imports-no-seeds',
      comment: 'Demo and benchmark data stay outside the product; the entry point hands the demo seeding in.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^seeds/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'knex-only-in-repositories',
      comment: 'SQL is spoken by repositories (and the platform database module) alone.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['repository[.]ts$', '^src/platform/database[^/]*[.]ts$'] },
      to: { path: 'node_modules/knex/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^|/)public/' },
  },
};
