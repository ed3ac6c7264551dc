import express, { type Router } from 'express';
import type { MydataDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { flash, submitForm } from '../../platform/http';
import { pageNumber, parseForm } from '../../platform/validation';
import { FormError } from '../../platform/errors';
import { ONLINE_REWARD_KINDS } from '../sections';
import { idOr404 } from '../ids';
import { consentSchema } from './schemas';
import type { DocumentsService } from './service';

/**
 * 線上檢視訊息 and 個人檔案夾 (the person); 核發獎勵令及證明書 and 文件核發紀錄 (HR;
 * mydata/routes.ts guards /mydata/hr).
 */
export function documentsRouter(svc: DocumentsService, uploads: MydataDeps['uploads']): Router {
  const router = express.Router();

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
    await svc.setConsent(req.user!, decision, ctxOf(req));
    flash(req, 'success', decision === 'grant' ? '已同意以線上方式檢視獎勵令及證明書。' : '已撤回同意，日後之獎勵令及證明書將以紙本送達。');
    res.redirect(303, '/mydata/consent');
  });

  // --- 個人檔案夾 ---
  router.get('/mydata/folder', async (req, res) => {
    res.render('mydata/folder', { title: '個人檔案夾', documents: await svc.folder(req.user!), consent: await svc.consentState(req.user!.personId) });
  });
  router.get('/mydata/folder/:id/pdf', async (req, res) => {
    const id = idOr404(req.params.id, '查無此文件');
    const d = await svc.documentFor(req.user!, id, ctxOf(req));
    uploads.send(res, { storedName: d.storedName, originalName: `${d.title}.pdf`, mime: 'application/pdf' }, { inline: true });
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
      const r = await svc.issueDocument(req.user!, req.body, ctxOf(req));
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
    const d = await svc.documentFor(req.user!, id, ctxOf(req));
    uploads.send(res, { storedName: d.storedName, originalName: `${d.title}.pdf`, mime: 'application/pdf' }, { inline: true });
  });
  router.post('/mydata/hr/documents/:id/printed', async (req, res) => {
    const id = idOr404(req.params.id, '查無此文件');
    const d = await svc.markPrinted(req.user!, id, ctxOf(req));
    flash(req, 'success', `已標示「${d.title}」為已列印。`);
    res.redirect(303, '/mydata/hr/documents');
  });

  return router;
}
