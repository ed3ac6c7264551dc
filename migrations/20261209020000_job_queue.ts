import type { Knex } from 'knex';
import PgBoss from 'pg-boss';

/**
 * The job queue (pg-boss) on the portal's own PostgreSQL, in its own schema `pgboss`, made
 * here by the schema's owner: the app's login may not create tables. Each queue is a
 * partition table that pg-boss makes when the queue is first used, so `create_queue` runs as
 * its owner (SECURITY DEFINER) and the app may call it. The mail queue exists from the
 * start, so a request can put a message on it in its own transaction. The hand-made
 * scheduler's claims (`scheduled_run`) are gone: the queue's schedules replace them.
 */
export const config = { transaction: false };

const SCHEMA = 'pgboss';

export async function up(knex: Knex): Promise<void> {
  const exists = (await knex.raw("SELECT to_regclass('pgboss.version') AS name")).rows[0].name;
  // pg-boss's own plan: one script, in its own transaction, under its advisory lock.
  if (!exists) await knex.raw(PgBoss.getConstructionPlans(SCHEMA));
  await knex.transaction(async (trx) => {
    await trx.raw('ALTER FUNCTION pgboss.create_queue(text, json) SECURITY DEFINER SET search_path = pgboss, pg_temp');
    await trx.raw("SELECT pgboss.create_queue('mail.send', '{\"policy\":\"standard\"}'::json)");
    await trx.schema.alterTable('mail_outbox', (t) => {
      // Set when the last attempt failed: the dead letter an administrator may send again.
      t.timestamp('dead_at', { useTz: true }).nullable();
      // Whether the message had secrets (they are dropped once sent or given up).
      t.boolean('had_secrets').notNullable().defaultTo(false);
    });
    await trx.raw('UPDATE mail_outbox SET had_secrets = (secret_box IS NOT NULL)');
    await trx.schema.dropTable('scheduled_run');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.schema.createTable('scheduled_run', (t) => {
      t.string('job', 60).notNullable();
      t.string('period', 20).notNullable();
      t.timestamp('started_at', { useTz: true }).notNullable();
      t.timestamp('finished_at', { useTz: true });
      t.jsonb('result');
      t.primary(['job', 'period']);
    });
    await trx.schema.alterTable('mail_outbox', (t) => {
      t.dropColumn('dead_at');
      t.dropColumn('had_secrets');
    });
    await trx.raw('DROP SCHEMA pgboss CASCADE');
  });
}
