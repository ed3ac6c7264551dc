import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // An agent's seat: how many chats at once, and whether they are taking chats now.
  await knex.schema.createTable('pics_chat_agent', (t) => {
    t.integer('account_id').primary().references('account.id').onDelete('CASCADE');
    t.string('display_name', 30).notNullable();
    t.smallint('max_concurrent').notNullable().defaultTo(3);
    t.string('status', 10).notNullable().defaultTo('away');
    t.timestamp('heartbeat_at', { useTz: true }).nullable();
  });
  await knex.raw("ALTER TABLE pics_chat_agent ADD CONSTRAINT pics_chat_agent_status CHECK (status IN ('available','away'))");
  await knex.raw('ALTER TABLE pics_chat_agent ADD CONSTRAINT pics_chat_agent_limit CHECK (max_concurrent BETWEEN 1 AND 20)');

  await knex.schema.createTable('pics_chat', (t) => {
    t.increments('id');
    t.integer('asker_account_id').notNullable().references('account.id');
    t.integer('asker_person_id').notNullable().references('person.id');
    t.string('asker_name', 50).notNullable();
    t.string('state', 10).notNullable();
    t.integer('agent_account_id').nullable().references('account.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('queued_at', { useTz: true }).nullable();
    t.timestamp('accepted_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.timestamp('last_activity_at', { useTz: true }).notNullable();
    t.string('receipt_no', 20).nullable();
    t.timestamp('transcript_mailed_at', { useTz: true }).nullable();
  });
  await knex.raw("ALTER TABLE pics_chat ADD CONSTRAINT pics_chat_state CHECK (state IN ('menu','waiting','active','ended'))");
  // One open chat per asker at a time.
  await knex.raw("CREATE UNIQUE INDEX pics_chat_one_open ON pics_chat (asker_account_id) WHERE state <> 'ended'");
  await knex.raw("CREATE INDEX pics_chat_queue ON pics_chat (queued_at, id) WHERE state = 'waiting'");
  await knex.raw("CREATE INDEX pics_chat_agent_open ON pics_chat (agent_account_id) WHERE state = 'active'");
  await knex.raw('CREATE INDEX pics_chat_ended ON pics_chat (ended_at DESC)');

  // Every line of a chat, stored before it is pushed; the id orders a chat's lines.
  await knex.schema.createTable('pics_chat_message', (t) => {
    t.bigIncrements('id');
    t.integer('chat_id').notNullable().references('pics_chat.id').onDelete('CASCADE');
    t.string('sender', 6).notNullable();
    t.integer('sender_account_id').nullable().references('account.id');
    t.string('sender_name', 50).notNullable();
    t.string('kind', 10).notNullable();
    t.text('body').notNullable();
    t.string('image_stored_name', 60).nullable();
    t.string('image_original_name', 200).nullable();
    t.string('image_mime', 50).nullable();
    t.integer('image_size').nullable();
    t.string('image_sha256', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.raw("ALTER TABLE pics_chat_message ADD CONSTRAINT pics_chat_message_sender CHECK (sender IN ('asker','agent','system'))");
  await knex.raw('CREATE INDEX pics_chat_message_chat ON pics_chat_message (chat_id, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pics_chat_message');
  await knex.schema.dropTable('pics_chat');
  await knex.schema.dropTable('pics_chat_agent');
}
