import express, { type Request, type Response, type Router } from 'express';
import type { PlatformDeps } from '../../platform/deps';
import { DomainError, NotFoundError, fieldErrorsOf } from '../../platform/errors';
import { ctxOf } from '../../platform/identity/context';
import { requireRole } from '../../platform/identity/guards';
import { flash, idParam } from '../../platform/http';
import { keepValues, parseForm } from '../../platform/validation';
import { ROLE_LABELS } from '../catalog';
import { agencySearchSchema, areaChangeSchema, personSearchSchema, roleGrantSchema, roleRevokeSchema } from './schemas';
import { ACCESS_MESSAGES, AREA_LABELS, REFUSED_DAYS, type AccessService } from './service';

/** The zh-TW names of roles and areas every page of the journey shows. */
const common = { roleLabels: ROLE_LABELS, areaLabels: AREA_LABELS };

/**
 * 權限管理 (/admin/access: portal administrators, and HR supervisors for their agency) and
 * 機關授權 (/admin/access/agencies: portal administrators, 銓敘部管理者 for the cloud platform).
 */
export function accessRoutes(services: Pick<PlatformDeps, 'audit'> & { access: AccessService }): Router {
  const { access, audit } = services;
  const router = express.Router();
  const people = requireRole(audit, 'portal_admin', 'hr_supervisor');
  const agencies = requireRole(audit, 'portal_admin', 'platform_admin');

  const accountIdOf = (req: Request) => {
    const id = idParam(req.params.accountId);
    if (id === null) throw new NotFoundError(ACCESS_MESSAGES.noPerson);
    return id;
  };

  async function personPage(req: Request, res: Response, status: number, extra: Record<string, unknown> = {}) {
    const view = await access.person(req.user!, accountIdOf(req), ctxOf(req));
    res.status(status).render('admin/access/person', { title: '權限管理', ...common, ...view, values: {}, errors: {}, revokeFor: null, ...extra });
  }

  /** A form of the person page refused: the page again with the message and what was typed. */
  async function again(req: Request, res: Response, err: unknown, extra: Record<string, unknown>) {
    const errors = fieldErrorsOf(err);
    if (!errors || !(err instanceof DomainError)) throw err;
    await personPage(req, res, err.status, { values: keepValues(req.body), errors, ...extra });
  }

  // --- 權限管理 ---
  router.get('/', people, async (req, res) => {
    const raw = { q: typeof req.query.q === 'string' ? req.query.q : '' };
    let errors: Record<string, string> = {};
    let found: Awaited<ReturnType<AccessService['search']>> = [];
    try {
      const { q } = parseForm(personSearchSchema, raw);
      found = await access.search(req.user!, q);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (!fields) throw err;
      errors = fields;
      res.status(400);
    }
    const reach = access.reach(req.user!);
    res.render('admin/access/people', { title: '權限管理', ...common, values: raw, errors, found, searched: raw.q !== '', allAgencies: Boolean(reach?.all) });
  });

  router.get('/people/:accountId', people, (req, res) => personPage(req, res, 200));

  router.post('/people/:accountId/grants', people, async (req, res) => {
    const accountId = accountIdOf(req);
    try {
      const input = parseForm(roleGrantSchema, req.body);
      const done = await access.grantRole(req.user!, accountId, input, ctxOf(req));
      flash(req, 'success', `已授予 ${done.person.name}「${ROLE_LABELS[done.role]}」權限，並以電子郵件通知本人。`);
      res.redirect(303, `/admin/access/people/${accountId}`);
    } catch (err) {
      await again(req, res, err, {});
    }
  });

  router.post('/people/:accountId/grants/:grantId/revoke', people, async (req, res) => {
    const accountId = accountIdOf(req);
    const grantId = idParam(req.params.grantId);
    if (grantId === null) throw new NotFoundError(ACCESS_MESSAGES.noGrant);
    try {
      const input = parseForm(roleRevokeSchema, req.body);
      const done = await access.revokeRole(req.user!, accountId, grantId, input, ctxOf(req));
      flash(req, 'success', `已取消 ${done.person.name}「${ROLE_LABELS[done.role] ?? done.role}」權限，並以電子郵件通知本人。`);
      res.redirect(303, `/admin/access/people/${accountId}`);
    } catch (err) {
      await again(req, res, err, { revokeFor: grantId });
    }
  });

  // --- 機關授權 ---
  router.get('/agencies', agencies, async (req, res) => {
    const raw = { q: typeof req.query.q === 'string' ? req.query.q : '' };
    let errors: Record<string, string> = {};
    let list: Awaited<ReturnType<AccessService['agencies']>> = [];
    try {
      const { q } = parseForm(agencySearchSchema, raw);
      list = await access.agencies(q);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (!fields) throw err;
      errors = fields;
      res.status(400);
    }
    res.render('admin/access/agencies', {
      title: '機關授權',
      ...common,
      values: raw,
      errors,
      list,
      refused: await access.refused(req.user!),
      refusedDays: REFUSED_DAYS,
      areas: access.manageableAreas(req.user!),
    });
  });

  async function agencyPage(req: Request, res: Response, status: number, extra: Record<string, unknown> = {}) {
    const view = await access.agency(String(req.params.code).slice(0, 10));
    res.status(status).render('admin/access/agency', { title: '機關授權', ...common, ...view, areas: access.manageableAreas(req.user!), values: {}, errors: {}, ...extra });
  }

  router.get('/agencies/:code', agencies, (req, res) => agencyPage(req, res, 200));

  router.post('/agencies/:code/areas', agencies, async (req, res) => {
    const code = String(req.params.code).slice(0, 10);
    try {
      const input = parseForm(areaChangeSchema, req.body);
      const agency = await access.changeArea(req.user!, code, input, ctxOf(req));
      flash(req, 'success', `已${input.change === 'grant' ? '授權' : '取消'} ${agency.name}（${agency.code}）使用「${AREA_LABELS[input.area]}」。`);
      res.redirect(303, req.body?.back === 'list' ? '/admin/access/agencies' : `/admin/access/agencies/${agency.code}`);
    } catch (err) {
      const errors = fieldErrorsOf(err);
      if (!errors || !(err instanceof DomainError)) throw err;
      await agencyPage(req, res, err.status, { values: keepValues(req.body), errors });
    }
  });

  return router;
}
