import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startDatabase, startInstance, type Instance, type TestDatabase } from './harness';

// SIGTERM to a real instance (node scripts/start.ts) while it is answering: every request
// that reached it before the signal gets its answer; nothing new is accepted; the chat
// streams are told to reconnect; the process exits 0 within SHUTDOWN_GRACE_MS.
let database: TestDatabase;
let app: Instance;

beforeAll(async () => {
  database = await startDatabase();
  app = await startInstance('a', database, { SHUTDOWN_GRACE_MS: '20000', LOG_LEVEL: 'info' });
}, 300_000);

afterAll(async () => {
  await app?.stop();
  await database?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const url = () => new URL(app.baseURL);

/** A sign-in form whose body has reached the instance except its last bytes. */
async function slowSignIn(account: string) {
  const client = new Client();
  await client.get(`${app.baseURL}/login`);
  const body = new URLSearchParams({ _csrf: client.csrf, account, password: 'Ecpa#2026' }).toString();
  const req = http.request({ host: url().hostname, port: url().port, path: '/login', method: 'POST', agent: false, headers: { cookie: client.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) } });
  const answer = new Promise<{ status: number; location: string | null } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null });
    });
    req.on('error', (err) => resolve({ error: err.message }));
  });
  req.write(body.slice(0, -5));
  return { answer, finish: () => req.end(body.slice(-5)) };
}

/** A GET on a connection of its own; resolves once the request is written (its answer in `status`). */
function sentGet(path: string): Promise<{ status: Promise<number | string> }> {
  return new Promise((resolve) => {
    let answered: (v: number | string) => void = () => {};
    const status = new Promise<number | string>((r) => (answered = r));
    const req = http.get({ host: url().hostname, port: url().port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => answered(res.statusCode ?? 0));
    });
    req.on('error', (err) => answered(err.message));
    req.on('finish', () => resolve({ status }));
  });
}

/** A request whose headers are not complete yet (the request has begun: it is not an idle connection). */
function halfSentGet(path: string) {
  const socket = net.connect(Number(url().port), url().hostname);
  let text = '';
  socket.on('data', (d) => (text += d));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  socket.on('error', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url().host}\r\n`);
  return { finish: () => socket.write('Connection: close\r\n\r\n'), closed };
}

/** The agent console's event stream, as the browser's EventSource reads it. */
async function agentStream(client: Client) {
  return new Promise<{ events: () => string; ended: Promise<void> }>((resolve, reject) => {
    const req = http.get(`${app.baseURL}/pics/agent/chat/events`, { headers: { cookie: client.cookieHeader(), accept: 'text/event-stream' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      res.once('data', () => resolve({ events: () => text, ended }));
    });
    req.on('error', reject);
  });
}

describe('SIGTERM under load', () => {
  it('answers every request that arrived before it, refuses new connections, tells chat streams to reconnect and exits 0', async () => {
    const agent = new Client();
    await agent.signIn(app.baseURL, 'cs.agent');
    const stream = await agentStream(agent);

    // Load: sign-ins whose bodies are still arriving, sign-ins being hashed (Argon2), and page reads.
    const accounts = ['wang.xiaoming', 'chen.meiling', 'hr.chief', 'hr.staff', 'hr.moi', 'cs.lead', 'portal.admin', 'mocs.admin'];
    const slow = await Promise.all(accounts.map(slowSignIn));
    const hashing = await Promise.all(
      accounts.map(async () => {
        const c = new Client();
        await c.get(`${app.baseURL}/login`);
        return c;
      }),
    );
    const readyz = halfSentGet('/readyz');
    const busy = hashing.map((c, i) => c.postForm(`${app.baseURL}/login`, { account: accounts[i]!, password: 'Ecpa#2026' }).catch((err: Error) => ({ status: 0, text: err.message, location: null })));
    const reads = await Promise.all(Array.from({ length: 20 }, () => sentGet('/announcements')));
    // Everything above has reached the instance.
    await sleep(1500);

    const exited = new Promise<number | null>((resolve) => app.proc.once('exit', (code) => resolve(code)));
    const signalled = Date.now();
    app.proc.kill('SIGTERM');
    await sleep(500);

    // New connections are not served: refused once the listener is closed (reset if the
    // signal was being handled as it connected).
    const fresh = await new Promise<string>((resolve) => {
      const req = http.get({ host: url().hostname, port: url().port, path: '/healthz', agent: false }, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
    });
    expect(fresh).toMatch(/^ECONNRE(FUSED|SET)$/);
    // A request that had begun is answered: /readyz says 503 now.
    readyz.finish();
    expect(await readyz.closed).toMatch(/^HTTP\/1\.1 503 [\s\S]*"status":"draining"/);
    // The chat stream was told to reconnect, and ended.
    await stream.ended;
    expect(stream.events()).toContain('event: reconnect\ndata: {"reason":"shutdown"}');

    // The sign-ins whose bodies were still arriving finish now and are answered.
    for (const s of slow) s.finish();
    const answers = await Promise.all(slow.map((s) => s.answer));
    expect(answers).toEqual(accounts.map(() => expect.objectContaining({ status: 303 })));
    expect((await Promise.all(busy)).map((r) => r.status)).toEqual(accounts.map(() => 303));
    const readStatuses = await Promise.all(reads.map((r) => r.status));
    if (process.env.SIGTERM_DEBUG) console.log(readStatuses, app.output().split('\n').filter((l) => l.includes('announcements') || l.includes('shut') || l.includes('drain')).join('\n'));
    expect(readStatuses).toEqual(reads.map(() => 200));

    if (process.env.SIGTERM_DEBUG) console.log(app.output().split('\n').filter((l) => l.includes('announcements') || l.includes('shut') || l.includes('drain')).join('\n'));
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(20_000);
    expect(app.output()).toContain('shutting down: draining');
    expect(app.output()).toContain('drained: no request in flight');
  });
});
