/**
 * Work that runs on a schedule, as the areas declare it: `daily` jobs once a day at `at`
 * (Taipei time), `interval` jobs every `everyMinutes`. The job queue (queue.ts) turns each
 * into a cron schedule in Asia/Taipei time on its own queue: one run per period across all
 * instances, never two at once, a stuck run expired after the job timeout.
 */
export interface ScheduledJob {
  name: string;
  /** 'HH:MM' in Asia/Taipei for daily jobs. */
  dailyAt?: string;
  /** Minutes between runs for interval jobs. */
  everyMinutes?: number;
  run: (now: Date) => Promise<unknown>;
}

/**
 * The cut-off for jobs that remove rows stamped with the wall clock (expired sessions, ended
 * rate-limit windows, idle chats, stale drafts): the run's time, but never later than now. A
 * run for a later time (a catch-up, a test that runs the day's jobs ahead) so never removes
 * what is still live.
 */
export function notAfterNow(runFor: Date, now = new Date()): Date {
  return runFor.getTime() > now.getTime() ? now : runFor;
}

/** Taiwan has kept UTC+8 without daylight saving since 1980. */
export const SCHEDULE_TIMEZONE = 'Asia/Taipei';
const TAIPEI_OFFSET_MS = 8 * 3600_000;

/**
 * The job's cron expression (minute hour day month weekday), read in Asia/Taipei time.
 * Intervals must divide an hour or a day evenly, so every period starts at the same times
 * each day; anything else is refused when the job is added.
 */
export function cronOf(job: ScheduledJob): string {
  if (job.dailyAt) {
    const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(job.dailyAt);
    if (!m) throw new Error(`job ${job.name}: dailyAt must be HH:MM, not ${job.dailyAt}`);
    return `${Number(m[2])} ${Number(m[1])} * * *`;
  }
  const n = job.everyMinutes ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`job ${job.name}: everyMinutes must be a whole number of minutes`);
  if (n < 60 && 60 % n === 0) return n === 1 ? '* * * * *' : `*/${n} * * * *`;
  if (n % 60 === 0 && 1440 % n === 0) return n === 1440 ? '0 0 * * *' : `0 */${n / 60} * * *`;
  throw new Error(`job ${job.name}: everyMinutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) or a day (60, 120, 180, 240, 360, 480, 720, 1440), not ${n}`);
}

/**
 * The period `now` falls in, or null for a daily job before its time that day (Taipei):
 * what `tick` uses to tell which jobs are due.
 */
export function periodOf(job: ScheduledJob, now: Date): string | null {
  if (job.dailyAt) {
    const local = new Date(now.getTime() + TAIPEI_OFFSET_MS);
    const [h, m] = job.dailyAt.split(':').map(Number);
    if (local.getUTCHours() * 60 + local.getUTCMinutes() < h! * 60 + m!) return null;
    return local.toISOString().slice(0, 10);
  }
  const every = (job.everyMinutes ?? 1) * 60_000;
  return new Date(Math.floor(now.getTime() / every) * every).toISOString().slice(0, 16);
}
