import net from 'node:net';
import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './database';
import type { Logger } from './logger';
import { createMetricsRepository } from './metricsRepository';
import { createQueueRepository, type QueueFigures } from './queueRepository';

/** One trusted CA's CRL as the trust store holds it now. */
export interface CrlStatus {
  ca: string;
  thisUpdate: Date;
  nextUpdate: Date | null;
  entries: number;
}

export interface MetricsSources {
  db: Db;
  logger: Logger;
  /** A queue's name in pg-boss (this instance's namespace before it). */
  queueName: (name: string) => string;
  /** The CRLs in use, one per trusted CA that has one. */
  crls: () => CrlStatus[];
  clock?: () => Date;
}

/** Buckets for page and API answers, from a cached page (5 ms) to a slow upload (30 s). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The portal's Prometheus metrics, one registry per app (tests build several apps in one
 * process). Counters and histograms are updated as things happen; the database figures
 * (outbox, job queue) and the CRLs' ages are read at each scrape.
 */
export function createMetrics(src: MetricsSources) {
  const clock = src.clock ?? (() => new Date());
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const repo = createMetricsRepository(src.db);

  const httpDuration = new Histogram({
    name: 'ecpa_http_request_duration_seconds',
    help: 'Time from a request arriving to its response finishing, by route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });

  // The knex pool (tarn): requests waiting for a connection, and how long they waited.
  const pool = (src.db.client as { pool?: TarnPool }).pool;
  const acquireWait = new Histogram({
    name: 'ecpa_db_pool_acquire_wait_seconds',
    help: 'Time a query waited for a database connection from the pool',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  if (pool) {
    const asked = new Map<number, number>();
    pool.on('acquireRequest', (id) => asked.set(id, performance.now()));
    const done = (id: number) => {
      const t = asked.get(id);
      if (t === undefined) return;
      asked.delete(id);
      acquireWait.observe((performance.now() - t) / 1000);
    };
    pool.on('acquireSuccess', done);
    pool.on('acquireFail', done);
  }
  new Gauge({
    name: 'ecpa_db_pool_pending_acquires',
    help: 'Queries waiting for a database connection right now',
    registers: [registry],
    collect() {
      this.set(pool?.numPendingAcquires() ?? 0);
    },
  });
  new Gauge({
    name: 'ecpa_db_pool_connections',
    help: 'Database connections of this instance, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'used' }, pool?.numUsed() ?? 0);
      this.set({ state: 'free' }, pool?.numFree() ?? 0);
    },
  });

  // Mail outbox (mail_outbox): one query per scrape, shared by the four gauges.
  let outboxRead: Promise<Awaited<ReturnType<typeof repo.outbox>> | null> | null = null;
  const outbox = () =>
    (outboxRead ??= repo
      .outbox()
      .catch((err: Error) => {
        src.logger.warn({ err: err.message }, 'metrics: mail outbox not readable');
        return null;
      })
      .finally(() => setTimeout(() => (outboxRead = null), 0)));
  const outboxGauge = (name: string, help: string, pick: (o: Awaited<ReturnType<typeof repo.outbox>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const o = await outbox();
        if (o) this.set(pick(o));
      },
    });
  outboxGauge('ecpa_mail_outbox_pending', 'Mail written but not yet sent, that will still be tried', (o) => o.pending);
  outboxGauge('ecpa_mail_outbox_oldest_pending_seconds', 'Age of the oldest mail waiting to be sent', (o) => o.oldestPendingSeconds);
  outboxGauge('ecpa_mail_outbox_failing', 'Mail whose last attempt failed and that will be tried again', (o) => o.failing);
  outboxGauge('ecpa_mail_failed', 'Dead letters: mail given up after MAIL_MAX_ATTEMPTS attempts (or unreadable after a key change), until 重新寄送', (o) => o.givenUp);

  // The job queue (pg-boss): one aggregate per scrape, shared by the gauges below.
  const queues = createQueueRepository(src.db);
  let queueRead: Promise<QueueFigures[] | null> | null = null;
  const queueFigures = () =>
    (queueRead ??= queues
      .figures()
      .catch((err: Error) => {
        src.logger.warn({ err: err.message }, 'metrics: job queue not readable');
        return null;
      })
      .finally(() => setTimeout(() => (queueRead = null), 0)));
  const prefix = src.queueName('');
  const queueGauge = (name: string, help: string, pick: (q: QueueFigures) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        const figures = await queueFigures();
        if (!figures) return;
        this.reset();
        for (const q of figures) if (q.queue.startsWith(prefix)) this.set({ queue: q.queue.slice(prefix.length) }, pick(q));
      },
    });
  queueGauge('ecpa_queue_depth', 'Jobs waiting on each queue (created, or waiting for their retry)', (q) => q.waiting);
  queueGauge('ecpa_queue_lag_seconds', 'Seconds since the oldest job of each queue that is due became due without being taken (job lag)', (q) => q.lagSeconds);
  queueGauge('ecpa_queue_active_seconds', 'Seconds the oldest running job of each queue has run (a stuck run expires after its timeout)', (q) => q.activeSeconds);
  queueGauge('ecpa_queue_failed', 'Jobs of each queue that failed for good and are not archived yet', (q) => q.failed);

  new Gauge({
    name: 'ecpa_crl_age_seconds',
    help: "Seconds since the thisUpdate of each trusted CA's CRL in use",
    labelNames: ['ca'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const now = clock().getTime();
      for (const c of src.crls()) this.set({ ca: c.ca }, (now - c.thisUpdate.getTime()) / 1000);
    },
  });
  new Gauge({
    name: 'ecpa_crl_next_update_seconds',
    help: "Seconds until the nextUpdate of each trusted CA's CRL in use (negative: the CRL is stale)",
    labelNames: ['ca'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const now = clock().getTime();
      for (const c of src.crls()) if (c.nextUpdate) this.set({ ca: c.ca }, (c.nextUpdate.getTime() - now) / 1000);
    },
  });
  new Gauge({
    name: 'ecpa_crl_entries',
    help: "Revoked serials on each trusted CA's CRL in use",
    labelNames: ['ca'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of src.crls()) this.set({ ca: c.ca }, c.entries);
    },
  });
  const crlFetches = new Counter({
    name: 'ecpa_crl_fetches_total',
    help: "CRL downloads from the CAs' URLs, by CA and result (ok, unchanged, or why it was refused)",
    labelNames: ['ca', 'result'] as const,
    registers: [registry],
  });
  const cardLogins = new Counter({
    name: 'ecpa_card_logins_total',
    help: 'Card sign-in attempts (POST /login/certificate) by result: ok, activate (first sign-in) or the refusal code',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const sessionReads = new Counter({
    name: 'ecpa_session_reads_total',
    help: 'Sessions found for a request, by where from: kept (this instance\'s cache, current to the last committed change) or database',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const sessionCacheCleared = new Counter({
    name: 'ecpa_session_cache_cleared_total',
    help: 'Times this instance dropped every session it kept, by reason: notice (one change to the rows of many sessions, or a TRUNCATE) or connection (its LISTEN connection lost)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const keptReads = new Counter({
    name: 'ecpa_kept_reads_total',
    help: 'Repository reads that may be kept between requests (platform/readCache.ts), by where they were answered from: kept (current to the last committed change), shared (the same read from the database under way, nothing it depends on changed since it began) or database',
    labelNames: ['source'] as const,
    registers: [registry],
  });

  return {
    registry,
    httpDuration,
    crlFetches,
    cardLogins,
    sessionReads,
    sessionCacheCleared,
    keptReads,
    /** The Prometheus text exposition of every metric. */
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

interface TarnPool {
  on(event: 'acquireRequest' | 'acquireSuccess' | 'acquireFail', fn: (id: number) => void): void;
  numPendingAcquires(): number;
  numUsed(): number;
  numFree(): number;
}

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is. */
function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** A predicate over client addresses from CIDR blocks (`address/prefix`). */
export function addressMatcher(blocks: readonly string[]): (ip: string | undefined) => boolean {
  const list = new net.BlockList();
  for (const b of blocks) {
    const [address, prefix] = b.split('/');
    const type = net.isIPv4(address!) ? 'ipv4' : 'ipv6';
    list.addSubnet(address!, Number(prefix), type);
  }
  return (ip) => {
    if (!ip) return false;
    const a = plainAddress(ip);
    const type = net.isIPv4(a) ? 'ipv4' : net.isIPv6(a) ? 'ipv6' : null;
    return type !== null && list.check(a, type);
  };
}

/**
 * GET /metrics for the configured addresses only (the client address as `trust proxy`
 * reads it); anyone else gets the 404 an unknown page gets.
 */
export function metricsEndpoint(metrics: Metrics, allow: readonly string[]): RequestHandler {
  const allowed = addressMatcher(allow);
  return async (req: Request, res, next) => {
    if (!allowed(req.ip)) return next();
    const { contentType, body } = await metrics.render();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  };
}
