import type { Knex } from 'knex';

// Documents the portal issues (reward orders, service certificates, application forms),
// each with a verification code that the public /verify page confirms.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('issued_document', (t) => {
    t.bigIncrements('id');
    t.string('code', 19).notNullable().unique();
    t.string('kind', 40).notNullable();
    t.string('title', 200).notNullable();
    t.string('issuer_name', 200).notNullable();
    t.integer('issuer_agency_id').references('agency.id');
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.string('sha256', 64).notNullable();
    t.string('signer', 300).notNullable();
    t.string('area', 20).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.string('revoked_reason', 200);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('issued_document');
}
