import type { Knex } from 'knex';

/**
 * 應用系統 as the manuals show it: some entries are shown without a code (WebHR, MyData),
 * and an entry may be limited to the people of some agencies (besides its role).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_catalog', (t) => {
    t.boolean('show_code').notNullable().defaultTo(true);
  });
  await knex.schema.createTable('app_catalog_agency', (t) => {
    t.string('app_code', 10).notNullable().references('app_catalog.code').onDelete('CASCADE').onUpdate('CASCADE');
    t.integer('agency_id').notNullable().references('agency.id').onDelete('CASCADE');
    t.primary(['app_code', 'agency_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('app_catalog_agency');
  await knex.schema.alterTable('app_catalog', (t) => {
    t.dropColumn('show_code');
  });
}
