import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('announcement', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.text('body').notNullable();
    t.string('category', 20).notNullable();
    t.date('publish_on').notNullable();
    t.date('unpublish_on').nullable();
    t.integer('author_account_id').nullable().references('account.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX announcement_publish ON announcement (publish_on DESC, id DESC)');

  // 應用系統 catalog: A–D and X (非人事總處機關及系統).
  await knex.schema.createTable('app_catalog', (t) => {
    t.string('code', 10).primary();
    t.string('name', 100).notNullable();
    t.string('category', 1).notNullable();
    t.string('url', 500).notNullable();
    t.string('description', 300).notNullable().defaultTo('');
    t.string('required_role', 30).nullable();
    t.integer('sort_order').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
  });
  await knex.raw("ALTER TABLE app_catalog ADD CONSTRAINT app_catalog_category CHECK (category IN ('A','B','C','D','X'))");

  await knex.schema.createTable('favorite_app', (t) => {
    t.integer('account_id').notNullable().references('account.id').onDelete('CASCADE');
    t.string('app_code', 10).notNullable().references('app_catalog.code').onDelete('CASCADE').onUpdate('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'app_code']);
  });

  // 主題投票
  await knex.schema.createTable('poll', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.text('description').notNullable().defaultTo('');
    t.date('open_from').notNullable();
    t.date('open_to').notNullable();
  });
  await knex.schema.createTable('poll_option', (t) => {
    t.increments('id');
    t.integer('poll_id').notNullable().references('poll.id').onDelete('CASCADE');
    t.string('label', 100).notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('poll_vote', (t) => {
    t.integer('poll_id').notNullable().references('poll.id').onDelete('CASCADE');
    t.integer('account_id').notNullable().references('account.id');
    t.integer('option_id').notNullable().references('poll_option.id');
    t.timestamp('voted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['poll_id', 'account_id']);
  });

  // 問卷 (待辦事項 lists the open ones a person has not answered).
  await knex.schema.createTable('questionnaire', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.text('intro').notNullable().defaultTo('');
    t.jsonb('questions').notNullable();
    t.date('open_from').notNullable();
    t.date('open_to').notNullable();
  });
  await knex.schema.createTable('questionnaire_response', (t) => {
    t.integer('questionnaire_id').notNullable().references('questionnaire.id').onDelete('CASCADE');
    t.integer('account_id').notNullable().references('account.id');
    t.jsonb('answers').notNullable();
    t.timestamp('answered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['questionnaire_id', 'account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['questionnaire_response', 'questionnaire', 'poll_vote', 'poll_option', 'poll', 'favorite_app', 'app_catalog', 'announcement']) {
    await knex.schema.dropTable(t);
  }
}
