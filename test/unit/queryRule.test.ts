import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint rule of eslint.config.js that keeps SQL in repositories, run with the project's
// own configuration on code placed (by file name) in a service and in a repository.
const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, '../..') });

async function queryFindings(code: string, filePath: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
}

const QUERIES = [
  "export const a = (db: any) => db('account').where({ id: 1 }).first();",
  "export const b = (trx: any) => trx('mail_outbox').insert({ subject: 's' });",
  "export const c = (knex: any) => knex('agency');",
  "export const d = (db: any) => db.raw('SELECT 1');",
  "export const e = (db: any) => ({ at: db.fn.now() });",
  "export const f = (self: any) => self.db('rate_limit_hit');",
  "export const g = (q: any) => q.whereIn('id', [1, 2]);",
  "export const h = (q: any) => q.orderBy('id').onConflict(['id']);",
  "export const i = (trx: any) => trx.raw('SELECT pg_advisory_xact_lock(1)');",
  "export const j = (db: any) => db.schema.hasTable('account');",
];

describe('SQL only in repositories (eslint.config.js)', () => {
  it.each(QUERIES)('refuses `%s` in a service', { timeout: 60_000 }, async (code) => {
    expect(await queryFindings(code, 'src/platform/exampleService.ts')).toContain(1);
    expect(await queryFindings(code, 'src/pics/chat/example.ts')).toContain(1);
  });

  it.each(QUERIES)('allows `%s` in a repository and the database module', { timeout: 60_000 }, async (code) => {
    expect(await queryFindings(code, 'src/platform/exampleRepository.ts')).toEqual([]);
    expect(await queryFindings(code, 'src/jobs/repository.ts')).toEqual([]);
    expect(await queryFindings(code, 'src/platform/database.ts')).toEqual([]);
  });

  it('allows a service to open a transaction and call repositories with it', { timeout: 60_000 }, async () => {
    const service = [
      'export async function save(db: any, repo: any, row: object) {',
      '  return db.transaction(async (trx: any) => {',
      '    const id = await repo.insert(trx, row);',
      '    await repo.update(trx, id, row);',
      '    const seen = new Map<string, number>();',
      '    seen.delete(String(id));',
      "    return [id].join(',');",
      '  });',
      '}',
    ].join('\n');
    expect(await queryFindings(service, 'src/platform/exampleService.ts')).toEqual([]);
  });

  it('leaves migrations, seeds and scripts, which speak SQL by nature, alone', { timeout: 60_000 }, async () => {
    expect(await queryFindings(QUERIES[0]!, 'migrations/20990101000000_example.ts')).toEqual([]);
    expect(await queryFindings(QUERIES[0]!, 'seeds/example.ts')).toEqual([]);
  });
});
