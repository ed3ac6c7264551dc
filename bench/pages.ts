/**
 * `npm run bench -- pages`: every signed-in page of issue 19, each beside bare Express sending
 * that page's exact bytes and headers, then a mixed click load over all of them beside bare
 * Express hello. Same connections, same duration, same run.
 *
 * One run starts its own embedded PostgreSQL under bench/data/pages (migrated and seeded like
 * `npm start`, plus the demo data and the demo PKI), the portal with NODE_ENV=production in its
 * own process, signs in through the real forms (a person, a desk agent, an agency card), takes
 * each page once (status, headers, body), starts a `replay` target (bench/server.ts) that sends
 * those captured answers, and loads each pair with autocannon in turn. It prints req/s,
 * p50/p95/p99, the ratio to the replay, and CPU ms per request of the portal, PostgreSQL and the
 * load generator (from /proc), and writes the figures to bench/results/pages-<time>.json.
 *
 * Environment (all optional):
 *   BENCH_CONNECTIONS=50  BENCH_DURATION=5  BENCH_WARMUP=2   load shape (seconds)
 *   BENCH_PAGES=/my,/pics      only these pages (comma-separated paths as listed below)
 *   BENCH_MIXED=0              skip the mixed load
 *   BENCH_MIXED_ONLY=1         only the mixed load (no page alone), e.g. for a profile of it
 *   BENCH_FLOOR=0              skip the `floor` target: the same bytes sent after the portal's
 *                              own session read (bench/server.ts), the least a signed-in page costs
 *   BENCH_SHARED=0             skip the `shared` target: the same bytes sent by the whole portal
 *                              where the pages' own routes start, after every shared step
 *   BENCH_PORTAL_ARGS='--max-semi-space-size=32'   Node options for the portal (not for BENCH_COMPARE's)
 *   BENCH_CPU_PROF=1           write a V8 CPU profile of the portal to bench/results/prof
 *                              (`=floor` or `=shared`: of that target instead)
 *   BENCH_ALLOC_PROF=1         write a sampled profile of what the portal allocates (short-lived objects
 *                              included) to bench/results/prof; `=promoted`: only what outlived the
 *                              young generation (what the scavenges copied, then a full collection freed)
 *   BENCH_COMPARE=<dir>        also load the portal of another checkout (e.g. `git archive` of an
 *                              earlier commit, with node_modules) on the same database, right
 *                              after this one for each page: a before/after in the same run
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase, startEmbeddedDatabase } from '../src/bootstrap';
import type { EmbeddedServer } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { createDemoPki } from '../seeds/demoPki';
import { seedBenchDemo } from './demoData';
import { cpuCells, cpuMeter, CPU_COLUMNS, textTable, type CpuPerRequest } from './cpu';
import { signIn, startTarget, stopTarget } from './targets';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.join(here, 'data', 'pages');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
/** Which target a CPU profile is written for (BENCH_CPU_PROF=1 is the portal). */
const CPU_PROF = process.env.BENCH_CPU_PROF === '1' ? 'portal' : (process.env.BENCH_CPU_PROF ?? null);
const MIXED = process.env.BENCH_MIXED !== '0';
const MIXED_ONLY = process.env.BENCH_MIXED_ONLY === '1';
const ONLY = (process.env.BENCH_PAGES ?? '').split(',').filter(Boolean);
const FLOOR = process.env.BENCH_FLOOR !== '0';
const SHARED = process.env.BENCH_SHARED !== '0';
const PORTAL_ARGS = (process.env.BENCH_PORTAL_ARGS ?? '').split(' ').filter(Boolean);
const COMPARE = process.env.BENCH_COMPARE ? path.resolve(process.env.BENCH_COMPARE) : null;
const PASSWORD = 'Ecpa#2026';
const GOAL = { pageRatioPct: 50, mixedRps: 2000, mixedP95Ms: 100 };

type Who = 'person' | 'agent' | 'agency';
/** The pages of the issue: its list, 我的專區's other pages, the desk queue, MyData home, 進度查詢. */
const PAGES: { path: string; who: Who; what: string }[] = [
  { path: '/', who: 'person', what: '首頁' },
  { path: '/my', who: 'person', what: '我的專區' },
  { path: '/pics/tickets', who: 'person', what: 'PICS 掛號查詢' },
  { path: '/jobs?q=行政', who: 'person', what: '事求人 search' },
  { path: '/announcements', who: 'person', what: '最新公告' },
  { path: '/pics', who: 'person', what: 'PICS home' },
  { path: '/my/apps', who: 'person', what: '應用系統' },
  { path: '/my/todo', who: 'person', what: '待辦事項' },
  { path: '/my/profile', who: 'person', what: '個人資料修改' },
  { path: '/my/password', who: 'person', what: '修改密碼' },
  { path: '/my/signature', who: 'person', what: '簽名檔設定' },
  { path: '/my/contacts', who: 'person', what: '通訊錄' },
  { path: '/my/groups', who: 'person', what: '群組設定' },
  { path: '/my/messages', who: 'person', what: '網頁訊息' },
  { path: '/my/job', who: 'person', what: '現職資料' },
  { path: '/my/cards', who: 'person', what: '自然人憑證上傳' },
  { path: '/pics/desk', who: 'agent', what: 'PICS desk queue' },
  { path: '/mydata', who: 'person', what: 'MyData home' },
  { path: '/cloud/applications', who: 'agency', what: '人事雲端 進度查詢' },
];
/** Headers the HTTP layer writes itself on every answer (the replay's Node adds its own). */
const PER_CONNECTION = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

interface Figures {
  target: string;
  requestsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  cpuMsPerRequest: CpuPerRequest | null;
}

/** A cookie jar over fetch, for the card sign-in's several steps. */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.header() } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return res;
  }
}

/** Signs in with the demo agency card as the browser and the bridge would (challenge, signature, verify). */
async function cardSignIn(base: string, pkiDir: string, card: string): Promise<string> {
  const jar = new Jar();
  const page = await jar.fetch(`${base}/login/certificate`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('GET /login/certificate gave no CSRF token');
  const ch = await jar.fetch(`${base}/login/certificate/challenge`, { method: 'POST', headers: { 'x-csrf-token': csrf, accept: 'application/json' } });
  if (ch.status !== 200) throw new Error(`certificate challenge answered ${ch.status}`);
  const { tbs } = (await ch.json()) as { tbs: string };
  const dir = path.join(pkiDir, 'cards', card);
  const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
  const certb64 = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8').replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
  const signature = crypto.sign('sha256', Buffer.from(tbs, 'utf8'), key).toString('base64');
  const res = await jar.fetch(`${base}/login/certificate`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, tbs, signature, certb64, enccertb64: '' }).toString(),
  });
  const sid = jar.cookies.get('ecpa.sid');
  if (res.status !== 303 || !sid) throw new Error(`certificate sign-in with ${card} answered ${res.status}`);
  return `ecpa.sid=${sid}`;
}

interface Capture {
  path: string;
  status: number;
  headers: [string, string][];
  bodyBase64: string;
  bytes: number;
}

/** The page once, as the portal answers it to that session: it must be a signed-in 200. */
async function capture(base: string, pagePath: string, cookie: string): Promise<Capture> {
  const res = await fetch(`${base}${encodeURI(pagePath)}`, { headers: { cookie }, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.includes('action="/logout"')) {
    throw new Error(`GET ${pagePath} is not a signed-in page (status ${res.status}${res.headers.get('location') ? ` → ${res.headers.get('location')}` : ''})`);
  }
  const headers: [string, string][] = [];
  res.headers.forEach((value, name) => {
    if (!PER_CONNECTION.has(name) && name !== 'set-cookie') headers.push([name, value]);
  });
  for (const c of res.headers.getSetCookie()) headers.push(['set-cookie', c]);
  return { path: pagePath, status: res.status, headers, bodyBase64: body.toString('base64'), bytes: body.length };
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0);

/** One autocannon run; latencies of every answer kept for p95 (autocannon's own table has no p95). */
function cannon(opts: autocannon.Options): Promise<{ result: autocannon.Result; latencies: number[] }> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ result, latencies })));
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
}

async function load(target: string, serverPid: number, opts: autocannon.Options): Promise<Figures> {
  if (WARMUP > 0) await cannon({ ...opts, connections: CONNECTIONS, duration: WARMUP });
  const meter = cpuMeter(serverPid, path.join(dataDir, 'pg'));
  const { result: r, latencies } = await cannon({ ...opts, connections: CONNECTIONS, duration: DURATION });
  const cpuMsPerRequest = meter.perRequest(r.requests.total);
  latencies.sort((a, b) => a - b);
  return {
    target,
    requestsPerSec: r.requests.average,
    p50Ms: pct(latencies, 50),
    p95Ms: pct(latencies, 95),
    p99Ms: pct(latencies, 99),
    non2xx: r.non2xx,
    errors: r.errors,
    cpuMsPerRequest,
  };
}

function table(rows: (Figures & { ratio?: string })[]): string {
  const head = ['target', 'req/s', 'p50', 'p95', 'p99', 'of same bytes', 'non-2xx', ...CPU_COLUMNS];
  const ms = (v: number) => v.toFixed(1);
  const body = rows.map((f) => [
    f.target,
    f.requestsPerSec.toFixed(0),
    ms(f.p50Ms),
    ms(f.p95Ms),
    ms(f.p99Ms),
    f.ratio ?? '',
    String(f.non2xx + f.errors),
    ...cpuCells(f.cpuMsPerRequest),
  ]);
  return textTable(head, body);
}

async function main() {
  const pgPort = await freePort();
  const pkiDir = path.join(dataDir, 'pki');
  const baseEnv = {
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    LOG_LEVEL: 'silent',
    SECURE_COOKIES: 'false',
    LOGIN_RATE_LIMIT_PER_15MIN: '100000',
    PKI_DIR: pkiDir,
  };
  const children: ChildProcess[] = [];
  let embedded: EmbeddedServer | null = null;
  let failed = false;
  const loadavg: number[][] = [os.loadavg()];
  const pages = PAGES.filter((p) => !ONLY.length || ONLY.includes(p.path));
  try {
    process.stdout.write(`Load average at start: ${loadavg[0]!.map((l) => l.toFixed(2)).join(' ')}. Preparing the database (bench/data/pages)…\n`);
    // A new database each run: the demo seeds add to what an earlier run left, and the pages would grow.
    fs.rmSync(path.join(dataDir, 'pg'), { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    createDemoPki(pkiDir, { softhsmDir: null });
    const server = await startEmbeddedDatabase(path.join(dataDir, 'pg'), pgPort, 'ecpa');
    embedded = server;
    const prepared = await prepareDatabase(loadConfig({ ...baseEnv, DATABASE_URL: server.appUrl, DATABASE_OWNER_URL: server.ownerUrl }), createLogger('silent'));
    await seedBenchDemo(server.ownerUrl);
    await prepared.db('session').delete();
    await prepared.db.destroy();

    const profiling = (target: string) => (CPU_PROF === target ? ['--cpu-prof', '--cpu-prof-dir', path.join(here, 'results', 'prof')] : []);
    const portal = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: prepared.url, PKI_DIR: pkiDir }, [...profiling('portal'), ...PORTAL_ARGS]);
    children.push(portal.child);
    const base = `http://127.0.0.1:${portal.port}`;
    let other: { base: string; pid: number } | null = null;
    if (COMPARE) {
      const o = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: prepared.url, PKI_DIR: pkiDir }, [], COMPARE);
      children.push(o.child);
      other = { base: `http://127.0.0.1:${o.port}`, pid: o.child.pid! };
    }
    const cookies: Record<Who, string> = {
      person: await signIn(base, 'wang.xiaoming', PASSWORD),
      agent: await signIn(base, 'cs.agent', PASSWORD),
      agency: await cardSignIn(base, pkiDir, 'agency-ntunhs'),
    };
    const captures: Capture[] = [];
    for (const p of pages) captures.push(await capture(base, p.path, cookies[p.who]));
    const replayFile = path.join(dataDir, 'replay.json');
    fs.writeFileSync(replayFile, JSON.stringify(captures));
    const replay = await startTarget({ BENCH_TARGET: 'replay', BENCH_REPLAY_FILE: replayFile });
    children.push(replay.child);
    const floor = FLOOR ? await startTarget({ BENCH_TARGET: 'floor', BENCH_REPLAY_FILE: replayFile, BENCH_DATABASE_URL: prepared.url }, profiling('floor')) : null;
    if (floor) children.push(floor.child);
    const floorBase = floor ? `http://127.0.0.1:${floor.port}` : '';
    const shared = SHARED
      ? await startTarget({ BENCH_TARGET: 'shared', BENCH_REPLAY_FILE: replayFile, BENCH_DATABASE_URL: prepared.url, PKI_DIR: pkiDir }, profiling('shared'))
      : null;
    if (shared) children.push(shared.child);
    const sharedBase = shared ? `http://127.0.0.1:${shared.port}` : '';
    const bare = await startTarget({ BENCH_TARGET: 'bare' });
    children.push(bare.child);
    const replayBase = `http://127.0.0.1:${replay.port}`;
    process.stdout.write(
      `Signed in as wang.xiaoming, cs.agent and the agency card agency-ntunhs; captured ${captures.length} pages ` +
        `(${captures.map((c) => `${c.path} ${c.bytes} B`).join(', ')}).\n` +
        `Load: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s measured per target.\n`,
    );

    const rows: (Figures & { ratio?: string; page?: string })[] = [];
    const ratios: {
      path: string;
      ratioPct: number;
      portal: Figures;
      replay: Figures;
      floor: Figures | null;
      floorPct: number | null;
      shared: Figures | null;
      sharedPct: number | null;
    }[] = [];
    for (const [i, p] of MIXED_ONLY ? [] : pages.entries()) {
      const same = await load(`same bytes ${p.path}`, replay.child.pid!, { url: `${replayBase}/${i}` });
      const real = await load(`portal ${p.path}`, portal.child.pid!, { url: `${base}${encodeURI(p.path)}`, headers: { cookie: cookies[p.who] } });
      const ratioPct = (real.requestsPerSec / same.requestsPerSec) * 100;
      const least = floor ? await load(`floor ${p.path}`, floor.child.pid!, { url: `${floorBase}/${i}`, headers: { cookie: cookies[p.who] } }) : null;
      const floorPct = least ? (least.requestsPerSec / same.requestsPerSec) * 100 : null;
      const path_ = shared ? await load(`shared path ${p.path}`, shared.child.pid!, { url: `${sharedBase}${encodeURI(p.path)}`, headers: { cookie: cookies[p.who] } }) : null;
      const sharedPct = path_ ? (path_.requestsPerSec / same.requestsPerSec) * 100 : null;
      ratios.push({ path: p.path, ratioPct, portal: real, replay: same, floor: least, floorPct, shared: path_, sharedPct });
      rows.push(same, { ...real, ratio: `${ratioPct.toFixed(1)} %` });
      if (least) rows.push({ ...least, ratio: `${floorPct!.toFixed(1)} %` });
      if (path_) rows.push({ ...path_, ratio: `${sharedPct!.toFixed(1)} %` });
      if (other) {
        const was = await load(`compared ${p.path}`, other.pid, { url: `${other.base}${encodeURI(p.path)}`, headers: { cookie: cookies[p.who] } });
        rows.push({ ...was, ratio: `${((was.requestsPerSec / same.requestsPerSec) * 100).toFixed(1)} %` });
      }
      process.stdout.write(
        `  ${p.path}: portal ${real.requestsPerSec.toFixed(0)} req/s (p99 ${real.p99Ms} ms), same bytes ${same.requestsPerSec.toFixed(0)} req/s: ${ratioPct.toFixed(1)} %` +
          `${least ? `; floor ${least.requestsPerSec.toFixed(0)} req/s: ${floorPct!.toFixed(1)} %` : ''}` +
          `${path_ ? `; shared path ${path_.requestsPerSec.toFixed(0)} req/s: ${sharedPct!.toFixed(1)} %` : ''}\n`,
      );
      loadavg.push(os.loadavg());
    }

    let mixed: { portal: Figures; replay: Figures; hello: Figures; floor: Figures | null; shared: Figures | null } | null = null;
    if (MIXED && pages.length) {
      // Every connection clicks through all the pages in turn, each with its own session.
      const requests = pages.map((p) => ({ method: 'GET' as const, path: encodeURI(p.path), headers: { cookie: cookies[p.who] } }));
      const hello = await load('bare express hello', bare.child.pid!, { url: `http://127.0.0.1:${bare.port}/` });
      const sameMixed = await load('same bytes, mixed', replay.child.pid!, { url: replayBase, requests: pages.map((_, i) => ({ method: 'GET' as const, path: `/${i}` })) });
      const portalMixed = await load('portal, mixed', portal.child.pid!, { url: base, requests });
      const floorMixed = floor
        ? await load('floor, mixed', floor.child.pid!, { url: floorBase, requests: pages.map((p, i) => ({ method: 'GET' as const, path: `/${i}`, headers: { cookie: cookies[p.who] } })) })
        : null;
      const sharedMixed = shared ? await load('shared path, mixed', shared.child.pid!, { url: sharedBase, requests }) : null;
      mixed = { portal: portalMixed, replay: sameMixed, hello, floor: floorMixed, shared: sharedMixed };
      rows.push(hello, sameMixed, { ...portalMixed, ratio: `${((portalMixed.requestsPerSec / sameMixed.requestsPerSec) * 100).toFixed(1)} %` });
      if (floorMixed) rows.push({ ...floorMixed, ratio: `${((floorMixed.requestsPerSec / sameMixed.requestsPerSec) * 100).toFixed(1)} %` });
      if (sharedMixed) rows.push({ ...sharedMixed, ratio: `${((sharedMixed.requestsPerSec / sameMixed.requestsPerSec) * 100).toFixed(1)} %` });
      if (other) {
        const was = await load('compared, mixed', other.pid, { url: other.base, requests });
        rows.push({ ...was, ratio: `${((was.requestsPerSec / sameMixed.requestsPerSec) * 100).toFixed(1)} %` });
      }
      loadavg.push(os.loadavg());
    }

    // Still signed in after the load.
    for (const p of pages) await capture(base, p.path, cookies[p.who]);

    process.stdout.write(`\n${table(rows)}\n\n`);
    const worst = ratios.reduce((a, b) => (b.ratioPct < a.ratioPct ? b : a), ratios[0]!);
    if (worst) process.stdout.write(`Lowest page ratio: ${worst.path} ${worst.ratioPct.toFixed(1)} % (goal ≥ ${GOAL.pageRatioPct} %); pages at or above the goal: ${ratios.filter((r) => r.ratioPct >= GOAL.pageRatioPct).length}/${ratios.length}\n`);
    const floors = ratios.filter((r) => r.floorPct !== null).map((r) => r.floorPct!);
    if (floors.length) process.stdout.write(`Floor (session read + the same bytes): ${Math.min(...floors).toFixed(1)}–${Math.max(...floors).toFixed(1)} % of the same bytes\n`);
    const sharedPcts = ratios.filter((r) => r.sharedPct !== null).map((r) => r.sharedPct!);
    if (sharedPcts.length) process.stdout.write(`Shared path (every shared step + the same bytes): ${Math.min(...sharedPcts).toFixed(1)}–${Math.max(...sharedPcts).toFixed(1)} % of the same bytes\n`);
    if (mixed) {
      const met = mixed.portal.requestsPerSec >= GOAL.mixedRps && mixed.portal.p95Ms <= GOAL.mixedP95Ms;
      process.stdout.write(
        `Mixed: ${mixed.portal.requestsPerSec.toFixed(0)} req/s, p95 ${mixed.portal.p95Ms} ms (goal ≥ ${GOAL.mixedRps} req/s, p95 ≤ ${GOAL.mixedP95Ms} ms: ${met ? 'met' : 'MISSED'}); ` +
          `${((mixed.portal.requestsPerSec / mixed.hello.requestsPerSec) * 100).toFixed(1)} % of bare hello, ${((mixed.portal.requestsPerSec / mixed.replay.requestsPerSec) * 100).toFixed(1)} % of the same bytes\n`,
      );
    }
    process.stdout.write(`Load average during the run (1 min): ${loadavg.map((l) => l[0]!.toFixed(2)).join(' ')}\n`);
    for (const f of rows) {
      if (f.non2xx > 0 || f.errors > 0) {
        failed = true;
        process.stdout.write(`WARNING: ${f.target} had ${f.non2xx} non-2xx answers and ${f.errors} errors\n`);
      }
    }
    const outDir = path.join(here, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `pages-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const machine = { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg };
    fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), machine, load: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP }, goal: GOAL, ratios, mixed, rows }, null, 2) + '\n');
    process.stdout.write(`Results written to ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await Promise.all(children.map(stopTarget));
    if (embedded) await embedded.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
