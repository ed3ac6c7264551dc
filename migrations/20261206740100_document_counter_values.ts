import type { Knex } from 'knex';

/**
 * Moves the current values of the three former counters into document_counter:
 *   pics_receipt_counter (period, channel)        → 'pics.receipt:' || period || channel
 *   cloud_application_counter (prefix, roc_year)  → 'cloud.application:' || prefix || roc_year (3 digits)
 *   cloud_report_code_seq                         → 'cloud.report'
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO document_counter (name, last_value)
    SELECT 'pics.receipt:' || period || channel, last_no FROM pics_receipt_counter
    ON CONFLICT (name) DO UPDATE SET last_value = greatest(document_counter.last_value, excluded.last_value)`);
  await knex.raw(`
    INSERT INTO document_counter (name, last_value)
    SELECT 'cloud.application:' || prefix || lpad(roc_year::text, 3, '0'), last_serial FROM cloud_application_counter
    ON CONFLICT (name) DO UPDATE SET last_value = greatest(document_counter.last_value, excluded.last_value)`);
  await knex.raw(`
    INSERT INTO document_counter (name, last_value)
    SELECT 'cloud.report', CASE WHEN is_called THEN last_value ELSE 0 END FROM cloud_report_code_seq
    ON CONFLICT (name) DO UPDATE SET last_value = greatest(document_counter.last_value, excluded.last_value)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO pics_receipt_counter (period, channel, last_no)
    SELECT substr(name, 14, 6), substr(name, 20, 1), last_value FROM document_counter WHERE name ~ '^pics\\.receipt:[0-9]{6}[A-Z]$'
    ON CONFLICT (period, channel) DO UPDATE SET last_no = excluded.last_no`);
  await knex.raw(`
    INSERT INTO cloud_application_counter (prefix, roc_year, last_serial)
    SELECT substr(name, 19, 4), substr(name, 23)::int, last_value FROM document_counter WHERE name ~ '^cloud\\.application:[A-Z]{4}[0-9]{3}$'
    ON CONFLICT (prefix, roc_year) DO UPDATE SET last_serial = excluded.last_serial`);
  await knex.raw(`
    SELECT setval('cloud_report_code_seq', greatest(last_value, 1), last_value > 0) FROM document_counter WHERE name = 'cloud.report'`);
  await knex('document_counter').del();
}
