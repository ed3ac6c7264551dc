import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The dependency rules of .dependency-cruiser.cjs (npm run lint:deps), run on small trees
// under test/fixtures/dependency-rules that each break one rule, and on one that breaks none.
const root = path.resolve(import.meta.dirname, '../..');
const depcruise = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function violations(fixture: string): { rule: string; from: string; to: string }[] {
  const run = spawnSync(process.execPath, [depcruise, 'src', '--config', path.join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
    cwd: path.join(root, 'test/fixtures/dependency-rules', fixture),
    encoding: 'utf8',
  });
  const result = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('dependency rules', () => {
  it('pass a tree where areas use the platform, repositories use knex and seeds use src', { timeout: 90_000 }, () => {
    expect(violations('allowed')).toEqual([]);
  });

  it.each([
    ['area-imports-area', 'area-imports-only-platform', 'src/pics/service.ts', 'src/jobs/service.ts'],
    ['platform-imports-area', 'platform-imports-no-area', 'src/platform/audit.ts', 'src/jobs/service.ts'],
    ['src-imports-seeds', 'src-imports-no-seeds', 'src/server.ts', 'seeds/demo.ts'],
    ['type-cycle', 'no-circular', 'src/platform/a.ts', 'src/platform/b.ts'],
    ['knex-outside-repository', 'knex-only-in-repositories', 'src/pics/service.ts', 'knex'],
  ])('refuse %s', { timeout: 90_000 }, (fixture, rule, from, to) => {
    const found = violations(fixture);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((v) => v.rule === rule)).toBe(true);
    expect(found.some((v) => v.from === from && v.to.includes(to))).toBe(true);
  });
});
