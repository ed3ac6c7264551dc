import type { Knex } from 'knex';

/** The vacancy work number comes from document_counter ('jobs.vacancy'); its former sequence goes. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP SEQUENCE jobs_work_id_seq');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE SEQUENCE jobs_work_id_seq START 300001');
}
