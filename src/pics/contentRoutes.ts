import express, { type Request, type Router } from 'express';
import type { PicsRouteDeps } from './routeDeps';
import { ctxOf } from '../platform/identity/context';
import { flash, idParam, submitForm } from '../platform/http';
import { pageNumber } from '../platform/validation';
import { rocShort, taipeiToday } from '../platform/dates';
import { requireRole } from '../platform/identity/guards';
import { CALENDAR_KINDS } from './contentSchemas';

const BASE = '/pics/desk/content';

/**
 * 內容管理 of the 客服工作台 (mounted under /pics/desk, behind the agents' guard): the
 * supervisors maintain 公告事項, 常見問題, 檔案下載, 罐頭回覆 and the 辦公日曆.
 */
export function picsContentRoutes(services: PicsRouteDeps): Router {
  const admin = services.pics.contentAdmin;
  const router = express.Router();
  const supervisorOnly = requireRole(services.audit, 'cs_supervisor');
  router.use('/content', supervisorOnly);

  const kindsNav = { contentKinds: admin.kinds };

  router.get('/content', (_req, res) => {
    res.render('pics/desk/content/index', { title: '內容管理', ...kindsNav });
  });

  for (const kind of admin.kinds) {
    const base = `/content/${kind.slug}`;
    const listUrl = `${BASE}/${kind.slug}`;
    const formLocals = (editing: { id: number } | null) => ({
      title: editing ? `修改${kind.noun}` : `新增${kind.noun}`,
      kind,
      editing,
      action: editing ? `${listUrl}/${editing.id}` : listUrl,
      ...kindsNav,
    });
    const rawId = (req: Request) => String(req.params.id);
    const item = (req: Request) => admin.item(req.user!, kind, idParam(req.params.id), rawId(req), ctxOf(req));

    router.get(base, async (req, res) => {
      res.render('pics/desk/content/list', {
        title: `${kind.label}管理`,
        kind,
        result: await admin.list(kind, pageNumber(req.query.page)),
        today: taipeiToday(services.clock()),
        ...kindsNav,
      });
    });

    router.get(`${base}/new`, async (_req, res) => {
      res.render('pics/desk/content/form', { ...formLocals(null), values: await admin.newValues(kind) });
    });

    router.post(base, async (req, res) => {
      await submitForm(req, res, 'pics/desk/content/form', formLocals(null), async () => {
        const { title } = await admin.create(req.user!, kind, req.body, ctxOf(req));
        flash(req, 'success', `已新增${kind.noun}「${title}」。`);
        res.redirect(303, listUrl);
      });
    });

    router.get(`${base}/:id/edit`, async (req, res) => {
      const row = await item(req);
      res.render('pics/desk/content/form', { ...formLocals(row), values: admin.formValues(kind, row) });
    });

    router.post(`${base}/:id`, async (req, res) => {
      const row = await item(req);
      await submitForm(req, res, 'pics/desk/content/form', formLocals(row), async () => {
        const { title } = await admin.update(req.user!, kind, row.id, req.body, ctxOf(req));
        flash(req, 'success', `已更新${kind.noun}「${title}」。`);
        res.redirect(303, listUrl);
      });
    });

    router.post(`${base}/:id/delete`, async (req, res) => {
      const { title } = await admin.remove(req.user!, kind, idParam(req.params.id), rawId(req), ctxOf(req));
      flash(req, 'success', `已刪除${kind.noun}「${title}」。`);
      res.redirect(303, listUrl);
    });
  }

  // --- 辦公日曆: the page itself (/pics/desk/calendar) is every agent's; adding and removing days the supervisors'. ---
  const calendarForm = () => ({ title: '新增辦公日曆日期', calendarKinds: CALENDAR_KINDS, years: admin.calendarYears() });

  router.get('/calendar/new', supervisorOnly, (_req, res) => {
    res.render('pics/desk/content/calendar-form', { ...calendarForm(), values: { kind: 'holiday' } });
  });

  router.post('/calendar', supervisorOnly, async (req, res) => {
    await submitForm(req, res, 'pics/desk/content/calendar-form', calendarForm(), async () => {
      const d = await admin.addCalendarDay(req.user!, req.body, ctxOf(req));
      flash(req, 'success', `已新增 ${rocShort(d.day)}（${CALENDAR_KINDS[d.kind]}：${d.name}）。`);
      res.redirect(303, `/pics/desk/calendar?year=${d.day.slice(0, 4)}`);
    });
  });

  router.post('/calendar/:day/delete', supervisorOnly, async (req, res) => {
    const d = await admin.removeCalendarDay(req.user!, String(req.params.day), ctxOf(req));
    flash(req, 'success', `已刪除 ${rocShort(d.day)}（${CALENDAR_KINDS[d.kind]}：${d.name}）。`);
    res.redirect(303, `/pics/desk/calendar?year=${d.day.slice(0, 4)}`);
  });

  return router;
}
