import express, { type Request, type Response, type Router } from 'express';
import type { CloudRouteDeps } from '../routeDeps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam } from '../../platform/http';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { keepValues, pageNumber, parseForm } from '../../platform/validation';
import { rocShort } from '../../platform/dates';
import { requireRole } from '../../platform/identity/guards';
import { requireCloudAgency } from '../access';
import { KINDS, RESULT_LABELS, STATUS_LABELS, USER_SCOPES, searchSchema, type Search } from './schemas';
import { STEPS, STEP_KEYS, STEP_TITLES, isStepKey, pathFor, previousStep, type StepKey } from './wizard';
import type { Application, ApplicationLine, Draft } from './repository';

const STYLES = ['/public/css/cloud.css', '/public/css/cloud-apply.css'];
const labels = { KINDS, STATUS_LABELS, RESULT_LABELS, USER_SCOPES, STEP_TITLES };

/** Stored answers as the form shows them: ISO dates in ROC, lists kept as lists. */
function formValues(stored: Record<string, unknown> | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(stored ?? {})) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    else if (typeof v === 'string') out[k] = /^\d{4}-\d{2}-\d{2}$/.test(v) && (k === 'periodFrom' || k === 'periodTo') ? rocShort(v) : v;
  }
  return out;
}

/** What was posted, for showing the same form again (lists kept as lists). */
function postedValues(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const flat = keepValues(body);
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (k === '_csrf') continue;
    out[k] = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : (flat[k] ?? '');
  }
  return out;
}

function emptySearch(): Search {
  return { agency: '', number: '', from: '', to: '', status: [], kind: [] };
}

export function applyRouter(services: CloudRouteDeps): Router {
  const apply = services.cloud.apply;
  const router = express.Router();
  const agency = requireCloudAgency(services);
  const admin = requireRole(services.audit, 'platform_admin');

  /** Opened from 步驟六's 修改 link: saving returns there. */
  const fromCheck = (req: Request) => req.query.from === 'check';

  const stepLocals = async (req: Request, d: Draft, step: StepKey) => {
    const def = STEPS[step];
    const content = def.parse ? null : apply.content(req.user!, d);
    const catalog = def.catalog ? await apply.catalogFor(def.catalog) : def.parse ? [] : await apply.catalog();
    return {
      title: `申請服務 ${STEP_TITLES[step]}`,
      stylesheets: STYLES,
      menu: 'apply',
      draft: d,
      step,
      steps: pathFor(d),
      previous: previousStep(step, d),
      multipart: Boolean(def.upload),
      fromCheck: fromCheck(req),
      catalog,
      content,
      labels,
      values: formValues(d.answers[step]),
      errors: {} as Record<string, string>,
      submitError: null as string | null,
    };
  };

  // --- 申請服務: 管理規範 + 我同意 → 開始申請 ---
  const introLocals = async () => ({ title: '申請服務', stylesheets: STYLES, menu: 'apply', catalog: await apply.catalog() });
  router.get('/cloud/apply', agency, async (_req, res) => res.render('cloud/apply/intro', await introLocals()));
  router.post('/cloud/apply', agency, async (req, res) => {
    try {
      const id = await apply.startDraft(req.user!, req.body?.agree === 'yes', ctxOf(req));
      res.redirect(303, `/cloud/apply/${id}/step1`);
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('cloud/apply/intro', { ...(await introLocals()), errors: err.errors });
      throw err;
    }
  });

  // --- 步驟七 ---
  router.get('/cloud/apply/:draft/done', agency, async (req, res) => {
    const found = await apply.applicationOfDraft(req.user!, String(req.params.draft), ctxOf(req));
    if (!found) {
      const d = await apply.ownDraft(req.user!, String(req.params.draft), ctxOf(req));
      return res.redirect(303, `/cloud/apply/${d.id}/step6`);
    }
    res.render('cloud/apply/done', { title: `申請服務 ${STEP_TITLES.done}`, stylesheets: STYLES, menu: 'apply', ...found, labels });
  });

  // --- 步驟六: the challenge over the application's digest ---
  router.post('/cloud/apply/:draft/challenge', agency, async (req, res) => {
    try {
      const d = await apply.ownDraft(req.user!, String(req.params.draft), ctxOf(req));
      res.json(await apply.challenge(req.user!, d));
    } catch (err) {
      if (err instanceof DomainError) return res.status(err.status).json({ error: err.message });
      throw err;
    }
  });

  router.post('/cloud/apply/:draft/step6', agency, async (req, res) => {
    const draftId = String(req.params.draft);
    try {
      await apply.submit(req.user!, draftId, req.body, ctxOf(req));
      flash(req, 'success', '您申請之資料交換服務已完成線上申請。');
      res.redirect(303, `/cloud/apply/${draftId}/done`);
    } catch (err) {
      if (!(err instanceof DomainError) || err instanceof NotFoundError || err.code === 'already_submitted') throw err;
      const d = await apply.ownDraft(req.user!, draftId, ctxOf(req));
      const locals = await stepLocals(req, d, 'step6');
      res.status(err.status).render('cloud/apply/step', { ...locals, submitError: err.message, errors: { 'sign-form-pin': err.message } });
    }
  });

  router.get('/cloud/apply/:draft/:step', agency, async (req, res) => {
    const step = req.params.step;
    if (!isStepKey(step)) throw new NotFoundError('查無此申請步驟');
    const d = await apply.ownDraft(req.user!, String(req.params.draft), ctxOf(req));
    const elsewhere = apply.guardStep(d, step);
    if (elsewhere) return res.redirect(303, elsewhere);
    res.render('cloud/apply/step', await stepLocals(req, d, step));
  });

  /** 下一步 / 上一步 of a step with a form; an upload step keeps its one file with the draft. */
  const saveStep = (step: StepKey) => async (req: Request, res: Response) => {
    const def = STEPS[step];
    try {
      let d = await apply.openDraft(req.user!, String(req.params.draft), ctxOf(req));
      const elsewhere = apply.guardStep(d, step);
      if (elsewhere) {
        await services.uploads.discard(req.uploads);
        return res.redirect(303, elsewhere);
      }
      const direction = req.body?.action === 'back' ? 'back' : 'next';
      if (req.uploadError) {
        const locals = await stepLocals(req, d, step);
        return res.status(400).render('cloud/apply/step', { ...locals, values: postedValues(req.body), errors: { file: req.uploadError } });
      }
      let file: Draft['file'] | undefined;
      if (def.upload && req.uploads?.length) {
        file = await apply.keepFile(d, req.uploads);
        d = { ...d, file };
      }
      try {
        res.redirect(303, await apply.saveStep(req.user!, d, step, req.body, direction, file, fromCheck(req)));
      } catch (err) {
        if (err instanceof FormError) {
          const locals = await stepLocals(req, d, step);
          return res.status(400).render('cloud/apply/step', { ...locals, values: postedValues(req.body), errors: err.errors });
        }
        throw err;
      }
    } catch (err) {
      // A file not kept (another agency's draft, a submitted one) leaves nothing behind.
      await services.uploads.discard(req.uploads);
      throw err;
    }
  };
  // A step with an upload has a route of its own (the file is received first); the others share one.
  for (const step of STEP_KEYS) {
    const upload = STEPS[step].upload;
    if (upload) router.post(`/cloud/apply/:draft/${step}`, agency, services.uploads.receive(['file'], upload), saveStep(step));
  }
  router.post('/cloud/apply/:draft/:step', agency, async (req, res) => {
    const step = req.params.step;
    if (!isStepKey(step) || !STEPS[step].parse || STEPS[step].upload) throw new NotFoundError('查無此申請步驟');
    await saveStep(step)(req, res);
  });

  // --- 進度查詢 ---
  const parseSearch = (req: Request): { search: Search; errors: Record<string, string> } => {
    try {
      return { search: parseForm(searchSchema, req.query), errors: {} };
    } catch (err) {
      if (err instanceof FormError) return { search: emptySearch(), errors: err.errors };
      throw err;
    }
  };
  const queryString = (req: Request) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query)) {
      if (k === 'page') continue;
      for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') p.append(k, x);
    }
    return p.toString();
  };

  router.get('/cloud/applications', agency, async (req, res) => {
    const { search, errors } = parseSearch(req);
    const result = Object.keys(errors).length ? null : await apply.search(search, req.user!.agencyId, pageNumber(req.query.page));
    res.status(result ? 200 : 400).render('cloud/apply/list', {
      title: '進度查詢',
      stylesheets: STYLES,
      menu: 'applications',
      values: postedValues(req.query),
      errors,
      result,
      labels,
      base: `/cloud/applications?${queryString(req)}`,
      admin: false,
    });
  });

  const appId = (req: Request) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此申請案件');
    return id;
  };

  router.get('/cloud/applications/:id', agency, async (req, res) => {
    const found = await apply.detailFor(req.user!, appId(req), ctxOf(req));
    res.render('cloud/apply/detail', { title: `申請明細 ${found.app.number}`, stylesheets: STYLES, menu: 'applications', ...found, labels, admin: false });
  });

  const sendPdf = async (res: Response, found: { app: Application; lines: ApplicationLine[] }) => {
    const pdf = await apply.pdf(found.app, found.lines);
    res.type('application/pdf').attachment(`${found.app.number}.pdf`).send(pdf);
  };
  router.get('/cloud/applications/:id/form.pdf', agency, async (req, res) => {
    const found = await apply.detailFor(req.user!, appId(req), ctxOf(req));
    await services.audit.record({
      actor: { accountId: null, label: `${req.user!.agencyName}（${req.user!.agencyCode}）` },
      action: 'cloud.application.form_download',
      target: { type: 'cloud_application', id: found.app.number },
      ip: req.ip ?? null,
      requestId: req.id,
    });
    await sendPdf(res, found);
  });

  // --- 申請審核管理 ---
  router.get('/cloud/admin/reviews', admin, async (req, res) => {
    const hasQuery = Object.keys(req.query).some((k) => k !== 'page');
    const { search, errors } = parseSearch(req);
    if (!hasQuery) search.status = ['pending'];
    const result = Object.keys(errors).length ? null : await apply.search(search, null, pageNumber(req.query.page));
    res.status(result ? 200 : 400).render('cloud/apply/list', {
      title: '申請審核管理',
      stylesheets: STYLES,
      values: hasQuery ? postedValues(req.query) : { status: ['pending'] },
      errors,
      result,
      labels,
      base: `/cloud/admin/reviews?${hasQuery ? queryString(req) : 'status=pending'}`,
      admin: true,
    });
  });

  const reviewLocals = async (id: number) => {
    const found = await apply.detail(id);
    return { title: `申請審核 ${found.app.number}`, stylesheets: STYLES, ...found, labels, admin: true };
  };
  router.get('/cloud/admin/reviews/:id', admin, async (req, res) => res.render('cloud/apply/detail', await reviewLocals(appId(req))));
  router.post('/cloud/admin/reviews/:id', admin, async (req, res) => {
    const id = appId(req);
    try {
      const status = await apply.review(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', `審核完成，申請案件狀態為「${STATUS_LABELS[status]}」，並已通知申請機關。`);
      res.redirect(303, `/cloud/admin/reviews/${id}`);
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('cloud/apply/detail', { ...(await reviewLocals(id)), values: postedValues(req.body), errors: err.errors });
      throw err;
    }
  });
  router.get('/cloud/admin/reviews/:id/form.pdf', admin, async (req, res) => sendPdf(res, await apply.detail(appId(req))));

  return router;
}
