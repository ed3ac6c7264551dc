import express, { type Router } from 'express';
import type { JobsDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam } from '../../platform/http';
import { keepValues } from '../../platform/validation';
import { FormError, NotFoundError } from '../../platform/errors';
import { requireRole } from '../../platform/identity/guards';
import { common } from '../pages';
import type { ImportsService } from './service';

const TITLE = '匯入機關確認';

/** 匯入機關確認: the administrators' list of agencies added by vacancy feeds, and their decision. */
export function createImportsRouter(deps: Pick<JobsDeps, 'audit'>, imports: ImportsService): Router {
  const router = express.Router();
  const admin = requireRole(deps.audit, 'portal_admin');
  const agencyId = (raw: unknown) => {
    const id = idParam(raw);
    if (id === null) throw new NotFoundError('查無此匯入機關');
    return id;
  };

  router.get('/jobs/imports/agencies', admin, async (_req, res) => {
    res.render('jobs/import-agencies', { ...common, title: TITLE, rows: await imports.pending() });
  });
  router.get('/jobs/imports/agencies/:id', admin, async (req, res) => {
    res.render('jobs/import-agency', { ...common, title: TITLE, ...(await imports.agency(agencyId(req.params.id))) });
  });
  router.post('/jobs/imports/agencies/:id', admin, async (req, res) => {
    const id = agencyId(req.params.id);
    try {
      const r = await imports.decide(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', r.decision === 'confirm' ? `已確認「${r.name}」為新機關。` : `已將「${r.name}」併入「${r.into!.name}」（${r.into!.code}），移轉職缺 ${r.moved} 筆。`);
      res.redirect(303, '/jobs/imports/agencies');
    } catch (err) {
      if (err instanceof FormError) {
        return res.status(400).render('jobs/import-agency', { ...common, title: TITLE, ...(await imports.agency(id)), values: keepValues(req.body), errors: err.errors });
      }
      throw err;
    }
  });

  return router;
}
