/**
 * `npm run bench`: the signed-in home page against a bare Express app.
 *
 * One run starts its own embedded PostgreSQL under bench/data (migrated and seeded like
 * `npm start`), the two targets in their own processes (see bench/server.ts), signs in
 * as a demo user, loads each target with autocannon, prints a table and writes the
 * figures to bench/results/. Everything it started is stopped before it exits.
 *
 * Environment (all optional):
 *   BENCH_CONNECTIONS=50  BENCH_DURATION=10  BENCH_WARMUP=3   load shape (seconds)
 *   BENCH_ROUNDS=1        repeat the targets in turn and report medians (busy machines)
 *   BENCH_WORKERS=2       also measure the portal over 2 node:cluster workers
 *   BENCH_CPU_PROF=1      write V8 CPU profiles of the portal process to bench/results/prof
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase, startEmbeddedDatabase } from '../src/bootstrap';
import { seedBenchDemo } from './demoData';
import type { EmbeddedServer } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { signIn as signInAs, startTarget, stopTarget } from './targets';
import { cpuCells, cpuMeter, CPU_COLUMNS, textTable, type CpuPerRequest } from './cpu';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const EXTRA_WORKERS = Number(process.env.BENCH_WORKERS ?? 0);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const ACCOUNT = 'wang.xiaoming';
const PASSWORD = 'Ecpa#2026';
const NAME = '王小明';
const GOAL = { ratioPct: 40, p99Ms: 20 };

interface Figures {
  target: string;
  url: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  total2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU milliseconds per request during the measured run, by process (Linux /proc only). */
  cpuMsPerRequest: CpuPerRequest | null;
}

/** Checks that the cookie gets the signed-in page; returns the size of its answer. */
async function checkSignedIn(url: string, cookie: string): Promise<{ bodyBytes: number; headerBytes: number }> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.toString('utf8').includes(NAME)) {
    throw new Error(`GET / with the session cookie is not the signed-in home page (status ${res.status})`);
  }
  let headerBytes = 0;
  res.headers.forEach((v, k) => (headerBytes += k.length + v.length + 4));
  return { bodyBytes: body.length, headerBytes };
}

async function load(target: string, serverPid: number, url: string, headers: Record<string, string> = {}): Promise<Figures> {
  if (WARMUP > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, headers });
  const meter = cpuMeter(serverPid, path.join(here, 'data', 'pg'));
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  const cpuMsPerRequest = meter.perRequest(r.requests.total);
  return {
    target,
    url,
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    avgMs: r.latency.average,
    total2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuMsPerRequest,
  };
}

function table(rows: Figures[]): string {
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms', '2xx', 'non-2xx', 'errors', ...CPU_COLUMNS];
  const body = rows.map((f) => [
    f.target,
    f.requestsPerSec.toFixed(0),
    f.p50Ms.toFixed(1),
    f.p99Ms.toFixed(1),
    String(f.total2xx),
    String(f.non2xx),
    String(f.errors),
    ...cpuCells(f.cpuMsPerRequest),
  ]);
  return textTable(head, body);
}

async function main() {
  const pgPort = await freePort();
  const baseEnv = {
    DATA_DIR: path.join(here, 'data'),
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    LOG_LEVEL: 'silent',
    SECURE_COOKIES: 'false',
    LOGIN_RATE_LIMIT_PER_15MIN: '100000',
    PKI_DIR: path.join(here, 'data', 'pki'),
  };
  const logger = createLogger('silent');
  const children: ChildProcess[] = [];
  let embedded: EmbeddedServer | null = null;
  let failed = false;
  const loadAtStart = os.loadavg();
  if (loadAtStart[0]! > 0.5) {
    process.stdout.write(`Note: the load average is ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}; other work on this machine will lower the figures (see the 'other' CPU column).\n`);
  }
  try {
    process.stdout.write(`Starting embedded PostgreSQL on port ${pgPort} (bench/data/pg) and preparing the database…\n`);
    const server = await startEmbeddedDatabase(path.join(here, 'data', 'pg'), pgPort, 'ecpa');
    embedded = server;
    // Migrations as `npm start` runs them, with the owner's and the app's logins; then the demo data.
    const prepared = await prepareDatabase(loadConfig({ ...baseEnv, DATABASE_URL: server.appUrl, DATABASE_OWNER_URL: server.ownerUrl }), logger);
    await seedBenchDemo(server.ownerUrl);
    // Sessions of earlier runs would only inflate the online counter.
    await prepared.db('session').delete();
    await prepared.db.destroy();

    const bare = await startTarget({ BENCH_TARGET: 'bare' });
    children.push(bare.child);
    const profiling = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.join(here, 'results', 'prof')] : [];
    const portal = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: prepared.url }, profiling);
    children.push(portal.child);

    const portalBase = `http://127.0.0.1:${portal.port}`;
    const cookie = await signInAs(portalBase, ACCOUNT, PASSWORD);
    const page = await checkSignedIn(`${portalBase}/`, cookie);
    process.stdout.write(`Signed in as ${ACCOUNT}; GET / shows ${NAME} (${page.bodyBytes} bytes of HTML, ~${page.headerBytes} bytes of headers).\n`);

    const targets = [
      { name: 'bare express /', pid: bare.child.pid!, url: `http://127.0.0.1:${bare.port}/`, headers: {} as Record<string, string> },
      { name: 'portal / (signed in, 1 process)', pid: portal.child.pid!, url: `${portalBase}/`, headers: { cookie } },
    ];
    if (EXTRA_WORKERS > 1) {
      const multi = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: prepared.url, BENCH_WORKERS: String(EXTRA_WORKERS) });
      children.push(multi.child);
      const base = `http://127.0.0.1:${multi.port}`;
      // The same session cookie works on any instance: the session lives in PostgreSQL.
      await checkSignedIn(`${base}/`, cookie);
      targets.push({ name: `portal / (signed in, ${EXTRA_WORKERS} workers)`, pid: multi.child.pid!, url: `${base}/`, headers: { cookie } });
    }

    process.stdout.write(
      `Load: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s measured per target` + (ROUNDS > 1 ? `, ${ROUNDS} rounds (medians reported)` : '') + '.\n',
    );
    // Targets take turns within each round, so a change in the machine's other load
    // hits them alike; the ratio is taken per round, then the median.
    const rounds: Figures[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const figures: Figures[] = [];
      for (const t of targets) {
        const f = await load(t.name, t.pid, t.url, t.headers);
        figures.push(f);
        if (ROUNDS > 1) process.stdout.write(`  round ${round + 1}: ${t.name}: ${f.requestsPerSec.toFixed(0)} req/s, p99 ${f.p99Ms} ms\n`);
      }
      rounds.push(figures);
    }
    // The signed-in page is still what answers after the load.
    await checkSignedIn(`${portalBase}/`, cookie);

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    /** Per target, the round with the median req/s (its latencies come from the same run). */
    const results = targets.map((_, i) => {
      const runs = rounds.map((r) => r[i]!);
      const m = median(runs.map((f) => f.requestsPerSec));
      return runs.find((f) => f.requestsPerSec === m)!;
    });
    const ratioPct = median(rounds.map((r) => (r[1]!.requestsPerSec / r[0]!.requestsPerSec) * 100));
    const [, portalFig] = results as [Figures, Figures, ...Figures[]];
    const goalMet = ratioPct >= GOAL.ratioPct && portalFig.p99Ms <= GOAL.p99Ms && portalFig.non2xx === 0 && portalFig.errors === 0;
    process.stdout.write(`\n${table(results)}\n\n`);
    process.stdout.write(`portal / bare: ${ratioPct.toFixed(1)} % (goal ≥ ${GOAL.ratioPct} %), portal p99 ${portalFig.p99Ms} ms (goal ≤ ${GOAL.p99Ms} ms): ${goalMet ? 'goal met' : 'goal MISSED'}\n`);
    for (let i = 2; i < results.length; i++) {
      const r = median(rounds.map((x) => (x[i]!.requestsPerSec / x[0]!.requestsPerSec) * 100));
      process.stdout.write(`${results[i]!.target}: ${r.toFixed(1)} % of bare express (1 process), p99 ${results[i]!.p99Ms} ms\n`);
    }
    for (const f of rounds.flat()) {
      if (f.non2xx > 0 || f.errors > 0) {
        failed = true;
        process.stdout.write(`WARNING: ${f.target} had ${f.non2xx} non-2xx responses and ${f.errors} errors\n`);
      }
    }

    const machine = { loadavgAtStart: loadAtStart, nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}` };
    const outDir = path.join(here, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({ at: new Date().toISOString(), machine, load: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS }, goal: GOAL, signedInPage: page, ratioPct, goalMet, results, rounds }, null, 2) + '\n',
    );
    process.stdout.write(`Results written to ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await Promise.all(children.map(stopTarget));
    if (embedded) await embedded.stop();
  }
  // Non-2xx answers mean the figures are not about the page we meant to measure.
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
