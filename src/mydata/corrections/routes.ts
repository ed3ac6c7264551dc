import express, { type Request, type Router } from 'express';
import type { MydataDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { flash, submitForm } from '../../platform/http';
import { keepValues, pageNumber } from '../../platform/validation';
import { NotFoundError } from '../../platform/errors';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { displayValue } from '../values';
import { SECTIONS, SECTION_KEYS, STATUS_LABELS, isSectionKey } from '../sections';
import { idOr404 } from '../ids';
import { PROPOSED_MAX, REASON_MAX } from './schemas';
import type { CorrectionsService } from './service';

/**
 * 申請更正 → 修改進度查詢 (the person) and 更正申請處理 (HR; mydata/routes.ts guards /mydata/hr):
 * the request with its proof, then take, accept or reject.
 */
export function correctionsRouter(svc: CorrectionsService, uploads: MydataDeps['uploads']): Router {
  const router = express.Router();

  // --- 申請更正 ---
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
  router.post('/mydata/record/:section/correct', uploads.receive(['files'], UPLOAD_POLICIES.mydataProof), async (req, res) => {
    const section = req.params.section;
    if (!isSectionKey(section)) {
      await uploads.discard(req.uploads);
      throw new NotFoundError('查無此資料項目');
    }
    const locals = await correctionLocals(req, section);
    if (req.uploadError) {
      return res.status(400).render('mydata/correct', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    }
    await submitForm(req, res, 'mydata/correct', locals, async () => {
      try {
        const id = await svc.submitCorrection(req.user!, section, req.body, req.uploads ?? [], ctxOf(req));
        flash(req, 'success', '更正申請已送出，請於「修改進度查詢」追蹤處理情形。');
        res.redirect(303, `/mydata/corrections/${id}`);
      } catch (err) {
        await uploads.discard(req.uploads);
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
    const { correction, attachments } = await svc.myCorrection(req.user!, id, ctxOf(req));
    res.render('mydata/correction', { title: '更正申請內容', correction, attachments, def: SECTIONS[correction.section] });
  });
  router.get('/mydata/attachments/:id', async (req, res) => {
    const id = idOr404(req.params.id, '查無此附件');
    const a = await svc.attachmentFor(req.user!, id, ctxOf(req));
    uploads.send(res, { storedName: a.storedName, originalName: a.originalName, mime: a.mime }, { inline: false });
  });

  // --- 人事人員：更正申請處理 ---
  router.get('/mydata/hr/corrections', async (req, res) => {
    const status = typeof req.query.status === 'string' && Object.hasOwn(STATUS_LABELS, req.query.status) ? req.query.status : null;
    res.render('mydata/hr-corrections', { title: '更正申請處理', result: await svc.queue(req.user!, status, pageNumber(req.query.page)), status });
  });
  const hrView = async (req: Request, id: number, step: 'view' | 'accept' | 'reject' = 'view') => ({
    title: '更正申請處理',
    proposedMax: PROPOSED_MAX,
    ...(await svc.hrCorrectionView(req.user!, id, ctxOf(req), step)),
  });
  router.get('/mydata/hr/corrections/:id', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    const view = await hrView(req, id);
    res.render('mydata/hr-correction', { ...view, values: { value: view.correction.proposed } });
  });
  router.post('/mydata/hr/corrections/:id/take', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    await svc.take(req.user!, id, ctxOf(req));
    flash(req, 'success', '已受理，狀態改為處理中。');
    res.redirect(303, `/mydata/hr/corrections/${id}`);
  });
  router.post('/mydata/hr/corrections/:id/accept', async (req, res) => {
    const id = idOr404(req.params.id, '查無此更正申請');
    await submitForm(req, res, 'mydata/hr-correction', await hrView(req, id, 'accept'), async () => {
      await svc.accept(req.user!, id, req.body, ctxOf(req));
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
      await svc.reject(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', '已回復不予更正。');
      res.redirect(303, `/mydata/hr/corrections/${id}`);
    });
  });

  return router;
}
