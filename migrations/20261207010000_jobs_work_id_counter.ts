import type { Knex } from 'knex';

/**
 * The vacancy work number (jobs_vacancy.work_id) moves to document_counter as 'jobs.vacancy':
 * the counter starts at the sequence's last number handed out (300000 when none was), or at the
 * highest work number stored if that is higher (imported feeds bring their own numbers).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO document_counter (name, last_value)
    SELECT 'jobs.vacancy', greatest(CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END, coalesce((SELECT max(work_id) FROM jobs_vacancy), 0))
      FROM jobs_work_id_seq s
    ON CONFLICT (name) DO UPDATE SET last_value = greatest(document_counter.last_value, excluded.last_value)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`SELECT setval('jobs_work_id_seq', last_value, true) FROM document_counter WHERE name = 'jobs.vacancy' AND last_value > 0`);
  await knex('document_counter').where({ name: 'jobs.vacancy' }).del();
}
