import type { Knex } from 'knex';

/**
 * 問卷管理 and 主題投票 management (DDL only). A questionnaire becomes a draft that an
 * administrator builds (its questions one row each, of five kinds), publishes (its questions
 * then frozen) and may close early; its audience is a list of agencies and/or roles (none:
 * everyone). Answers are stored per question in columns that hold every kind. A submission of
 * an anonymous questionnaire names no account: questionnaire_response alone says who has
 * answered (once each), and it is never joined to the answers. Polls get a state too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('questionnaire', (t) => {
    t.string('status', 10).notNullable().defaultTo('published');
    t.boolean('anonymous').notNullable().defaultTo(false);
    t.integer('created_by_account_id').nullable().references('account.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true }).nullable();
    t.timestamp('closed_at', { useTz: true }).nullable();
  });
  await knex.raw("ALTER TABLE questionnaire ADD CONSTRAINT questionnaire_status_check CHECK (status IN ('draft', 'published', 'closed'))");
  await knex.raw('ALTER TABLE questionnaire ADD CONSTRAINT questionnaire_dates_check CHECK (open_to >= open_from)');
  await knex.raw('ALTER TABLE questionnaire ALTER COLUMN questions DROP NOT NULL');

  await knex.schema.createTable('questionnaire_audience_agency', (t) => {
    t.integer('questionnaire_id').notNullable().references('questionnaire.id').onDelete('CASCADE');
    t.integer('agency_id').notNullable().references('agency.id');
    t.primary(['questionnaire_id', 'agency_id']);
  });
  await knex.schema.createTable('questionnaire_audience_role', (t) => {
    t.integer('questionnaire_id').notNullable().references('questionnaire.id').onDelete('CASCADE');
    t.string('role', 40).notNullable();
    t.primary(['questionnaire_id', 'role']);
  });

  await knex.schema.createTable('questionnaire_question', (t) => {
    t.increments('id');
    t.integer('questionnaire_id').notNullable().references('questionnaire.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('kind', 10).notNullable();
    t.string('text', 500).notNullable();
    t.boolean('required').notNullable().defaultTo(true);
    t.jsonb('options').notNullable().defaultTo('[]');
    t.index(['questionnaire_id', 'position']);
  });
  await knex.raw("ALTER TABLE questionnaire_question ADD CONSTRAINT questionnaire_question_kind_check CHECK (kind IN ('single', 'multiple', 'short', 'long', 'scale'))");

  await knex.schema.createTable('questionnaire_submission', (t) => {
    t.increments('id');
    t.integer('questionnaire_id').notNullable().references('questionnaire.id').onDelete('CASCADE');
    // Null for an anonymous questionnaire, and so is the time (nothing to match with the response).
    t.integer('account_id').nullable().references('account.id');
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.index(['questionnaire_id']);
  });
  await knex.schema.createTable('questionnaire_answer', (t) => {
    t.integer('submission_id').notNullable().references('questionnaire_submission.id').onDelete('CASCADE');
    t.integer('question_id').notNullable().references('questionnaire_question.id').onDelete('CASCADE');
    // single / multiple: the options chosen; short / long: the text; scale: 1–5.
    t.jsonb('choices').nullable();
    t.text('text_value').nullable();
    t.smallint('scale').nullable();
    t.primary(['submission_id', 'question_id']);
    t.index(['question_id']);
  });
  await knex.raw('ALTER TABLE questionnaire_answer ADD CONSTRAINT questionnaire_answer_scale_check CHECK (scale IS NULL OR scale BETWEEN 1 AND 5)');
  await knex.raw('ALTER TABLE questionnaire_response ALTER COLUMN answers DROP NOT NULL');

  await knex.schema.alterTable('poll', (t) => {
    t.string('status', 10).notNullable().defaultTo('open');
    t.integer('created_by_account_id').nullable().references('account.id').onDelete('SET NULL');
    t.timestamp('closed_at', { useTz: true }).nullable();
  });
  await knex.raw("ALTER TABLE poll ADD CONSTRAINT poll_status_check CHECK (status IN ('draft', 'open', 'closed'))");
  await knex.raw('ALTER TABLE poll ADD CONSTRAINT poll_dates_check CHECK (open_to >= open_from)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE poll DROP CONSTRAINT poll_dates_check, DROP CONSTRAINT poll_status_check');
  await knex.schema.alterTable('poll', (t) => {
    t.dropColumn('closed_at');
    t.dropColumn('created_by_account_id');
    t.dropColumn('status');
  });
  for (const t of ['questionnaire_answer', 'questionnaire_submission', 'questionnaire_question', 'questionnaire_audience_role', 'questionnaire_audience_agency']) {
    await knex.schema.dropTable(t);
  }
  await knex.raw('ALTER TABLE questionnaire DROP CONSTRAINT questionnaire_dates_check, DROP CONSTRAINT questionnaire_status_check');
  await knex.schema.alterTable('questionnaire', (t) => {
    for (const c of ['closed_at', 'published_at', 'created_at', 'created_by_account_id', 'anonymous', 'status']) t.dropColumn(c);
  });
}
