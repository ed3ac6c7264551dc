import express, { type Request, type Router } from 'express';
import type { CloudRouteDeps } from '../routeDeps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { pageNumber, parseForm } from '../../platform/validation';
import { rocShort, taipeiToday } from '../../platform/dates';
import { requireCloudAgency } from '../access';
import { reportQuerySchema, reportSchema } from './schemas';
import { APP_STATUS_LABELS, REPORT_STATUS_LABELS } from './service';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { openApi } from './ws';

export const STYLES = ['/public/css/cloud.css'];
const LOCALS = { stylesheets: STYLES, rocShort, REPORT_STATUS_LABELS, APP_STATUS_LABELS };

/**
 * The platform's pages (seed 002 壹). What seed 002 shows before the card login is public:
 * 最新公告, 服務說明 (with 欄位說明), 安裝說明, 常見問題, 檔案下載, 相關連結, 聯絡我們, 搜尋 and the
 * 介接模組's public certificates. Applying, 進度查詢, 資料交換下載 and 錯誤回報 need an agency
 * certificate session of an agency granted the platform.
 */
export function siteRouter(services: CloudRouteDeps): Router {
  const site = services.cloud.site;
  const router = express.Router();
  const agency = requireCloudAgency(services);
  const wsUrl = () => `https://${services.config.cloudWsHost === '0.0.0.0' ? 'localhost' : services.config.cloudWsHost}:${services.config.cloudWsPort || 8443}`;

  // --- 最新公告 (the home page) ---
  router.get('/cloud', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    const result = await site.news({ q, page: pageNumber(req.query.page) });
    res.render('cloud/site/news', { ...LOCALS, title: '最新公告', tab: 'news', q, result, links: await site.links() });
  });
  router.get('/cloud/news/:id', async (req, res) => {
    res.render('cloud/site/news-item', { ...LOCALS, title: '最新公告', tab: 'news', item: await site.newsItem(idParam(req.params.id)), links: await site.links() });
  });

  // --- 服務說明 and 欄位說明 ---
  router.get('/cloud/services', async (_req, res) => {
    res.render('cloud/site/services', { ...LOCALS, title: '服務說明', tab: 'services', services: await site.services(), links: await site.links() });
  });
  router.get('/cloud/services/:code/fields.csv', async (req, res) => {
    const sheet = await site.fieldSheet(String(req.params.code).slice(0, 20));
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('text/csv; charset=utf-8').attachment(sheet.filename).send(sheet.csv);
  });

  router.get('/cloud/install', async (_req, res) => res.render('cloud/site/install', { ...LOCALS, title: '安裝說明', tab: 'install', links: await site.links(), files: await site.files() }));
  router.get('/cloud/faq', async (_req, res) => res.render('cloud/site/faq', { ...LOCALS, title: '常見問題', tab: 'faq', faqs: await site.faqs(), links: await site.links() }));
  router.get('/cloud/links', async (_req, res) => res.render('cloud/site/links', { ...LOCALS, title: '相關連結', menu: 'links', links: await site.links() }));
  router.get('/cloud/contact', async (_req, res) => res.render('cloud/site/contact', { ...LOCALS, title: '聯絡我們', menu: 'contact', links: await site.links() }));
  router.get('/cloud/search', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    res.render('cloud/site/search', { ...LOCALS, title: '搜尋', menu: 'search', q, found: await site.search(q), links: await site.links() });
  });
  router.get('/cloud/files', async (_req, res) => res.render('cloud/site/files', { ...LOCALS, title: '檔案下載', menu: 'files', files: await site.files(), links: await site.links() }));
  router.get('/cloud/files/:id', async (req, res) => {
    const f = await site.file(idParam(req.params.id));
    if (f.url) return res.redirect(String(f.url));
    services.uploads.send(res, { storedName: String(f.storedName), originalName: String(f.originalName), mime: String(f.mime) });
  });

  // --- 介接模組: public parts (CA certificate, OpenAPI) ---
  router.get('/cloud/ws/ca.pem', (_req, res) => res.type('application/x-pem-file').attachment('cloud-ca.pem').send(site.caCertPem()));
  router.get('/cloud/ws/openapi.json', (_req, res) => res.attachment('cloud-openapi.json').json(openApi(wsUrl())));
  router.get('/cloud/ws/signer.pem', (_req, res) => res.type('application/x-pem-file').attachment('cloud-signer.pem').send(site.signerCertPem()));

  // --- 錯誤回報 ---
  const reportFormLocals = async (extra: object = {}) => ({ ...LOCALS, title: '新增錯誤回報', menu: 'reports', services: await site.services(), ...extra });
  router.get('/cloud/reports', agency, async (req, res) => {
    const raw = { from: String(req.query.from ?? ''), to: String(req.query.to ?? ''), applicationNumber: String(req.query.applicationNumber ?? '') };
    const status = ([] as unknown[]).concat(req.query.status ?? []).filter((s): s is string => s === 'open' || s === 'closed');
    let errors: Record<string, string> = {};
    let result = null;
    try {
      const f = parseForm(reportQuerySchema, raw);
      if (f.from && f.to && f.to < f.from) throw new FormError({ to: '日期區間迄日不可早於起日' });
      result = await site.reports({ agencyId: req.user!.agencyId, from: f.from ?? undefined, to: f.to ?? undefined, applicationNumber: f.applicationNumber || undefined, status, page: pageNumber(req.query.page) });
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      errors = e.errors;
      res.status(400);
    }
    const qs = new URLSearchParams({ ...raw });
    for (const s of status) qs.append('status', s);
    res.render('cloud/site/reports', { ...LOCALS, title: '錯誤回報', menu: 'reports', values: { ...raw, status }, errors, result, base: `/cloud/reports?${qs.toString()}` });
  });
  router.get('/cloud/reports/new', agency, async (req, res) => {
    res.render('cloud/site/report-form', await reportFormLocals({ values: { occurredOn: rocShort(taipeiToday(services.clock())) } }));
  });
  router.post('/cloud/reports', agency, services.uploads.receive(['attachment'], UPLOAD_POLICIES.cloudReport), async (req, res) => {
    const files = req.uploads ?? [];
    await submitForm(req, res, 'cloud/site/report-form', await reportFormLocals(), async () => {
      if (req.uploadError) {
        await services.uploads.discard(files);
        // Check the other fields too, so one answer shows every problem.
        const fieldErrors = (() => {
          try {
            parseForm(reportSchema, req.body);
            return {};
          } catch (e) {
            return e instanceof FormError ? e.errors : {};
          }
        })();
        throw new FormError({ ...fieldErrors, attachment: req.uploadError });
      }
      let input;
      try {
        input = parseForm(reportSchema, req.body);
      } catch (e) {
        await services.uploads.discard(files);
        throw e;
      }
      const code = await site.createReport(req.user!, input, files, ctxOf(req));
      flash(req, 'success', `錯誤回報已送出，錯誤回報代碼 ${code}。`);
      res.redirect(303, `/cloud/reports/${code}`);
    });
  });
  router.get('/cloud/reports/:code', agency, async (req, res) => {
    const { report, files } = await site.report(req.user!, String(req.params.code), ctxOf(req));
    res.render('cloud/site/report', { ...LOCALS, title: '錯誤回報', menu: 'reports', report, files, back: '/cloud/reports', fileBase: `/cloud/reports/${report.code}/files` });
  });
  router.get('/cloud/reports/:code/files/:id', agency, async (req, res) => {
    const { files } = await site.report(req.user!, String(req.params.code), ctxOf(req));
    const f = files.find((x) => String(x.id) === req.params.id);
    if (!f) throw new NotFoundError('查無此附件');
    services.uploads.send(res, f, { inline: true });
  });

  // --- 資料交換 下載 / 介接模組 下載 ---
  const appId = (req: Request) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此申請案件');
    return id;
  };
  router.get('/cloud/deliveries', agency, async (req, res) => {
    res.render('cloud/site/deliveries', { ...LOCALS, title: '資料交換下載', menu: 'deliveries', apps: await site.deliverable(req.user!) });
  });
  router.get('/cloud/deliveries/:id/data.p7m', agency, async (req, res) => {
    const { application, delivery } = await site.fileDelivery(req.user!, appId(req), ctxOf(req));
    res.setHeader('X-Verification-Code', delivery.verificationCode);
    services.uploads.send(res, { storedName: delivery.storedName, originalName: `${application.number}.p7m`, mime: 'application/pkcs7-mime' });
  });
  router.get('/cloud/deliveries/:id/data.p7s', agency, async (req, res) => {
    const { application, delivery } = await site.fileDelivery(req.user!, appId(req), ctxOf(req));
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('application/pkcs7-signature').attachment(`${application.number}.p7s`).send(delivery.signature);
  });
  const moduleLocals = async (req: Request, extra: object = {}) => {
    const a = await site.ownApproved(req.user!, appId(req), 'ws', ctxOf(req));
    return { ...LOCALS, title: '介接模組下載', menu: 'deliveries', app: a, client: await site.currentWsClient(a.id), wsUrl: wsUrl(), issued: null, ...extra };
  };
  router.get('/cloud/deliveries/:id/module', agency, async (req, res) => res.render('cloud/site/module', await moduleLocals(req)));
  router.post('/cloud/deliveries/:id/module', agency, async (req, res) => {
    try {
      const issued = await site.issueWsModule(req.user!, appId(req), ctxOf(req));
      res.setHeader('Cache-Control', 'no-store');
      res.render('cloud/site/module', await moduleLocals(req, { issued }));
    } catch (e) {
      if (!(e instanceof DomainError) || e instanceof NotFoundError) throw e;
      res.status(400).render('cloud/site/module', await moduleLocals(req, { issueError: e.message }));
    }
  });
  router.get('/cloud/deliveries/:id/module/client.p12', agency, async (req, res) => {
    const { application, storedName } = await site.wsModuleFile(req.user!, appId(req), ctxOf(req));
    services.uploads.send(res, { storedName, originalName: `${application.number}.p12`, mime: 'application/x-pkcs12' });
  });

  return router;
}
