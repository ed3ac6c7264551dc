import type { Knex } from 'knex';

// 電子賀卡: a card is a 網頁訊息 of kind 'card' with its design; the greeting is its body.
// Cards sent on a later date wait in card_schedule. Automatic birthday cards are set per
// agency; card_birthday_sent holds one row per person and year, so a birthday card goes
// out once a year whatever the job does (twice, on two instances).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE message DROP CONSTRAINT message_kind');
  await knex.raw("ALTER TABLE message ADD CONSTRAINT message_kind CHECK (kind IN ('personal','notice','card'))");
  await knex.schema.alterTable('message', (t) => {
    t.string('card_design', 12).nullable();
  });
  await knex.raw("ALTER TABLE message ADD CONSTRAINT message_card_design CHECK (card_design IN ('birthday','newyear','midautumn','promotion','retirement'))");
  await knex.raw("ALTER TABLE message ADD CONSTRAINT message_card_has_design CHECK ((kind = 'card') = (card_design IS NOT NULL))");

  await knex.schema.createTable('card_schedule', (t) => {
    t.bigIncrements('id');
    t.integer('sender_person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.string('sender_name', 50).notNullable();
    t.string('sender_agency_name', 100).notNullable();
    t.string('design', 12).notNullable();
    t.text('body').notNullable();
    t.text('recipients_text').notNullable();
    t.specificType('person_ids', 'integer[]').notNullable();
    t.date('send_on').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.bigInteger('message_id').nullable().references('message.id').onDelete('SET NULL');
  });
  await knex.raw("ALTER TABLE card_schedule ADD CONSTRAINT card_schedule_design CHECK (design IN ('birthday','newyear','midautumn','promotion','retirement'))");
  await knex.raw('ALTER TABLE card_schedule ADD CONSTRAINT card_schedule_body_length CHECK (char_length(body) <= 1100)');
  await knex.raw('CREATE INDEX card_schedule_due ON card_schedule (send_on) WHERE sent_at IS NULL');
  await knex.raw('CREATE INDEX card_schedule_sender ON card_schedule (sender_person_id) WHERE sent_at IS NULL');

  await knex.schema.createTable('card_birthday_setting', (t) => {
    t.integer('agency_id').primary().references('agency.id').onDelete('CASCADE');
    t.boolean('enabled').notNullable().defaultTo(false);
    t.string('design', 12).notNullable().defaultTo('birthday');
    t.text('greeting').notNullable();
    t.integer('updated_by_person_id').nullable().references('person.id').onDelete('SET NULL');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE card_birthday_setting ADD CONSTRAINT card_birthday_design CHECK (design IN ('birthday','newyear','midautumn','promotion','retirement'))");
  await knex.raw('ALTER TABLE card_birthday_setting ADD CONSTRAINT card_birthday_greeting_length CHECK (char_length(greeting) BETWEEN 1 AND 500)');

  await knex.schema.createTable('card_birthday_sent', (t) => {
    t.integer('person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.smallint('year').notNullable();
    t.bigInteger('message_id').notNullable().references('message.id').onDelete('CASCADE');
    t.primary(['person_id', 'year']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('card_birthday_sent');
  await knex.schema.dropTable('card_birthday_setting');
  await knex.schema.dropTable('card_schedule');
  // Refuses (the kind check fails) while cards are stored: they are not deleted silently.
  await knex.raw('ALTER TABLE message DROP CONSTRAINT message_card_has_design');
  await knex.raw('ALTER TABLE message DROP CONSTRAINT message_card_design');
  await knex.schema.alterTable('message', (t) => {
    t.dropColumn('card_design');
  });
  await knex.raw('ALTER TABLE message DROP CONSTRAINT message_kind');
  await knex.raw("ALTER TABLE message ADD CONSTRAINT message_kind CHECK (kind IN ('personal','notice'))");
}
