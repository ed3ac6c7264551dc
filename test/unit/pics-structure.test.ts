import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** PICS is one folder per journey, each routes → service → repository (src/pics/index.ts composes). */
const ROOT = path.resolve(__dirname, '../../src/pics');
const JOURNEYS = ['calendar', 'chat', 'content', 'desk', 'tickets', 'webhr'];

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}
const rel = (f: string) => path.relative(ROOT, f);
const isRepository = (f: string) => /[rR]epository\.ts$/.test(f);
const sources = filesUnder(ROOT).map((f) => ({ file: rel(f), text: fs.readFileSync(f, 'utf8') }));

/** Query building: db('table'), trx('table'), x.raw(…), x.fn.now(), a LISTEN or NOTIFY sent by hand. */
const QUERY = [/\b(?:db|trx|q|knex)\s*\(\s*['"`]/, /\.raw\s*\(/, /\.fn\.now\s*\(/, /\.query\s*\(\s*[`'"](?:LISTEN|NOTIFY|SELECT|INSERT|UPDATE|DELETE)/i];

describe('PICS structure', () => {
  it('has a folder per journey, each with routes, a service, a repository and schemas', () => {
    for (const j of JOURNEYS) {
      for (const f of ['routes.ts', 'service.ts', 'repository.ts', 'schemas.ts']) expect(fs.existsSync(path.join(ROOT, j, f)), `${j}/${f}`).toBe(true);
    }
    const loose = fs.readdirSync(ROOT).filter((f) => f.endsWith('.ts'));
    expect(loose.sort()).toEqual(['deps.ts', 'index.ts', 'routeDeps.ts', 'services.ts', 'web.ts']);
  });

  it('builds queries only in repositories', () => {
    const offenders = sources.filter((s) => !isRepository(s.file) && QUERY.some((re) => re.test(s.text))).map((s) => s.file);
    expect(offenders).toEqual([]);
  });

  it('has no route file that imports a repository, and nothing that reaches a repository through a service', () => {
    const importing = sources.filter((s) => /(^|\/)routes\.ts$/.test(s.file) && /from '[^']*[rR]epository'/.test(s.text)).map((s) => s.file);
    expect(importing).toEqual([]);
    const reaching = sources.filter((s) => /\.repo\./.test(s.text)).map((s) => s.file);
    expect(reaching).toEqual([]);
  });

  it('has no service that hands out its repository', () => {
    const offenders = sources.filter((s) => !isRepository(s.file) && /^\s*repo\s*[,:]/m.test(s.text)).map((s) => s.file);
    expect(offenders).toEqual([]);
  });

  it('finds what it looks for (the checks above are not empty)', () => {
    expect(QUERY.some((re) => re.test("await db('pics_ticket').where({ id })"))).toBe(true);
    expect(QUERY.some((re) => re.test('await trx.raw(sql, [id])'))).toBe(true);
    expect(QUERY.some((re) => re.test('await c.query(`LISTEN ${NOTIFY_CHANNEL}`)'))).toBe(true);
    expect(/^\s*repo\s*[,:]/m.test('  return {\n    repo,\n    validate,')).toBe(true);
    expect(sources.filter((s) => isRepository(s.file) && QUERY.some((re) => re.test(s.text))).length).toBeGreaterThanOrEqual(JOURNEYS.length - 1);
  });
});
