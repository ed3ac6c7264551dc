/**
 * One benchmark target in its own process, so the load generator does not share its
 * event loop: `bare` (Express answering 'hello'), `replay` (Express sending pages captured
 * from the portal, byte for byte with their headers: the limit for those pages), `floor` (the
 * same captured pages, each sent only after the portal's own session middleware has read and
 * checked the signed-in session from PostgreSQL, as every signed-in page must: the least a
 * signed-in page costs with this stack), `shared` (the whole app, answering each captured page
 * where the pages' own routes start: the portal's shared path alone) or `portal` (the whole app).
 *
 *   BENCH_TARGET=bare|replay|floor|shared|portal  BENCH_PORT=<port>  BENCH_DATABASE_URL=<url>  [BENCH_WORKERS=<n>]
 *   BENCH_REPLAY_FILE=<json>   for `replay`, `floor` and `shared`: [{ path, status, headers, bodyBase64 }]
 *
 * Tells its parent `{ ready: port }` over IPC once it listens; stops on SIGTERM.
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import express from 'express';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { createDb } from '../src/platform/database';
import { createServices } from '../src/services';
import { createApp } from '../src/app';
import { setUpSession } from '../src/platform/web/setUpSession';
import { headerUnreadSql } from '../src/portal/messages';

const target = process.env.BENCH_TARGET;
const port = Number(process.env.BENCH_PORT);
const workers = Math.max(1, Number(process.env.BENCH_WORKERS ?? 1));

function tellParent(message: unknown) {
  if (process.send) process.send(message);
}

async function serve(): Promise<void> {
  if (target === 'bare') {
    const app = express();
    app.get('/', (_req, res) => {
      res.send('hello');
    });
    const server = app.listen(port, '127.0.0.1', () => tellParent({ ready: port }));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  if (target === 'replay' || target === 'floor') {
    // GET /<i> answers the i-th captured page: its status, its headers and its body.
    const pages = readCaptures(process.env.BENCH_REPLAY_FILE!);
    const app = express();
    app.disable('x-powered-by');
    if (target === 'floor') {
      // The portal's session middleware on the portal's database, with its secret: the signed
      // cookie checked, the session row (and the header's unread count) read in one prepared
      // statement, the idle and absolute timeouts applied; no page without a signed-in user.
      const config = portalConfig(process.env.BENCH_DATABASE_URL!);
      app.use(setUpSession(config, process.env.BENCH_DATABASE_URL!, undefined, { unreadBadgeSql: headerUnreadSql }).router);
      app.use((req, res, next) => (req.session.passport?.user ? next() : res.status(403).end()));
    }
    pages.forEach((p, i) => app.get(`/${i}`, (_req, res) => sendCaptured(res, p)));
    const server = app.listen(port, '127.0.0.1', () => tellParent({ ready: port }));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  if (target !== 'portal' && target !== 'shared') throw new Error(`unknown BENCH_TARGET ${target}`);
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL is required');
  const config = portalConfig(databaseUrl);
  const logger = createLogger(config.logLevel);
  const db = createDb(databaseUrl);
  const services = createServices(db, config, logger);
  const app = createApp({ config, logger, services, databaseUrl });
  if (target === 'shared') answerCapturedBeforePages(app, process.env.BENCH_REPLAY_FILE!);
  const allocations = process.env.BENCH_ALLOC_PROF ? await sampleAllocations(process.env.BENCH_ALLOC_PROF === 'promoted') : null;
  const server = app.listen(port, '127.0.0.1', () => tellParent({ ready: port }));
  process.on('SIGTERM', () => {
    server.close();
    void Promise.resolve(allocations?.())
      .then(() => app.close())
      .then(() => db.destroy())
      .finally(() => process.exit(0));
  });
}

/** A page captured from the portal (bench/pages.ts): its path, status, headers and bytes. */
interface Captured {
  path: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
}

function readCaptures(file: string): Captured[] {
  const pages = JSON.parse(fs.readFileSync(file, 'utf8')) as (Omit<Captured, 'body'> & { bodyBase64: string })[];
  return pages.map(({ bodyBase64, ...p }) => ({ ...p, body: Buffer.from(bodyBase64, 'base64') }));
}

/** Answers with a captured page as it was: its status, its headers, its bytes. */
function sendCaptured(res: express.Response, p: Captured): void {
  res.status(p.status);
  for (const [name, value] of p.headers) res.setHeader(name, value);
  res.end(p.body);
}

/**
 * The `shared` target: the whole portal, every step a signed-in page passes before the first
 * area's routes (request log and metrics, security headers and the CSP nonce, the session read
 * with its timeouts, the user, CSRF, the page's locals, the header's 網頁訊息 badge), and then,
 * where the page's own routes would start, the captured page for that URL, its headers and
 * bytes as they were. What the shared path costs on its own: the page's own work (its reads,
 * its template) is the difference to the portal.
 */
function answerCapturedBeforePages(app: express.Express, replayFile: string): void {
  const byUrl = new Map(readCaptures(replayFile).map((p) => [encodeURI(p.path), p]));
  type Layer = { handle: express.RequestHandler & { stack?: Layer[] } };
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  // The first pages are 網頁訊息's, behind the badge every page runs (src/portal/messages/routes.ts).
  const at = stack.findIndex((layer) => layer.handle.stack?.[0]?.handle.name === 'badge');
  if (at < 0) throw new Error('the layer of the 網頁訊息 badge was not found');
  const badge = stack[at]!.handle.stack![0]!.handle;
  const answer = express.Router();
  answer.use((req, res, next) => {
    const p = req.method === 'GET' && req.user ? byUrl.get(req.originalUrl) : undefined;
    if (!p) return next();
    badge(req, res, (err?: unknown) => (err ? next(err) : sendCaptured(res, p)));
  });
  stack.splice(at, 0, (answer as unknown as { stack: Layer[] }).stack[0]!);
}

/**
 * Samples where the portal allocates (BENCH_ALLOC_PROF=1), short-lived objects included: what
 * the young generation's collections clean up is what a request allocated; with
 * BENCH_ALLOC_PROF=promoted, only what outlived the young generation (copied to the old one,
 * where only a full collection frees it). Returns a function
 * that writes the profile (DevTools' .heapprofile) to bench/results/prof.
 */
async function sampleAllocations(promotedOnly: boolean): Promise<() => Promise<void>> {
  const inspector = await import('node:inspector/promises');
  const path = await import('node:path');
  const session = new inspector.Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !promotedOnly } as object);
  return async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
    const dir = path.join(import.meta.dirname, 'results', 'prof');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `ALLOC.${process.pid}.heapprofile`), JSON.stringify(profile));
  };
}

/** The portal's configuration for a benchmark run (production, on the run's database). */
function portalConfig(databaseUrl: string) {
  return loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    // Set by the parent (bench/demoData.ts); production requires it beside DATABASE_URL.
    DATABASE_OWNER_URL: process.env.BENCH_OWNER_DATABASE_URL,
    PKI_DIR: process.env.PKI_DIR ?? 'bench/data/pki',
    DATA_DIR: 'bench/data',
    SESSION_SECRET: 'x'.repeat(40),
    LOG_LEVEL: 'silent',
    SECURE_COOKIES: 'false',
    LOGIN_RATE_LIMIT_PER_15MIN: '100000',
  });
}

if (workers > 1 && cluster.isPrimary) {
  // Optional: the portal over several workers sharing one port (node:cluster).
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork();
    w.on('message', (m: { ready?: number }) => {
      if (m.ready && ++ready === workers) tellParent({ ready: port });
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    let left = workers;
    cluster.on('exit', () => {
      if (--left === 0) process.exit(0);
    });
  });
} else {
  serve().catch((err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
