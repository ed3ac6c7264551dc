import type { Db } from './database';

/** The scheduler's claims: one `scheduled_run` row per job and period, across instances. */
export function createSchedulerRepository(db: Db) {
  return {
    /** True when this instance claimed the period (no other had). */
    async claim(job: string, period: string, startedAt: Date): Promise<boolean> {
      const claimed = await db('scheduled_run').insert({ job, period, started_at: startedAt }).onConflict(['job', 'period']).ignore().returning('job');
      return claimed.length > 0;
    },
    async finish(job: string, period: string, result: unknown): Promise<void> {
      await db('scheduled_run').where({ job, period }).update({ finished_at: db.fn.now(), result: JSON.stringify(result ?? null) });
    },
    /** Gives a failed run's period back, so the next tick (on any instance) tries again. */
    async release(job: string, period: string): Promise<void> {
      await db('scheduled_run').where({ job, period }).delete();
    },
  };
}
