import express, { type Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import { hasRole } from '../../platform/identity/sessionUser';
import { ctxOf } from '../../platform/identity/context';
import { flash, submitForm } from '../../platform/http';
import { rocShort, taipeiToday } from '../../platform/dates';
import { requireRole } from '../../platform/identity/guards';
import { CALENDAR_KINDS } from './schemas';

/** 辦公日曆 (mounted under /pics/desk, behind the agents' guard). */
export function calendarRoutes(services: PicsRouteDeps): Router {
  const { pics } = services;
  const admin = pics.calendarAdmin;
  const router = express.Router();
  const supervisorOnly = requireRole(services.audit, 'cs_supervisor');

  router.get('/calendar', async (req, res) => {
    const thisYear = Number(taipeiToday(services.clock()).slice(0, 4));
    const y = typeof req.query.year === 'string' && /^\d{4}$/.test(req.query.year) ? Number(req.query.year) : thisYear;
    // The years a supervisor may set days in (last year to the year after next).
    const years = pics.calendarAdmin.calendarYears();
    res.render('pics/desk/calendar', { title: '政府行政機關辦公日曆', year: y, years, days: await pics.calendar.year(y), canEdit: hasRole(req.user, 'cs_supervisor') });
  });

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
