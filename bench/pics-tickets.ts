/**
 * `npx tsx bench/pics-tickets.ts`: 掛號查詢 at 10 k and at 1 M tickets.
 *
 * 1. Starts an embedded PostgreSQL under bench/data/pics, migrates and seeds it.
 * 2. Generates 10,000 tickets (bench/pics-generate.ts), starts bare Express ('hello') and the
 *    whole portal in their own processes (bench/server.ts), signs in as wang.xiaoming through the
 *    real form, and loads with autocannon: bare GET /, 掛號查詢 by receipt number, and by a
 *    one-month ROC date range (page 1, with the count for the pager).
 * 3. Generates up to 1,000,000 tickets and loads the same three again.
 * Prints req/s and latencies, the ratios to bare Express (goal ≥ 30 %) and the 1 M / 10 k
 * time ratio (goal ≤ 1.3×); writes the figures to bench/results/.
 *
 *   BENCH_SMALL=10000  BENCH_LARGE=1000000  BENCH_CONNECTIONS=20  BENCH_DURATION=10  BENCH_WARMUP=3
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { seedBenchDemo } from './demoData';
import { createDb } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { signIn as signInAs, startTarget, stopTarget } from './targets';
import { generatedCount, generateTickets } from './pics-generate';

const here = path.dirname(fileURLToPath(import.meta.url));
const SMALL = Number(process.env.BENCH_SMALL ?? 10_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const ACCOUNT = 'wang.xiaoming';
const PASSWORD = 'Ecpa#2026';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function load(url: string, headers: Record<string, string> = {}) {
  if (WARMUP > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, headers });
  const times: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  return { rps: r.requests.average, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts };
}
type Figures = Awaited<ReturnType<typeof load>>;

/** The page must be the signed-in person's result list with the expected ticket. */
async function probe(url: string, cookie: string, expect: string): Promise<number> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  const total = /共 (\d+) 筆/.exec(html)?.[1];
  if (res.status !== 200 || !html.includes(expect) || !total) throw new Error(`${url} did not answer the result list (${res.status})`);
  return Number(total);
}

async function main() {
  const config = loadConfig({ DATA_DIR: path.join(here, 'data', 'pics'), EMBEDDED_PG_PORT: String(await freePort()), NODE_ENV: 'production', PKI_DIR: path.join(here, 'data', 'pics', 'pki'), SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
  process.stdout.write('Preparing the database (bench/data/pics)…\n');
  const { db: appDb, url, ownerUrl, embedded } = await prepareDatabase(config, createLogger('silent'));
  await seedBenchDemo(ownerUrl);
  // The generator changes the schema (its side table, ANALYZE): the owner's connection.
  await appDb.destroy();
  const db = createDb(ownerUrl);
  const targets: ChildProcess[] = [];
  const results: Record<string, unknown> = {};
  const row = (name: string, f: Figures, bare?: Figures) =>
    `${name.padEnd(22)} ${f.rps.toFixed(0).padStart(7)} req/s  p50 ${f.p50.toFixed(1)} ms  p95 ${f.p95.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  2xx ${f.ok}  other ${f.bad}${bare ? `  ratio ${((f.rps / bare.rps) * 100).toFixed(1)} %` : ''}`;
  try {
    const bare = await startTarget({ BENCH_TARGET: 'bare' });
    targets.push(bare.child);
    const phases: [string, number][] = [
      ['10k', SMALL],
      ['1M', LARGE],
    ];
    // A kept data folder may hold the 1 M of an earlier run: the small phase must be small.
    await db.raw('CREATE TABLE IF NOT EXISTS pics_bench_seq (seq int PRIMARY KEY, ticket_id int NOT NULL)');
    if ((await generatedCount(db)) > SMALL) {
      process.stdout.write(`removing the generated tickets beyond ${SMALL.toLocaleString('en')} (kept from an earlier run)…\n`);
      await db.raw('DELETE FROM pics_ticket WHERE id IN (SELECT ticket_id FROM pics_bench_seq WHERE seq > ?)', [SMALL]);
      await db.raw('DELETE FROM pics_bench_seq WHERE seq > ?', [SMALL]);
      await db.raw('VACUUM ANALYZE pics_ticket');
    }
    for (const [label, size] of phases) {
      const t0 = performance.now();
      const added = await generateTickets(db, size, (s) => process.stdout.write(`${s}\n`));
      if (added) process.stdout.write(`generated ${added} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      const total = (await db.raw('SELECT count(*)::int AS n FROM pics_ticket')).rows[0].n;
      // A fresh portal process per phase, so caches and plans start equal.
      const portal = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: url });
      targets.push(portal.child);
      const base = `http://127.0.0.1:${portal.port}`;
      const cookie = await signInAs(base, ACCOUNT, PASSWORD, '/pics');
      // wang.xiaoming's newest generated ticket, and the month it is in.
      const mine = (
        await db.raw(
          `SELECT t.receipt_no, to_char(t.created_at AT TIME ZONE 'Asia/Taipei', 'YYYY-MM') AS month
             FROM pics_ticket t JOIN person p ON p.id = t.person_id
            WHERE p.national_id = 'A123456789' AND t.subject LIKE 'bench%' ORDER BY t.created_at DESC LIMIT 1`,
        )
      ).rows[0];
      const [y, m] = (mine.month as string).split('-').map(Number) as [number, number];
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
      const roc = (d: number) => `${y - 1911}/${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}`;
      const byNo = `${base}/pics/tickets?receiptNo=${mine.receipt_no}`;
      const byRange = `${base}/pics/tickets?from=${encodeURIComponent(roc(1))}&to=${encodeURIComponent(roc(last))}`;
      const inRange = await probe(byRange, cookie, '掛號日期');
      await probe(byNo, cookie, mine.receipt_no);
      const b = await load(`http://127.0.0.1:${bare.port}/`);
      const n = await load(byNo, { cookie });
      const r = await load(byRange, { cookie });
      process.stdout.write(
        `\n${label}: ${total.toLocaleString('en')} tickets in all; the range ${roc(1)}–${roc(last)} holds ${inRange} of wang.xiaoming's\n${row('bare', b)}\n${row('by receipt number', n, b)}\n${row('by date range', r, b)}\n`,
      );
      results[label] = { tickets: total, rangeRows: inRange, bare: b, byReceipt: n, byRange: r, ratioReceipt: n.rps / b.rps, ratioRange: r.rps / b.rps };
      await stopTarget(portal.child);
      targets.pop();
    }
    const small = results['10k'] as { byReceipt: Figures; byRange: Figures; ratioReceipt: number; ratioRange: number };
    const large = results['1M'] as typeof small;
    const growth = { receipt: large.byReceipt.p50 / small.byReceipt.p50, range: large.byRange.p50 / small.byRange.p50 };
    const met = large.ratioReceipt >= 0.3 && large.ratioRange >= 0.3 && growth.receipt <= 1.3 && growth.range <= 1.3;
    process.stdout.write(
      `\nratio to bare at 1M: receipt ${(large.ratioReceipt * 100).toFixed(1)} %, range ${(large.ratioRange * 100).toFixed(1)} % (goal ≥ 30 %)\n` +
        `p50 time 1M / 10k: receipt ${growth.receipt.toFixed(2)}×, range ${growth.range.toFixed(2)}× (goal ≤ 1.3×)\n` +
        `goals ${met ? 'met' : 'NOT met'} (${os.cpus().length} cores, load generator on the same machine)\n`,
    );
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results', `pics-tickets-${Date.now()}.json`), JSON.stringify({ at: new Date().toISOString(), connections: CONNECTIONS, duration: DURATION, ...results, growth }, null, 2));
  } finally {
    for (const c of targets) await stopTarget(c);
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
