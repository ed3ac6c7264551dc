import type { Knex } from 'knex';

/**
 * document_counter is now the only counter: the former counter tables and the error-report
 * sequence go; a report row inserted without a code takes the next one from the counter.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE cloud_report ALTER COLUMN code SET DEFAULT lpad(document_counter_next('cloud.report')::text, 8, '0')");
  await knex.raw('DROP SEQUENCE cloud_report_code_seq');
  await knex.schema.dropTable('pics_receipt_counter');
  await knex.schema.dropTable('cloud_application_counter');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('cloud_application_counter', (t) => {
    t.string('prefix', 4).notNullable();
    t.integer('roc_year').notNullable();
    t.integer('last_serial').notNullable();
    t.primary(['prefix', 'roc_year']);
  });
  await knex.schema.createTable('pics_receipt_counter', (t) => {
    t.string('period', 6).notNullable();
    t.string('channel', 1).notNullable();
    t.integer('last_no').notNullable();
    t.primary(['period', 'channel']);
  });
  await knex.raw('CREATE SEQUENCE cloud_report_code_seq');
  await knex.raw("ALTER TABLE cloud_report ALTER COLUMN code SET DEFAULT lpad(nextval('cloud_report_code_seq')::text, 8, '0')");
}
