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
import type { AuditFilter, SiteRepository } from './repository';
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

export type { AuditFilter };

export function createSiteAdmin(core: CloudDeps, repo: SiteRepository) {
  const { audit, uploads, content } = core;
  const record = (u: SessionUser, action: string, target: { type: string; id: string | number }, ctx: RequestContext, details: Record<string, unknown> = {}, trx?: Db) =>
    audit.record({ actor: actorOf(u), action, target, ip: ctx.ip, requestId: ctx.requestId, details }, trx);

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
    // --- 資料表及欄位 (reading) ---
    tables: () => repo.tables(),
    table: (id: number) => repo.table(id),
    fields: (tableId: number) => repo.fields(tableId),
    field: (id: number) => repo.field(id),
    physicalColumns: (tableName: string) => repo.physicalColumns(tableName),
    services: (opts: { includeRetired?: boolean } = {}) => repo.services(opts),
    service: (where: { id?: number; code?: string }) => repo.service(where),
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
      const row = { ...input, dataType: physical.type.slice(0, 30) };
      if (fieldId === null) await repo.insertField(tableId, row);
      else if (!(await repo.updateField(fieldId, row))) throw new NotFoundError('查無此欄位');
      await repo.touchTable(tableId);
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
      if (id === null) await repo.insertService(input);
      else if (!(await repo.updateService(id, input))) throw new NotFoundError('查無此服務');
      await record(u, id === null ? 'cloud.admin.service.create' : 'cloud.admin.service.update', { type: 'cloud_service', id: input.code }, ctx);
    },
    async setServiceActive(u: SessionUser, id: number, active: boolean, ctx: RequestContext) {
      const s = await repo.service({ id });
      if (!s) throw new NotFoundError('查無此服務');
      await repo.setServiceActive(id, active);
      await record(u, active ? 'cloud.admin.service.restore' : 'cloud.admin.service.retire', { type: 'cloud_service', id: s.code }, ctx);
      return s;
    },
    // --- 稽核 ---
    auditPage: (f: AuditFilter, page: number) => repo.auditPage(f, 20, page),
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
        const rows = await repo.auditBatch(f, 2000, offset);
        if (!rows.length) break;
        offset += rows.length;
        yield rows.map((r) => [r.at, r.actor, r.action, r.targetType, r.targetId, r.outcome, r.ip, r.agencyCode, r.details].map(cell).join(',')).join('\r\n') + '\r\n';
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
      const apps = await repo.applicationsPerMonth(`${months[0]}-01T00:00:00+08:00`);
      const STATUS: Array<[string, string]> = [['pending', '尚未審核'], ['approved', '通過'], ['partial', '部分通過'], ['rejected', '不通過']];
      const monthLabel = (s: string) => `${Number(s.slice(0, 4)) - 1911}/${s.slice(5)}`;
      const appSeries = STATUS.map(([k, name]) => ({ name, values: months.map((mo) => Number(apps.find((a) => a.month === mo && a.status === k)?.n ?? 0)) }));
      const days: string[] = [];
      for (let i = 29; i >= 0; i--) days.push(taipeiToday(new Date(now.getTime() - i * 86_400_000)));
      const calls = await repo.wsCallsPerDay(`${days[0]}T00:00:00+08:00`);
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
