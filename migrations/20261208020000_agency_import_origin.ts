import type { Knex } from 'knex';

/**
 * Agencies a vacancy feed named but the directory did not know are added as 「匯入」
 * (origin 'import') until an administrator confirms them or merges them into an existing
 * agency; a merged agency stays (inactive) pointing at the one it became, so a later feed
 * naming it still finds the right agency.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agency', (t) => {
    t.string('origin', 10).notNullable().defaultTo('directory');
    t.timestamp('imported_at', { useTz: true }).nullable();
    t.timestamp('confirmed_at', { useTz: true }).nullable();
    t.integer('merged_into').nullable().references('agency.id');
  });
  await knex.raw("ALTER TABLE agency ADD CONSTRAINT agency_origin_known CHECK (origin IN ('directory', 'import'))");
  await knex.raw('ALTER TABLE agency ADD CONSTRAINT agency_not_merged_into_itself CHECK (merged_into IS NULL OR merged_into <> id)');
  await knex.raw("CREATE INDEX agency_import_pending ON agency (imported_at) WHERE origin = 'import' AND confirmed_at IS NULL AND merged_into IS NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agency', (t) => {
    t.dropColumn('merged_into');
    t.dropColumn('confirmed_at');
    t.dropColumn('imported_at');
    t.dropColumn('origin');
  });
}
