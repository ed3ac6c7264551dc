/**
 * `npm run bench -- jobs-import` (or `npx tsx bench/jobs-import.ts`): the vacancy importer on
 * a large feed in the older shape (no ORG_ID, 500 agencies the directory does not know).
 *
 * 1. Starts an embedded PostgreSQL under bench/data/jobs-import, migrated and seeded with the
 *    reference data; removes what an earlier run imported.
 * 2. Streams a generated feed of BENCH_IMPORT_ROWS vacancies (default 100,000) to a temp file.
 * 3. Imports it as `npm run jobs:import` does (a file stream, one transaction) and reports the
 *    time, the rows per second and the process's peak resident memory (and its growth over
 *    what it held before the import); then imports the same file again (nothing changes).
 *
 * Goal (issue 20): 100,000 vacancies in < 60 s with < 300 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { freePort } from '../src/platform/net';
import { importFeed } from '../src/jobs/opendata/importer';
import { writeFeedFile } from '../test/fixtures/jobs/legacyFeed';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const FIRST = 20_000_000;
const GOAL = { seconds: 60, mb: 300 };

const mb = (bytes: number) => bytes / 2 ** 20;
/** Peak resident memory of this process so far (bytes). */
const peakRss = () => process.resourceUsage().maxRSS * 1024;
function rssNowKb(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function main() {
  const dataDir = path.join(here, 'data', 'jobs-import');
  const config = loadConfig({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), NODE_ENV: 'production', PKI_DIR: path.join(dataDir, 'pki'), SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
  process.stdout.write('Preparing the database (bench/data/jobs-import)…\n');
  const { db, embedded } = await prepareDatabase(config, createLogger('silent'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jobs-import-'));
  try {
    await db('jobs_vacancy').where('work_id', '>=', FIRST).where('work_id', '<', FIRST + 10_000_000).del();
    await db('agency').where({ origin: 'import' }).where('name', 'like', '測試鄉第%公所').del();
    const file = path.join(dir, 'feed.xml');
    const size = await writeFeedFile(file, ROWS, FIRST);
    process.stdout.write(`feed: ${ROWS} vacancies, ${mb(size).toFixed(1)} MB, older shape (no ORG_ID, 500 unknown agencies)\n`);
    const results: string[] = [];
    for (const run of ['first import', 're-import (unchanged)']) {
      global.gc?.();
      const before = rssNowKb() * 1024;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, rssNowKb() * 1024)), 100);
      const t0 = performance.now();
      const r = await importFeed(db, fs.createReadStream(file, { highWaterMark: 256 * 1024 }));
      const secs = (performance.now() - t0) / 1000;
      clearInterval(timer);
      peak = Math.max(peak, rssNowKb() * 1024);
      if (r.fileError || r.errors.length) throw new Error(`import failed: ${r.fileError ?? r.errors[0]!.reason}`);
      const line =
        `${run}: ${secs.toFixed(1)} s (${Math.round(ROWS / secs)} rows/s); inserted ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, agencies added ${r.agencies.length}; ` +
        `peak RSS ${mb(peak).toFixed(0)} MB (+${mb(peak - before).toFixed(0)} MB over ${mb(before).toFixed(0)} MB before; process max ${mb(peakRss()).toFixed(0)} MB)`;
      process.stdout.write(`${line}\n`);
      results.push(line);
      if (run === 'first import') {
        const ok = secs < GOAL.seconds && mb(peak) < GOAL.mb;
        results.push(`goal < ${GOAL.seconds} s and < ${GOAL.mb} MB: ${ok ? 'met' : 'NOT met'}`);
        process.stdout.write(`${results.at(-1)}\n`);
      }
    }
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results', `jobs-import-${Date.now()}.txt`), `${new Date().toISOString()} ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}\n${results.join('\n')}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
