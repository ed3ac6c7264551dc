import type { Db } from '../platform/database';
import type { CalendarDay } from './calendar';

/** The SQL of the work calendar's days (the table src/pics/calendar.ts reads). */
export function createCalendarRepository(db: Db) {
  return {
    async calendarDay(day: string, q: Db = db): Promise<CalendarDay | undefined> {
      return q('pics_calendar_day').where({ day }).first(db.raw("to_char(day, 'YYYY-MM-DD') as day"), 'kind', 'name');
    },

    async insertCalendarDay(trx: Db, d: CalendarDay): Promise<void> {
      await trx('pics_calendar_day').insert({ day: d.day, kind: d.kind, name: d.name });
    },

    /** The day removed, or undefined when the table had no such day. */
    async deleteCalendarDay(trx: Db, day: string): Promise<CalendarDay | undefined> {
      const gone: CalendarDay | undefined = await trx('pics_calendar_day').where({ day }).forUpdate().first(db.raw("to_char(day, 'YYYY-MM-DD') as day"), 'kind', 'name');
      if (gone) await trx('pics_calendar_day').where({ day }).delete();
      return gone;
    },
  };
}

export type CalendarRepository = ReturnType<typeof createCalendarRepository>;
