import type { Db } from './database';

export interface OutboxFigures {
  /** Unsent messages that will still be tried. */
  pending: number;
  /** Seconds since the oldest of those was written (0 when none). */
  oldestPendingSeconds: number;
  /** Unsent messages whose last attempt failed and that will still be tried. */
  failing: number;
  /** Messages given up: every attempt failed, or they could not be read. */
  givenUp: number;
}

/** What /metrics reads from the database at each scrape: two small aggregate queries. */
export function createMetricsRepository(db: Db) {
  return {
    async outbox(maxAttempts: number): Promise<OutboxFigures> {
      const row = await db('mail_outbox')
        .whereNull('sent_at')
        .select(
          db.raw('count(*) filter (where attempts < ?) as pending', [maxAttempts]),
          db.raw('coalesce(extract(epoch from now() - min(created_at) filter (where attempts < ?)), 0) as oldest', [maxAttempts]),
          db.raw('count(*) filter (where attempts > 0 and attempts < ?) as failing', [maxAttempts]),
          db.raw('count(*) filter (where attempts >= ?) as given_up', [maxAttempts]),
        )
        .first<{ pending: number | string; oldest: number | string; failing: number | string; given_up: number | string }>();
      return {
        pending: Number(row?.pending ?? 0),
        oldestPendingSeconds: Math.max(0, Number(row?.oldest ?? 0)),
        failing: Number(row?.failing ?? 0),
        givenUp: Number(row?.given_up ?? 0),
      };
    },
    /** Which of these (job, period) runs have finished, as `job\u0000period` keys. */
    async finishedPeriods(periods: { job: string; period: string }[]): Promise<Set<string>> {
      if (!periods.length) return new Set();
      const done: { job: string; period: string }[] = await db('scheduled_run')
        .whereNotNull('finished_at')
        .whereIn(['job', 'period'], periods.map((p) => [p.job, p.period]))
        .select('job', 'period');
      return new Set(done.map((r) => `${r.job}\u0000${r.period}`));
    },
    /** The oldest claimed run of each job that has not finished. */
    async unfinishedSince(): Promise<Map<string, Date>> {
      const open: { job: string; since: Date }[] = await db('scheduled_run').whereNull('finished_at').groupBy('job').select('job', db.raw('min(started_at) as since'));
      return new Map(open.map((r) => [r.job, new Date(r.since)]));
    },
  };
}
