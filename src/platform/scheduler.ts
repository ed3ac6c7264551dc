import type { Db } from './database';
import type { Logger } from './logger';
import { createSchedulerRepository } from './schedulerRepository';

/**
 * Work that runs on a schedule: `daily` jobs once a day after `at` (Taipei time),
 * `interval` jobs once per period. Every instance ticks, but a run is claimed by
 * inserting (job, period) into `scheduled_run`, so each period runs exactly once
 * across all instances; a claimed run that failed is retried in the next tick.
 */
export interface ScheduledJob {
  name: string;
  /** 'HH:MM' in Asia/Taipei for daily jobs. */
  dailyAt?: string;
  /** Minutes between runs for interval jobs. */
  everyMinutes?: number;
  run: (now: Date) => Promise<unknown>;
}

const TAIPEI_OFFSET_MS = 8 * 3600_000;

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

/**
 * When the period `now` falls in became due: a daily job's time today (Taipei), an interval
 * job's period start; null for a daily job before its time. Its lag is `now` minus this
 * while that period's run has not finished.
 */
export function dueSince(job: ScheduledJob, now: Date): Date | null {
  const period = periodOf(job, now);
  if (!period) return null;
  if (job.dailyAt) return new Date(Date.parse(`${period}T${job.dailyAt}:00Z`) - TAIPEI_OFFSET_MS);
  return new Date(Date.parse(`${period}:00Z`));
}

export function createScheduler(db: Db, logger: Logger, opts: { clock?: () => Date; tickMs?: number } = {}) {
  const runs = createSchedulerRepository(db);
  const jobs: ScheduledJob[] = [];
  const clock = opts.clock ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function runJob(job: ScheduledJob, now: Date): Promise<'ran' | 'skipped' | 'failed'> {
    const period = periodOf(job, now);
    if (!period) return 'skipped';
    if (!(await runs.claim(job.name, period, now))) return 'skipped';
    try {
      const result = await job.run(now);
      await runs.finish(job.name, period, result);
      return 'ran';
    } catch (err) {
      logger.error({ err, job: job.name, period }, 'scheduled job failed');
      // Give the period back so the next tick (on any instance) tries again.
      await runs.release(job.name, period).catch(() => {});
      return 'failed';
    }
  }

  return {
    add(job: ScheduledJob) {
      if (jobs.some((j) => j.name === job.name)) throw new Error(`job ${job.name} added twice`);
      jobs.push(job);
    },
    jobs: () => jobs.map((j) => j.name),
    /** The jobs as added (their names and periods), for the metrics. */
    definitions: (): readonly ScheduledJob[] => jobs,
    /** Runs every job that is due now; returns what each did (tests call this). */
    async tick(now = clock()): Promise<Record<string, 'ran' | 'skipped' | 'failed'>> {
      const out: Record<string, 'ran' | 'skipped' | 'failed'> = {};
      for (const job of jobs) {
        try {
          out[job.name] = await runJob(job, now);
        } catch (err) {
          // The database is away: try again next tick.
          logger.warn({ err, job: job.name }, 'scheduler could not claim a run');
          out[job.name] = 'failed';
        }
      }
      return out;
    },
    start() {
      if (timer) return;
      const tick = () => {
        if (running) return;
        running = this.tick().then(() => undefined, () => undefined).finally(() => (running = null));
      };
      timer = setInterval(tick, opts.tickMs ?? 30_000);
      timer.unref();
      tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
