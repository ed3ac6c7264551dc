import type { Knex } from 'knex';

// MyData (公務人員個人資料服務網): the sections of the personnel master beside `person`,
// pay items, self-descriptions, correction requests, consent and issued documents.
export async function up(knex: Knex): Promise<void> {
  const person = (t: Knex.CreateTableBuilder) => t.integer('person_id').notNullable().references('person.id').onDelete('CASCADE').index();

  await knex.schema.createTable('mydata_education', (t) => {
    t.increments('id');
    person(t);
    t.string('school', 100).notNullable();
    t.string('department', 100).notNullable();
    t.string('degree', 20).notNullable();
    t.date('graduated_on').notNullable();
  });
  await knex.schema.createTable('mydata_exam', (t) => {
    t.increments('id');
    person(t);
    t.string('exam_name', 100).notNullable();
    t.string('category', 100).notNullable();
    t.string('grade', 20).notNullable();
    t.date('passed_on').notNullable();
  });
  await knex.schema.createTable('mydata_career', (t) => {
    t.increments('id');
    person(t);
    t.string('agency_name', 100).notNullable();
    t.string('title', 50).notNullable();
    t.string('rank', 30).notNullable();
    t.date('start_on').notNullable();
    t.date('end_on').nullable();
  });
  await knex.schema.createTable('mydata_rating', (t) => {
    t.increments('id');
    person(t);
    t.integer('year').notNullable();
    t.string('grade', 10).notNullable();
    t.integer('score').nullable();
  });
  await knex.schema.createTable('mydata_reward', (t) => {
    t.increments('id');
    person(t);
    t.date('decided_on').notNullable();
    t.string('kind', 20).notNullable();
    t.string('reason', 200).notNullable();
    t.string('order_no', 50).notNullable();
  });
  await knex.schema.createTable('mydata_training', (t) => {
    t.increments('id');
    person(t);
    t.string('course', 100).notNullable();
    t.string('organizer', 100).notNullable();
    t.integer('hours').notNullable();
    t.date('finished_on').notNullable();
  });

  await knex.schema.createTable('mydata_pay_item', (t) => {
    t.bigIncrements('id');
    person(t);
    t.string('month', 7).notNullable(); // YYYY-MM
    t.string('item', 30).notNullable();
    t.string('kind', 10).notNullable(); // earning | deduction
    t.integer('amount').notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
    t.index(['person_id', 'month']);
  });
  await knex.raw("ALTER TABLE mydata_pay_item ADD CONSTRAINT mydata_pay_kind CHECK (kind IN ('earning','deduction'))");

  // Every save is a new row: the latest is the current text, the rest its history.
  await knex.schema.createTable('mydata_self_description', (t) => {
    t.bigIncrements('id');
    person(t);
    t.text('body').notNullable();
    t.integer('account_id').nullable().references('account.id');
    t.timestamp('saved_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('mydata_correction', (t) => {
    t.increments('id');
    person(t);
    t.integer('agency_id').notNullable().references('agency.id').index();
    t.string('section', 20).notNullable();
    t.integer('record_id').nullable();
    t.string('field', 40).notNullable();
    t.text('reason').notNullable();
    t.text('proposed').notNullable();
    t.string('status', 12).notNullable().defaultTo('submitted');
    t.text('decision_note').nullable();
    t.text('before_value').nullable();
    t.text('after_value').nullable();
    t.integer('handled_by_account_id').nullable().references('account.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE mydata_correction ADD CONSTRAINT mydata_correction_status CHECK (status IN ('submitted','processing','corrected','rejected'))");
  await knex.schema.createTable('mydata_correction_attachment', (t) => {
    t.increments('id');
    t.integer('correction_id').notNullable().references('mydata_correction.id').onDelete('CASCADE').index();
    t.string('stored_name', 60).notNullable();
    t.string('original_name', 200).notNullable();
    t.string('mime', 120).notNullable();
    t.integer('size').notNullable();
    t.string('sha256', 64).notNullable();
  });

  // 線上檢視訊息: each grant or withdrawal is a row; the latest one is in force.
  await knex.schema.createTable('mydata_consent_event', (t) => {
    t.bigIncrements('id');
    person(t);
    t.string('action', 10).notNullable();
    t.integer('account_id').nullable().references('account.id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE mydata_consent_event ADD CONSTRAINT mydata_consent_action CHECK (action IN ('grant','withdraw'))");

  await knex.schema.createTable('mydata_document', (t) => {
    t.increments('id');
    person(t);
    t.integer('agency_id').notNullable().references('agency.id').index();
    t.string('code', 19).notNullable().unique().references('issued_document.code');
    t.string('kind', 20).notNullable();
    t.string('title', 200).notNullable();
    t.jsonb('content').notNullable().defaultTo('{}');
    t.string('stored_name', 60).notNullable();
    t.string('sha256', 64).notNullable();
    t.text('signature').notNullable();
    t.string('signer', 300).notNullable();
    t.string('delivery', 10).notNullable();
    t.integer('issued_by_account_id').nullable().references('account.id');
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('printed_at', { useTz: true }).nullable();
  });
  await knex.raw("ALTER TABLE mydata_document ADD CONSTRAINT mydata_document_delivery CHECK (delivery IN ('online','paper'))");

  await knex.schema.createTable('mydata_announcement', (t) => {
    t.increments('id');
    t.date('publish_on').notNullable();
    t.string('title', 200).notNullable();
    t.text('body').notNullable().defaultTo('');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'mydata_announcement',
    'mydata_document',
    'mydata_consent_event',
    'mydata_correction_attachment',
    'mydata_correction',
    'mydata_self_description',
    'mydata_pay_item',
    'mydata_training',
    'mydata_reward',
    'mydata_rating',
    'mydata_career',
    'mydata_exam',
    'mydata_education',
  ]) {
    await knex.schema.dropTable(table);
  }
}
