import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per month and channel; locked by the filing transaction (never max()+1).
  await knex.schema.createTable('pics_receipt_counter', (t) => {
    t.string('period', 6).notNullable();
    t.string('channel', 1).notNullable();
    t.integer('last_no').notNullable();
    t.primary(['period', 'channel']);
  });

  await knex.schema.createTable('pics_ticket', (t) => {
    t.increments('id');
    t.string('receipt_no', 12).notNullable().unique();
    t.string('channel', 1).notNullable();
    t.string('kind', 2).notNullable();
    t.string('app_code', 10).nullable().references('app_catalog.code').onUpdate('CASCADE').onDelete('SET NULL');
    t.string('subject', 200).notNullable();
    t.text('description').notNullable();
    t.integer('person_id').notNullable().references('person.id');
    t.string('phone', 30).notNullable();
    t.string('email', 254).notNullable();
    t.string('status', 6).notNullable().defaultTo('open');
    t.integer('assignee_account_id').nullable().references('account.id');
    t.integer('entered_by_account_id').nullable().references('account.id');
    t.integer('chat_id').nullable();
    t.date('due_on').notNullable();
    t.text('resolution').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE pics_ticket ADD CONSTRAINT pics_ticket_channel CHECK (channel IN ('M','C','W','H'))");
  await knex.raw("ALTER TABLE pics_ticket ADD CONSTRAINT pics_ticket_kind CHECK (kind IN ('問題','建議'))");
  await knex.raw("ALTER TABLE pics_ticket ADD CONSTRAINT pics_ticket_status CHECK (status IN ('open','closed'))");
  await knex.raw("ALTER TABLE pics_ticket ADD CONSTRAINT pics_ticket_receipt_format CHECK (receipt_no ~ '^[0-9]{6}[MCWH][0-9]{5}$')");
  await knex.raw('CREATE INDEX pics_ticket_person_created ON pics_ticket (person_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX pics_ticket_created ON pics_ticket (created_at DESC, id DESC)');
  await knex.raw("CREATE INDEX pics_ticket_open_due ON pics_ticket (due_on) WHERE status = 'open'");
  await knex.raw('CREATE INDEX pics_ticket_assignee ON pics_ticket (assignee_account_id) WHERE assignee_account_id IS NOT NULL');

  // History: filed, public replies, internal notes, take/assign, close, reopen.
  await knex.schema.createTable('pics_ticket_event', (t) => {
    t.bigIncrements('id');
    t.integer('ticket_id').notNullable().references('pics_ticket.id').onDelete('CASCADE');
    t.string('kind', 10).notNullable();
    t.text('body').notNullable().defaultTo('');
    t.boolean('public').notNullable().defaultTo(false);
    t.integer('actor_account_id').nullable().references('account.id');
    t.string('actor_label', 100).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE pics_ticket_event ADD CONSTRAINT pics_ticket_event_kind CHECK (kind IN ('filed','reply','note','take','assign','close','reopen'))");
  await knex.raw('CREATE INDEX pics_ticket_event_ticket ON pics_ticket_event (ticket_id, id)');

  // Files of the question (event_id null) and of replies.
  await knex.schema.createTable('pics_attachment', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('pics_ticket.id').onDelete('CASCADE');
    t.bigInteger('event_id').nullable().references('pics_ticket_event.id').onDelete('CASCADE');
    t.string('stored_name', 60).notNullable().unique();
    t.string('original_name', 120).notNullable();
    t.string('mime', 120).notNullable();
    t.integer('size').notNullable();
    t.string('sha256', 64).notNullable();
  });
  await knex.raw('CREATE INDEX pics_attachment_ticket ON pics_attachment (ticket_id)');

  // The government work calendar: holidays on weekdays and make-up workdays on weekends.
  await knex.schema.createTable('pics_calendar_day', (t) => {
    t.date('day').primary();
    t.string('kind', 8).notNullable();
    t.string('name', 50).notNullable();
  });
  await knex.raw("ALTER TABLE pics_calendar_day ADD CONSTRAINT pics_calendar_day_kind CHECK (kind IN ('holiday','workday'))");

  await knex.schema.createTable('pics_canned_reply', (t) => {
    t.increments('id');
    t.string('title', 100).notNullable();
    t.text('body').notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('pics_announcement', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.text('body').notNullable();
    t.date('publish_on').notNullable();
  });
  await knex.raw('CREATE INDEX pics_announcement_publish ON pics_announcement (publish_on DESC, id DESC)');

  await knex.schema.createTable('pics_faq', (t) => {
    t.increments('id');
    t.string('category', 50).notNullable();
    t.string('question', 300).notNullable();
    t.text('answer').notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('pics_download', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.string('description', 300).notNullable().defaultTo('');
    t.string('url', 500).notNullable();
    t.date('updated_on').notNullable();
  });

  // Search terms typed on the PICS home, for the hot keywords.
  await knex.schema.createTable('pics_search_term', (t) => {
    t.string('term', 50).primary();
    t.integer('hits').notNullable().defaultTo(0);
  });

  // API credentials of other systems (WebHR): only a hash of the key is kept.
  await knex.schema.createTable('pics_api_credential', (t) => {
    t.increments('id');
    t.string('system', 30).notNullable();
    t.string('key_prefix', 16).notNullable().unique();
    t.string('key_sha256', 64).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'pics_api_credential',
    'pics_search_term',
    'pics_download',
    'pics_faq',
    'pics_announcement',
    'pics_canned_reply',
    'pics_calendar_day',
    'pics_attachment',
    'pics_ticket_event',
    'pics_ticket',
    'pics_receipt_counter',
  ]) {
    await knex.schema.dropTable(t);
  }
}
