/**
 * `npx tsx bench/pics-chat.ts`: 文字客服 delivery latency, asker → agent, across two app
 * instances with 500 open chats.
 *
 * Starts an embedded PostgreSQL under bench/data/pics-chat-pg (migrated and seeded as
 * `npm start` does), two app instances in their own processes (bench/server.ts, the whole
 * app) on different ports, and makes 500 active chats, each with an asker and an agent
 * (25 agents × 20 chats). Every asker holds an event stream on instance A and every agent
 * one per chat on instance B (1,000 open streams). Then askers post lines to A (JSON, as the
 * page's script does) and the time until the agent's stream on B delivers the line is
 * measured: stored in PostgreSQL, NOTIFY (carrying the line), B's LISTEN connection, SSE.
 *
 * Two phases: **paced**, lines sent at a steady CHAT_BENCH_RATE per second whatever the
 * answers (default 100/s: each of the 500 askers saying a line every 5 s), which is the
 * delivery latency people in 500 open chats see and the figure the goal is read on; then
 * **saturated**, CHAT_BENCH_CONCURRENCY senders each sending the next line as soon as the
 * last one was answered, which measures the most lines/s the two instances carry (its
 * latency is mostly time spent queueing behind the other senders' lines).
 *
 * Environment (optional): CHAT_BENCH_CHATS=500  CHAT_BENCH_MESSAGES=3000  CHAT_BENCH_RATE=100  CHAT_BENCH_CONCURRENCY=10
 */
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase, startEmbeddedDatabase } from '../src/bootstrap';
import { seedBenchDemo } from './demoData';
import { bareLine, measureBareExpress } from './targets';
import type { Db, EmbeddedServer } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { withCheckDigit } from '../seeds/demo';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHATS = Number(process.env.CHAT_BENCH_CHATS ?? 500);
const MESSAGES = Number(process.env.CHAT_BENCH_MESSAGES ?? 3000);
const CONCURRENCY = Number(process.env.CHAT_BENCH_CONCURRENCY ?? 10);
const RATE = Number(process.env.CHAT_BENCH_RATE ?? 100);
const PER_AGENT = 20;
const SECRET = 'x'.repeat(40); // bench/server.ts's session secret
const GOAL_P99_MS = 50;

async function startInstance(url: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = fork(path.join(here, 'server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_TARGET: 'portal', BENCH_DATABASE_URL: url, BENCH_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('instance did not start in 60 s')), 60_000);
    child.on('message', (m: { ready?: number }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  return { child, base: `http://127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Signs in through the real form; returns the session id, cookie and CSRF token. */
async function signIn(base: string, account: string): Promise<{ sid: string; cookie: string; csrf: string }> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  let res = await fetch(`${base}/login`);
  keep(res);
  let csrf = csrfOf(await res.text());
  res = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, account, password: 'Ecpa#2026' }).toString(),
    redirect: 'manual',
  });
  keep(res);
  if (res.status !== 303) throw new Error(`sign-in of ${account} failed: ${res.status}`);
  res = await fetch(`${base}/my/profile`, { headers: { cookie: cookie() } });
  keep(res);
  csrf = csrfOf(await res.text());
  const raw = decodeURIComponent(jar.get('ecpa.sid')!);
  return { sid: raw.slice(2, raw.lastIndexOf('.')), cookie: cookie(), csrf };
}

/** express-session's signed cookie for a session id. */
function cookieFor(sid: string): string {
  const sig = crypto.createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '');
  return `ecpa.sid=${encodeURIComponent(`s:${sid}.${sig}`)}`;
}

/**
 * Sessions for many accounts without a password check each: a real session (its CSRF
 * secret included) is copied with the user swapped.
 */
async function cloneSessions(db: Db, templateSid: string, users: { accountId: number; personId: number; name: string; username: string }[]): Promise<string[]> {
  const row = await db('session').where({ sid: templateSid }).first();
  const template = typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess;
  const cookies: string[] = [];
  const rows = users.map((u) => {
    const sid = crypto.randomBytes(24).toString('base64url');
    cookies.push(cookieFor(sid));
    const sess = structuredClone(template);
    Object.assign(sess.passport.user, { accountId: u.accountId, personId: u.personId, name: u.name, username: u.username });
    return { sid, sess: JSON.stringify(sess), expire: row.expire };
  });
  for (let i = 0; i < rows.length; i += 200) await db('session').insert(rows.slice(i, i + 200));
  return cookies;
}

/** Accounts made for the run (password as the demo accounts). */
async function makeAccounts(db: Db, n: number, prefix: string, role: string | null, run: string) {
  const agency = await db('agency').where({ code: '376470000A' }).first('id');
  const hash = (await db('account').where({ username: 'wang.xiaoming' }).first('password_hash')).password_hash;
  const out: { accountId: number; personId: number; name: string; username: string }[] = [];
  const people = [];
  for (let i = 0; i < n; i++) {
    const digits = String(crypto.randomInt(0, 99_999_999)).padStart(8, '0');
    people.push({
      national_id: withCheckDigit(`Z1${digits}`.slice(0, 9)),
      name: `${prefix}${i}`,
      agency_id: agency.id,
      title: '科員', rank: '薦任第七職等', series: '一般行政', unit: '人事室', personnel_kind: '簡薦委公務人員',
      appointed_on: '2020-01-01', birth_date: '1990-01-01', gender: 'M',
    });
  }
  const persons = await db('person').insert(people).onConflict('national_id').ignore().returning(['id', 'name']);
  const accounts = await db('account')
    .insert(persons.map((p: { id: number; name: string }, i: number) => ({ person_id: p.id, username: `${prefix}${run}${i}`.slice(0, 30), email: `${prefix}${run}${i}@example.gov.tw`, password_hash: hash })))
    .returning(['id', 'person_id', 'username']);
  for (let i = 0; i < accounts.length; i++) out.push({ accountId: accounts[i].id, personId: accounts[i].person_id, name: persons[i].name, username: accounts[i].username });
  if (role) await db('role_grant').insert(out.map((u) => ({ account_id: u.accountId, role })));
  return out;
}

/** An SSE connection that calls `onLine` for each line event. */
function stream(url: string, cookie: string, onLine: (data: string) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream ${url}: ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.includes('event: line')) continue;
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) onLine(data.slice(6));
        }
      });
      res.on('error', () => {});
      resolve(req);
    });
    req.on('error', reject);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const pgPort = await freePort();
  const baseEnv = { DATA_DIR: path.join(here, 'data'), NODE_ENV: 'production', SESSION_SECRET: SECRET, LOG_LEVEL: 'silent', SECURE_COOKIES: 'false', LOGIN_RATE_LIMIT_PER_15MIN: '100000', PKI_DIR: path.join(here, 'data', 'pki') };
  const children: ChildProcess[] = [];
  const streams: http.ClientRequest[] = [];
  let embedded: EmbeddedServer | null = null;
  let db: Db | null = null;
  try {
    process.stdout.write('Starting embedded PostgreSQL (bench/data/pics-chat-pg) and preparing the database…\n');
    const server = await startEmbeddedDatabase(path.join(here, 'data', 'pics-chat-pg'), pgPort, 'ecpa');
    embedded = server;
    const prepared = await prepareDatabase(loadConfig({ ...baseEnv, DATABASE_URL: server.appUrl, DATABASE_OWNER_URL: server.ownerUrl }), createLogger('silent'));
    await seedBenchDemo(server.ownerUrl);
    db = prepared.db;
    // Chats and sessions of earlier runs would only add noise.
    await db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended', ended_at: db.fn.now() });
    await db('session').delete();

    const [a, b] = [await startInstance(prepared.url), await startInstance(prepared.url)];
    children.push(a.child, b.child);
    process.stdout.write(`Instance A ${a.base}, instance B ${b.base}\n`);

    const run = Date.now().toString(36);
    const agents = Math.ceil(CHATS / PER_AGENT);
    const askers = await makeAccounts(db, CHATS, 'bq', null, run);
    const agentUsers = await makeAccounts(db, agents, 'ba', 'cs_agent', run);
    await db('pics_chat_agent').insert(agentUsers.map((u, i) => ({ account_id: u.accountId, display_name: `專員${i}`, max_concurrent: PER_AGENT, status: 'available', heartbeat_at: new Date() })));
    const now = new Date();
    const chats = await db('pics_chat')
      .insert(askers.map((u, i) => ({ asker_account_id: u.accountId, asker_person_id: u.personId, asker_name: u.name, state: 'active', agent_account_id: agentUsers[Math.floor(i / PER_AGENT)]!.accountId, created_at: now, queued_at: now, accepted_at: now, last_activity_at: now })))
      .returning('id');
    const chatIds = chats.map((c: { id: number }) => c.id);

    // Two real sign-ins (asker, agent) as templates; the rest are copies.
    const askerLogin = await signIn(a.base, askers[0]!.username);
    const agentLogin = await signIn(b.base, agentUsers[0]!.username);
    const askerCookies = await cloneSessions(db, askerLogin.sid, askers);
    // A session holds at most 4 event streams (one per open chat window): each of an agent's
    // 20 chat windows here has a session of its own.
    const agentCookies = await cloneSessions(db, agentLogin.sid, chatIds.map((_: number, i: number) => agentUsers[Math.floor(i / PER_AGENT)]!));

    const waiting = new Map<string, (at: number) => void>();
    let stray = 0;
    for (let i = 0; i < chatIds.length; i++) {
      streams.push(await stream(`${a.base}/pics/chat/${chatIds[i]}/events`, askerCookies[i]!, () => {}));
      streams.push(
        await stream(`${b.base}/pics/chat/${chatIds[i]}/events`, agentCookies[i]!, (data) => {
          const at = performance.now();
          const m = /bench-[a-z0-9]+-\d+/.exec(data);
          const done = m && waiting.get(m[0]);
          if (done) done(at);
          else if (m) stray++;
        }),
      );
    }
    process.stdout.write(`${chatIds.length} active chats; ${streams.length} open event streams (askers on A, agents on B).\n`);

    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: Math.max(64, CONCURRENCY * 2) });
    const postLine = (chatIndex: number, body: string) =>
      new Promise<number>((resolve, reject) => {
        const payload = JSON.stringify({ body });
        const req = http.request(
          `${a.base}/pics/chat/${chatIds[chatIndex]}/messages`,
          { method: 'POST', agent: keepAlive, headers: { cookie: askerCookies[chatIndex]!, 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': askerLogin.csrf, 'content-length': Buffer.byteLength(payload) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });

    interface Sample {
      latencies: number[];
      postMs: number[];
      /** Delivery on B minus the POST's answer on A: negative when the agent had it first. */
      afterAnswer: number[];
      failures: number;
    }
    const sample = (): Sample => ({ latencies: [], postMs: [], afterAnswer: [], failures: 0 });
    let seq = 0;
    const send = async (into: Sample | null) => {
      const n = seq++;
      const chatIndex = n % chatIds.length;
      const token = `bench-${run}-${n}`;
      const delivered = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(token);
          reject(new Error('not delivered in 10 s'));
        }, 10_000);
        waiting.set(token, (at) => {
          clearTimeout(timer);
          waiting.delete(token);
          resolve(at);
        });
      });
      const t0 = performance.now();
      const status = await postLine(chatIndex, `您好 ${token}`);
      const t1 = performance.now();
      if (status !== 201) {
        if (into) into.failures++;
        waiting.delete(token);
        return;
      }
      try {
        const at = await delivered;
        if (into) {
          into.latencies.push(at - t0);
          into.postMs.push(t1 - t0);
          into.afterAnswer.push(at - t1);
        }
      } catch {
        if (into) into.failures++;
      }
    };
    /** Closed loop: CONCURRENCY senders, each sending its next line once the last was answered. */
    const saturate = async (count: number, into: Sample | null) => {
      let left = count;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (left-- > 0) await send(into);
        }),
      );
    };
    /** Open loop: a line every 1/RATE s, whether or not the earlier ones were answered. */
    const pace = async (count: number, into: Sample) => {
      const started = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const wait = started + (i * 1000) / RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(send(into));
      }
      await Promise.all(inFlight);
    };
    const summary = (x: Sample, seconds: number) => {
      const sorted = [...x.latencies].sort((p, q) => p - q);
      const posts = [...x.postMs].sort((p, q) => p - q);
      const after = [...x.afterAnswer].sort((p, q) => p - q);
      return {
        messages: x.latencies.length,
        failures: x.failures,
        linesPerSec: Math.round(x.latencies.length / seconds),
        deliveryMs: { p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99), max: sorted[sorted.length - 1] ?? NaN },
        postResponseMs: { p50: pct(posts, 50), p99: pct(posts, 99) },
        deliveredBeforeAnswerPct: Math.round((after.filter((v) => v <= 0).length / Math.max(1, after.length)) * 100),
        afterAnswerMs: { p50: pct(after, 50), p99: pct(after, 99) },
      };
    };
    const timed = async (fn: () => Promise<void>) => {
      const t = performance.now();
      await fn();
      return (performance.now() - t) / 1000;
    };

    process.stdout.write(`Warm-up: 300 lines…\n`);
    await saturate(300, null);
    process.stdout.write(`Paced: ${MESSAGES} lines at ${RATE} lines/s from askers on A to agents on B…\n`);
    const pacedSample = sample();
    const paced = summary(pacedSample, await timed(() => pace(MESSAGES, pacedSample)));
    const pacedLoad = os.loadavg();
    process.stdout.write(`Saturated: ${MESSAGES} lines, ${CONCURRENCY} senders at a time…\n`);
    const satSample = sample();
    const saturated = summary(satSample, await timed(() => saturate(MESSAGES, satSample)));
    const failures = pacedSample.failures + satSample.failures;

    // The yardstick, with as many connections as there were senders.
    const bare = await measureBareExpress({ connections: CONCURRENCY });
    const result = {
      at: new Date().toISOString(),
      chats: chatIds.length,
      openStreams: streams.length,
      stray,
      rate: RATE,
      concurrency: CONCURRENCY,
      paced,
      saturated,
      loadavg: { paced: pacedLoad, end: os.loadavg() },
      cpus: os.cpus().length,
      bare,
    };
    const f = (n: number) => n.toFixed(1);
    const lines = (label: string, r: ReturnType<typeof summary>) => [
      `${label}: ${r.messages} lines delivered (${r.failures} failed) at ${r.linesPerSec} lines/s`,
      `  asker → agent (ms)   p50 ${f(r.deliveryMs.p50)}  p90 ${f(r.deliveryMs.p90)}  p99 ${f(r.deliveryMs.p99)}  max ${f(r.deliveryMs.max)}`,
      `  POST answered (ms)   p50 ${f(r.postResponseMs.p50)}  p99 ${f(r.postResponseMs.p99)}`,
      `  delivery − answer    p50 ${f(r.afterAnswerMs.p50)}  p99 ${f(r.afterAnswerMs.p99)} ms; the agent had the line first in ${r.deliveredBeforeAnswerPct} %`,
    ];
    process.stdout.write(
      [
        '',
        ...lines(`paced at ${RATE}/s`, paced),
        ...lines(`saturated, ${CONCURRENCY} senders`, saturated),
        `load average         ${pacedLoad.map((l) => l.toFixed(2)).join(' ')} after the paced phase, ${result.loadavg.end.map((l) => l.toFixed(2)).join(' ')} at the end, on ${result.cpus} CPUs`,
        bareLine(bare),
        `saturated lines/s as a share of bare req/s: ${((saturated.linesPerSec / bare.rps) * 100).toFixed(1)} %; paced delivery p99 / bare p99: ${(paced.deliveryMs.p99 / Math.max(bare.p99, 0.001)).toFixed(1)}×`,
        `goal p99 ≤ ${GOAL_P99_MS} ms at ${RATE} lines/s: ${paced.deliveryMs.p99 <= GOAL_P99_MS ? 'met' : 'NOT met'}`,
        '',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results', `pics-chat-${Date.now()}.json`), JSON.stringify(result, null, 2));
    keepAlive.destroy();
    if (failures) process.exitCode = 1;
  } finally {
    for (const s of streams) s.destroy();
    for (const c of children) await stop(c);
    if (db) {
      await db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended', ended_at: db.fn.now() }).catch(() => {});
      await db.destroy();
    }
    if (embedded) await embedded.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
