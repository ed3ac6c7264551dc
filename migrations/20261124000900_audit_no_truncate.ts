import type { Knex } from 'knex';

// TRUNCATE skips row triggers: refuse it too, so the audit trail is append-only for
// every statement the application's role could send.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER audit_event_no_truncate ON audit_event');
}
