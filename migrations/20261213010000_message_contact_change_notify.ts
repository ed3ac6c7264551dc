import type { Knex } from 'knex';
import { createKeyedTriggers, dropKeyedTriggers } from './20261211010000_table_change_notify';

/**
 * 通訊錄 (`/my/contacts`) lists one's contacts from what each instance keeps
 * (platform/readCache.ts): `message_contact` announces each statement on `table_change` with the
 * owners whose contacts it touched (a contact added, its note changed, removed, or a change by
 * hand).
 */
export async function up(knex: Knex): Promise<void> {
  await createKeyedTriggers(knex, 'message_contact', 'owner_person_id');
}

export async function down(knex: Knex): Promise<void> {
  await dropKeyedTriggers(knex, 'message_contact');
}
