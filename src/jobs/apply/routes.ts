import express, { type Request, type Router } from 'express';
import type { JobsDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { FILES_NOT_KEPT, flash, idParam } from '../../platform/http';
import { keepValues } from '../../platform/validation';
import { FormError, NotFoundError } from '../../platform/errors';
import { requirePerson, requireUser } from '../../platform/identity/guards';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { common } from '../pages';
import type { ApplyService } from './service';

/** 應徵職缺, 我的應徵紀錄 and the consent to 調閱履歷. */
export function createApplyRouter(deps: Pick<JobsDeps, 'audit' | 'uploads'>, apply: ApplyService): Router {
  const router = express.Router();

  const applyView = async (req: Request, workId: number) => {
    const v = await apply.publicVacancy(workId);
    return { ...common, title: `應徵職缺：${v.title}`, v, resume: await apply.resumeOf(req.user!) };
  };
  // Applying is a person's: an agency session is refused (and audited) before any upload is read.
  const personOnly = requirePerson(deps.audit, '請以公務人員個人身分登入後應徵。');
  router.get('/jobs/view/:workId/apply', requireUser, personOnly, async (req, res) => {
    const w = idParam(req.params.workId);
    if (w === null) throw new NotFoundError('查無此職缺');
    const locals = await applyView(req, w);
    await apply.applyCheck(req.user!, locals.v);
    res.render('jobs/apply', locals);
  });
  router.post('/jobs/view/:workId/apply', requireUser, personOnly, deps.uploads.receive(['files'], UPLOAD_POLICIES.jobsResume), async (req, res) => {
    const w = idParam(req.params.workId);
    if (w === null) {
      await deps.uploads.discard(req.uploads);
      throw new NotFoundError('查無此職缺');
    }
    let locals;
    try {
      locals = await applyView(req, w);
    } catch (err) {
      await deps.uploads.discard(req.uploads);
      throw err;
    }
    if (req.uploadError) return res.status(400).render('jobs/apply', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    try {
      const { vacancy } = await apply.apply(req.user!, w, req.body, req.uploads ?? [], ctxOf(req));
      flash(req, 'success', `已應徵「${vacancy.orgName} ${vacancy.title}」（職缺編號 ${vacancy.workId}）。`);
      res.redirect(303, '/jobs/my/applications');
    } catch (err) {
      await deps.uploads.discard(req.uploads);
      if (err instanceof FormError) {
        // The files sent with a refused form are not kept: the form says to choose them again.
        const errors = req.uploads?.length && !err.errors.files ? { ...err.errors, files: FILES_NOT_KEPT } : err.errors;
        return res.status(400).render('jobs/apply', { ...locals, values: keepValues(req.body), errors });
      }
      throw err;
    }
  });
  router.get('/jobs/my/applications', requirePerson(deps.audit, '請以公務人員個人身分登入。'), async (req, res) => {
    res.render('jobs/my-applications', { ...common, title: '我的應徵紀錄', applications: await apply.myApplications(req.user!) });
  });
  router.post('/jobs/my/applications/:id/consent', requireUser, async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此應徵紀錄');
    await apply.consent(req.user!, id, ctxOf(req));
    flash(req, 'success', '已同意徵才機關調閱您的履歷。');
    res.redirect(303, '/jobs/my/applications');
  });

  return router;
}
