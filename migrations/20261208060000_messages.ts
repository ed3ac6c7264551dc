import type { Knex } from 'knex';

// 網頁訊息 (e公務): a message is stored once; each recipient has a state row (read, deleted).
// An agency notice is one message row plus one INSERT … SELECT of its recipients' rows.
// 通訊錄, 群組設定 and 簽名檔設定 belong to a person.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('message', (t) => {
    t.bigIncrements('id');
    t.string('kind', 10).notNullable().defaultTo('personal');
    t.integer('sender_person_id').nullable().references('person.id');
    t.string('sender_name', 50).notNullable();
    t.string('sender_agency_name', 100).notNullable();
    t.string('subject', 100).notNullable();
    t.text('body').notNullable();
    /** Who it went to, as the sender's 寄件備份 lists them. */
    t.text('recipients_text').notNullable().defaultTo('');
    t.integer('notice_agency_id').nullable().references('agency.id');
    t.bigInteger('reply_to_id').nullable().references('message.id').onDelete('SET NULL');
    t.timestamp('sender_deleted_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE message ADD CONSTRAINT message_kind CHECK (kind IN ('personal','notice'))");
  await knex.raw('ALTER TABLE message ADD CONSTRAINT message_subject_length CHECK (char_length(subject) BETWEEN 1 AND 100)');
  await knex.raw('ALTER TABLE message ADD CONSTRAINT message_body_length CHECK (char_length(body) <= 5600)');
  await knex.raw('CREATE INDEX message_sender ON message (sender_person_id, id DESC) WHERE sender_deleted_at IS NULL');

  await knex.schema.createTable('message_recipient', (t) => {
    t.integer('person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.bigInteger('message_id').notNullable().references('message.id').onDelete('CASCADE');
    t.timestamp('read_at', { useTz: true }).nullable();
    t.timestamp('deleted_at', { useTz: true }).nullable();
    t.primary(['person_id', 'message_id']);
  });
  // The primary key serves the inbox, newest first (read backwards). The header's unread
  // count has its own small index. No more: each index is written 10,000 times by a notice.
  await knex.raw('CREATE INDEX message_recipient_unread ON message_recipient (person_id) WHERE read_at IS NULL AND deleted_at IS NULL');

  await knex.schema.createTable('message_attachment', (t) => {
    t.bigIncrements('id');
    t.bigInteger('message_id').notNullable().references('message.id').onDelete('CASCADE').index();
    t.string('stored_name', 100).notNullable();
    t.string('original_name', 255).notNullable();
    t.string('mime', 100).notNullable();
    t.integer('size').notNullable();
    t.string('sha256', 64).notNullable();
  });

  await knex.schema.createTable('message_contact', (t) => {
    t.integer('owner_person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.integer('person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.string('note', 100).notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['owner_person_id', 'person_id']);
  });

  await knex.schema.createTable('message_group', (t) => {
    t.increments('id');
    t.integer('owner_person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.string('name', 50).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['owner_person_id', 'name']);
  });
  await knex.schema.createTable('message_group_member', (t) => {
    t.integer('group_id').notNullable().references('message_group.id').onDelete('CASCADE');
    t.integer('person_id').notNullable().references('person.id').onDelete('CASCADE');
    t.primary(['group_id', 'person_id']);
  });

  // 簽名檔 and the mail digest choice; last_digest_at keeps the digest to one mail an hour.
  await knex.schema.createTable('message_setting', (t) => {
    t.integer('person_id').primary().references('person.id').onDelete('CASCADE');
    t.text('signature').notNullable().defaultTo('');
    t.boolean('mail_digest').notNullable().defaultTo(false);
    t.timestamp('last_digest_at', { useTz: true }).nullable();
  });
  await knex.raw('ALTER TABLE message_setting ADD CONSTRAINT message_signature_length CHECK (char_length(signature) <= 500)');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['message_setting', 'message_group_member', 'message_group', 'message_contact', 'message_attachment', 'message_recipient', 'message']) {
    await knex.schema.dropTable(t);
  }
}
