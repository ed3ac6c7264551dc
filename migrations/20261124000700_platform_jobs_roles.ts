import type { Knex } from 'knex';

// Scheduled work claimed once per period across instances, the mail outbox's retry
// bookkeeping, and the roles the areas add: vacancy reviewers (事求人).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scheduled_run', (t) => {
    t.string('job', 60).notNullable();
    t.string('period', 20).notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.jsonb('result');
    t.primary(['job', 'period']);
  });
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
  });
  await knex.raw('ALTER TABLE role_grant DROP CONSTRAINT role_grant_role');
  await knex.raw(
    "ALTER TABLE role_grant ADD CONSTRAINT role_grant_role CHECK (role IN ('hr_staff','hr_supervisor','hr_password_reset','cs_agent','cs_supervisor','portal_admin','platform_admin','jobs_reviewer'))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DELETE FROM role_grant WHERE role = 'jobs_reviewer'");
  await knex.raw('ALTER TABLE role_grant DROP CONSTRAINT role_grant_role');
  await knex.raw(
    "ALTER TABLE role_grant ADD CONSTRAINT role_grant_role CHECK (role IN ('hr_staff','hr_supervisor','hr_password_reset','cs_agent','cs_supervisor','portal_admin','platform_admin'))",
  );
  await knex.schema.alterTable('mail_outbox', (t) => t.dropColumn('attempts'));
  await knex.schema.dropTable('scheduled_run');
}
