import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, projectRoot } from '../../src/platform/database';
import { startEmbeddedDatabase } from '../../src/bootstrap';
import { APP_ROLE, grantAppRole } from '../../src/platform/dbRole';
import { freePort } from '../../src/platform/net';
import { seedReference } from '../../src/reference/repository';
import { seedDemo } from '../../seeds/demo';
import { seedAreas } from '../../seeds/areas';
import { createDemoPki } from '../../seeds/demoPki';

/**
 * Real processes for the load and fault tests: an embedded PostgreSQL this test can stop
 * and start, app instances started as `node scripts/start.ts` would be, and a tiny SMTP
 * server that can be up or down.
 */
export async function startDatabase() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-resilience-'));
  fs.chmodSync(root, 0o777);
  const dir = path.join(root, 'pg');
  const port = await freePort();
  // As in the product: the schema owner's login migrates and seeds, the app has its own.
  let server = await startEmbeddedDatabase(dir, port, 'ecpa_resilience');
  const db = createDb(server.ownerUrl, 4);
  await migrate(db);
  await seedReference(db);
  await seedDemo(db);
  await seedAreas(db);
  await grantAppRole(db, APP_ROLE);
  await db.destroy();
  const pkiDir = path.join(root, 'pki');
  createDemoPki(pkiDir, { softhsmDir: null });
  const uploadDir = path.join(root, 'uploads');
  fs.mkdirSync(uploadDir, { recursive: true });
  return {
    /** The schema owner's login (the tests' own look at the data). */
    url: server.ownerUrl,
    /** The app's login, as the instances connect. */
    appUrl: server.appUrl,
    ownerUrl: server.ownerUrl,
    root,
    pkiDir,
    uploadDir,
    async stop() {
      await server.stop();
    },
    async start() {
      server = await startEmbeddedDatabase(dir, port, 'ecpa_resilience');
    },
    async destroy() {
      await server.stop().catch(() => {});
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export type TestDatabase = Awaited<ReturnType<typeof startDatabase>>;

export interface Instance {
  name: string;
  baseURL: string;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
  kill: () => void;
}

export async function startInstance(name: string, database: TestDatabase, env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      SESSION_SECRET: 'resilience-test-secret-0123456789abcdef',
      MAIL_SECRET_KEY: Buffer.alloc(32, 'resilience').toString('base64'),
      SECURE_COOKIES: 'false',
      DATABASE_URL: database.appUrl,
      DATABASE_OWNER_URL: database.ownerUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
      PKI_DIR: database.pkiDir,
      UPLOAD_DIR: database.uploadDir,
      DATA_DIR: path.join(database.root, `data-${name}`),
      SEED_DEMO: 'false',
      START_BRIDGE: 'false',
      CLOUD_WS_PORT: '0',
      LOGIN_RATE_LIMIT_PER_15MIN: '100000',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const baseURL = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`instance ${name} exited: ${out}`);
    try {
      const r = await fetch(`${baseURL}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`instance ${name} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name,
    baseURL,
    proc,
    output: () => out,
    kill: () => proc.kill('SIGKILL'),
    stop: () =>
      new Promise<void>((resolve) => {
        // Already gone: exited, or killed by a signal (then exitCode stays null).
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** A browser-like client: keeps cookies, reads CSRF tokens, posts forms. */
export class Client {
  private cookies = new Map<string, string>();
  csrf = '';

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i).trim(), pair!.slice(i + 1));
    }
  }

  async get(url: string): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(url, { headers: { cookie: this.cookieHeader() }, redirect: 'manual' });
    this.keep(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1]!;
    return { status: res.status, text, location: res.headers.get('location') };
  }

  async postForm(url: string, fields: Record<string, string>): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }).toString(),
      redirect: 'manual',
    });
    this.keep(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  /** Certificate login with a demo card's PEM key (what the bridge would sign). */
  async cardSignIn(baseURL: string, pkiDir: string, card: string) {
    await this.get(`${baseURL}/login/certificate`);
    const ch = await fetch(`${baseURL}/login/certificate/challenge`, { method: 'POST', headers: { 'x-csrf-token': this.csrf, accept: 'application/json', cookie: this.cookieHeader() } });
    // The challenge is bound to the session that asked for it: keep what the answer sets.
    this.keep(ch);
    const { tbs } = (await ch.json()) as { tbs: string };
    const dir = path.join(pkiDir, 'cards', card);
    const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const certb64 = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8').replace(/-----[A-Z ]+-----|\s+/g, '');
    const res = await this.postForm(`${baseURL}/login/certificate`, { tbs, certb64, signature: crypto.sign('sha256', Buffer.from(tbs), key).toString('base64') });
    if (res.status !== 303) throw new Error(`card sign-in with ${card} failed: ${res.status}`);
    await this.get(`${baseURL}/agency`);
    return res;
  }

  async signIn(baseURL: string, account: string, password = 'Ecpa#2026') {
    await this.get(`${baseURL}/login`);
    const res = await this.postForm(`${baseURL}/login`, { account, password });
    if (res.status !== 303) throw new Error(`sign-in of ${account} failed: ${res.status}`);
    return res;
  }
}

/** A minimal SMTP server: accepts every message while up; `down()` closes the port. */
export async function startSmtpSink() {
  const port = await freePort();
  const messages: string[] = [];
  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  const up = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        let data = false;
        let buf = '';
        socket.write('220 sink ESMTP\r\n');
        socket.on('data', (chunk) => {
          buf += chunk.toString('utf8');
          for (;;) {
            if (data) {
              const end = buf.indexOf('\r\n.\r\n');
              if (end < 0) return;
              messages.push(buf.slice(0, end));
              buf = buf.slice(end + 5);
              data = false;
              socket.write('250 OK queued\r\n');
              continue;
            }
            const nl = buf.indexOf('\r\n');
            if (nl < 0) return;
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 2);
            const cmd = line.slice(0, 4).toUpperCase();
            if (cmd === 'EHLO' || cmd === 'HELO') socket.write('250 sink\r\n');
            else if (cmd === 'DATA') {
              data = true;
              socket.write('354 go on\r\n');
            } else if (cmd === 'QUIT') {
              socket.end('221 bye\r\n');
            } else socket.write('250 OK\r\n');
          }
        });
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await up();
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    up,
    async down() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = null;
    },
  };
}

export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
