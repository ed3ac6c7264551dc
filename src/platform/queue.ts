import PgBoss from 'pg-boss';
import type { Db } from './database';
import type { Logger } from './logger';
import { queueSql } from './queueRepository';
import { cronOf, periodOf, SCHEDULE_TIMEZONE, type ScheduledJob } from './scheduler';

/**
 * The job queue: pg-boss on the portal's own PostgreSQL (schema `pgboss`, made by the
 * migration 20261209020000_job_queue), through the portal's knex pool.
 *
 * - Work queues (`define`): jobs put on the queue with `send`, inside the caller's
 *   transaction when it passes one (a rolled-back request leaves no job), taken by workers
 *   (`QUEUE_CONCURRENCY` per queue and instance), retried with exponential backoff, failed
 *   for good after `retryLimit` retries; a run that takes longer than `expireInSeconds`
 *   (a killed worker's) is taken again.
 * - Scheduled jobs (`add`, the areas' `ScheduledJob`s): each on its own queue with the
 *   `stately` policy (at most one waiting and one running: never two runs at once), a cron
 *   schedule in Asia/Taipei time that pg-boss fires once per period across all instances,
 *   and the job timeout (`JOB_TIMEOUT_SECONDS`) after which a stuck run expires.
 */

export interface WorkOptions {
  /** Retries after the first attempt. */
  retryLimit: number;
  /** Seconds before the first retry; doubled at each further one (retryBackoff). */
  retryDelay: number;
  /** Seconds a run may take before it counts as failed and is taken again. */
  expireInSeconds: number;
}

export interface WorkJob<T> {
  id: string;
  data: T;
  /** Attempts before this one. */
  retryCount: number;
  retryLimit: number;
}

interface WorkDefinition<T = unknown> {
  name: string;
  options: WorkOptions;
  handle: (job: WorkJob<T>) => Promise<unknown>;
}

export interface JobQueueOptions {
  clock?: () => Date;
  /** Prefix of every queue name (tests give each app its own, so apps never take each other's jobs). */
  namespace?: string;
  /** Jobs each instance runs at once on each work queue. */
  concurrency?: number;
  /** Seconds between polls of an idle queue. */
  pollSeconds?: number;
  /** Seconds a scheduled run may take before it expires. */
  jobTimeoutSeconds?: number;
  /** Seconds between pg-boss's maintenance passes (expiring stuck runs, archiving). */
  maintenanceSeconds?: number;
  /** Seconds before a failed scheduled run is tried again (then doubled; 2 retries). */
  scheduledRetryDelaySeconds?: number;
  /** Seconds between checks of the cron schedules (pg-boss's timekeeper; 1–45). */
  cronCheckSeconds?: number;
}

export type RunResult = 'ran' | 'skipped' | 'failed';

export function createJobQueue(db: Db, logger: Logger, opts: JobQueueOptions = {}) {
  const clock = opts.clock ?? (() => new Date());
  const ns = opts.namespace ?? '';
  const concurrency = opts.concurrency ?? 4;
  const pollSeconds = opts.pollSeconds ?? 2;
  const jobTimeoutSeconds = opts.jobTimeoutSeconds ?? 15 * 60;
  const scheduled: ScheduledJob[] = [];
  const work = new Map<string, WorkDefinition>();
  const created = new Set<string>();
  let started = false;
  let stopping: Promise<void> | null = null;
  /** Runs in this process right now (scheduled or work), for the shutdown log. */
  let running = 0;

  const boss = new PgBoss({
    db: queueSql(db),
    schema: 'pgboss',
    // The owner's migration made (and upgrades) the schema; the app's login only checks it.
    migrate: false,
    maintenanceIntervalSeconds: opts.maintenanceSeconds ?? 60,
    cronMonitorIntervalSeconds: opts.cronCheckSeconds ?? 30,
    cronWorkerIntervalSeconds: Math.min(opts.cronCheckSeconds ?? 5, 5),
    // Finished jobs stay two days, then a week in the archive (the admin page reads mail_outbox).
    archiveCompletedAfterSeconds: 2 * 86400,
    archiveFailedAfterSeconds: 14 * 86400,
    deleteAfterDays: 7,
  });
  boss.on('error', (err: Error) => logger.warn({ err: err.message }, 'job queue'));

  const queueName = (name: string) => `${ns}${name}`;
  const scheduledOptions = () => ({ policy: 'stately' as const, retryLimit: 2, retryDelay: opts.scheduledRetryDelaySeconds ?? 60, retryBackoff: true, expireInSeconds: jobTimeoutSeconds });

  /**
   * Makes a queue unless it exists. Two instances making the same new queue at once can
   * deadlock inside pg-boss's create_queue (its partition DDL): the loser tries again.
   */
  async function createQueue(name: string, options: Parameters<PgBoss['createQueue']>[1]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await boss.createQueue(name, options);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '23505' && code !== '42P07')) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
      }
    }
  }

  async function ensureQueue(name: string, options: Parameters<PgBoss['createQueue']>[1]) {
    if (created.has(name)) return;
    await createQueue(queueName(name), options);
    created.add(name);
  }

  /** A work queue's job, run in this process: what a worker does with each job it takes. */
  async function runWork(def: WorkDefinition, job: PgBoss.JobWithMetadata<unknown>): Promise<void> {
    running++;
    try {
      await def.handle({ id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit });
    } finally {
      running--;
    }
  }

  async function runScheduled(job: ScheduledJob, now: Date): Promise<RunResult> {
    running++;
    const started = Date.now();
    try {
      const result = await job.run(now);
      logger.info({ job: job.name, ms: Date.now() - started, result }, 'scheduled job done');
      return 'ran';
    } catch (err) {
      logger.error({ err, job: job.name }, 'scheduled job failed');
      throw err;
    } finally {
      running--;
    }
  }

  const queue = {
    /** A scheduled job (the areas' ScheduledJob); its cron expression is checked here. */
    add(job: ScheduledJob) {
      if (scheduled.some((j) => j.name === job.name) || work.has(job.name)) throw new Error(`job ${job.name} added twice`);
      cronOf(job);
      scheduled.push(job);
    },
    /** A work queue and what a worker does with each of its jobs. */
    define<T>(name: string, options: WorkOptions, handle: (job: WorkJob<T>) => Promise<unknown>) {
      if (scheduled.some((j) => j.name === name) || work.has(name)) throw new Error(`queue ${name} defined twice`);
      work.set(name, { name, options, handle: handle as WorkDefinition['handle'] });
    },
    /** The scheduled jobs' names. */
    jobs: () => scheduled.map((j) => j.name),
    definitions: (): readonly ScheduledJob[] => scheduled,
    /** The name a queue has in pg-boss (with this instance's namespace). */
    queueName,
    /**
     * Puts a job on a work queue; with `trx`, in that transaction. Returns the job's id.
     * `singletonKey` keeps a second job with the same key off the queue while one waits.
     */
    async send<T extends object>(name: string, data: T, o: { trx?: Db; singletonKey?: string } = {}): Promise<string> {
      const def = work.get(name);
      if (!def) throw new Error(`no work queue ${name}`);
      await ensureQueue(name, { name: queueName(name), policy: 'standard', ...def.options, retryBackoff: true });
      const id = await boss.send(queueName(name), data, {
        ...def.options,
        retryBackoff: true,
        singletonKey: o.singletonKey,
        db: o.trx ? queueSql(o.trx) : undefined,
      });
      if (!id) throw new Error(`job not queued on ${name}`);
      return id;
    },
    /**
     * Puts a run of a scheduled job on its queue now, as its schedule does at its times (an
     * operator's "run it now"); null when one is already waiting.
     */
    async trigger(name: string): Promise<string | null> {
      if (!scheduled.some((j) => j.name === name)) throw new Error(`no scheduled job ${name}`);
      await ensureQueue(name, { name: queueName(name), ...scheduledOptions() });
      return boss.send(queueName(name), {});
    },
    /**
     * Takes every waiting job of the work queues (this namespace) and runs it here, as a
     * worker would, until none is left that is due: a failed job waits for its retry.
     */
    async drain(names: string[] = [...work.keys()]): Promise<number> {
      let done = 0;
      for (let round = 0; round < 10; round++) {
        let took = 0;
        for (const name of names) {
          const def = work.get(name);
          if (!def) continue;
          await ensureQueue(name, { name: queueName(name), policy: 'standard', ...def.options, retryBackoff: true });
          for (;;) {
            const jobs = await boss.fetch<unknown>(queueName(name), { batchSize: 20, includeMetadata: true });
            if (!jobs.length) break;
            took += jobs.length;
            for (const job of jobs) {
              try {
                await runWork(def, job);
                await boss.complete(queueName(name), job.id);
                done++;
              } catch (err) {
                await boss.fail(queueName(name), job.id, { message: (err as Error).message });
              }
            }
          }
        }
        if (!took) break;
      }
      return done;
    },
    /**
     * Runs one scheduled job now, for this `now`, then the work it put on the queues (tests
     * and operators; the schedule does the same at its times).
     */
    async runNow(name: string, now: Date = clock()): Promise<RunResult> {
      const job = scheduled.find((j) => j.name === name);
      if (!job) throw new Error(`no scheduled job ${name}`);
      let result: RunResult;
      try {
        result = await runScheduled(job, now);
      } catch {
        result = 'failed';
      }
      await queue.drain();
      return result;
    },
    /** Runs every scheduled job that is due at `now` (a daily job after its time), as runNow. */
    async tick(now: Date = clock()): Promise<Record<string, RunResult>> {
      const out: Record<string, RunResult> = {};
      for (const job of scheduled) out[job.name] = periodOf(job, now) ? await queue.runNow(job.name, now) : 'skipped';
      return out;
    },
    /**
     * Starts this instance's part: the queues and schedules are made (or updated), the
     * maintenance and the schedule's clock run, workers poll every queue.
     */
    async start(): Promise<void> {
      if (started) return;
      started = true;
      await boss.start();
      for (const job of scheduled) {
        const name = queueName(job.name);
        await createQueue(name, { name, ...scheduledOptions() });
        await boss.updateQueue(name, { name, ...scheduledOptions() });
        await boss.schedule(name, cronOf(job), {}, { tz: SCHEDULE_TIMEZONE });
        await boss.work(name, { batchSize: 1, pollingIntervalSeconds: pollSeconds }, async () => {
          await runScheduled(job, clock());
        });
      }
      // Schedules of jobs no longer in the code (renamed or removed) stop firing.
      const names = new Set(scheduled.map((j) => queueName(j.name)));
      for (const s of await boss.getSchedules()) {
        if (s.name.startsWith(ns) && !names.has(s.name)) await boss.unschedule(s.name);
      }
      for (const def of work.values()) {
        const name = queueName(def.name);
        await ensureQueue(def.name, { name, policy: 'standard', ...def.options, retryBackoff: true });
        await boss.updateQueue(name, { name, policy: 'standard', ...def.options, retryBackoff: true });
        for (let i = 0; i < concurrency; i++) {
          await boss.work(name, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: pollSeconds }, async ([job]) => {
            if (job) await runWork(def, job);
          });
        }
      }
      logger.info({ scheduled: scheduled.length, queues: work.size, concurrency }, 'job queue started');
    },
    /**
     * Stops taking jobs at once; the runs in progress finish, up to `graceMs` (the shutdown's
     * grace period); a run still going then is failed and taken again by another instance.
     */
    stop(graceMs = 20_000): Promise<void> {
      if (!started) return Promise.resolve();
      stopping ??= new Promise<void>((resolve) => {
        boss.once('stopped', () => resolve());
        if (running) logger.info({ running }, 'job queue: waiting for the jobs in progress');
        boss.stop({ graceful: true, wait: false, close: false, timeout: Math.max(1000, graceMs) }).catch((err: Error) => {
          logger.warn({ err: err.message }, 'job queue did not stop cleanly');
          resolve();
        });
      });
      return stopping;
    },
    /** Jobs this process is running now. */
    running: () => running,
  };
  return queue;
}

export type JobQueue = ReturnType<typeof createJobQueue>;
