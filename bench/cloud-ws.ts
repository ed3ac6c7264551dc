/**
 * Benchmark: the cloud web service over mutual TLS with keep-alive, as a ratio to bare
 * Express hello (plain HTTP), with bare Express hello over the same mutual TLS as a
 * second reference.
 *
 *   npx tsx bench/cloud-ws.ts
 *   BENCH_CONNECTIONS=50 BENCH_DURATION=10 BENCH_WARMUP=3 BENCH_PAGE_SIZE=10
 *
 * Starts its own embedded PostgreSQL (temporary), migrates and seeds it, creates an
 * approved web-service application with a client certificate issued by the platform CA,
 * starts each target in its own process and loads it with autocannon (keep-alive
 * connections presenting the client certificate). Stops everything it started.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 10);

async function child() {
  const role = process.env.CLOUD_WS_ROLE;
  const port = Number(process.env.CLOUD_WS_PORT);
  const tell = (m: unknown) => process.send?.(m);
  if (role === 'bare') {
    const app = express();
    app.get('/', (_req, res) => {
      res.send('hello');
    });
    const server = app.listen(port, '127.0.0.1', () => tell({ ready: port }));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  const { loadPlatformPki } = await import('../src/platform/pki/platform');
  const pki = loadPlatformPki(process.env.PKI_DIR!);
  if (role === 'bare-tls') {
    const app = express();
    app.get('/', (_req, res) => {
      res.send('hello');
    });
    const { certPem, keyPem } = pki.serverCertificate(['localhost', '127.0.0.1']);
    const server = https.createServer({ cert: certPem, key: keyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 30_000 }, app).listen(port, '127.0.0.1', () => tell({ ready: port }));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/platform/logger');
  const { createDb } = await import('../src/platform/database');
  const { createServices } = await import('../src/services');
  const { startCloudWebService } = await import('../src/cloud/site');
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: process.env.BENCH_DATABASE_URL!, DATABASE_OWNER_URL: process.env.BENCH_OWNER_DATABASE_URL!, PKI_DIR: process.env.PKI_DIR!, DATA_DIR: process.env.BENCH_DATA_DIR!, SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
  const db = createDb(process.env.BENCH_DATABASE_URL!);
  const services = createServices(db, config, createLogger('silent'));
  const ws = await startCloudWebService(services, { port, host: '127.0.0.1' });
  tell({ ready: ws.port });
  process.on('SIGTERM', () => void ws.close().then(() => db.destroy()).finally(() => process.exit(0)));
}

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const { freePort } = await import('../src/platform/net');
  const port = await freePort();
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env, CLOUD_WS_CHILD: '1', CLOUD_WS_PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => reject(new Error(`${env.CLOUD_WS_ROLE} did not start`)), 60_000);
    c.on('message', (m: { ready?: number }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve({ child: c, port: m.ready });
      }
    });
    c.on('exit', (code) => reject(new Error(`${env.CLOUD_WS_ROLE} exited with ${code}`)));
  });
}

function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    c.removeAllListeners('exit');
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });
}

async function load(url: string, tlsOptions?: object) {
  const opts = { url, connections: CONNECTIONS, pipelining: 1, ...(tlsOptions ? { tlsOptions } : {}) };
  if (WARMUP > 0) await autocannon({ ...opts, duration: WARMUP });
  const r = await autocannon({ ...opts, duration: DURATION });
  return { url, requestsPerSec: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, total2xx: r['2xx'], non2xx: r.non2xx, errors: r.errors };
}

async function main() {
  const { createDb, migrate } = await import('../src/platform/database');
  const { startEmbeddedDatabase } = await import('../src/bootstrap');
  const { APP_ROLE, grantAppRole } = await import('../src/platform/dbRole');
  const { freePort } = await import('../src/platform/net');
  const { seedReference } = await import('../src/reference/repository');
  const { seedDemo } = await import('../seeds/demo');
  const { seedCloudSiteDemo } = await import('../seeds/cloud-site');
  const { createDemoPki } = await import('../seeds/demoPki');
  const { loadPlatformPki } = await import('../src/platform/pki/platform');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cloud-ws-'));
  // The owner's login migrates and seeds; the web service runs as the app's login.
  const pg = await startEmbeddedDatabase(path.join(root, 'pg'), await freePort(), 'bench', { persistent: false });
  const db = createDb(pg.ownerUrl);
  const children: ChildProcess[] = [];
  try {
    await migrate(db);
    await seedReference(db);
    await seedDemo(db, { people: 600 });
    await seedCloudSiteDemo(db);
    await grantAppRole(db, APP_ROLE);
    const pkiDir = path.join(root, 'pki');
    createDemoPki(pkiDir, { softhsmDir: null });
    const pki = loadPlatformPki(pkiDir);
    const agency = await db('agency').where({ code: 'A096C0000Q' }).first('id');
    const agencyCert = fs.readFileSync(path.join(pkiDir, 'cards', 'agency-ntunhs', 'cert.pem'), 'utf8');
    const [app] = await db('cloud_application')
      .insert({
        number: 'APSQ11500001', kind: 'ws', agency_id: agency.id, contact_name: '林小美', contact_phone: '02-28227101', contact_email: 'hr@ntunhs.edu.tw',
        period_from: '2020-01-01', period_to: '2099-12-31', purpose: 'bench', legal_basis: 'bench', specific_purpose: 'bench', system_name: 'bench', os: 'Linux', language: 'TS',
        database_name: 'PostgreSQL', computer_name: 'bench', ip_addresses: db.raw("'{127.0.0.1}'::inet[]"), user_scopes: db.raw("'{internal}'::text[]"), status: 'approved',
        digest: 'a'.repeat(64), tbs: 't', signature: 's', certb64: agencyCert.replace(/-----[A-Z ]+-----|\s+/g, ''), cert_thumbprint: 'b'.repeat(64), verification_code: 'BENCH-0000-0000', submitted_at: new Date(),
      })
      .returning(['id', 'number']);
    const svc = await db('cloud_service').where({ code: 'SQ_TA_002' }).first('id');
    await db('cloud_application_service').insert({ application_id: app.id, service_id: svc.id, result: 'approved' });
    const client = pki.issueClientCertificate(app.number, { days: 30 });
    await db('cloud_ws_client').insert({ application_id: app.id, application_number: app.number, agency_id: agency.id, serial_hex: client.serialHex, thumbprint: client.thumbprint, cert_pem: client.certPem, not_after: client.notAfter, p12_stored_name: 'bench' });
    const rows = Number((await db('hr_performance').where({ agency_id: agency.id }).count({ n: '*' }))[0]!.n);
    const tls = { cert: client.certPem, key: client.keyPem, ca: pki.caCertPem };

    const bare = await start({ CLOUD_WS_ROLE: 'bare' });
    children.push(bare.child);
    const bareFig = await load(`http://127.0.0.1:${bare.port}/`);
    await stop(bare.child);
    const bareTls = await start({ CLOUD_WS_ROLE: 'bare-tls', PKI_DIR: pkiDir });
    children.push(bareTls.child);
    const bareTlsFig = await load(`https://127.0.0.1:${bareTls.port}/`, tls);
    await stop(bareTls.child);
    const ws = await start({ CLOUD_WS_ROLE: 'ws', PKI_DIR: pkiDir, BENCH_DATABASE_URL: pg.appUrl, BENCH_OWNER_DATABASE_URL: pg.ownerUrl, BENCH_DATA_DIR: path.join(root, 'data') });
    children.push(ws.child);
    const wsUrl = `https://127.0.0.1:${ws.port}/api/v1/applications/${app.number}/services/SQ_TA_002?page=1&size=${PAGE_SIZE}`;
    const wsFig = await load(wsUrl, tls);
    await stop(ws.child);
    const logged = Number((await db('cloud_ws_call').count({ n: '*' }))[0]!.n);
    const result = {
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
      connections: CONNECTIONS, durationS: DURATION, pageSize: PAGE_SIZE, agencyRows: rows,
      bare: bareFig, bareMutualTls: bareTlsFig, webService: wsFig,
      ratioToBarePct: Math.round((wsFig.requestsPerSec / bareFig.requestsPerSec) * 1000) / 10,
      ratioToBareMutualTlsPct: Math.round((wsFig.requestsPerSec / bareTlsFig.requestsPerSec) * 1000) / 10,
      callsLogged: logged,
    };
    console.log(JSON.stringify(result, null, 2));
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results', `cloud-ws-${Date.now()}.json`), JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2));
  } finally {
    for (const c of children) await stop(c);
    await db.destroy();
    await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.env.CLOUD_WS_CHILD === '1') void child();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
