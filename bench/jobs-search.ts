/**
 * `npx tsx bench/jobs-search.ts`: 事求人 at benchmark scale.
 *
 * 1. Starts an embedded PostgreSQL under bench/data/jobs, migrates and seeds it, and generates
 *    200,000 vacancies (bench/jobs-generate.ts; kept between runs).
 * 2. Starts bare Express ('hello') and the whole portal, each in its own process (bench/server.ts).
 * 3. Loads each with autocannon: bare GET /, and the public search with a keyword and two
 *    filters (/jobs?q=行政&county=10&grade=薦任, anonymous). Prints req/s, p50/p95/p99 and the ratio.
 * 4. Streams the full open-data XML export (/jobs/opendata/vacancies.xml) once and reports its
 *    time, size and the portal process's peak resident memory while it runs.
 *
 *   BENCH_VACANCIES=200000  BENCH_CONNECTIONS=20  BENCH_DURATION=10  BENCH_WARMUP=3
 *   BENCH_DATABASE_URL=<url>  use a running database instead of the embedded one (the app's
 *   login; BENCH_OWNER_DATABASE_URL=<url> the schema owner's)
 *   BENCH_EXPORT=0            skip the XML export
 */
import fs from 'node:fs';
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
import { startTarget, stopTarget } from './targets';
import { generateVacancies } from './jobs-generate';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_VACANCIES ?? 200_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const SEARCH = '/jobs?q=%E8%A1%8C%E6%94%BF&county=10&grade=%E8%96%A6%E4%BB%BB';
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
const EXPORT = process.env.BENCH_EXPORT !== '0';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function load(url: string) {
  if (WARMUP > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP });
  const times: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: DURATION }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  return { rps: r.requests.average, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function main() {
  const config = loadConfig({ DATA_DIR: path.join(here, 'data', 'jobs'), EMBEDDED_PG_PORT: String(await freePort()), NODE_ENV: 'production', PKI_DIR: path.join(here, 'data', 'jobs', 'pki'), SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent', ...(DATABASE_URL ? { DATABASE_URL, DATABASE_OWNER_URL: process.env.BENCH_OWNER_DATABASE_URL } : {}) });
  process.stdout.write(`Preparing the database (${DATABASE_URL ? 'BENCH_DATABASE_URL' : 'bench/data/jobs'})…\n`);
  const { db: appDb, url, ownerUrl, embedded } = await prepareDatabase(config, createLogger('silent'));
  await seedBenchDemo(ownerUrl);
  // The generator changes the schema's statistics (ANALYZE): the owner's connection.
  await appDb.destroy();
  const db = createDb(ownerUrl);
  const targets: ChildProcess[] = [];
  try {
    const t0 = performance.now();
    const added = await generateVacancies(db, N, (s) => process.stdout.write(`${s}\n`));
    if (added) process.stdout.write(`generated ${added} vacancies in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    // "Today" as the portal counts it: the date in Taipei, not the database session's.
    const counts = (
      await db.raw(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'approved' AND date_from <= (now() AT TIME ZONE 'Asia/Taipei')::date AND date_to >= (now() AT TIME ZONE 'Asia/Taipei')::date AND deleted_at IS NULL)::int AS current FROM jobs_vacancy`,
      )
    ).rows[0];
    process.stdout.write(`vacancies: ${counts.total} (${counts.current} public today)\n`);

    const bare = await startTarget({ BENCH_TARGET: 'bare' });
    targets.push(bare.child);
    const portal = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: url });
    targets.push(portal.child);
    const probe = await fetch(`http://127.0.0.1:${portal.port}${SEARCH}`);
    const html = await probe.text();
    const hits = /查詢結果 ((?:超過 )?[\d,]+) 筆/.exec(html)?.[1];
    if (probe.status !== 200 || !hits) throw new Error(`search did not answer a result page (${probe.status})`);
    process.stdout.write(`search ${decodeURIComponent(SEARCH)} → ${hits} hits\n`);

    const b = await load(`http://127.0.0.1:${bare.port}/`);
    const s = await load(`http://127.0.0.1:${portal.port}${SEARCH}`);
    const ratio = s.rps / b.rps;
    const row = (name: string, f: typeof b) => `${name.padEnd(8)} ${f.rps.toFixed(0).padStart(7)} req/s  p50 ${f.p50.toFixed(1)} ms  p95 ${f.p95.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  2xx ${f.ok}  other ${f.bad}`;
    process.stdout.write(`\n${row('bare', b)}\n${row('search', s)}\nratio ${(ratio * 100).toFixed(1)} % (goal ≥ 15 %), p95 ${s.p95.toFixed(1)} ms (goal ≤ 30 ms): ${ratio >= 0.15 && s.p95 <= 30 ? 'met' : 'NOT met'}\n`);

    // The full XML export, streamed.
    let exported: { rows: number; bytes: number; seconds: number; rssBeforeKb: number; rssPeakKb: number } | null = null;
    if (EXPORT) {
      const pid = portal.child.pid!;
      const before = rssKb(pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 20);
      const e0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${portal.port}/jobs/opendata/vacancies.xml`);
      let bytes = 0;
      let rows = 0;
      const decoder = new TextDecoder();
      // A `</ROW>` may be cut between two chunks: the last 5 characters go with the next one
      // (too short to hold a whole tag, so nothing is counted twice).
      let carry = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        const text = carry + decoder.decode(chunk, { stream: true });
        rows += (text.match(/<\/ROW>/g) ?? []).length;
        carry = text.slice(-5);
      }
      const exportSecs = (performance.now() - e0) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, rssKb(pid));
      process.stdout.write(`XML export: ${rows} rows, ${(bytes / 1048576).toFixed(1)} MB in ${exportSecs.toFixed(2)} s; portal RSS ${(before / 1024).toFixed(0)} MB before, peak ${(peak / 1024).toFixed(0)} MB (+${((peak - before) / 1024).toFixed(0)} MB)\n`);
      exported = { rows, bytes, seconds: exportSecs, rssBeforeKb: before, rssPeakKb: peak };
    }

    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(here, 'results', `jobs-search-${Date.now()}.json`),
      JSON.stringify({ vacancies: counts, connections: CONNECTIONS, duration: DURATION, bare: b, search: s, ratio, export: exported }, null, 2),
    );
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
