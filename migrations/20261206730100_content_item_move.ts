import type { Knex } from 'knex';

/**
 * Moves the content of the seven old tables into content_item (DML only; the tables stay,
 * untouched, until a later cleanup migration drops them once this release is in use). Every
 * entry keeps its id, so the URLs that name one (/announcements/12, /pics/announcements/3,
 * /cloud/news/5, /cloud/files/2) keep working; the sequence then starts after the largest.
 */
const MOVES: { kind: string; from: string; columns: string[] }[] = [
  { kind: 'pics.announcements', from: 'pics_announcement', columns: ['id', 'title', 'body', 'publish_on'] },
  { kind: 'pics.faq', from: 'pics_faq', columns: ['id', 'category', 'question', 'answer', 'sort_order'] },
  { kind: 'pics.downloads', from: 'pics_download', columns: ['id', 'title', 'description', 'url', 'updated_on'] },
  { kind: 'pics.canned', from: 'pics_canned_reply', columns: ['id', 'title', 'body', 'sort_order'] },
  { kind: 'cloud.news', from: 'cloud_news', columns: ['id', 'title', 'body', 'published_on AS publish_on', 'author', 'created_at', 'updated_at'] },
  { kind: 'cloud.faq', from: 'cloud_faq', columns: ['id', 'question', 'answer', 'sort_order', 'updated_at'] },
  {
    kind: 'cloud.files',
    from: 'cloud_file',
    columns: ['id', 'title', 'description', 'stored_name', 'original_name', 'mime', 'size', 'sha256', 'url', 'published_on AS publish_on', 'created_at'],
  },
  {
    kind: 'portal.announcements',
    from: 'announcement',
    columns: ['id', 'title', 'body', 'category', 'publish_on', 'unpublish_on', 'author_account_id', 'created_at', 'updated_at'],
  },
];

const target = (c: string) => c.split(' AS ').pop()!;

export async function up(knex: Knex): Promise<void> {
  for (const m of MOVES) {
    await knex.raw(`INSERT INTO content_item (kind, ${m.columns.map(target).join(', ')}) SELECT ?, ${m.columns.join(', ')} FROM ${m.from} ORDER BY id`, [m.kind]);
  }
  await knex.raw("SELECT setval('content_item_id_seq', GREATEST((SELECT max(id) FROM content_item), 0) + 1, false)");
}

/** Back to the old tables (which this migration left as they were): their rows are the ones to keep. */
export async function down(knex: Knex): Promise<void> {
  for (const m of MOVES) {
    const cols = m.columns.map(target);
    await knex.raw(`DELETE FROM ${m.from}`);
    await knex.raw(`INSERT INTO ${m.from} (${cols.map((c) => (c === 'publish_on' && m.columns.some((x) => x.startsWith('published_on')) ? 'published_on' : c)).join(', ')}) SELECT ${cols.join(', ')} FROM content_item WHERE kind = ? ORDER BY id`, [m.kind]);
    await knex.raw(`SELECT setval(pg_get_serial_sequence('${m.from}', 'id'), GREATEST((SELECT max(id) FROM ${m.from}), 0) + 1, false)`);
  }
  await knex.raw('DELETE FROM content_item');
}
