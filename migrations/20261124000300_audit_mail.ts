import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_event', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('actor_account_id').nullable();
    t.string('actor_label', 100).nullable();
    t.string('action', 60).notNullable();
    t.string('target_type', 40).nullable();
    t.string('target_id', 100).nullable();
    t.string('outcome', 10).notNullable().defaultTo('ok');
    t.string('ip', 45).nullable();
    t.string('request_id', 64).nullable();
    t.jsonb('details').notNullable().defaultTo('{}');
  });
  await knex.raw('CREATE INDEX audit_event_at ON audit_event (at)');
  await knex.raw('CREATE INDEX audit_event_action ON audit_event (action, at)');
  // Append-only: the table refuses UPDATE and DELETE.
  await knex.raw(`
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$`);
  await knex.raw(`
    CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);

  await knex.schema.createTable('mail_outbox', (t) => {
    t.bigIncrements('id');
    t.string('to_address', 254).notNullable();
    t.string('subject', 200).notNullable();
    t.text('body_text').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.text('error').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_outbox');
  await knex.raw('DROP TABLE audit_event');
  await knex.raw('DROP FUNCTION audit_event_append_only');
}
