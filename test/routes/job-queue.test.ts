import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../support/app';
import { createJobQueue, type JobQueueOptions } from '../../src/platform/queue';
import { cronOf, periodOf } from '../../src/platform/scheduler';
import { createLogger } from '../../src/platform/logger';
import { waitFor } from '../resilience/harness';

const t = buildApp();
const logger = createLogger('silent');
const started: { stop(ms?: number): Promise<void> }[] = [];
afterAll(async () => {
  for (const q of started) await q.stop(1000);
  await t.close();
});

/** A queue of its own (namespace), as another instance would have on the same database. */
function queueIn(namespace: string, opts: JobQueueOptions = {}) {
  const q = createJobQueue(t.db, logger, { namespace, pollSeconds: 0.5, maintenanceSeconds: 1, cronCheckSeconds: 1, ...opts });
  started.push(q);
  return q;
}
const namespace = () => `t${crypto.randomBytes(4).toString('hex')}_`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the job queue: scheduled jobs', () => {
  it('reads daily times and intervals as cron expressions in Asia/Taipei time, and refuses uneven intervals', () => {
    expect(cronOf({ name: 'x', dailyAt: '08:30', run: async () => 0 })).toBe('30 8 * * *');
    expect(cronOf({ name: 'x', dailyAt: '07:00', run: async () => 0 })).toBe('0 7 * * *');
    expect(cronOf({ name: 'x', everyMinutes: 10, run: async () => 0 })).toBe('*/10 * * * *');
    expect(cronOf({ name: 'x', everyMinutes: 1, run: async () => 0 })).toBe('* * * * *');
    expect(cronOf({ name: 'x', everyMinutes: 360, run: async () => 0 })).toBe('0 */6 * * *');
    expect(() => cronOf({ name: 'x', everyMinutes: 7, run: async () => 0 })).toThrow(/divide an hour/);
    expect(() => cronOf({ name: 'x', dailyAt: '25:00', run: async () => 0 })).toThrow(/HH:MM/);
    expect(() => queueIn(namespace()).add({ name: 'x', everyMinutes: 45, run: async () => 0 })).toThrow();
  });

  it('names periods by interval (what tick uses to tell which jobs are due)', () => {
    expect(periodOf({ name: 'x', everyMinutes: 5, run: async () => 0 }, new Date('2026-12-01T01:07:30Z'))).toBe('2026-12-01T01:05');
    expect(periodOf({ name: 'x', dailyAt: '07:00', run: async () => 0 }, new Date('2026-12-01T23:01:00Z'))).toBe('2026-12-02');
    expect(periodOf({ name: 'x', dailyAt: '07:00', run: async () => 0 }, new Date('2026-12-01T22:59:00Z'))).toBeNull();
  });

  it('tick runs a daily job only after its time (Taipei), with the time it is given', async () => {
    const q = queueIn(namespace());
    const seen: Date[] = [];
    q.add({ name: 'daily', dailyAt: '08:30', run: async (now) => seen.push(now) });
    // 08:29 in Taipei = 00:29 UTC: not yet.
    expect(await q.tick(new Date('2026-12-01T00:29:00Z'))).toEqual({ daily: 'skipped' });
    expect(await q.tick(new Date('2026-12-01T00:31:00Z'))).toEqual({ daily: 'ran' });
    expect(seen).toEqual([new Date('2026-12-01T00:31:00Z')]);
    // The next Taipei day begins at 16:00 UTC, and its 08:30 is 00:30 UTC.
    expect(await q.tick(new Date('2026-12-01T16:40:00Z'))).toEqual({ daily: 'skipped' });
  });

  it('refuses the same job twice', () => {
    const s = queueIn(namespace());
    s.add({ name: 'dup', everyMinutes: 1, run: async () => 0 });
    expect(() => s.add({ name: 'dup', everyMinutes: 1, run: async () => 0 })).toThrow();
  });

  it('prunes rate-limit counters whose window ended more than a day ago', async () => {
    const key = `test-prune-${process.pid}`;
    await t.db('rate_limit_hit').insert([
      { key: `${key}-old`, hits: 3, reset_at: new Date('2026-11-01T00:00:00Z') },
      { key: `${key}-new`, hits: 1, reset_at: new Date('2026-12-02T00:00:00Z') },
    ]);
    expect(await t.services.scheduler.runNow('platform.rate_limits.prune', new Date('2026-12-02T19:40:00Z'))).toBe('ran');
    expect((await t.db('rate_limit_hit').where('key', 'like', `${key}-%`).select('key')).map((r) => r.key)).toEqual([`${key}-new`]);
    await t.db('rate_limit_hit').where('key', 'like', `${key}-%`).delete();
  });

  it('prunes expired sessions once across instances, keeping live ones', async () => {
    const sid = `test-prune-${process.pid}`;
    await t.db('session').insert([
      { sid: `${sid}-old`, sess: JSON.stringify({ cookie: {} }), expire: new Date('2026-12-02T19:00:00Z') },
      { sid: `${sid}-live`, sess: JSON.stringify({ cookie: {} }), expire: new Date('2026-12-02T20:00:00Z') },
    ]);
    expect(await t.services.scheduler.runNow('platform.sessions.prune', new Date('2026-12-02T19:40:00Z'))).toBe('ran');
    expect((await t.db('session').where('sid', 'like', `${sid}-%`).select('sid')).map((r) => r.sid)).toEqual([`${sid}-live`]);
    await t.db('session').where('sid', 'like', `${sid}-%`).delete();
  });

  it('a run for a later time (a catch-up, a test ahead of the clock) never removes what is live now', async () => {
    const sid = `test-ahead-${process.pid}`;
    await t.db('session').insert({ sid, sess: JSON.stringify({ cookie: {} }), expire: new Date(Date.now() + 3600_000) });
    const key = `test-ahead-${process.pid}`;
    await t.db('rate_limit_hit').insert({ key, hits: 2, reset_at: new Date(Date.now() + 60_000) });
    const tomorrow = new Date(Date.now() + 2 * 86_400_000);
    expect(await t.services.scheduler.runNow('platform.sessions.prune', tomorrow)).toBe('ran');
    expect(await t.services.scheduler.runNow('platform.rate_limits.prune', tomorrow)).toBe('ran');
    expect(await t.db('session').where({ sid }).first()).toBeTruthy();
    expect(await t.db('rate_limit_hit').where({ key }).first()).toBeTruthy();
    await t.db('session').where({ sid }).delete();
    await t.db('rate_limit_hit').where({ key }).delete();
  });

  it('has the platform jobs and the mail queue registered', () => {
    expect(t.services.scheduler.jobs()).toEqual(expect.arrayContaining(['uploads.sweep', 'audit.refusal_windows.prune', 'platform.rate_limits.prune', 'platform.sessions.prune', 'jobs.digest', 'pics.overdue-reminder', 'messages.digest']));
    expect(t.services.scheduler.jobs()).not.toContain('mail.retry');
  });

  it('runs an every-minute job once per minute across two instances', async () => {
    const ns = namespace();
    let runs = 0;
    const job = { name: 'minutely', everyMinutes: 1, run: async () => ++runs };
    const a = queueIn(ns);
    const b = queueIn(ns);
    a.add(job);
    b.add(job);
    // Well inside a minute, so the next minute's run cannot come during the checks below.
    while (Date.now() % 60_000 > 40_000 || Date.now() % 60_000 < 2000) await sleep(500);
    await Promise.all([a.start(), b.start()]);
    // This minute's run is due at once: both instances see it, one sends it, one runs it.
    await waitFor('the first run', async () => runs >= 1, 15_000, 100);
    await sleep(5000);
    expect(runs).toBe(1);
    const rows = await t.db.withSchema('pgboss').from('job').where({ name: a.queueName('minutely') }).select('state');
    expect(rows).toEqual([{ state: 'completed' }]);
  }, 80_000);

  it('tries a failed run again after its delay', async () => {
    const q = queueIn(namespace(), { scheduledRetryDelaySeconds: 1 });
    let calls = 0;
    q.add({ name: 'flaky', dailyAt: '03:00', run: async () => { if (++calls === 1) throw new Error('smtp down'); } });
    await q.start();
    await q.trigger('flaky');
    await waitFor('the retry', async () => calls >= 2, 20_000, 100);
    const row = await waitFor('completed', async () => (await t.db.withSchema('pgboss').from('job').where({ name: q.queueName('flaky'), state: 'completed' }).first()) ?? null, 5000, 100);
    expect(row.retry_count).toBe(1);
    expect(calls).toBe(2);
  });

  it('never runs two of the same job at once: a second run waits for the first', async () => {
    const q = queueIn(namespace(), { concurrency: 4 });
    let running = 0;
    let most = 0;
    let done = 0;
    q.add({
      name: 'slow',
      dailyAt: '03:00',
      run: async () => {
        most = Math.max(most, ++running);
        await sleep(1500);
        running--;
        done++;
      },
    });
    await q.start();
    // A second instance polls the same queue too.
    const other = queueIn(q.queueName(''));
    other.add({ name: 'slow', dailyAt: '03:00', run: async () => { most = Math.max(most, ++running); await sleep(1500); running--; done++; } });
    await other.start();
    await q.trigger('slow');
    await waitFor('the first run to start', async () => running === 1, 10_000, 50);
    await q.trigger('slow');
    await waitFor('both runs', async () => done === 2, 20_000, 100);
    expect(most).toBe(1);
  });

  it('expires a stuck run after the job timeout and runs it again', async () => {
    const q = queueIn(namespace(), { jobTimeoutSeconds: 2, scheduledRetryDelaySeconds: 1 });
    let calls = 0;
    let release = () => {};
    q.add({
      name: 'stuck',
      dailyAt: '03:00',
      run: async () => {
        // The first run hangs (a lost connection that never answers); the second finishes.
        if (++calls === 1) await new Promise<void>((r) => (release = r));
      },
    });
    await q.start();
    await q.trigger('stuck');
    await waitFor('the run after the timeout', async () => calls >= 2, 30_000, 100);
    release();
    expect(calls).toBe(2);
  }, 40_000);
});

describe('the job queue at shutdown', () => {
  it('stop() takes no new job and lets the running one finish within the grace period', async () => {
    const q = queueIn(namespace());
    const runs: string[] = [];
    let finished = 0;
    q.define<{ n: number }>('work', { retryLimit: 0, retryDelay: 1, expireInSeconds: 60 }, async (job) => {
      runs.push(`start ${job.data.n}`);
      await sleep(1500);
      finished++;
      runs.push(`end ${job.data.n}`);
    });
    await q.start();
    await q.send('work', { n: 1 });
    await waitFor('the first job to start', async () => runs.length === 1, 10_000, 50);
    const stopped = q.stop(5000);
    // Sent while stopping: no worker of this instance takes it.
    await q.send('work', { n: 2 });
    await stopped;
    expect(finished).toBe(1);
    expect(runs).toEqual(['start 1', 'end 1']);
    await sleep(1500);
    expect(runs).toEqual(['start 1', 'end 1']);
    const states = await t.db.withSchema('pgboss').from('job').where({ name: q.queueName('work') }).orderBy('created_on').select('state');
    expect(states.map((r) => r.state)).toEqual(['completed', 'created']);
  });
});
