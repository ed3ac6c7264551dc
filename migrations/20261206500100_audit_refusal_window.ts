import type { Knex } from 'knex';

/**
 * Repeated anonymous refusals (a keyless API call, a failed card login) are counted per
 * (action, source ip, reason, minute): the first one of a window writes the audit row,
 * the later ones only raise the window's count, which the audit views show beside it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_refusal_window', (t) => {
    t.bigIncrements('id');
    t.string('action', 60).notNullable();
    t.string('ip', 45).notNullable();
    t.string('reason', 60).notNullable();
    t.timestamp('minute', { useTz: true }).notNullable();
    t.integer('count').notNullable().defaultTo(1);
    t.bigInteger('audit_event_id').nullable();
    t.unique(['action', 'ip', 'reason', 'minute']);
  });
  await knex.raw('CREATE INDEX audit_refusal_window_event ON audit_refusal_window (audit_event_id)');
  await knex.raw('CREATE INDEX audit_refusal_window_minute ON audit_refusal_window (minute)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_refusal_window');
}
