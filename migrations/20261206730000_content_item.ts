import type { Knex } from 'knex';

/**
 * One table for the content the three sites' editors maintain (src/platform/content): PICS's
 * 公告事項, 常見問題, 檔案下載 and 罐頭回覆, the cloud site's 最新公告, 常見問題 and 檔案下載,
 * and the portal's 最新公告. `kind` says which ('pics.faq', 'cloud.news', ...); a kind uses
 * only its own columns, the checks below name them. The key is (kind, id): entries moved from
 * the old tables keep their ids (and so their URLs), new ones take ids from one sequence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SEQUENCE content_item_id_seq');
  await knex.schema.createTable('content_item', (t) => {
    t.string('kind', 30).notNullable();
    t.integer('id').notNullable().defaultTo(knex.raw("nextval('content_item_id_seq')"));
    t.primary(['kind', 'id']);
    t.string('title', 200).nullable();
    t.text('body').nullable();
    t.string('category', 50).nullable();
    t.string('question', 300).nullable();
    t.text('answer').nullable();
    t.string('description', 500).nullable();
    t.string('url', 500).nullable();
    t.integer('sort_order').nullable();
    t.date('publish_on').nullable();
    t.date('unpublish_on').nullable();
    t.date('updated_on').nullable();
    t.string('author', 100).nullable();
    t.integer('author_account_id').nullable().references('account.id');
    // An uploaded file (the cloud site's 檔案下載), kept by src/platform/uploads.
    t.string('stored_name', 100).nullable();
    t.string('original_name', 200).nullable();
    t.string('mime', 150).nullable();
    t.bigInteger('size').nullable();
    t.string('sha256', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER SEQUENCE content_item_id_seq OWNED BY content_item.id');
  await knex.raw(`ALTER TABLE content_item ADD CONSTRAINT content_item_kind CHECK (kind IN
    ('pics.announcements', 'pics.faq', 'pics.downloads', 'pics.canned', 'cloud.news', 'cloud.faq', 'cloud.files', 'portal.announcements'))`);
  await knex.raw(`ALTER TABLE content_item ADD CONSTRAINT content_item_columns CHECK (CASE kind
    WHEN 'pics.announcements' THEN title IS NOT NULL AND body IS NOT NULL AND publish_on IS NOT NULL
    WHEN 'portal.announcements' THEN title IS NOT NULL AND body IS NOT NULL AND category IS NOT NULL AND publish_on IS NOT NULL
    WHEN 'cloud.news' THEN title IS NOT NULL AND body IS NOT NULL AND publish_on IS NOT NULL
    WHEN 'pics.faq' THEN category IS NOT NULL AND question IS NOT NULL AND answer IS NOT NULL AND sort_order IS NOT NULL
    WHEN 'cloud.faq' THEN question IS NOT NULL AND answer IS NOT NULL AND sort_order IS NOT NULL
    WHEN 'pics.downloads' THEN title IS NOT NULL AND description IS NOT NULL AND url IS NOT NULL AND updated_on IS NOT NULL
    WHEN 'cloud.files' THEN title IS NOT NULL AND description IS NOT NULL AND publish_on IS NOT NULL AND ((stored_name IS NULL) <> (url IS NULL))
    WHEN 'pics.canned' THEN title IS NOT NULL AND body IS NOT NULL AND sort_order IS NOT NULL
    ELSE false END)`);
  await knex.raw('CREATE INDEX content_item_publish ON content_item (kind, publish_on DESC, id DESC)');
  await knex.raw('CREATE INDEX content_item_sort ON content_item (kind, sort_order, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('content_item');
}
