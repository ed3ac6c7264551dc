import type { Knex } from 'knex';

/**
 * Moves MyData's 公告 from mydata_announcement into content_item (kind 'mydata.announcements'),
 * each keeping its id (DML only). The old table stays, untouched, for a rollback until the
 * later cleanup migration drops it with the other old content tables.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    "INSERT INTO content_item (kind, id, title, body, publish_on) SELECT 'mydata.announcements', id, title, body, publish_on FROM mydata_announcement ORDER BY id",
  );
  await knex.raw("SELECT setval('content_item_id_seq', GREATEST((SELECT max(id) FROM content_item), 0) + 1, false)");
}

/** Back to the old table: content_item's rows of the kind are the ones to keep. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('DELETE FROM mydata_announcement');
  await knex.raw("INSERT INTO mydata_announcement (id, title, body, publish_on) SELECT id, title, body, publish_on FROM content_item WHERE kind = 'mydata.announcements' ORDER BY id");
  await knex.raw("SELECT setval(pg_get_serial_sequence('mydata_announcement', 'id'), GREATEST((SELECT max(id) FROM mydata_announcement), 0) + 1, false)");
  await knex.raw("DELETE FROM content_item WHERE kind = 'mydata.announcements'");
}
