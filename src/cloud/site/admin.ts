/** 資料交換管理 (銓敘部管理者): content, data dictionary, services, audit, error reports, dashboard. */
import type { Db } from '../../platform/database';
import { actorOf } from '../../platform/identity/actor';
import type { CloudDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { FormError, NotFoundError } from '../../platform/errors';
import { chartSvg } from '../../platform/svgChart';
import { taipeiToday } from '../../platform/dates';
import type { SiteRepository } from './repository';
import { CLOUD_FILES } from './contentKinds';

export const AUDIT_EVENTS: Record<string, string> = {
  login: '登入',
  application: '申請（含簽章送出）',
  review: '審核',
  download: '下載（資料交換、介接模組）',
  ws: 'Web Service 呼叫',
  report: '錯誤回報',
  admin: '管理作業',
  denied: '拒絕存取',
};

export interface AuditFilter {
  agency?: string;
  user?: string;
  event?: string;
  from?: string | null;
  to?: string | null;
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createSiteAdmin(core: CloudDeps, repo: SiteRepository) {
  const { db, audit, uploads, content } = core;
  const record = (u: SessionUser, action: string, target: { type: string; id: string | number }, ctx: RequestContext, details: Record<string, unknown> = {}, trx?: Db) =>
    audit.record({ actor: actorOf(u), action, target, ip: ctx.ip, requestId: ctx.requestId, details }, trx);

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
    // --- 檔案下載: a kind of the content module with an uploaded file (最新消息 and 常見問題 are the module's own pages) ---
    /** Adds an entry with its one uploaded file; the file is kept only if the entry is saved. */
    async addFile(u: SessionUser, body: unknown, files: ReceivedFile[], ctx: RequestContext) {
      if (files.length !== 1) {
        await uploads.discard(files);
        throw new FormError({ file: '請選擇要上傳的檔案' });
      }
      await uploads.keep(files, async ([f]) => content.create(u, CLOUD_FILES, body, ctx, { file: f! }));
    },
    async deleteFile(u: SessionUser, id: number, ctx: RequestContext) {
      const gone = await content.remove(u, CLOUD_FILES, id, String(id), ctx);
      if (gone.storedName) await uploads.remove(gone.storedName);
    },
    // --- 資料表及欄位 ---
    async updateTable(u: SessionUser, id: number, input: { title: string; description: string; sortOrder: number }, ctx: RequestContext) {
      if (!(await repo.updateTable(id, input))) throw new NotFoundError('查無此資料表');
      await record(u, 'cloud.admin.table.update', { type: 'cloud_dict_table', id }, ctx, { title: input.title });
    },
    async saveField(u: SessionUser, tableId: number, fieldId: number | null, input: { columnName: string; label: string; description: string; delivered: boolean; sortOrder: number }, ctx: RequestContext) {
      const table = await repo.table(tableId);
      if (!table) throw new NotFoundError('查無此資料表');
      const physical = (await repo.physicalColumns(table.name)).find((c) => c.name === input.columnName);
      if (!physical || input.columnName === 'id') throw new FormError({ columnName: `資料表 ${table.name} 沒有欄位 ${input.columnName}` });
      const existing = (await repo.fields(tableId)).find((f) => f.columnName === input.columnName);
      if (existing && existing.id !== fieldId) throw new FormError({ columnName: `欄位 ${input.columnName} 已在資料字典中` });
      const row = { column_name: input.columnName, label: input.label, description: input.description, delivered: input.delivered, sort_order: input.sortOrder, data_type: physical.type.slice(0, 30) };
      if (fieldId === null) await repo.insertField({ ...row, table_id: tableId });
      else if (!(await repo.updateField(fieldId, row))) throw new NotFoundError('查無此欄位');
      await db('cloud_dict_table').where({ id: tableId }).update({ updated_at: db.fn.now() });
      await record(u, fieldId === null ? 'cloud.admin.field.create' : 'cloud.admin.field.update', { type: 'cloud_dict_field', id: `${table.name}.${input.columnName}` }, ctx, { delivered: input.delivered });
    },
    async deleteField(u: SessionUser, fieldId: number, ctx: RequestContext) {
      const f = await repo.field(fieldId);
      if (!f) throw new NotFoundError('查無此欄位');
      await repo.deleteField(fieldId);
      await record(u, 'cloud.admin.field.delete', { type: 'cloud_dict_field', id: `${f.tableId}.${f.columnName}` }, ctx);
      return f;
    },
    // --- 服務 ---
    async saveService(
      u: SessionUser,
      id: number | null,
      input: { code: string; name: string; description: string; category: string; tableId: number; supportsFile: boolean; supportsWs: boolean; sortOrder: number },
      ctx: RequestContext,
    ) {
      if (!(await repo.table(input.tableId))) throw new FormError({ tableId: '請選擇資料表' });
      const same = await repo.service({ code: input.code });
      if (same && same.id !== id) throw new FormError({ code: `服務代碼 ${input.code} 已存在` });
      const row = { code: input.code, name: input.name, description: input.description, category: input.category, table_id: input.tableId, supports_file: input.supportsFile, supports_ws: input.supportsWs, sort_order: input.sortOrder };
      if (id === null) await repo.insertService(row);
      else if (!(await repo.updateService(id, row))) throw new NotFoundError('查無此服務');
      await record(u, id === null ? 'cloud.admin.service.create' : 'cloud.admin.service.update', { type: 'cloud_service', id: input.code }, ctx);
    },
    async setServiceActive(u: SessionUser, id: number, active: boolean, ctx: RequestContext) {
      const s = await repo.service({ id });
      if (!s) throw new NotFoundError('查無此服務');
      await repo.updateService(id, { active, retired_at: active ? null : db.fn.now() });
      await record(u, active ? 'cloud.admin.service.restore' : 'cloud.admin.service.retire', { type: 'cloud_service', id: s.code }, ctx);
      return s;
    },
    // --- 稽核 ---
    async auditPage(f: AuditFilter, page: number) {
      const size = 20;
      const base = auditQuery(f);
      const [c] = await base.clone().count({ n: '*' });
      const total = Number(c?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / size));
      const p = Math.min(page, pages);
      const rows = await base.clone().select('a.*').orderBy('a.at', 'desc').limit(size).offset((p - 1) * size);
      return { rows, total, page: p, pages };
    },
    /** The whole result as CSV rows, batch by batch (keyset on time). */
    async *auditCsv(f: AuditFilter): AsyncGenerator<string> {
      const cell = (v: unknown) => {
        const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
        const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
        return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
      };
      yield '\ufeff時間,使用者,事件,對象類型,對象,結果,IP,機關代號,內容\r\n';
      let offset = 0;
      for (;;) {
        const rows = await auditQuery(f).select('a.*').orderBy('a.at', 'desc').limit(2000).offset(offset);
        if (!rows.length) break;
        offset += rows.length;
        yield rows.map((r: Record<string, unknown>) => [r.at, r.actor, r.action, r.targetType, r.targetId, r.outcome, r.ip, r.agencyCode, r.details].map(cell).join(',')).join('\r\n') + '\r\n';
      }
    },
    // --- 統計圖表 ---
    async dashboard(now: Date) {
      const today = taipeiToday(now);
      const months: string[] = [];
      const [y, m] = today.split('-').map(Number) as [number, number];
      for (let i = 11; i >= 0; i--) {
        const d = new Date(Date.UTC(y, m - 1 - i, 1));
        months.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
      }
      const apps: Array<{ month: string; status: string; n: number }> = await db('cloud_application')
        .select(db.raw(`to_char(submitted_at at time zone 'Asia/Taipei', 'YYYY-MM') as month`), 'status')
        .count({ n: '*' })
        .where('submitted_at', '>=', `${months[0]}-01T00:00:00+08:00`)
        .groupByRaw('1, 2');
      const STATUS: Array<[string, string]> = [['pending', '尚未審核'], ['approved', '通過'], ['partial', '部分通過'], ['rejected', '不通過']];
      const monthLabel = (s: string) => `${Number(s.slice(0, 4)) - 1911}/${s.slice(5)}`;
      const appSeries = STATUS.map(([k, name]) => ({ name, values: months.map((mo) => Number(apps.find((a) => a.month === mo && a.status === k)?.n ?? 0)) }));
      const days: string[] = [];
      for (let i = 29; i >= 0; i--) days.push(taipeiToday(new Date(now.getTime() - i * 86_400_000)));
      const calls: Array<{ day: string; ok: boolean; n: number }> = await db('cloud_ws_call')
        .select(db.raw(`to_char(at at time zone 'Asia/Taipei', 'YYYY-MM-DD') as day`), db.raw('status = 200 as ok'))
        .count({ n: '*' })
        .where('at', '>=', `${days[0]}T00:00:00+08:00`)
        .groupByRaw('1, 2');
      const callSeries = [
        { name: '成功', values: days.map((d) => Number(calls.find((c) => c.day === d && c.ok)?.n ?? 0)) },
        { name: '拒絕', values: days.map((d) => Number(calls.find((c) => c.day === d && !c.ok)?.n ?? 0)) },
      ];
      const dayLabels = days.map((d) => `${Number(d.slice(5, 7))}/${Number(d.slice(8))}`);
      return {
        months: months.map(monthLabel),
        appSeries,
        appSvg: chartSvg({ title: '每月申請件數（依審核狀態）', desc: '近 12 個月各月份送出之申請案件數，依審核狀態堆疊', categories: months.map(monthLabel), series: appSeries, mode: 'stacked' }),
        days: dayLabels,
        callSeries,
        callSvg: chartSvg({ title: '每日 Web Service 呼叫次數', desc: '近 30 日每日 Web Service 呼叫次數，分成功與拒絕', categories: dayLabels, series: callSeries, mode: 'line' }),
      };
    },
  };
}
