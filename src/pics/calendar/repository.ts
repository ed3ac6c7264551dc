import type { Db } from '../../platform/database';

/** A day of the calendar table: a weekday off, or a weekend day worked (補行上班). */
export interface CalendarDay {
  day: string;
  kind: 'holiday' | 'workday';
  name: string;
}

/** The SQL of the work calendar's days. */
export function createCalendarRepository(db: Db) {
  return {
    /** Every day of the table. */
    async allDays(): Promise<CalendarDay[]> {
      return db('pics_calendar_day').select(db.raw("to_char(day, 'YYYY-MM-DD') as day"), 'kind', 'name');
    },

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
