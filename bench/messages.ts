/**
 * `npx tsx bench/messages.ts`: 網頁訊息 (e公務) at benchmark scale.
 *
 * 1. Starts an embedded PostgreSQL under bench/data/messages, migrates and seeds the demo data,
 *    and generates (kept between runs, never committed) an agency of 10,000 people in service
 *    with an HR person, and 10,000 messages in wang.xiaoming's inbox.
 * 2. An agency notice to the 10,000 people through the service (one message row, one
 *    INSERT … SELECT of the recipients' rows), BENCH_NOTICES times: the time of each.
 * 3. The header's unread count (one index-only count), timed in-process over 10,000 unread.
 * 4. Starts the whole portal in its own process and loads, signed in as wang.xiaoming, the home
 *    page and the inbox page (/my/messages, first page of 10,000), one after the other in the
 *    same run: req/s, p50/p99 and the ratio inbox / home (goal ≥ 30 %).
 *
 *   BENCH_PEOPLE=10000  BENCH_MESSAGES=10000  BENCH_NOTICES=5
 *   BENCH_CONNECTIONS=20  BENCH_DURATION=10  BENCH_WARMUP=3
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { createDb, type Db } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { createServices } from '../src/services';
import type { SessionUser } from '../src/platform/identity/sessionUser';
import { seedBenchDemo } from './demoData';
import { ensureBenchAgency } from './agency';
import { signIn, startTarget, stopTarget } from './targets';

const here = path.dirname(fileURLToPath(import.meta.url));
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const NOTICES = Number(process.env.BENCH_NOTICES ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const AGENCY = 'BENCHMSG01';
const ACCOUNT = 'wang.xiaoming';
const PASSWORD = 'Ecpa#2026';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function load(url: string, headers: Record<string, string>) {
  if (WARMUP > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, headers });
  const times: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  return { rps: r.requests.average, p50: pct(times, 50), p99: pct(times, 99), ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts };
}

/** The bench agency with PEOPLE people in service and one HR person with an account (idempotent). */
async function generateAgency(db: Db): Promise<{ agencyId: number; hrPersonId: number; hrAccountId: number }> {
  const agencyId = await ensureBenchAgency(db, { code: AGENCY, name: '效能測試機關', people: PEOPLE, idLetter: 'Z', namePrefix: '效能', birthDate: '1990-01-01', gender: 'M' });
  const hr = await db('person').where({ agency_id: agencyId, national_id: 'Z000000001' }).first('id');
  let account = await db('account').where({ person_id: hr.id }).first('id');
  if (!account) {
    [account] = await db('account').insert({ person_id: hr.id, username: 'bench.msg.hr', email: 'bench-hr@example.gov.tw', egov_opt_in: true }).returning('id');
    await db('role_grant').insert({ account_id: account.id, role: 'hr_staff', agency_id: agencyId });
  }
  await db.raw('ANALYZE person');
  return { agencyId, hrPersonId: hr.id, hrAccountId: account.id };
}

/** MESSAGES messages in the inbox of ACCOUNT's person (idempotent), from a colleague. */
async function fillInbox(db: Db): Promise<number> {
  const { person_id: personId } = await db('account').where({ username: ACCOUNT }).first('person_id');
  const have = Number((await db('message_recipient').where({ person_id: personId }).count({ n: '*' }))[0]!.n);
  if (have < MESSAGES) {
    await db.raw(
      `WITH m AS (
         INSERT INTO message (kind, sender_person_id, sender_name, sender_agency_name, subject, body, recipients_text, created_at)
         SELECT 'personal', ?, '效能測試', '效能測試機關', '效能測試訊息 ' || i, '內容 ' || i, '王小明', now() - i * interval '1 minute'
           FROM generate_series(1, ?::int) i
         RETURNING id)
       INSERT INTO message_recipient (person_id, message_id, read_at) SELECT ?, id, CASE WHEN id % 3 = 0 THEN now() END FROM m`,
      [personId, MESSAGES - have, personId],
    );
    await db.raw('ANALYZE message');
    await db.raw('ANALYZE message_recipient');
  }
  return personId;
}

async function main() {
  const config = loadConfig({ DATA_DIR: path.join(here, 'data', 'messages'), EMBEDDED_PG_PORT: String(await freePort()), NODE_ENV: 'production', PKI_DIR: path.join(here, 'data', 'messages', 'pki'), SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
  process.stdout.write('Preparing the database (bench/data/messages)…\n');
  const { db: appDb, url, ownerUrl, embedded } = await prepareDatabase(config, createLogger('silent'));
  await seedBenchDemo(ownerUrl);
  await appDb.destroy();
  const db = createDb(ownerUrl);
  const targets: ChildProcess[] = [];
  const services = createServices(db, config, createLogger('silent'));
  try {
    const { agencyId, hrPersonId, hrAccountId } = await generateAgency(db);
    const inboxPerson = await fillInbox(db);
    const unread = Number((await db('message_recipient').where({ person_id: inboxPerson }).whereNull('read_at').whereNull('deleted_at').count({ n: '*' }))[0]!.n);
    process.stdout.write(`agency ${AGENCY}: ${PEOPLE} people; ${ACCOUNT}: ${MESSAGES} messages, ${unread} unread\n`);

    // --- An agency notice to everyone ---
    const hr: SessionUser = {
      kind: 'person', accountId: hrAccountId, personId: hrPersonId, name: '效能1', username: 'bench.msg.hr', agencyId, agencyCode: AGENCY, agencyName: '效能測試機關',
      roles: [{ role: 'hr_staff', agencyId }], method: 'password', mustChangePassword: false, profileIncomplete: false, lastLoginAt: null, currentLoginAt: new Date().toISOString(), certificate: null,
    };
    const notices: number[] = [];
    for (let i = 0; i < NOTICES; i++) {
      const t0 = performance.now();
      const r = await services.messages.sendNotice(hr, { scope: 'all', subject: `效能測試通知 ${i + 1}`, body: '全體同仁請注意。' }, { ip: null, requestId: null });
      notices.push(performance.now() - t0);
      if (r.delivered !== PEOPLE) throw new Error(`notice reached ${r.delivered} people, not ${PEOPLE}`);
    }
    const sortedNotices = [...notices].sort((a, b) => a - b);
    process.stdout.write(`agency notice to ${PEOPLE}: ${notices.map((n) => n.toFixed(0)).join(', ')} ms (median ${pct(sortedNotices, 50).toFixed(0)} ms, max ${sortedNotices.at(-1)!.toFixed(0)} ms; goal < 1000 ms: ${sortedNotices.at(-1)! < 1000 ? 'met' : 'NOT met'})\n`);

    // --- The header's unread count ---
    const rounds = 2000;
    const c0 = performance.now();
    for (let i = 0; i < rounds; i++) await services.messages.unreadCount({ personId: inboxPerson } as SessionUser);
    const countUs = ((performance.now() - c0) / rounds) * 1000;
    process.stdout.write(`unread count for the header (${unread} unread, counted up to 100): ${countUs.toFixed(0)} µs a page, one connection, sequential\n`);

    // --- Inbox page vs signed-in home page ---
    const portal = await startTarget({ BENCH_TARGET: 'portal', BENCH_DATABASE_URL: url });
    targets.push(portal.child);
    const base = `http://127.0.0.1:${portal.port}`;
    const cookie = await signIn(base, ACCOUNT, PASSWORD);
    const probe = await fetch(`${base}/my/messages`, { headers: { cookie }, redirect: 'manual' });
    const html = await probe.text();
    if (probe.status !== 200 || !html.includes(`共 ${MESSAGES.toLocaleString('zh-TW')} 則`)) throw new Error(`the inbox page did not list ${MESSAGES} messages (${probe.status})`);
    const home = await load(`${base}/`, { cookie });
    const inbox = await load(`${base}/my/messages`, { cookie });
    const ratio = inbox.rps / home.rps;
    const row = (name: string, f: typeof home) => `${name.padEnd(14)} ${f.rps.toFixed(0).padStart(6)} req/s  p50 ${f.p50.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  2xx ${f.ok}  other ${f.bad}`;
    process.stdout.write(`\n${row('home /', home)}\n${row('/my/messages', inbox)}\nratio ${(ratio * 100).toFixed(1)} % (goal ≥ 30 %): ${ratio >= 0.3 ? 'met' : 'NOT met'}\n`);

    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(here, 'results', `messages-${Date.now()}.json`),
      JSON.stringify({ people: PEOPLE, messages: MESSAGES, noticesMs: notices, unreadCountUs: countUs, connections: CONNECTIONS, duration: DURATION, home, inbox, ratio }, null, 2),
    );
  } finally {
    for (const c of targets) await stopTarget(c);
    await services.lifecycle.close();
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
