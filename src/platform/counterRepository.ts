import type { Db } from './database';

/** document_counter: one row per number prefix (see migration 20261206740000). */
export function createCounterRepository() {
  return {
    /** Raises the counter and returns its new value; the row stays locked until `trx` ends. */
    async next(trx: Db, name: string): Promise<number> {
      const r = await trx.raw('SELECT document_counter_next(?) AS n', [name]);
      return Number(r.rows[0].n);
    },

    /** The last number taken (0 when none yet). */
    async last(db: Db, name: string): Promise<number> {
      const row = await db('document_counter').where({ name }).first('last_value');
      return row ? Number(row.last_value) : 0;
    },

    /** Raises a counter to at least `value` (reference and demo data that bring their own numbers). */
    async raiseTo(db: Db, name: string, value: number): Promise<void> {
      await db('document_counter')
        .insert({ name, last_value: value })
        .onConflict('name')
        .merge({ last_value: db.raw('greatest(document_counter.last_value, excluded.last_value)') });
    },
  };
}
