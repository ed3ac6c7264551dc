import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { JobsDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam } from '../../platform/http';
import { keepValues, parseForm } from '../../platform/validation';
import { ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { recordAccessDenied, requireUser } from '../../platform/identity/guards';
import { rocShort } from '../../platform/dates';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { common, notice, vacancyId } from '../pages';
import type { VacancyRow } from '../vacancyRepository';
import { manageListSchema } from './schemas';
import { CARD_RULE, type ManageService } from './service';

/** 機關徵才登錄: an agency's postings (list, new, edit, delete, preview) and 調閱履歷. */
export function createManageRouter(deps: Pick<JobsDeps, 'audit' | 'uploads'>, manage: ManageService): Router {
  const router = express.Router();
  const audit = deps.audit;

  /** 機關徵才登錄 needs a certificate session of an agency or of its HR staff. */
  async function poster(req: Request, res: Response, next: NextFunction) {
    if (!req.user) {
      if (req.method === 'GET') return res.redirect(`/login/certificate?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return requireUser(req, res, next);
    }
    const check = await manage.posterCheck(req.user);
    if (check === 'ok') return next();
    await recordAccessDenied(audit, req, { method: req.user.method, why: check }, 'jobs.manage.denied');
    if (check === 'password') {
      return res.status(403).render('jobs/card-required', { ...common, title: '機關徵才登錄', rule: CARD_RULE, returnTo: req.method === 'GET' ? req.originalUrl : '/jobs/manage' });
    }
    next(new ForbiddenError('機關徵才登錄限各機關人事人員以自然人憑證，或以機關憑證登入後使用。'));
  }

  router.get('/jobs/manage', poster, async (req, res) => {
    const raw = { workId: req.query.workId, history: req.query.history, page: req.query.page, size: req.query.size };
    const values = keepValues(raw);
    try {
      const f = parseForm(manageListSchema, raw);
      const result = await manage.list(req.user!, { workId: f.workId, history: f.history === '1', page: f.page, size: f.size });
      const params = new URLSearchParams(Object.entries(values).filter(([k, v]) => v !== '' && k !== 'page'));
      res.render('jobs/manage', { ...common, title: '機關徵才登錄', values, result, history: f.history === '1', base: `/jobs/manage?${params.toString()}` });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('jobs/manage', { ...common, title: '機關徵才登錄', values, errors: err.errors, result: null, history: false, base: '/jobs/manage' });
      throw err;
    }
  });

  const formLocals = (req: Request, editing: VacancyRow | null) => ({ ...common, title: editing ? '修改徵才資料' : '新增徵才資料', editing, agency: { code: req.user!.agencyCode, name: req.user!.agencyName } });
  const valuesOf = (v: VacancyRow): Record<string, string> => ({
    agencyAddress: v.agencyAddress, fillerName: v.fillerName, fillerPhone: v.fillerPhone, fillerExt: v.fillerExt, fillerEmail: v.fillerEmail,
    personKind: v.personKind, rankFrom: v.rankFrom?.toString() ?? '', rankTo: v.rankTo?.toString() ?? '', titleCode: v.titleCode ?? '', seriesCode: v.seriesCode ?? '',
    numberOf: v.numberOf === null ? '數名' : String(v.numberOf), reserveNum: String(v.reserveNum), gender: v.gender, genderReason: v.genderReason,
    workPlaces: v.workPlaces.join(','), dateFrom: rocShort(v.dateFrom), dateTo: rocShort(v.dateTo), workQuality: v.workQuality, workItem: v.workItem,
    workAddress: v.workAddress, contactMethod: v.contactMethod, urlLink: v.urlLink,
    isHandicap: v.isHandicap ? 'on' : '', isOriginal: v.isOriginal ? 'on' : '', transferOnly: v.transferOnly ? 'on' : '', needsConsent: v.needsConsent ? 'on' : '', hideContact: v.hideContact ? 'on' : '',
  });

  router.get('/jobs/manage/new', poster, async (req, res) => {
    res.render('jobs/form', { ...formLocals(req, null), values: await manage.newFormValues(req.user!) });
  });
  const receiveFiles = deps.uploads.receive(['files'], UPLOAD_POLICIES.jobsPosting);
  async function saveForm(req: Request, res: Response, editing: VacancyRow | null) {
    const locals = formLocals(req, editing);
    if (req.uploadError) return res.status(400).render('jobs/form', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    try {
      if (editing) {
        const { published } = await manage.update(req.user!, editing.id, req.body, req.uploads ?? [], ctxOf(req));
        flash(req, 'success', published ? `職缺編號 ${editing.workId} 已修改，並已刊登。` : `職缺編號 ${editing.workId} 已修改，將重新審核。`);
      } else {
        const v = await manage.create(req.user!, req.body, req.uploads ?? [], ctxOf(req));
        flash(
          req,
          'success',
          v.status === 'approved'
            ? `已送出，職缺編號 ${v.workId}，已完成刊登，於有效期間（${rocShort(v.dateFrom)}～${rocShort(v.dateTo)}）內公告。`
            : `已送出，職缺編號 ${v.workId}，審核通過後於有效期間內公告。`,
        );
      }
      res.redirect(303, '/jobs/manage');
    } catch (err) {
      await deps.uploads.discard(req.uploads);
      if (err instanceof FormError) return res.status(400).render('jobs/form', { ...locals, values: keepValues(req.body), errors: err.errors });
      throw err;
    }
  }
  router.post('/jobs/manage/new', poster, receiveFiles, (req, res) => saveForm(req, res, null));
  router.get('/jobs/manage/:id/edit', poster, async (req, res) => {
    const v = await manage.forEdit(req.user!, vacancyId(req), ctxOf(req));
    res.render('jobs/form', { ...formLocals(req, v), values: valuesOf(v) });
  });
  router.post('/jobs/manage/:id/edit', poster, receiveFiles, async (req, res) => {
    let v: VacancyRow;
    try {
      v = await manage.forEdit(req.user!, vacancyId(req), ctxOf(req));
    } catch (err) {
      await deps.uploads.discard(req.uploads);
      throw err;
    }
    await saveForm(req, res, v);
  });
  router.post('/jobs/manage/:id/delete', poster, async (req, res) => {
    const v = await manage.remove(req.user!, vacancyId(req), ctxOf(req));
    flash(req, 'success', `職缺編號 ${v.workId} 已刪除。`);
    res.redirect(303, '/jobs/manage');
  });
  router.get('/jobs/manage/:id/preview', poster, async (req, res) => {
    const { v, attachments } = await manage.preview(req.user!, vacancyId(req), ctxOf(req));
    res.render('jobs/detail', { ...common, title: `預覽：${v.title}`, v, attachments, preview: true, numberText: notice(v) });
  });
  router.get('/jobs/manage/:id/applicants', poster, async (req, res) => {
    const r = await manage.applicants(req.user!, vacancyId(req), ctxOf(req));
    res.render('jobs/applicants', { ...common, title: '調閱履歷', ...r });
  });
  router.get('/jobs/manage/:id/applicants/:appId', poster, async (req, res) => {
    const appId = idParam(req.params.appId);
    if (appId === null) throw new NotFoundError('查無此應徵紀錄');
    const r = await manage.applicant(req.user!, vacancyId(req), appId, ctxOf(req));
    res.render('jobs/resume', { ...common, title: `履歷：${r.application.resume.name}`, ...r, pdf: true });
  });
  router.get('/jobs/manage/:id/applicants/:appId/attachment', poster, async (req, res) => {
    const appId = idParam(req.params.appId);
    if (appId === null) throw new NotFoundError('查無此應徵紀錄');
    const { application: a } = await manage.applicant(req.user!, vacancyId(req), appId, ctxOf(req));
    if (!a.attachmentStoredName) throw new NotFoundError('查無此附件');
    deps.uploads.send(res, { storedName: a.attachmentStoredName, originalName: a.attachmentOriginalName!, mime: a.attachmentMime! });
  });
  router.get('/jobs/manage/:id/applicants/:appId/resume.pdf', poster, async (req, res) => {
    const appId = idParam(req.params.appId);
    if (appId === null) throw new NotFoundError('查無此應徵紀錄');
    const { application: a, pdf } = await manage.applicantResumePdf(req.user!, vacancyId(req), appId, ctxOf(req));
    res.type('application/pdf').attachment(`resume-${a.id}.pdf`).send(pdf);
  });

  return router;
}
