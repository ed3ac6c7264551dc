import type { Knex } from 'knex';
import { createKeyedTriggers, dropKeyedTriggers } from './20261211010000_table_change_notify';

/**
 * 自然人憑證上傳 (`/my/cards`) lists an account's bound cards from what each instance keeps
 * (platform/readCache.ts): `card_binding` announces each statement on `table_change` with the
 * accounts whose bindings it touched (binding, unbinding, a revocation found by the CRL check,
 * or a change by hand).
 */
export async function up(knex: Knex): Promise<void> {
  await createKeyedTriggers(knex, 'card_binding', 'account_id');
}

export async function down(knex: Knex): Promise<void> {
  await dropKeyedTriggers(knex, 'card_binding');
}
