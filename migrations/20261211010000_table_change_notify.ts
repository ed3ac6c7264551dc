import type { Knex } from 'knex';

/**
 * The tables whose reads each instance may keep between requests (platform/readCache.ts)
 * announce every statement that changes them on the channel `table_change`, with the table's
 * name: an insert, update, delete or truncate, by the portal or by hand. PostgreSQL sends a
 * transaction's identical notifications once, at commit.
 */
export const KEPT_TABLES = [
  'agency',
  'app_catalog',
  'app_catalog_agency',
  'favorite_app',
  'content_item',
  'questionnaire',
  'questionnaire_audience_agency',
  'questionnaire_audience_role',
  'questionnaire_response',
  'role_grant',
  'account',
  'person',
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION table_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('table_change', TG_TABLE_NAME);
      RETURN NULL;
    END $$`);
  for (const table of KEPT_TABLES) {
    await knex.raw(`CREATE TRIGGER table_change AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()`);
    await knex.raw(`CREATE TRIGGER table_change_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of KEPT_TABLES) {
    await knex.raw(`DROP TRIGGER table_change ON ${table}`);
    await knex.raw(`DROP TRIGGER table_change_truncate ON ${table}`);
  }
  await knex.raw('DROP FUNCTION table_change_notify()');
}
