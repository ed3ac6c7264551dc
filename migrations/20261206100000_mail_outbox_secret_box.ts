import type { Knex } from 'knex';

// The secrets a mail carries (temporary passwords, confirmation links) leave body_text:
// it keeps the message with each secret masked, and secret_box holds them encrypted
// (AES-256-GCM, key from MAIL_SECRET_KEY) until the message is delivered.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.text('secret_box').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => t.dropColumn('secret_box'));
}
