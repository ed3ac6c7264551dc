import type { Db } from './database';

/**
 * Which of these stored file names a row still refers to. Rows name their files in columns
 * called `stored_name` or `<something>_stored_name` (every area keeps to that), so the
 * check needs no list of tables. The columns come from the catalog, which lists every table
 * whatever the role may read (unlike information_schema): a table the role cannot read makes
 * the check fail, never take its files for orphans.
 */
export async function referencedStoredNames(db: Db, names: string[]): Promise<Set<string>> {
  const columns: { table_name: string; column_name: string }[] = (
    await db.raw(
      `SELECT c.relname AS table_name, a.attname AS column_name
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND (a.attname = 'stored_name' OR a.attname LIKE '%\\_stored_name')`,
    )
  ).rows;
  const referenced = new Set<string>();
  for (const { table_name, column_name } of columns) {
    for (let i = 0; i < names.length; i += 5000) {
      const found: string[] = await db(table_name).whereIn(column_name, names.slice(i, i + 5000)).pluck(column_name);
      for (const n of found) referenced.add(n);
    }
  }
  return referenced;
}
