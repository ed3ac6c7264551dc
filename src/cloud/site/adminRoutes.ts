import { Readable } from 'node:stream';
import { actorOf } from '../../platform/identity/actor';
import express, { type Request, type Router } from 'express';
import type { CloudRouteDeps } from '../routeDeps';
import { contentAdminRouter } from '../../platform/content';
import { CLOUD_EDITED_KINDS } from './contentKinds';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { FormError, NotFoundError } from '../../platform/errors';
import { pageNumber, parseForm } from '../../platform/validation';
import { rocShort, taipeiToday } from '../../platform/dates';
import { requireRole } from '../../platform/identity/guards';
import { AUDIT_EVENTS, type AuditFilter } from './admin';
import { auditQuerySchema, fieldSchema, fileSchema, handleReportSchema, serviceSchema, tableSchema } from './schemas';
import { REPORT_STATUS_LABELS } from './service';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { STYLES } from './routes';

const LOCALS = { stylesheets: STYLES, rocShort, REPORT_STATUS_LABELS, AUDIT_EVENTS };

function idOf(req: Request, name = 'id'): number {
  const id = idParam(req.params[name]);
  if (id === null) throw new NotFoundError();
  return id;
}

/** 資料交換管理 (seed 002 貳): the Ministry's administrators (platform_admin). */
export function siteAdminRouter(services: CloudRouteDeps): Router {
  const site = services.cloud.site;
  const admin = site.admin;
  const router = express.Router();
  router.use('/cloud/admin', requireRole(services.audit, 'platform_admin'));

  router.get('/cloud/admin', (_req, res) => res.redirect('/cloud/admin/news'));
  router.get('/cloud/admin/content', (_req, res) => res.redirect('/cloud/admin/news'));

  // --- 最新消息 and 常見問題: kinds of the platform's content module ---
  router.use(
    '/cloud/admin',
    contentAdminRouter({
      content: services.content,
      kinds: CLOUD_EDITED_KINDS,
      base: '/cloud/admin',
      clock: services.clock,
      views: { list: 'cloud/site/admin/content-list', form: 'cloud/site/admin/content-form' },
      locals: () => ({ ...LOCALS, menu: 'admin-content' }),
      done: (kind, verb) => `${kind.noun}已${verb}。`,
    }),
  );

  // --- 檔案下載 ---
  const filesLocals = async (extra: object = {}) => ({ ...LOCALS, title: '檔案下載管理', menu: 'admin-content', files: await site.files(), values: { publishedOn: rocShort(taipeiToday(services.clock())) }, ...extra });
  router.get('/cloud/admin/files', async (_req, res) => res.render('cloud/site/admin/files', await filesLocals()));
  router.post('/cloud/admin/files', services.uploads.receive(['file'], UPLOAD_POLICIES.cloudDownload), async (req, res) => {
    const files = req.uploads ?? [];
    await submitForm(req, res, 'cloud/site/admin/files', await filesLocals(), async () => {
      // The form's fields and the upload's refusal are told together; the service checks the fields again.
      try {
        parseForm(fileSchema, req.body);
        if (req.uploadError) throw new FormError({ file: req.uploadError });
      } catch (e) {
        await services.uploads.discard(files);
        if (req.uploadError && e instanceof FormError) throw new FormError({ ...e.errors, file: req.uploadError });
        throw e;
      }
      await admin.addFile(req.user!, req.body, files, ctxOf(req));
      flash(req, 'success', '檔案已上傳。');
      res.redirect(303, '/cloud/admin/files');
    });
  });
  router.post('/cloud/admin/files/:id/delete', async (req, res) => {
    await admin.deleteFile(req.user!, idOf(req), ctxOf(req));
    flash(req, 'success', '檔案已刪除。');
    res.redirect(303, '/cloud/admin/files');
  });

  // --- 資料表及欄位 ---
  router.get('/cloud/admin/tables', async (_req, res) => res.render('cloud/site/admin/tables', { ...LOCALS, title: '資料表及欄位管理', menu: 'admin-tables', tables: await admin.tables() }));
  const tableLocals = async (id: number, extra: object = {}) => {
    const table = await admin.table(id);
    if (!table) throw new NotFoundError('查無此資料表');
    return {
      ...LOCALS, title: `資料表 ${table.title}`, menu: 'admin-tables', table, fields: await admin.fields(id), physical: await admin.physicalColumns(table.name),
      tableValues: { title: table.title, description: table.description, sortOrder: String(table.sortOrder) }, values: { delivered: 'on', sortOrder: '100' }, ...extra,
    };
  };
  router.get('/cloud/admin/tables/:id', async (req, res) => res.render('cloud/site/admin/table', await tableLocals(idOf(req))));
  router.post('/cloud/admin/tables/:id', async (req, res) => {
    const id = idOf(req);
    const locals = await tableLocals(id);
    try {
      await admin.updateTable(req.user!, id, parseForm(tableSchema, req.body), ctxOf(req));
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      return res.status(400).render('cloud/site/admin/table', { ...locals, tableValues: { ...req.body }, tableErrors: e.errors });
    }
    flash(req, 'success', '資料表已更新。');
    res.redirect(303, `/cloud/admin/tables/${id}`);
  });
  router.post('/cloud/admin/tables/:id/fields', async (req, res) => {
    const id = idOf(req);
    await submitForm(req, res, 'cloud/site/admin/table', await tableLocals(id), async () => {
      await admin.saveField(req.user!, id, null, parseForm(fieldSchema, req.body), ctxOf(req));
      flash(req, 'success', '欄位已新增。');
      res.redirect(303, `/cloud/admin/tables/${id}`);
    });
  });
  const fieldLocals = async (fieldId: number) => {
    const field = await admin.field(fieldId);
    if (!field) throw new NotFoundError('查無此欄位');
    return { ...LOCALS, title: '修改欄位', menu: 'admin-tables', field, table: await admin.table(field.tableId), physical: [] as unknown[] };
  };
  router.get('/cloud/admin/fields/:id/edit', async (req, res) => {
    const l = await fieldLocals(idOf(req));
    const f = l.field;
    res.render('cloud/site/admin/field-form', { ...l, values: { columnName: f.columnName, label: f.label, description: f.description, delivered: f.delivered ? 'on' : '', sortOrder: String(f.sortOrder) } });
  });
  router.post('/cloud/admin/fields/:id', async (req, res) => {
    const l = await fieldLocals(idOf(req));
    await submitForm(req, res, 'cloud/site/admin/field-form', l, async () => {
      await admin.saveField(req.user!, l.field.tableId, l.field.id, parseForm(fieldSchema, req.body), ctxOf(req));
      flash(req, 'success', '欄位已更新。');
      res.redirect(303, `/cloud/admin/tables/${l.field.tableId}`);
    });
  });
  router.post('/cloud/admin/fields/:id/delete', async (req, res) => {
    const f = await admin.deleteField(req.user!, idOf(req), ctxOf(req));
    flash(req, 'success', `欄位 ${f.columnName} 已自資料字典刪除。`);
    res.redirect(303, `/cloud/admin/tables/${f.tableId}`);
  });

  // --- 服務 ---
  router.get('/cloud/admin/services', async (_req, res) => res.render('cloud/site/admin/services', { ...LOCALS, title: '服務管理', menu: 'admin-services', services: await admin.services({ includeRetired: true }) }));
  const serviceForm = async (editing: object | null) => ({ ...LOCALS, title: editing ? '修改服務' : '新增服務', menu: 'admin-services', editing, tables: await admin.tables() });
  router.get('/cloud/admin/services/new', async (_req, res) => res.render('cloud/site/admin/service-form', { ...(await serviceForm(null)), values: { supportsFile: 'on', supportsWs: 'on', sortOrder: '200' } }));
  router.post('/cloud/admin/services', async (req, res) => {
    await submitForm(req, res, 'cloud/site/admin/service-form', await serviceForm(null), async () => {
      const input = parseForm(serviceSchema, req.body);
      await admin.saveService(req.user!, null, input, ctxOf(req));
      flash(req, 'success', `服務 ${input.code} 已新增。`);
      res.redirect(303, '/cloud/admin/services');
    });
  });
  router.get('/cloud/admin/services/:id/edit', async (req, res) => {
    const s = await admin.service({ id: idOf(req) });
    if (!s) throw new NotFoundError('查無此服務');
    res.render('cloud/site/admin/service-form', {
      ...(await serviceForm(s)),
      values: { code: s.code, name: s.name, description: s.description, category: s.category, tableId: String(s.tableId ?? ''), supportsFile: s.supportsFile ? 'on' : '', supportsWs: s.supportsWs ? 'on' : '', sortOrder: String(s.sortOrder) },
    });
  });
  router.post('/cloud/admin/services/:id', async (req, res) => {
    const s = await admin.service({ id: idOf(req) });
    if (!s) throw new NotFoundError('查無此服務');
    await submitForm(req, res, 'cloud/site/admin/service-form', await serviceForm(s), async () => {
      const input = parseForm(serviceSchema, req.body);
      await admin.saveService(req.user!, s.id, input, ctxOf(req));
      flash(req, 'success', `服務 ${input.code} 已更新。`);
      res.redirect(303, '/cloud/admin/services');
    });
  });
  router.post('/cloud/admin/services/:id/retire', async (req, res) => {
    const s = await admin.setServiceActive(req.user!, idOf(req), false, ctxOf(req));
    flash(req, 'success', `服務 ${s.code} 已停用，不再開放申請。`);
    res.redirect(303, '/cloud/admin/services');
  });
  router.post('/cloud/admin/services/:id/restore', async (req, res) => {
    const s = await admin.setServiceActive(req.user!, idOf(req), true, ctxOf(req));
    flash(req, 'success', `服務 ${s.code} 已恢復開放。`);
    res.redirect(303, '/cloud/admin/services');
  });

  // --- 稽核 ---
  const auditFilter = (req: Request): { raw: Record<string, string>; filter: AuditFilter | null; errors: Record<string, string> } => {
    const raw: Record<string, string> = {};
    for (const k of ['agency', 'user', 'event', 'from', 'to']) raw[k] = typeof req.query[k] === 'string' ? (req.query[k] as string) : '';
    try {
      const f = parseForm(auditQuerySchema, raw);
      if (f.event && !(f.event in AUDIT_EVENTS)) throw new FormError({ event: '請選擇事件' });
      if (f.from && f.to && f.to < f.from) throw new FormError({ to: '迄日不可早於起日' });
      return { raw, filter: { agency: f.agency || undefined, user: f.user || undefined, event: f.event || undefined, from: f.from, to: f.to }, errors: {} };
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      return { raw, filter: null, errors: e.errors };
    }
  };
  router.get('/cloud/admin/audit', async (req, res) => {
    const { raw, filter, errors } = auditFilter(req);
    const qs = new URLSearchParams(raw).toString();
    if (!filter) res.status(400);
    res.render('cloud/site/admin/audit', { ...LOCALS, title: '稽核管理', menu: 'admin-audit', values: raw, errors, result: filter ? await admin.auditPage(filter, pageNumber(req.query.page)) : null, qs });
  });
  router.get('/cloud/admin/audit.csv', async (req, res) => {
    const { filter, errors } = auditFilter(req);
    if (!filter) throw new FormError(errors);
    await services.audit.record({ actor: actorOf(req.user!), action: 'cloud.admin.audit.export', target: { type: 'audit', id: 'csv' }, ip: req.ip ?? null, requestId: req.id, details: { ...filter } });
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('text/csv; charset=utf-8').attachment(`稽核紀錄_${taipeiToday(services.clock())}.csv`);
    Readable.from(admin.auditCsv(filter)).pipe(res);
  });

  // --- 錯誤回報管理 ---
  router.get('/cloud/admin/reports', async (req, res) => {
    const status = ([] as unknown[]).concat(req.query.status ?? []).filter((s): s is string => s === 'open' || s === 'closed');
    const qs = new URLSearchParams();
    for (const s of status) qs.append('status', s);
    res.render('cloud/site/admin/reports', { ...LOCALS, title: '錯誤回報管理', menu: 'admin-reports', values: { status }, result: await site.reports({ status, page: pageNumber(req.query.page) }), base: `/cloud/admin/reports?${qs}` });
  });
  const reportLocals = async (req: Request, extra: object = {}) => {
    const { report, files } = await site.report(req.user!, String(req.params.code), ctxOf(req), { admin: true });
    return { ...LOCALS, title: '錯誤回報處理', menu: 'admin-reports', report, files, back: '/cloud/admin/reports', fileBase: `/cloud/admin/reports/${report.code}/files`, handleForm: true, values: { status: report.status, handling: report.handling ?? '' }, ...extra };
  };
  router.get('/cloud/admin/reports/:code', async (req, res) => res.render('cloud/site/report', await reportLocals(req)));
  router.post('/cloud/admin/reports/:code', async (req, res) => {
    const locals = await reportLocals(req);
    await submitForm(req, res, 'cloud/site/report', locals, async () => {
      await site.handleReport(req.user!, locals.report.code, parseForm(handleReportSchema, req.body), ctxOf(req));
      flash(req, 'success', '處理情形已儲存。');
      res.redirect(303, `/cloud/admin/reports/${locals.report.code}`);
    });
  });
  router.get('/cloud/admin/reports/:code/files/:id', async (req, res) => {
    const { files } = await site.report(req.user!, String(req.params.code), ctxOf(req), { admin: true });
    const f = files.find((x) => String(x.id) === req.params.id);
    if (!f) throw new NotFoundError('查無此附件');
    services.uploads.send(res, f, { inline: true });
  });

  // --- 統計圖表 ---
  router.get('/cloud/admin/dashboard', async (_req, res) => res.render('cloud/site/admin/dashboard', { ...LOCALS, title: '統計圖表', menu: 'admin-dashboard', d: await admin.dashboard(services.clock()) }));

  return router;
}
