/**
 * Reads of the delivered data tables (資料交換 files and the web service): which columns a
 * table really has, which of them the data dictionary delivers, and its rows in id order,
 * limited to the applying agency's rows when the table carries agency_id.
 */
import type { Db } from '../../platform/database';

/** The physical column names of a table. */
export async function physicalColumnNames(db: Db, tableName: string): Promise<Set<string>> {
  const rows: Array<{ column_name: string }> = await db('information_schema.columns')
    .where({ table_schema: db.raw('current_schema()'), table_name: tableName })
    .select('column_name');
  return new Set(rows.map((c) => c.column_name));
}

/** The dictionary's delivered fields of a table, in their order. */
export function dictionaryFields(db: Db, tableName: string): Promise<Array<{ column: string; label: string }>> {
  return db('cloud_dict_field as f')
    .join('cloud_dict_table as t', 't.id', 'f.table_id')
    .where({ 't.name': tableName, 'f.delivered': true })
    .select('f.column_name as column', 'f.label')
    .orderBy([{ column: 'f.sort_order' }, { column: 'f.id' }]);
}

/** A batch of rows after `afterId` as arrays, the id first (rows read as arrays: less garbage). */
export async function rowsAfter(db: Db, tableName: string, columns: string[], afterId: number, limit: number, agencyId: number | null): Promise<unknown[][]> {
  const q = db(tableName)
    .select(['id', ...columns])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .options({ rowMode: 'array' });
  if (agencyId !== null) q.where('agency_id', agencyId);
  return (await q) as unknown as unknown[][];
}

/** One page of rows (id order) and the total, read in one query with a window count. */
export async function rowPage(db: Db, tableName: string, columns: string[], agencyId: number | null, size: number, offset: number): Promise<{ rows: Array<Record<string, unknown>>; total: number }> {
  const q = db(tableName)
    .select([...columns, db.raw('count(*) over () as "__total"')])
    .orderBy('id')
    .limit(size)
    .offset(offset);
  if (agencyId !== null) q.where('agency_id', agencyId);
  const found: Array<Record<string, unknown>> = await q;
  let total: number;
  if (found.length) total = Number(found[0]!.__total);
  else {
    const c = db(tableName);
    if (agencyId !== null) c.where('agency_id', agencyId);
    const [counted] = await c.count({ n: '*' });
    total = Number(counted?.n ?? 0);
  }
  return { rows: found.map(({ __total: _t, ...r }) => r), total };
}
