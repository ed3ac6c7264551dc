import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Single-use sign-in challenges (the tbs the card signs).
  await knex.schema.createTable('login_challenge', (t) => {
    t.string('nonce', 64).primary();
    t.string('purpose', 30).notNullable();
    t.string('origin', 200).notNullable();
    t.text('tbs').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX login_challenge_expires ON login_challenge (expires_at)');

  // Cards bound to a person (自然人憑證 / 健保卡).
  await knex.schema.createTable('card_binding', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('account.id').onDelete('CASCADE');
    t.string('card_type', 10).notNullable();
    t.string('issuer_dn', 500).notNullable();
    t.string('serial_hex', 64).notNullable();
    t.string('thumbprint', 64).notNullable().unique();
    t.string('card_number', 32).nullable();
    t.timestamp('not_after', { useTz: true }).notNullable();
    t.timestamp('bound_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.unique(['issuer_dn', 'serial_hex']);
  });
  await knex.raw("ALTER TABLE card_binding ADD CONSTRAINT card_binding_type CHECK (card_type IN ('moica','nhi'))");
  await knex.raw('CREATE INDEX card_binding_account ON card_binding (account_id)');

  // Which areas an agency certificate may enter.
  await knex.schema.createTable('agency_area_grant', (t) => {
    t.integer('agency_id').notNullable().references('agency.id').onDelete('CASCADE');
    t.string('area', 20).notNullable();
    t.timestamp('granted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['agency_id', 'area']);
  });
  await knex.raw("ALTER TABLE agency_area_grant ADD CONSTRAINT agency_area_grant_area CHECK (area IN ('portal','cloud','jobs'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('agency_area_grant');
  await knex.schema.dropTable('card_binding');
  await knex.schema.dropTable('login_challenge');
}
