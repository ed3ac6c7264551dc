import type { Knex } from 'knex';

/**
 * content_item takes one more kind, MyData's 公告 ('mydata.announcements': title, body and
 * publish date), so the next migration can move mydata_announcement into it. DDL only: the
 * two checks of 20261206730000 are replaced by the same checks naming the new kind.
 */
const KINDS = ['pics.announcements', 'pics.faq', 'pics.downloads', 'pics.canned', 'cloud.news', 'cloud.faq', 'cloud.files', 'portal.announcements'];

const COLUMNS = `
    WHEN 'pics.announcements' THEN title IS NOT NULL AND body IS NOT NULL AND publish_on IS NOT NULL
    WHEN 'portal.announcements' THEN title IS NOT NULL AND body IS NOT NULL AND category IS NOT NULL AND publish_on IS NOT NULL
    WHEN 'cloud.news' THEN title IS NOT NULL AND body IS NOT NULL AND publish_on IS NOT NULL
    WHEN 'pics.faq' THEN category IS NOT NULL AND question IS NOT NULL AND answer IS NOT NULL AND sort_order IS NOT NULL
    WHEN 'cloud.faq' THEN question IS NOT NULL AND answer IS NOT NULL AND sort_order IS NOT NULL
    WHEN 'pics.downloads' THEN title IS NOT NULL AND description IS NOT NULL AND url IS NOT NULL AND updated_on IS NOT NULL
    WHEN 'cloud.files' THEN title IS NOT NULL AND description IS NOT NULL AND publish_on IS NOT NULL AND ((stored_name IS NULL) <> (url IS NULL))
    WHEN 'pics.canned' THEN title IS NOT NULL AND body IS NOT NULL AND sort_order IS NOT NULL`;

const MYDATA = `
    WHEN 'mydata.announcements' THEN title IS NOT NULL AND body IS NOT NULL AND publish_on IS NOT NULL`;

async function checks(knex: Knex, kinds: string[], columns: string) {
  await knex.raw('ALTER TABLE content_item DROP CONSTRAINT content_item_kind');
  await knex.raw('ALTER TABLE content_item DROP CONSTRAINT content_item_columns');
  await knex.raw(`ALTER TABLE content_item ADD CONSTRAINT content_item_kind CHECK (kind IN (${kinds.map((k) => `'${k}'`).join(', ')}))`);
  await knex.raw(`ALTER TABLE content_item ADD CONSTRAINT content_item_columns CHECK (CASE kind${columns}
    ELSE false END)`);
}

export async function up(knex: Knex): Promise<void> {
  await checks(knex, [...KINDS, 'mydata.announcements'], COLUMNS + MYDATA);
}

export async function down(knex: Knex): Promise<void> {
  await checks(knex, KINDS, COLUMNS);
}
