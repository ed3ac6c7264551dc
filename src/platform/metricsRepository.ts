import type { Db } from './database';

export interface OutboxFigures {
  /** Unsent messages that will still be tried. */
  pending: number;
  /** Seconds since the oldest of those was written (0 when none). */
  oldestPendingSeconds: number;
  /** Unsent messages whose last attempt failed and that will still be tried. */
  failing: number;
  /** Dead letters: every attempt failed, or they could not be read. */
  givenUp: number;
}

/** What /metrics reads of the mail outbox at each scrape: one small aggregate query. */
export function createMetricsRepository(db: Db) {
  return {
    async outbox(): Promise<OutboxFigures> {
      const row = await db('mail_outbox')
        .whereNull('sent_at')
        .select(
          db.raw('count(*) filter (where dead_at is null) as pending'),
          db.raw('coalesce(extract(epoch from now() - min(created_at) filter (where dead_at is null)), 0) as oldest'),
          db.raw('count(*) filter (where attempts > 0 and dead_at is null) as failing'),
          db.raw('count(*) filter (where dead_at is not null) as given_up'),
        )
        .first<{ pending: number | string; oldest: number | string; failing: number | string; given_up: number | string }>();
      return {
        pending: Number(row?.pending ?? 0),
        oldestPendingSeconds: Math.max(0, Number(row?.oldest ?? 0)),
        failing: Number(row?.failing ?? 0),
        givenUp: Number(row?.given_up ?? 0),
      };
    },
  };
}
