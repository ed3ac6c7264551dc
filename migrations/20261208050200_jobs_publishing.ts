import type { Knex } from 'knex';

/**
 * 事求人 as seed 004 says: 送出 publishes a vacancy at once; an agency whose setting says so
 * has its vacancies reviewed first. A reviewer may take a published vacancy down
 * (status 'withdrawn', the reason in review_reason).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('jobs_agency_setting', (t) => {
    t.integer('agency_id').primary().references('agency.id').onDelete('CASCADE');
    t.boolean('review_before_publish').notNullable().defaultTo(false);
    t.integer('updated_by_account_id').nullable().references('account.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE jobs_vacancy
    DROP CONSTRAINT jobs_vacancy_status,
    ADD CONSTRAINT jobs_vacancy_status CHECK (status IN ('pending','approved','returned','withdrawn'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE jobs_vacancy
    DROP CONSTRAINT jobs_vacancy_status,
    ADD CONSTRAINT jobs_vacancy_status CHECK (status IN ('pending','approved','returned')) NOT VALID`);
  await knex.schema.dropTable('jobs_agency_setting');
}
