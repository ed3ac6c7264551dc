import express, { type Router } from 'express';
import type { JobsDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { flash, submitForm } from '../../platform/http';
import { requireRole } from '../../platform/identity/guards';
import { common } from '../pages';
import type { PublishingService } from './service';

/** 刊登方式設定: portal administrators choose, per agency, whether vacancies are reviewed first. */
export function createPublishingRouter(deps: Pick<JobsDeps, 'audit'>, publishing: PublishingService): Router {
  const router = express.Router();
  const admin = requireRole(deps.audit, 'portal_admin');
  const page = async (extra: object = {}) => ({ ...common, title: '刊登方式設定', settings: await publishing.settings(), errors: {}, values: {}, ...extra });

  router.get('/jobs/publishing', admin, async (_req, res) => {
    res.render('jobs/publishing', await page());
  });
  router.post('/jobs/publishing/:code', admin, async (req, res) => {
    const code = String(req.params.code).slice(0, 10);
    await submitForm(req, res, 'jobs/publishing', await page(), async () => {
      const { agency, reviewBeforePublish } = await publishing.set(req.user!, code, req.body, ctxOf(req));
      flash(req, 'success', `${agency.name}（${agency.code}）的職缺${reviewBeforePublish ? '改為經審核通過後刊登' : '改為送出即刊登'}。`);
      res.redirect(303, '/jobs/publishing');
    });
  });
  return router;
}
