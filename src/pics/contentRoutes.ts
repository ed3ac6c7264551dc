import express, { type Router } from 'express';
import type { PicsRouteDeps } from './routeDeps';
import { ctxOf } from '../platform/identity/context';
import { flash, submitForm } from '../platform/http';
import { rocShort } from '../platform/dates';
import { contentAdminRouter } from '../platform/content';
import { requireRole } from '../platform/identity/guards';
import { CONTENT_KINDS } from './contentKinds';
import { CALENDAR_KINDS } from './contentSchemas';

/**
 * 內容管理 of the 客服工作台 (mounted under /pics/desk, behind the agents' guard): the
 * supervisors maintain 公告事項, 常見問題, 檔案下載, 罐頭回覆 (kinds of the platform's
 * content module) and the 辦公日曆.
 */
export function picsContentRoutes(services: PicsRouteDeps): Router {
  const admin = services.pics.calendarAdmin;
  const router = express.Router();
  const supervisorOnly = requireRole(services.audit, 'cs_supervisor');
  router.use('/content', supervisorOnly);

  router.get('/content', (_req, res) => {
    res.render('pics/desk/content/index', { title: '內容管理', contentKinds: CONTENT_KINDS });
  });

  router.use(
    '/content',
    contentAdminRouter({
      content: services.content,
      kinds: CONTENT_KINDS,
      base: '/pics/desk/content',
      clock: services.clock,
      views: { list: 'pics/desk/content/list', form: 'pics/desk/content/form' },
      done: (kind, verb, title) => `已${verb}${kind.noun}「${title}」。`,
    }),
  );

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
