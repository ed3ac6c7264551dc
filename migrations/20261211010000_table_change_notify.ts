import type { Knex } from 'knex';
import { createBadgeTriggers } from './20261210010000_session_cache_notify';

/**
 * The tables whose reads each instance may keep between requests (platform/readCache.ts)
 * announce every statement that changes them on the channel `table_change`, by the portal or
 * by hand:
 *
 * - `<table>`: the table changed (any row, or emptied);
 * - `<table>:<key>,<key>…`: the rows with these values of the table's key column changed (a
 *   table listed in KEYED_TABLES); `<table>` alone when one statement touched more than 200.
 *
 * PostgreSQL sends a transaction's identical notifications once, at commit.
 *
 * The session cache takes the 網頁訊息 badge's changes from `message_recipient`'s
 * notifications here, so the badge triggers of 20261210010000 (the same person list on the
 * channel `session_cache`) are removed: one statement announces its people once.
 */
export const WHOLE_TABLES = [
  'agency',
  'app_catalog',
  'app_catalog_agency',
  'content_item',
  'questionnaire',
  'questionnaire_audience_agency',
  'questionnaire_audience_role',
  'role_grant',
  'message',
  'message_attachment',
  'message_group_member',
  'agency_area_grant',
  'cloud_application_service',
  'cloud_service',
] as const;

/** Tables announced by the value of one column: reads of one person's rows stay kept while others' change. */
export const KEYED_TABLES = {
  account: 'id',
  person: 'id',
  favorite_app: 'account_id',
  questionnaire_response: 'account_id',
  message_recipient: 'person_id',
  message_setting: 'person_id',
  message_group: 'owner_person_id',
  pics_ticket: 'person_id',
  mydata_consent_event: 'person_id',
  cloud_application: 'agency_id',
} as const;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION table_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('table_change', TG_TABLE_NAME);
      RETURN NULL;
    END $$`);
  // TG_ARGV[0]: the key column. One notification per statement, with the keys it touched.
  await knex.raw(`
    CREATE FUNCTION table_change_keyed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      n integer;
      keys text;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        SELECT count(DISTINCT k), string_agg(DISTINCT k, ',') INTO n, keys FROM (SELECT to_jsonb(r) ->> TG_ARGV[0] AS k FROM new_rows r) x;
      ELSIF TG_OP = 'DELETE' THEN
        SELECT count(DISTINCT k), string_agg(DISTINCT k, ',') INTO n, keys FROM (SELECT to_jsonb(r) ->> TG_ARGV[0] AS k FROM old_rows r) x;
      ELSE
        SELECT count(DISTINCT k), string_agg(DISTINCT k, ',') INTO n, keys
          FROM (SELECT to_jsonb(r) ->> TG_ARGV[0] AS k FROM old_rows r UNION ALL SELECT to_jsonb(r) ->> TG_ARGV[0] FROM new_rows r) x;
      END IF;
      IF n > 200 THEN
        PERFORM pg_notify('table_change', TG_TABLE_NAME);
      ELSIF n > 0 THEN
        PERFORM pg_notify('table_change', TG_TABLE_NAME || ':' || keys);
      END IF;
      RETURN NULL;
    END $$`);
  for (const table of WHOLE_TABLES) {
    await knex.raw(`CREATE TRIGGER table_change AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()`);
  }
  for (const [table, column] of Object.entries(KEYED_TABLES)) await createKeyedTriggers(knex, table, column);
  for (const table of WHOLE_TABLES) {
    await knex.raw(`CREATE TRIGGER table_change_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()`);
  }
  for (const op of ['insert', 'update', 'delete']) await knex.raw(`DROP TRIGGER session_cache_${op} ON message_recipient`);
  await knex.raw('DROP FUNCTION session_cache_badges()');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of WHOLE_TABLES) await knex.raw(`DROP TRIGGER table_change ON ${table}`);
  for (const table of Object.keys(KEYED_TABLES)) await dropKeyedTriggers(knex, table);
  for (const table of WHOLE_TABLES) await knex.raw(`DROP TRIGGER table_change_truncate ON ${table}`);
  await knex.raw('DROP FUNCTION table_change_keyed()');
  await knex.raw('DROP FUNCTION table_change_notify()');
  await createBadgeTriggers(knex);
}

/** A keyed table's triggers: each statement announces the values of `column` it touched (a TRUNCATE, the table). */
export async function createKeyedTriggers(knex: Knex, table: string, column: string): Promise<void> {
  await knex.raw(`CREATE TRIGGER table_change_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION table_change_keyed('${column}')`);
  await knex.raw(
    `CREATE TRIGGER table_change_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION table_change_keyed('${column}')`,
  );
  await knex.raw(`CREATE TRIGGER table_change_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION table_change_keyed('${column}')`);
  await knex.raw(`CREATE TRIGGER table_change_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()`);
}

export async function dropKeyedTriggers(knex: Knex, table: string): Promise<void> {
  for (const op of ['insert', 'update', 'delete', 'truncate']) await knex.raw(`DROP TRIGGER table_change_${op} ON ${table}`);
}
