import type { Knex } from 'knex';

/**
 * 查詢職缺資料 keeps its searches in each instance (platform/readCache.ts) until a vacancy
 * changes: `jobs_vacancy` announces each statement that changes it on `table_change` (a
 * vacancy posted, edited, reviewed, withdrawn, an import, a change by hand).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE TRIGGER table_change AFTER INSERT OR UPDATE OR DELETE ON jobs_vacancy FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()');
  await knex.raw('CREATE TRIGGER table_change_truncate AFTER TRUNCATE ON jobs_vacancy FOR EACH STATEMENT EXECUTE FUNCTION table_change_notify()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER table_change ON jobs_vacancy');
  await knex.raw('DROP TRIGGER table_change_truncate ON jobs_vacancy');
}
