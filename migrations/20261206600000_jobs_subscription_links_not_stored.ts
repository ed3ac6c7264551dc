import type { Knex } from 'knex';

/**
 * E-newsletter links are no longer stored: their token is the subscription id with an HMAC
 * (src/jobs/service.ts), so the column that kept each link's secret in clear goes. Links
 * mailed before this change stop working; the unsubscribe form sends a new one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs_subscription', (t) => t.dropColumn('token'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs_subscription', (t) => t.string('token', 64).unique());
}
