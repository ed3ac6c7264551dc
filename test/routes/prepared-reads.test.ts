import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/platform/database';

// One connection, so every query below meets the statements its predecessors prepared.
const db = createDb(inject('databaseUrl'), 1);
afterAll(() => db.destroy());

const preparedTexts = async () =>
  ((await db.raw('SELECT statement FROM pg_prepared_statements WHERE name LIKE ? ORDER BY prepare_time', ['ecpa_r%'])).rows as { statement: string }[]).map((r) => r.statement);

describe('plain reads as prepared statements', () => {
  it('a SELECT is prepared once and run again with other values; the answers are the same as unnamed', async () => {
    const code = 'A096C0000Q';
    const first = await db('agency').where({ code }).first('id', 'name');
    const again = await db('agency').where({ code: '376470000A' }).first('id', 'name');
    expect(first?.name).toBeTruthy();
    expect(again?.id).not.toBe(first?.id);
    const texts = await preparedTexts();
    expect(texts.filter((t) => t.includes('from "agency" where "code" = $1'))).toHaveLength(1);
    const unnamed = await db.transaction((trx) => trx('agency').where({ code }).first('id', 'name'));
    expect(unnamed).toEqual(first);
  });

  it('leaves writes, locking reads and anything in a transaction unnamed', async () => {
    await db.transaction(async (trx) => {
      await trx('agency').where({ code: 'A096C0000Q' }).select('id', 'code as in_trx');
      await trx('agency').where({ code: 'A096C0000Q' }).forUpdate().select('id');
    });
    await db('agency').where({ code: 'A096C0000Q' }).forShare().select('id', 'code as locking');
    await db('agency').where({ code: 'none-such' }).update({ name: 'x' });
    const texts = (await preparedTexts()).join('\n');
    expect(texts).not.toContain('in_trx');
    expect(texts).not.toMatch(/for (update|share)/);
    expect(texts).not.toContain('update "agency"');
  });

  it('answers as before when a table changed under a prepared read (another instance migrated)', async () => {
    await db.raw('CREATE TEMP TABLE prepared_reads_t (a int)');
    await db.raw('INSERT INTO prepared_reads_t VALUES (1)');
    expect(await db('prepared_reads_t').select('*')).toEqual([{ a: 1 }]);
    await db.raw('ALTER TABLE prepared_reads_t ADD COLUMN b int DEFAULT 2');
    expect(await db('prepared_reads_t').select('*')).toEqual([{ a: 1, b: 2 }]);
    expect(await db('prepared_reads_t').select('*')).toEqual([{ a: 1, b: 2 }]);
  });
});
