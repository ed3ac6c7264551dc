import type { Knex } from 'knex';

/**
 * The CRLs the portal downloads from the CAs (CRL_URLS): one row per trusted CA, the DER as
 * published (its signature is checked again by every instance that loads it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pki_crl', (t) => {
    t.string('ca', 10).primary();
    t.binary('der').notNullable();
    t.string('sha256', 64).notNullable();
    t.timestamp('this_update', { useTz: true }).notNullable();
    t.timestamp('next_update', { useTz: true });
    t.integer('entries').notNullable();
    t.string('source_url', 500).notNullable();
    t.timestamp('fetched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE pki_crl ADD CONSTRAINT pki_crl_ca_check CHECK (ca IN ('moica', 'gca', 'nhi'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pki_crl');
}
