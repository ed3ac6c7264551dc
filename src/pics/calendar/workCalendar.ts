import type { Db } from '../../platform/database';
import { taipeiToday } from '../../platform/dates';
import { createCalendarRepository, type CalendarDay } from './repository';

export type { CalendarDay } from './repository';

const CACHE_MS = 60_000;

/** 0 (Sunday) … 6 (Saturday) of a 'YYYY-MM-DD' date. */
export function weekdayOf(ymd: string): number {
  return new Date(`${ymd}T00:00:00Z`).getUTCDay();
}

export function shiftDay(ymd: string, days: number): string {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The government work calendar: Monday–Friday are workdays unless the table says
 * 'holiday'; Saturday and Sunday are off unless the table says 'workday'. The table is
 * small and read through a short cache, so every instance sees edits within a minute.
 */
export function createWorkCalendar(db: Db) {
  const repo = createCalendarRepository(db);
  let cache: { at: number; days: Map<string, CalendarDay> } | null = null;

  async function days(): Promise<Map<string, CalendarDay>> {
    if (cache && Date.now() - cache.at < CACHE_MS) return cache.days;
    const rows = await repo.allDays();
    cache = { at: Date.now(), days: new Map(rows.map((r) => [r.day, r])) };
    return cache.days;
  }

  function workdayIn(map: Map<string, CalendarDay>, ymd: string): boolean {
    const special = map.get(ymd);
    if (special) return special.kind === 'workday';
    const wd = weekdayOf(ymd);
    return wd !== 0 && wd !== 6;
  }

  return {
    /** Whether the Taipei calendar day of `date` is a government workday. */
    async isWorkday(date: Date): Promise<boolean> {
      return workdayIn(await days(), taipeiToday(date));
    },
    async isWorkdayYmd(ymd: string): Promise<boolean> {
      return workdayIn(await days(), ymd);
    },
    /** The date `n` workdays after `ymd` (the day itself not counted). */
    async addWorkdays(ymd: string, n: number): Promise<string> {
      const map = await days();
      let d = ymd;
      let left = n;
      for (let guard = 0; left > 0 && guard < 400; guard++) {
        d = shiftDay(d, 1);
        if (workdayIn(map, d)) left--;
      }
      return d;
    },
    /** Workdays strictly after `from` up to and including `to`. */
    async workdaysBetween(from: string, to: string): Promise<number> {
      const map = await days();
      let n = 0;
      for (let d = shiftDay(from, 1), guard = 0; d <= to && guard < 4000; d = shiftDay(d, 1), guard++) if (workdayIn(map, d)) n++;
      return n;
    },
    async year(year: number): Promise<CalendarDay[]> {
      const map = await days();
      return [...map.values()].filter((d) => d.day.startsWith(`${year}-`)).sort((a, b) => a.day.localeCompare(b.day));
    },
    /** Forget the cached table after an edit on this instance (others see it when their cache expires). */
    invalidate() {
      cache = null;
    },
  };
}

export type WorkCalendar = ReturnType<typeof createWorkCalendar>;
