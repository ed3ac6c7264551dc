/**
 * `npm run bench:card`: the certificate-login path without the card —
 * challenge (tbs stored server side) and verify (tbs single use + origin, chain to a
 * trusted CA, validity, CRL, key usage, RSA signature, mapping to the person).
 *
 * The card's signing is done before the clock starts (on a PC it happens in the reader);
 * what is timed is what the server does per login. Prints logins verified per second and
 * p50/p99 at the chosen concurrency; writes the figures to bench/results/.
 *   BENCH_LOGINS=4000  BENCH_CONCURRENCY=32
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { seedBenchDemo } from './demoData';
import { bareLine, measureBareExpress } from './targets';
import { createServices } from '../src/services';
import { createDemoPki } from '../seeds/demoPki';
import { freePort } from '../src/platform/net';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOGINS = Number(process.env.BENCH_LOGINS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const GOAL_PER_SEC = 1000;


const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const dataDir = path.join(here, 'data', 'card');
  const config = loadConfig({
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    NODE_ENV: 'production',
    PKI_DIR: path.join(dataDir, 'pki'),
    SESSION_SECRET: 'x'.repeat(40),
    LOG_LEVEL: 'silent',
    PUBLIC_ORIGIN: 'http://localhost:3000',
  });
  const logger = createLogger('silent');
  process.stdout.write('Preparing the database and the demo PKI (bench/data/card)…\n');
  const { db, ownerUrl, embedded } = await prepareDatabase(config, logger);
  await seedBenchDemo(ownerUrl);
  try {
    createDemoPki(config.pkiDir, { softhsmDir: null });
    const services = createServices(db, config, logger);
    const ctx = { ip: '127.0.0.1', requestId: null };
    const card = 'agency-ntunhs';
    const key = fs.readFileSync(path.join(config.pkiDir, 'cards', card, 'key.pem'), 'utf8');
    const certb64 = fs.readFileSync(path.join(config.pkiDir, 'cards', card, 'cert.pem'), 'utf8').replace(/-----[A-Z ]+-----|\s+/g, '');

    // Warm-up (trust store load, JIT, pool).
    for (let i = 0; i < 50; i++) {
      const { tbs, nonce } = await services.cardLogin.challenge('login');
      await services.cardLogin.signIn(await services.cardLogin.verify({ tbs, certb64, signature: crypto.sign('sha256', Buffer.from(tbs), key).toString('base64') }, 'login', ctx, [nonce]), ctx);
    }

    // Challenges: timed on their own.
    const tbsList: { tbs: string; nonce: string }[] = [];
    let t0 = performance.now();
    await runConcurrently(LOGINS, CONCURRENCY, async () => {
      const { tbs, nonce } = await services.cardLogin.challenge('login');
      tbsList.push({ tbs, nonce });
    });
    const challengeSecs = (performance.now() - t0) / 1000;

    // The card signs each tbs (not timed: this happens in the reader).
    // Each as the browser session that asked for it (its one nonce).
    const signed = tbsList.map(({ tbs, nonce }) => ({ input: { tbs, certb64, signature: crypto.sign('sha256', Buffer.from(tbs), key).toString('base64') }, issued: [nonce] }));

    // Verify + map to the agency: timed.
    const latencies: number[] = [];
    let next = 0;
    t0 = performance.now();
    await runConcurrently(LOGINS, CONCURRENCY, async () => {
      const { input, issued } = signed[next++]!;
      const start = performance.now();
      const result = await services.cardLogin.signIn(await services.cardLogin.verify(input, 'login', ctx, issued), ctx);
      if (!('user' in result)) throw new Error('login did not complete');
      latencies.push(performance.now() - start);
    });
    const verifySecs = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const bare = await measureBareExpress({ connections: CONCURRENCY });

    const figures = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      logins: LOGINS,
      concurrency: CONCURRENCY,
      challengesPerSec: Math.round(LOGINS / challengeSecs),
      verifiedLoginsPerSec: Math.round(LOGINS / verifySecs),
      verifyP50Ms: +pct(latencies, 50).toFixed(2),
      verifyP99Ms: +pct(latencies, 99).toFixed(2),
      combinedPerSec: Math.round(LOGINS / (challengeSecs + verifySecs)),
      goalPerSec: GOAL_PER_SEC,
      bare,
    };
    const share = (n: number) => `${((n / bare.rps) * 100).toFixed(1)} % of bare`;
    process.stdout.write(
      [
        '',
        `Certificate login path, ${LOGINS} logins at concurrency ${CONCURRENCY} (one process, ${os.cpus().length} cores):`,
        `  challenges issued      ${figures.challengesPerSec}/s`,
        `  logins verified        ${figures.verifiedLoginsPerSec}/s   p50 ${figures.verifyP50Ms} ms   p99 ${figures.verifyP99Ms} ms   (${share(figures.verifiedLoginsPerSec)})`,
        `  challenge + verify     ${figures.combinedPerSec}/s   (${share(figures.combinedPerSec)}; goal ≥ ${GOAL_PER_SEC}/s: ${figures.combinedPerSec >= GOAL_PER_SEC ? 'met' : 'NOT met'})`,
        `  ${bareLine(bare)}`,
        '',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results', `card-login-${Date.now()}.json`), JSON.stringify(figures, null, 2));
    await services.lifecycle.close();
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

async function runConcurrently(total: number, concurrency: number, task: () => Promise<void>) {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        await task();
      }
    }),
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
