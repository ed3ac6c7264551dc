import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A portal account belongs to one person of the master.
  await knex.schema.createTable('account', (t) => {
    t.increments('id');
    t.integer('person_id').notNullable().unique().references('person.id');
    t.string('username', 30).nullable();
    t.text('password_hash').nullable();
    t.string('email', 254).nullable();
    t.string('phone', 30).nullable();
    t.boolean('egov_opt_in').notNullable().defaultTo(false);
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.timestamp('temp_password_expires_at', { useTz: true }).nullable();
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.timestamp('last_login_at', { useTz: true }).nullable();
    t.timestamp('current_login_at', { useTz: true }).nullable();
    t.timestamp('password_changed_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX account_username_ci ON account (lower(username)) WHERE username IS NOT NULL');

  await knex.schema.createTable('role_grant', (t) => {
    t.increments('id');
    t.integer('account_id').notNullable().references('account.id').onDelete('CASCADE');
    t.string('role', 30).notNullable();
    t.integer('agency_id').nullable().references('agency.id');
    t.timestamp('granted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['account_id', 'role', 'agency_id']);
  });
  await knex.raw(
    "ALTER TABLE role_grant ADD CONSTRAINT role_grant_role CHECK (role IN ('hr_staff','hr_supervisor','hr_password_reset','cs_agent','cs_supervisor','portal_admin','platform_admin'))",
  );

  await knex.schema.createTable('login_event', (t) => {
    t.bigIncrements('id');
    t.integer('account_id').notNullable().references('account.id');
    t.string('method', 20).notNullable();
    t.string('ip', 45).nullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX login_event_at ON login_event (at)');

  // Sessions (connect-pg-simple's table layout).
  await knex.raw(`
    CREATE TABLE session (
      sid varchar NOT NULL PRIMARY KEY,
      sess json NOT NULL,
      expire timestamptz(6) NOT NULL
    )`);
  await knex.raw('CREATE INDEX session_expire ON session (expire)');

  await knex.schema.createTable('rate_limit_hit', (t) => {
    t.string('key', 200).primary();
    t.integer('hits').notNullable();
    t.timestamp('reset_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_hit');
  await knex.raw('DROP TABLE session');
  await knex.schema.dropTable('login_event');
  await knex.schema.dropTable('role_grant');
  await knex.schema.dropTable('account');
}
