import type { Knex } from 'knex';

/**
 * One counter table for every numbered document (PICS receipt numbers, cloud application
 * numbers, cloud error-report codes), one row per number prefix. `document_counter_next`
 * takes the next number: the row stays locked until the caller's transaction ends, and a
 * rolled-back transaction gives its number back (gap-free, never max()+1).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_counter', (t) => {
    t.string('name', 60).primary();
    t.integer('last_value').notNullable();
    t.check('?? >= 0', ['last_value'], 'document_counter_last_value_check');
  });
  await knex.raw(`
    CREATE FUNCTION document_counter_next(counter_name text) RETURNS integer
    LANGUAGE sql VOLATILE AS $$
      INSERT INTO document_counter (name, last_value) VALUES (counter_name, 1)
      ON CONFLICT (name) DO UPDATE SET last_value = document_counter.last_value + 1
      RETURNING last_value
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION document_counter_next(text)');
  await knex.schema.dropTable('document_counter');
}
