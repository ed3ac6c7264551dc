import type { PicsDeps } from '../deps';
import { actorOf } from '../../platform/identity/actor';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { hasRole } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { Db } from '../../platform/database';
import { ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { parseDateInput, rocShort, taipeiToday } from '../../platform/dates';
import { weekdayOf, type CalendarDay, type WorkCalendar } from './workCalendar';
import { createCalendarRepository } from './repository';
import { CALENDAR_KINDS, calendarDaySchema } from './schemas';
import { recordAccessDenied } from '../../platform/identity/guards';

type Ctx = Pick<RequestContext, 'ip' | 'requestId'>;

const WEEKDAYS = '日一二三四五六';
const ROC_OFFSET = 1911;

/**
 * The work calendar of 內容管理 (客服主管): its days added and removed, each change and its
 * audit entry one transaction. PICS's announcements, FAQ, downloads and canned replies are
 * kinds of the platform's content module (src/pics/content/contentKinds.ts).
 */
export function createCalendarAdmin(core: PicsDeps, calendar: WorkCalendar) {
  const { db, audit, clock } = core;
  const repo = createCalendarRepository(db);
  const record = (u: SessionUser, action: string, target: { type: string; id: string | number }, ctx: Ctx, details: Record<string, unknown> = {}, trx?: Db, outcome: 'ok' | 'denied' | 'failed' = 'ok') =>
    audit.record({ actor: actorOf(u), action, outcome, target, ip: ctx.ip, requestId: ctx.requestId, details }, trx);

  /** The routes admit only supervisors; a call from anywhere else is refused the same way. */
  async function requireSupervisor(u: SessionUser, what: string, ctx: Ctx) {
    if (hasRole(u, 'cs_supervisor')) return;
    await recordAccessDenied(audit, { user: u, ctx, target: { type: 'pics_content', id: what } }, { required: ['cs_supervisor'] });
    throw new ForbiddenError('僅客服主管可以維護 PICS 內容');
  }

  /** The years a calendar day may be set in: last year to the year after next. */
  function calendarYears(): number[] {
    const y = Number(taipeiToday(clock()).slice(0, 4));
    return [y - 1, y, y + 1, y + 2];
  }

  return {
    calendarYears,

    /**
     * Adds a day to the work calendar. Refused: a holiday on a weekend or a make-up workday
     * on a weekday (neither would change anything), a day already in the table, a year
     * outside calendarYears(). This instance sees the change at once.
     */
    async addCalendarDay(u: SessionUser, body: unknown, ctx: Ctx): Promise<CalendarDay> {
      await requireSupervisor(u, 'calendar.create', ctx);
      const v = parseForm(calendarDaySchema, body);
      const years = calendarYears();
      const year = Number(v.day.slice(0, 4));
      const errors: Record<string, string> = {};
      const shown = `${rocShort(v.day)}（星期${WEEKDAYS[weekdayOf(v.day)]}）`;
      if (year < years[0]! || year > years[years.length - 1]!) {
        errors.day = `日期須在民國 ${years[0]! - ROC_OFFSET} 年至 ${years[years.length - 1]! - ROC_OFFSET} 年之間`;
      } else {
        const existing = await repo.calendarDay(v.day);
        if (existing) errors.day = `${shown}已在辦公日曆中（${CALENDAR_KINDS[existing.kind]}：${existing.name}），如需更改請先刪除該日`;
        const weekend = [0, 6].includes(weekdayOf(v.day));
        if (v.kind === 'holiday' && weekend) errors.kind = `${shown}原本就是例假日，不需設定放假`;
        if (v.kind === 'workday' && !weekend) errors.kind = `${shown}原本就是上班日，不需設定補行上班`;
      }
      if (Object.keys(errors).length) throw new FormError(errors);
      const day: CalendarDay = { day: v.day, kind: v.kind, name: v.name };
      try {
        await db.transaction(async (trx: Db) => {
          await repo.insertCalendarDay(trx, day);
          await record(u, 'pics.content.calendar.create', { type: 'pics_calendar_day', id: day.day }, ctx, { kind: day.kind, name: day.name }, trx);
        });
      } catch (err) {
        // Another supervisor added the same day a moment ago.
        if ((err as { code?: string }).code === '23505') throw new FormError({ day: `${shown}已在辦公日曆中，如需更改請先刪除該日` });
        throw err;
      }
      calendar.invalidate();
      return day;
    },

    async removeCalendarDay(u: SessionUser, raw: string, ctx: Ctx): Promise<CalendarDay> {
      await requireSupervisor(u, 'calendar.delete', ctx);
      const ymd = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? parseDateInput(raw) : null;
      const gone =
        ymd === null
          ? undefined
          : await db.transaction(async (trx: Db) => {
              const d = await repo.deleteCalendarDay(trx, ymd);
              if (d) await record(u, 'pics.content.calendar.delete', { type: 'pics_calendar_day', id: d.day }, ctx, { kind: d.kind, name: d.name }, trx);
              return d;
            });
      if (!gone) {
        await record(u, 'pics.content.calendar.not_found', { type: 'pics_calendar_day', id: raw.slice(0, 100) }, ctx, {}, undefined, 'failed');
        throw new NotFoundError('辦公日曆中查無此日');
      }
      calendar.invalidate();
      return gone;
    },
  };
}

export type CalendarAdmin = ReturnType<typeof createCalendarAdmin>;
