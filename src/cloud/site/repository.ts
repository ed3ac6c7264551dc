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

/** A service as the administrator saves it. */
export interface ServiceInput { code: string; name: string; description: string; category: string; tableId: number; supportsFile: boolean; supportsWs: boolean; sortOrder: number }
/** A dictionary field as the administrator saves it (its type read from the physical column). */
export interface FieldInput { columnName: string; label: string; description: string; delivered: boolean; sortOrder: number; dataType: string }
export interface ReportInsert {
  code: string; agencyId: number; reporterName: string; phone: string; email: string; occurredOn: string | null; occurredTime: string | null;
  applicationNumber: string | null; serviceId: number | null; content: string;
}

const serviceColumns = (r: ServiceInput) => ({
  code: r.code, name: r.name, description: r.description, category: r.category, table_id: r.tableId, supports_file: r.supportsFile, supports_ws: r.supportsWs, sort_order: r.sortOrder,
});
const fieldColumns = (r: FieldInput) => ({ column_name: r.columnName, label: r.label, description: r.description, delivered: r.delivered, sort_order: r.sortOrder, data_type: r.dataType });

/** The filters of 稽核紀錄 (agency name or code, user, event group, Taipei dates). */
export interface AuditFilter {
  agency?: string;
  user?: string;
  event?: string;
  from?: string | null;
  to?: string | null;
}
export interface AuditRow { at: Date; actor: string; action: string; targetType: string | null; targetId: string | null; outcome: string; ip: string | null; details: string | null; agencyCode: string | null }
export interface ApplicationRow {
  id: number; number: string; kind: 'file' | 'ws'; agencyId: number; agencyCode: string; agencyName: string; status: string; periodFrom: string; periodTo: string;
  submittedAt: Date; certb64: string; certThumbprint: string;
  /** The card's encryption certificate (cert2) read at signing; null for older applications. */
  encCertb64: string | null; encCertThumbprint: string | null;
}
export interface DeliveryRow {
  id: number; applicationId: number; applicationNumber: string; agencyId: number; serviceCodes: string[]; storedName: string; size: number; rows: number;
  sha256: string; signature: Buffer; recipientThumbprint: string; verificationCode: string;
}
export interface WsClientRow { id: number; serialHex: string; thumbprint: string; issuedAt: Date; notAfter: Date; p12StoredName: string }

interface DeliveryRecord {
  id: number; application_id: number; application_number: string; agency_id: number; service_codes: string[]; stored_name: string; size: string | number; rows: number;
  sha256: string; signature: Buffer; recipient_thumbprint: string; verification_code: string;
}

function toDelivery(r: DeliveryRecord): DeliveryRow {
  return {
    id: r.id, applicationId: r.application_id, applicationNumber: r.application_number, agencyId: r.agency_id, serviceCodes: r.service_codes, storedName: r.stored_name,
    size: Number(r.size), rows: r.rows, sha256: r.sha256, signature: r.signature, recipientThumbprint: r.recipient_thumbprint, verificationCode: r.verification_code,
  };
}

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

  /**
   * The cloud platform's events of audit_event and the web-service call log as one searchable
   * list: the platform's own actions, agency-certificate sign-ins and refusals on its pages;
   * never the rest of the portal's log (password resets and their mail addresses, MyData, ...).
   */
  function auditQuery(f: AuditFilter) {
    const events = db('audit_event as e')
      .select(
        'e.at', 'e.actor_label as actor', 'e.action', 'e.target_type as targetType', 'e.target_id as targetId', 'e.outcome', 'e.ip', db.raw('e.details::text as details'),
        db.raw("coalesce(e.details->>'agencyCode', case when e.target_type = 'agency' then e.target_id end) as \"agencyCode\""),
      )
      .where((w) =>
        w
          .whereLike('e.action', 'cloud.%')
          .orWhere((l) => l.where('e.action', 'auth.login').where('e.target_type', 'agency'))
          .orWhere((d) => d.where('e.action', 'access.denied').where('e.target_type', 'path').whereLike('e.target_id', '/cloud%')),
      );
    const calls = db('cloud_ws_call as c')
      .leftJoin('agency as g', 'g.id', 'c.agency_id')
      .select(
        'c.at', db.raw("coalesce(g.name, '（未識別）') as actor"), db.raw("'cloud.ws.call' as action"), db.raw("'cloud_application' as \"targetType\""),
        'c.application_number as targetId', db.raw("case when c.status = 200 then 'ok' else 'denied' end as outcome"), 'c.ip',
        db.raw("json_build_object('service', c.service_code, 'rows', c.rows, 'durationMs', c.duration_ms, 'result', c.result, 'status', c.status, 'thumbprint', c.thumbprint)::text as details"),
        'g.code as agencyCode',
      );
    const q = db.queryBuilder().from(db.raw('(? union all ?) as a', [events, calls]));
    if (f.agency) q.where((w) => w.whereILike('a.actor', like(f.agency!)).orWhere('a.agencyCode', f.agency!.toUpperCase()));
    if (f.user) q.whereILike('a.actor', like(f.user));
    if (f.from) q.where('a.at', '>=', `${f.from}T00:00:00+08:00`);
    if (f.to) q.where('a.at', '<', db.raw(`(?::date + 1)::timestamp at time zone 'Asia/Taipei'`, [f.to]));
    switch (f.event) {
      case 'login': q.whereLike('a.action', 'auth.login%'); break;
      case 'application': q.where((w) => w.whereLike('a.action', 'cloud.application.%').whereNot('a.action', 'cloud.application.review')); break;
      case 'review': q.where('a.action', 'cloud.application.review'); break;
      case 'download': q.where((w) => w.whereLike('a.action', 'cloud.delivery.%').orWhereLike('a.action', 'cloud.ws.module%').orWhereLike('a.action', '%.pdf%')); break;
      case 'ws': q.where('a.action', 'cloud.ws.call'); break;
      case 'report': q.whereLike('a.action', 'cloud.report.%'); break;
      case 'admin': q.whereLike('a.action', 'cloud.admin.%'); break;
      case 'denied': q.whereIn('a.outcome', ['denied', 'failed']); break;
      default: break;
    }
    return q;
  }

  return {
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
    insertService(row: ServiceInput) {
      return db('cloud_service').insert(serviceColumns(row)).returning('id');
    },
    updateService(id: number, row: ServiceInput) {
      return db('cloud_service').where({ id }).update({ ...serviceColumns(row), updated_at: db.fn.now() });
    },
    /** Retires a service (it keeps its applications) or brings it back. */
    setServiceActive(id: number, active: boolean) {
      return db('cloud_service').where({ id }).update({ active, retired_at: active ? null : db.fn.now(), updated_at: db.fn.now() });
    },
    tables(): Promise<DictTableRow[]> {
      return db('cloud_dict_table').select('id', 'name', 'title', 'description', 'sort_order as sortOrder').orderBy([{ column: 'sort_order' }, { column: 'id' }]);
    },
    table(id: number): Promise<DictTableRow | undefined> {
      return db('cloud_dict_table').where({ id }).first('id', 'name', 'title', 'description', 'sort_order as sortOrder');
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
    insertField(tableId: number, row: FieldInput) {
      return db('cloud_dict_field').insert({ ...fieldColumns(row), table_id: tableId }).returning('id');
    },
    updateField(id: number, row: FieldInput) {
      return db('cloud_dict_field').where({ id }).update(fieldColumns(row));
    },
    /** Marks a dictionary table as changed (its fields were edited). */
    touchTable(id: number) {
      return db('cloud_dict_table').where({ id }).update({ updated_at: db.fn.now() });
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
    async insertReport(row: ReportInsert, files: Array<{ storedName: string; originalName: string; mime: string; size: number; sha256: string }>, trx: Db) {
      const [r] = await trx('cloud_report')
        .insert({
          code: row.code, agency_id: row.agencyId, reporter_name: row.reporterName, phone: row.phone, email: row.email, occurred_on: row.occurredOn,
          occurred_time: row.occurredTime, application_number: row.applicationNumber, service_id: row.serviceId, content: row.content,
        })
        .returning(['id', 'code']);
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
    handleReport(id: number, row: { status: string; handling: string; handledBy: string }, trx: Db = db) {
      return trx('cloud_report').where({ id }).update({ status: row.status, handling: row.handling, handled_by: row.handledBy, handled_at: trx.fn.now() });
    },
    applicationOfAgency(number: string, agencyId: number) {
      return db('cloud_application').where({ number, agency_id: agencyId }).first('id');
    },

    // --- applications with approved lines (read-only on the application tables) ---
    async applications(where: { id?: number; agencyId?: number; approvedOnly?: boolean }): Promise<ApplicationRow[]> {
      const q = db('cloud_application as a')
        .join('agency as g', 'g.id', 'a.agency_id')
        .select(
          'a.id', 'a.number', 'a.kind', 'a.agency_id as agencyId', 'g.code as agencyCode', 'g.name as agencyName', 'a.status',
          db.raw(`to_char(a.period_from, 'YYYY-MM-DD') as "periodFrom"`), db.raw(`to_char(a.period_to, 'YYYY-MM-DD') as "periodTo"`),
          'a.submitted_at as submittedAt', 'a.certb64', 'a.cert_thumbprint as certThumbprint', 'a.enc_certb64 as encCertb64', 'a.enc_cert_thumbprint as encCertThumbprint',
        )
        .orderBy('a.submitted_at', 'desc');
      if (where.id !== undefined) q.where('a.id', where.id);
      if (where.agencyId !== undefined) q.where('a.agency_id', where.agencyId);
      if (where.approvedOnly) q.whereIn('a.status', ['approved', 'partial']);
      return q;
    },
    /** The approved services of the applications, in catalogue order. */
    approvedLines(applicationIds: number[]): Promise<Array<{ applicationId: number; id: number; code: string; name: string; tableName: string | null }>> {
      return db('cloud_application_service as l')
        .join('cloud_service as s', 's.id', 'l.service_id')
        .leftJoin('cloud_dict_table as t', 't.id', 's.table_id')
        .whereIn('l.application_id', applicationIds)
        .where('l.result', 'approved')
        .select('l.application_id as applicationId', 's.id', 's.code', 's.name', 't.name as tableName')
        .orderBy([{ column: 's.sort_order' }, { column: 's.id' }]);
    },
    /** Holds the application's row until the transaction ends (one module issue at a time). */
    async lockApplication(trx: Db, id: number) {
      await trx('cloud_application').where({ id }).forUpdate().first('id');
    },

    // --- 資料交換 deliveries ---
    async delivery(applicationId: number): Promise<DeliveryRow | undefined> {
      const row = await db('cloud_delivery').where({ application_id: applicationId }).first();
      return row ? toDelivery(row) : undefined;
    },
    async insertDelivery(trx: Db, d: Omit<DeliveryRow, 'id'>): Promise<DeliveryRow> {
      const [row] = await trx('cloud_delivery')
        .insert({
          application_id: d.applicationId, application_number: d.applicationNumber, agency_id: d.agencyId, service_codes: d.serviceCodes, stored_name: d.storedName,
          size: d.size, rows: d.rows, sha256: d.sha256, signature: d.signature, recipient_thumbprint: d.recipientThumbprint, verification_code: d.verificationCode,
        })
        .returning('*');
      return toDelivery(row);
    },

    // --- 介接模組 client certificates ---
    async currentWsClient(applicationId: number): Promise<WsClientRow | undefined> {
      const row = await db('cloud_ws_client').where({ application_id: applicationId }).whereNull('revoked_at').orderBy('issued_at', 'desc').first();
      return row ? { id: row.id, serialHex: row.serial_hex, thumbprint: row.thumbprint, issuedAt: row.issued_at, notAfter: row.not_after, p12StoredName: row.p12_stored_name } : undefined;
    },
    /** Revokes the application's valid client certificates and records the new one. */
    async replaceWsClient(trx: Db, c: { applicationId: number; applicationNumber: string; agencyId: number; serialHex: string; thumbprint: string; certPem: string; notAfter: Date; p12StoredName: string }) {
      await trx('cloud_ws_client').where({ application_id: c.applicationId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
      await trx('cloud_ws_client').insert({
        application_id: c.applicationId, application_number: c.applicationNumber, agency_id: c.agencyId, serial_hex: c.serialHex, thumbprint: c.thumbprint, cert_pem: c.certPem,
        not_after: c.notAfter, p12_stored_name: c.p12StoredName,
      });
    },

    // --- 稽核 ---
    async auditPage(f: AuditFilter, size: number, page: number) {
      const base = auditQuery(f);
      const [c] = await base.clone().count({ n: '*' });
      const total = Number(c?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / size));
      const p = Math.min(page, pages);
      const rows: AuditRow[] = await base.clone().select('a.*').orderBy('a.at', 'desc').limit(size).offset((p - 1) * size);
      return { rows, total, page: p, pages };
    },
    auditBatch(f: AuditFilter, limit: number, offset: number): Promise<AuditRow[]> {
      return auditQuery(f).select('a.*').orderBy('a.at', 'desc').limit(limit).offset(offset);
    },

    // --- 統計圖表 ---
    /** Applications submitted since `from`, counted per Taipei month (YYYY-MM) and status. */
    async applicationsPerMonth(from: string): Promise<Array<{ month: string; status: string; n: number }>> {
      const rows: Array<Record<string, unknown>> = await db('cloud_application')
        .select(db.raw(`to_char(submitted_at at time zone 'Asia/Taipei', 'YYYY-MM') as month`), 'status')
        .count({ n: '*' })
        .where('submitted_at', '>=', from)
        .groupByRaw('1, 2');
      return rows.map((r) => ({ month: String(r.month), status: String(r.status), n: Number(r.n) }));
    },
    /** Web-service calls since `from`, counted per Taipei day (YYYY-MM-DD), answered or refused. */
    async wsCallsPerDay(from: string): Promise<Array<{ day: string; ok: boolean; n: number }>> {
      const rows: Array<Record<string, unknown>> = await db('cloud_ws_call')
        .select(db.raw(`to_char(at at time zone 'Asia/Taipei', 'YYYY-MM-DD') as day`), db.raw('status = 200 as ok'))
        .count({ n: '*' })
        .where('at', '>=', from)
        .groupByRaw('1, 2');
      return rows.map((r) => ({ day: String(r.day), ok: Boolean(r.ok), n: Number(r.n) }));
    },
  };
}

export type SiteRepository = ReturnType<typeof createSiteRepository>;
