import type { Knex } from 'knex';

// Sign-in challenges live five minutes and are single use: they must be shared by every
// instance, but need not survive a crash, so they skip the write-ahead log.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE login_challenge SET UNLOGGED');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE login_challenge SET LOGGED');
}
