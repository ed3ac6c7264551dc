import type { Knex } from 'knex';
import type { Db } from '../../platform/database';

export const PAGE_SIZE = 10;

export interface Paged<T> {
  rows: T[];
  total: number;
  page: number;
  pages: number;
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

async function paged<T>(q: Knex.QueryBuilder, page: number, size = PAGE_SIZE): Promise<Paged<T>> {
  const [{ n }] = await q.clone().clearSelect().clearOrder().count({ n: '*' });
  const total = Number(n);
  const pages = Math.max(1, Math.ceil(total / size));
  const p = Math.min(page, pages);
  const rows = (await q.limit(size).offset((p - 1) * size)) as T[];
  return { rows, total, page: p, pages };
}

export interface ServiceRow {
  id: number; code: string; name: string; description: string; category: string; supportsFile: boolean; supportsWs: boolean;
  tableId: number | null; tableName: string | null; tableTitle: string | null; sortOrder: number; active: boolean; retiredAt: Date | null;
}
export interface DictTableRow { id: number; name: string; title: string; description: string; sortOrder: number }
export interface DictFieldRow { id: number; tableId: number; columnName: string; label: string; dataType: string; length: number | null; description: string; delivered: boolean; sortOrder: number }
export interface ReportRow {
  id: number; code: string; agencyId: number; agencyCode: string; agencyName: string; reporterName: string; phone: string; email: string;
  occurredOn: string; occurredTime: string | null; applicationNumber: string | null; serviceId: number | null; serviceCode: string | null; serviceName: string | null;
  content: string; status: 'open' | 'closed'; handling: string | null; handledBy: string | null; handledAt: Date | null; createdAt: Date;
}
export interface ReportFileRow { id: number; reportId: number; storedName: string; originalName: string; mime: string; size: number }

const dateStr = (col: string, as: string) => `to_char(${col}, 'YYYY-MM-DD') as "${as}"`;

export function createSiteRepository(db: Db) {
  const SERVICE_COLS = [
    's.id', 's.code', 's.name', 's.description', 's.category', 's.supports_file as supportsFile', 's.supports_ws as supportsWs', 's.table_id as tableId',
    't.name as tableName', 't.title as tableTitle', 's.sort_order as sortOrder', 's.active', 's.retired_at as retiredAt',
  ];
  const reportQuery = (trx: Db = db) =>
    trx('cloud_report as r')
      .join('agency as a', 'a.id', 'r.agency_id')
      .leftJoin('cloud_service as s', 's.id', 'r.service_id')
      .select(
        'r.id', 'r.code', 'r.agency_id as agencyId', 'a.code as agencyCode', 'a.name as agencyName', 'r.reporter_name as reporterName', 'r.phone', 'r.email',
        db.raw(dateStr('r.occurred_on', 'occurredOn')), 'r.occurred_time as occurredTime', 'r.application_number as applicationNumber', 'r.service_id as serviceId',
        's.code as serviceCode', 's.name as serviceName', 'r.content', 'r.status', 'r.handling', 'r.handled_by as handledBy', 'r.handled_at as handledAt', 'r.created_at as createdAt',
      );

  return {
    db,
    links(): Promise<Array<{ id: number; title: string; url: string }>> {
      return db('cloud_link').select('id', 'title', 'url').orderBy('sort_order');
    },
    // --- 服務 and the data dictionary ---
    services(opts: { includeRetired?: boolean } = {}): Promise<ServiceRow[]> {
      const q = db('cloud_service as s').leftJoin('cloud_dict_table as t', 't.id', 's.table_id').select(SERVICE_COLS).orderBy([{ column: 's.sort_order' }, { column: 's.id' }]);
      if (!opts.includeRetired) q.where('s.active', true);
      return q;
    },
    service(where: { id?: number; code?: string }): Promise<ServiceRow | undefined> {
      const q = db('cloud_service as s').leftJoin('cloud_dict_table as t', 't.id', 's.table_id').first(SERVICE_COLS);
      if (where.id !== undefined) q.where('s.id', where.id);
      if (where.code !== undefined) q.where('s.code', where.code);
      return q;
    },
    insertService(row: object) {
      return db('cloud_service').insert(row).returning('id');
    },
    updateService(id: number, row: object) {
      return db('cloud_service').where({ id }).update({ ...row, updated_at: db.fn.now() });
    },
    tables(): Promise<DictTableRow[]> {
      return db('cloud_dict_table').select('id', 'name', 'title', 'description', 'sort_order as sortOrder').orderBy([{ column: 'sort_order' }, { column: 'id' }]);
    },
    table(id: number): Promise<DictTableRow | undefined> {
      return db('cloud_dict_table').where({ id }).first('id', 'name', 'title', 'description', 'sort_order as sortOrder');
    },
    insertTable(row: { name: string; title: string; description: string; sortOrder: number }) {
      return db('cloud_dict_table').insert({ name: row.name, title: row.title, description: row.description, sort_order: row.sortOrder }).returning('id');
    },
    updateTable(id: number, row: { title: string; description: string; sortOrder: number }) {
      return db('cloud_dict_table').where({ id }).update({ title: row.title, description: row.description, sort_order: row.sortOrder, updated_at: db.fn.now() });
    },
    fields(tableId: number): Promise<DictFieldRow[]> {
      return db('cloud_dict_field')
        .where({ table_id: tableId })
        .select('id', 'table_id as tableId', 'column_name as columnName', 'label', 'data_type as dataType', 'length', 'description', 'delivered', 'sort_order as sortOrder')
        .orderBy([{ column: 'sort_order' }, { column: 'id' }]);
    },
    field(id: number): Promise<DictFieldRow | undefined> {
      return db('cloud_dict_field')
        .where({ id })
        .first('id', 'table_id as tableId', 'column_name as columnName', 'label', 'data_type as dataType', 'length', 'description', 'delivered', 'sort_order as sortOrder');
    },
    insertField(row: object) {
      return db('cloud_dict_field').insert(row).returning('id');
    },
    updateField(id: number, row: object) {
      return db('cloud_dict_field').where({ id }).update(row);
    },
    deleteField(id: number) {
      return db('cloud_dict_field').where({ id }).delete();
    },
    /** The columns a physical table really has (a dictionary entry must name one of them). */
    async physicalColumns(table: string): Promise<Array<{ name: string; type: string }>> {
      return db('information_schema.columns')
        .where({ table_schema: db.raw('current_schema()'), table_name: table })
        .select('column_name as name', 'data_type as type')
        .orderBy('ordinal_position');
    },
    // --- 錯誤回報 ---
    async insertReport(row: object, files: Array<{ storedName: string; originalName: string; mime: string; size: number; sha256: string }>, trx: Db) {
      const [r] = await trx('cloud_report').insert(row).returning(['id', 'code']);
      if (files.length) {
        await trx('cloud_report_file').insert(files.map((f) => ({ report_id: r.id, stored_name: f.storedName, original_name: f.originalName, mime: f.mime, size: f.size, sha256: f.sha256 })));
      }
      return r as { id: number; code: string };
    },
    reports(filter: { agencyId?: number; from?: string; to?: string; applicationNumber?: string; status?: string[]; page: number }) {
      const q = reportQuery().orderBy([{ column: 'r.occurred_on', order: 'desc' }, { column: 'r.id', order: 'desc' }]);
      if (filter.agencyId !== undefined) q.where('r.agency_id', filter.agencyId);
      if (filter.from) q.where('r.occurred_on', '>=', filter.from);
      if (filter.to) q.where('r.occurred_on', '<=', filter.to);
      if (filter.applicationNumber) q.whereILike('r.application_number', like(filter.applicationNumber));
      if (filter.status?.length) q.whereIn('r.status', filter.status);
      return paged<ReportRow>(q, filter.page);
    },
    report(where: { code: string }): Promise<ReportRow | undefined> {
      return reportQuery().where('r.code', where.code).first();
    },
    reportFiles(reportId: number): Promise<ReportFileRow[]> {
      return db('cloud_report_file').where({ report_id: reportId }).select('id', 'report_id as reportId', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size').orderBy('id');
    },
    handleReport(id: number, row: { status: string; handling: string; handledBy: string }) {
      return db('cloud_report').where({ id }).update({ status: row.status, handling: row.handling, handled_by: row.handledBy, handled_at: db.fn.now() });
    },
    agencyCode(id: number): Promise<{ code: string; name: string } | undefined> {
      return db('agency').where({ id }).first('code', 'name');
    },
    applicationOfAgency(number: string, agencyId: number) {
      return db('cloud_application').where({ number, agency_id: agencyId }).first('id');
    },
  };
}

export type SiteRepository = ReturnType<typeof createSiteRepository>;
