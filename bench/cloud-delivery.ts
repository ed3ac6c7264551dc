/**
 * Benchmark: build and encrypt a 100,000-row delivery (資料交換 單次服務) — time and peak
 * memory. Goal: under 5 s and 200 MB.
 *
 *   npx tsx bench/cloud-delivery.ts          (BENCH_ROWS=100000 by default)
 *
 * Starts its own embedded PostgreSQL in a temporary folder, migrates, seeds the demo data
 * with few people, generates BENCH_ROWS rows of 考績資料 for one agency, then streams the
 * delivery (CSV → CMS EnvelopedData AES-256 → file) with the product code, samples RSS
 * every 20 ms, and checks the file with `openssl cms -decrypt`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, startEmbeddedPostgres } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { seedReference } from '../src/reference/repository';
import { seedDemo } from '../seeds/demo';
import { seedCloudSiteDemo } from '../seeds/cloud-site';
import { createDemoPki } from '../seeds/demoPki';
import { loadPlatformPki } from '../src/platform/pki/platform';
import { buildEncryptedFile, deliveryCsv } from '../src/cloud/site/delivery';
import { bareLine, measureBareExpress } from './targets';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const GOAL = { seconds: 5, mb: 200 };

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cloud-delivery-'));
  const pg = await startEmbeddedPostgres(path.join(root, 'pg'), await freePort(), 'bench', { persistent: false });
  const db = createDb(pg.url);
  try {
    await migrate(db);
    await seedReference(db);
    await seedDemo(db, { people: 300 });
    await seedCloudSiteDemo(db);
    const agency = await db('agency').where({ code: 'A096C0000Q' }).first('id');
    await db.raw(
      `INSERT INTO hr_performance (agency_id, national_id, name, rating_year, grade, score, approved_on)
       SELECT ?, 'A' || lpad((100000000 + g)::text, 9, '0'), '測試' || g, 100 + g % 15, (ARRAY['甲','乙','丙'])[1 + g % 3], 60 + g % 35, date '2020-01-01' + (g % 1500)
       FROM generate_series(1, ?) g`,
      [agency.id, ROWS],
    );
    const pkiDir = path.join(root, 'pki');
    createDemoPki(pkiDir, { softhsmDir: null });
    const platform = loadPlatformPki(pkiDir);
    const certPem = fs.readFileSync(path.join(pkiDir, 'cards', 'agency-ntunhs', 'cert.pem'), 'utf8');
    const services = [{ code: 'SQ_TA_002', name: '考績資料', tableName: 'hr_performance' }];

    global.gc?.();
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const timer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const counter = { rows: 0 };
    const cpu0 = process.cpuUsage();
    const started = process.hrtime.bigint();
    const built = await buildEncryptedFile(deliveryCsv(db, services, agency.id, counter), certPem, { certPem: platform.signerCertPem, key: platform.signerKeyObject }, path.join(root, 'out'), counter);
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const load = os.loadavg()[0] ?? 0;
    clearInterval(timer);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const csv = execFileSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-in', built.tempPath, '-recip', path.join(pkiDir, 'cards', 'agency-ntunhs', 'cert.pem'), '-inkey', path.join(pkiDir, 'cards', 'agency-ntunhs', 'key.pem')], { maxBuffer: 1 << 30 });
    const lines = csv.toString('utf8').split('\r\n').filter((l) => /^\d+,A\d{9},/.test(l)).length;
    const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    const bare = await measureBareExpress();
    const result = {
      rows: built.rows,
      decryptedRows: lines,
      fileMB: mb(built.size),
      seconds: Math.round(secs * 100) / 100,
      rowsPerSecond: Math.round(built.rows / secs),
      nodeCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      loadAverage1m: Math.round(load * 10) / 10,
      peakRssMB: mb(peakRss),
      rssGrowthMB: mb(peakRss - baseRss),
      bare,
      rowsPerBareRequest: Math.round((built.rows / secs / bare.rps) * 10) / 10,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`${bareLine(bare)}; the delivery wrote ${result.rowsPerBareRequest} rows in the time bare Express answers one request`);
    const ok = lines >= ROWS && secs < GOAL.seconds && mb(peakRss) < GOAL.mb;
    console.log(`goal (< ${GOAL.seconds} s, < ${GOAL.mb} MB peak RSS): ${ok ? 'met' : 'NOT met'}`);
    fs.mkdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'results'), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'results', `cloud-delivery-${Date.now()}.json`), JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2));
    if (!ok) process.exitCode = 1;
  } finally {
    await db.destroy();
    await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
