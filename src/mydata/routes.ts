import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { MydataDeps } from './deps';
import type { MydataService } from './service';
import { ctxOf } from '../platform/identity/context';
import { flash, idParam, submitForm } from '../platform/http';
import { keepValues, pageNumber, parseForm } from '../platform/validation';
import { ForbiddenError, FormError, NotFoundError } from '../platform/errors';
import { recordAccessDenied, requirePerson as requirePersonGuard } from '../platform/identity/guards';
import { displayValue } from './service';
import { consentSchema, PROPOSED_MAX, REASON_MAX, SELF_DESCRIPTION_MAX } from './schemas';
import { DOCUMENT_KINDS, ONLINE_REWARD_KINDS, SECTIONS, SECTION_KEYS, STATUS_LABELS, isSectionKey } from './sections';
import { UPLOAD_POLICIES } from '../platform/uploadPolicies';

const STYLES = ['/public/css/mydata.css'];

export function createMydataRouter(services: MydataDeps & { mydata: MydataService }): Router {
  const svc = services.mydata;
  const router = express.Router();

  // Every MyData page: a person's own session (agency certificates have no personal record).
  const requirePerson = requirePersonGuard(services.audit);
  const requireHr = async (req: Request, _res: Response, next: NextFunction) => {
    if (svc.isHr(req.user)) return next();
    await recordAccessDenied(services.audit, req, { required: ['hr_staff', 'hr_supervisor'] });
    next(new ForbiddenError());
  };
  router.use('/mydata', requirePerson);
  router.use('/mydata', (req, res, next) => {
    res.locals.stylesheets = STYLES;
    res.locals.isHr = svc.isHr(req.user);
    res.locals.statusLabels = STATUS_LABELS;
    res.locals.sections = SECTIONS;
    res.locals.documentKinds = DOCUMENT_KINDS;
    next();
  });

  const ctx = ctxOf;
  const idOr404 = (v: unknown, what: string) => {
    const id = idParam(v);
    if (id === null) throw new NotFoundError(what);
    return id;
  };

  // --- 首頁 ---
  router.get('/mydata', async (req, res) => {
    const [announcements, consent] = await Promise.all([svc.announcements(), svc.consentState(req.user!.personId)]);
    res.render('mydata/home', { title: '公務人員個人資料服務網', announcements, consent });
  });

  // --- 資料查詢及校對 ---
  router.get('/mydata/record', async (req, res) => {
    res.render('mydata/record', { title: '資料查詢及校對', record: await svc.record(req.user!.personId), displayValue, sectionKeys: SECTION_KEYS });
  });

  const correctionLocals = async (req: Request, section: (typeof SECTION_KEYS)[number]) => ({
    title: `申請更正：${SECTIONS[section].label}`,
    section,
    ...(await svc.correctionChoices(req.user!.personId, section)),
    displayValue,
    limits: { reason: REASON_MAX, proposed: PROPOSED_MAX },
  });
  router.get('/mydata/record/:section/correct', async (req, res) => {
    const section = req.params.section;
    if (!isSectionKey(section)) throw new NotFoundError('查無此資料項目');
    const values: Record<string, string> = {};
    if (typeof req.query.record === 'string') values.recordId = req.query.record;
    if (typeof req.query.field === 'string') values.field = req.query.field;
    res.render('mydata/correct', { ...(await correctionLocals(req, section)), values });
  });
  router.post('/mydata/record/:section/correct', services.uploads.receive(['files'], UPLOAD_POLICIES.mydataProof), async (req, res) => {
    const section = req.params.section;
    if (!isSectionKey(section)) {
      await services.uploads.discard(req.uploads);
      throw new NotFoundError('查無此資料項目');
    }
    const locals = await correctionLocals(req, section);
    if (req.uploadError) {
      return res.status(400).render('mydata/correct', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    }
    await submitForm(req, res, 'mydata/correct', locals, async () => {
      try {
        const id = await svc.submitCorrection(req.user!, section, req.body, req.uploads ?? [], ctx(req));
        flash(req, 'success', '更正申請已送出，請於「修改進度查詢」追蹤處理情形。');
        res.redirect(303, `/mydata/corrections/${id}`);
      } catch (err) {
        await services.uploads.discard(req.uploads);
        throw err;
      }
    });
  });

  // --- 修改進度查詢 ---
  router.get('/mydata/corrections', async (req, res) => {
    res.render('mydata/corrections', { title: '修改進度查詢', corrections: await svc.myCorrections(req.user!) });
  });
  router.get('/mydata/corrections/:id', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    const { correction, attachments } = await svc.myCorrection(req.user!, id, ctx(req));
    res.render('mydata/correction', { title: '更正申請內容', correction, attachments, def: SECTIONS[correction.section] });
  });
  router.get('/mydata/attachments/:id', async (req, res) => {
    const id = idOr404(req.params.id, '查無此附件');
    const a = await svc.attachmentFor(req.user!, id, ctx(req));
    services.uploads.send(res, { storedName: a.stored_name, originalName: a.original_name, mime: a.mime }, { inline: false });
  });

  // --- 簡要自述維護 ---
  const selfLocals = async (req: Request) => ({ title: '簡要自述維護', max: SELF_DESCRIPTION_MAX, ...(await svc.selfDescription(req.user!.personId)) });
  router.get('/mydata/self', async (req, res) => {
    const locals = await selfLocals(req);
    res.render('mydata/self', { ...locals, values: { body: locals.current?.body ?? '' } });
  });
  router.post('/mydata/self', async (req, res) => {
    await submitForm(req, res, 'mydata/self', await selfLocals(req), async () => {
      await svc.saveSelfDescription(req.user!, req.body, ctx(req));
      flash(req, 'success', '簡要自述已儲存。');
      res.redirect(303, '/mydata/self');
    });
  });

  // --- 待遇表查詢 ---
  router.get('/mydata/pay', async (req, res) => {
    const month = typeof req.query.month === 'string' && /^\d{4}-\d{2}$/.test(req.query.month) ? req.query.month : null;
    const pay = await svc.pay(req.user!.personId, month);
    if (typeof req.query.month === 'string' && req.query.month !== pay.month && req.query.month !== '') {
      return res.status(404).render('mydata/pay', { title: '待遇表查詢', pay, notFound: true });
    }
    res.render('mydata/pay', { title: '待遇表查詢', pay, notFound: false });
  });

  // --- 履歷表下載 ---
  router.get('/mydata/resume', (_req, res) => res.render('mydata/resume', { title: '履歷表下載' }));
  router.get('/mydata/resume.pdf', async (req, res) => {
    const pdf = await svc.resumeFor(req.user!, ctx(req));
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment('公務人員履歷表.pdf');
    res.send(pdf);
  });

  // --- 線上檢視訊息 ---
  router.get('/mydata/consent', async (req, res) => {
    res.render('mydata/consent', { title: '線上檢視訊息', consent: await svc.consentState(req.user!.personId) });
  });
  router.post('/mydata/consent', async (req, res) => {
    let decision: 'grant' | 'withdraw';
    try {
      decision = parseForm(consentSchema, req.body).decision;
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return res.status(400).render('mydata/consent', { title: '線上檢視訊息', consent: await svc.consentState(req.user!.personId), errors: err.errors });
    }
    await svc.setConsent(req.user!, decision, ctx(req));
    flash(req, 'success', decision === 'grant' ? '已同意以線上方式檢視獎勵令及證明書。' : '已撤回同意，日後之獎勵令及證明書將以紙本送達。');
    res.redirect(303, '/mydata/consent');
  });

  // --- 個人檔案夾 ---
  router.get('/mydata/folder', async (req, res) => {
    res.render('mydata/folder', { title: '個人檔案夾', documents: await svc.folder(req.user!), consent: await svc.consentState(req.user!.personId) });
  });
  router.get('/mydata/folder/:id/pdf', async (req, res) => {
    const id = idOr404(req.params.id, '查無此文件');
    const d = await svc.documentFor(req.user!, id, ctx(req));
    services.uploads.send(res, { storedName: d.stored_name, originalName: `${d.title}.pdf`, mime: 'application/pdf' }, { inline: true });
  });

  // --- 人事人員：更正申請處理 ---
  router.use('/mydata/hr', requireHr);
  router.get('/mydata/hr/corrections', async (req, res) => {
    const status = typeof req.query.status === 'string' && Object.hasOwn(STATUS_LABELS, req.query.status) ? req.query.status : null;
    res.render('mydata/hr-corrections', { title: '更正申請處理', result: await svc.queue(req.user!, status, pageNumber(req.query.page)), status });
  });
  const hrView = async (req: Request, id: number, step: 'view' | 'accept' | 'reject' = 'view') => ({
    title: '更正申請處理',
    ...(await svc.hrCorrectionView(req.user!, id, ctx(req), step)),
  });
  router.get('/mydata/hr/corrections/:id', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    const view = await hrView(req, id);
    res.render('mydata/hr-correction', { ...view, values: { value: view.correction.proposed } });
  });
  router.post('/mydata/hr/corrections/:id/take', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    await svc.take(req.user!, id, ctx(req));
    flash(req, 'success', '已受理，狀態改為處理中。');
    res.redirect(303, `/mydata/hr/corrections/${id}`);
  });
  router.post('/mydata/hr/corrections/:id/accept', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    await submitForm(req, res, 'mydata/hr-correction', await hrView(req, id, 'accept'), async () => {
      await svc.accept(req.user!, id, req.body, ctx(req));
      flash(req, 'success', '已更正人事資料。');
      res.redirect(303, `/mydata/hr/corrections/${id}`);
    });
  });
  router.post('/mydata/hr/corrections/:id/reject', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    const view = await hrView(req, id, 'reject');
    // Shown again on an error: the correction form keeps its proposed value.
    if (req.body && typeof req.body === 'object' && !('value' in req.body)) req.body.value = view.correction.proposed;
    await submitForm(req, res, 'mydata/hr-correction', view, async () => {
      await svc.reject(req.user!, id, req.body, ctx(req));
      flash(req, 'success', '已回復不予更正。');
      res.redirect(303, `/mydata/hr/corrections/${id}`);
    });
  });

  // --- 人事人員：文件核發 ---
  const issueLocals = { title: '核發獎勵令及證明書', rewardKinds: ONLINE_REWARD_KINDS };
  router.get('/mydata/hr/documents', async (req, res) => {
    res.render('mydata/hr-documents', { title: '文件核發紀錄', result: await svc.issuedDocuments(req.user!, pageNumber(req.query.page)) });
  });
  router.get('/mydata/hr/documents/new', (_req, res) => res.render('mydata/hr-issue', { ...issueLocals, values: { kind: 'reward_order' } }));
  router.post('/mydata/hr/documents', async (req, res) => {
    await submitForm(req, res, 'mydata/hr-issue', issueLocals, async () => {
      // A document for oneself is refused (403) beside 身分證統一編號, with what was typed.
      const r = await svc.issueDocument(req.user!, req.body, ctx(req));
      flash(
        req,
        r.delivery === 'online' ? 'success' : 'info',
        r.delivery === 'online'
          ? `文件已核發至當事人個人檔案夾，驗證碼 ${r.code}。`
          : `當事人未同意線上檢視（或已撤回同意），文件已標示為紙本送達，請列印後送達當事人。驗證碼 ${r.code}。`,
      );
      res.redirect(303, '/mydata/hr/documents');
    });
  });
  router.get('/mydata/hr/documents/:id/pdf', async (req, res) => {
    const id = idOr404(req.params.id, '查無此文件');
    const d = await svc.documentFor(req.user!, id, ctx(req));
    services.uploads.send(res, { storedName: d.stored_name, originalName: `${d.title}.pdf`, mime: 'application/pdf' }, { inline: true });
  });
  router.post('/mydata/hr/documents/:id/printed', async (req, res) => {
    const id = idOr404(req.params.id, '查無此文件');
    const d = await svc.markPrinted(req.user!, id, ctx(req));
    flash(req, 'success', `已標示「${d.title}」為已列印。`);
    res.redirect(303, '/mydata/hr/documents');
  });

  return router;
}
