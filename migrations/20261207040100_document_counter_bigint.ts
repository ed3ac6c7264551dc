import type { Knex } from 'knex';

/**
 * Vacancy work numbers are 64-bit and imported feeds bring their own (up to 12 digits), so the
 * document counter counts in bigint. The cloud error-report code's default calls the counter
 * function, so it is taken off while the function is recreated with its wider type.
 */
const FUNCTION = (type: string) => `
  CREATE FUNCTION document_counter_next(counter_name text) RETURNS ${type}
  LANGUAGE sql VOLATILE AS $$
    INSERT INTO document_counter (name, last_value) VALUES (counter_name, 1)
    ON CONFLICT (name) DO UPDATE SET last_value = document_counter.last_value + 1
    RETURNING last_value
  $$`;
const REPORT_DEFAULT = "ALTER TABLE cloud_report ALTER COLUMN code SET DEFAULT lpad(document_counter_next('cloud.report')::text, 8, '0')";

async function retype(knex: Knex, type: 'bigint' | 'integer'): Promise<void> {
  await knex.raw('ALTER TABLE cloud_report ALTER COLUMN code DROP DEFAULT');
  await knex.raw('DROP FUNCTION document_counter_next(text)');
  await knex.raw(`ALTER TABLE document_counter ALTER COLUMN last_value TYPE ${type}`);
  await knex.raw(FUNCTION(type));
  await knex.raw(REPORT_DEFAULT);
}

export async function up(knex: Knex): Promise<void> {
  await retype(knex, 'bigint');
}

export async function down(knex: Knex): Promise<void> {
  await retype(knex, 'integer');
}
