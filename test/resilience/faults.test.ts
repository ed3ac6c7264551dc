import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/platform/database';
import { ANNOUNCEMENT_CATEGORIES } from '../../src/portal/catalog';
import { WEBHR_DEMO_KEY } from '../../seeds/pics';
import { rocShort, taipeiToday } from '../../src/platform/dates';
import { Client, startDatabase, startInstance, waitFor, type Instance, type TestDatabase } from './harness';

// PostgreSQL stopped and started again under a 60-second load of mixed reads and writes:
// announcements (admin form), tickets (the WebHR API), vacancies (agency card).
let database: TestDatabase;
let app: Instance;
let db: Db;

beforeAll(async () => {
  database = await startDatabase();
  app = await startInstance('a', database);
  db = createDb(database.url, 2);
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await db?.destroy();
  await database?.destroy();
});

interface Writer {
  what: string;
  /** Performs one write; resolves to the key of the row when the app acknowledged it. */
  write: (n: number) => Promise<string | null>;
  /** How many of the acknowledged keys are in the database. */
  count: (keys: string[]) => Promise<number>;
}

describe('PostgreSQL restarted during load', () => {
  it('answers /readyz 503 while it is down, recovers by itself within 5 s, and loses no acknowledged write', async () => {
    const admin = new Client();
    await admin.signIn(app.baseURL, 'portal.admin');
    await admin.get(`${app.baseURL}/admin/announcements/new`);
    const agency = new Client();
    await agency.cardSignIn(app.baseURL, database.pkiDir, 'agency-ntunhs');
    await agency.get(`${app.baseURL}/jobs/manage/new`);
    const run = `load-${Date.now()}`;
    const today = taipeiToday();
    const inDays = (n: number) => rocShort(new Date(Date.parse(today) + n * 86_400_000).toISOString().slice(0, 10));
    const writers: Writer[] = [
      {
        what: 'announcements',
        write: async (n) => {
          const title = `${run}-${n}`;
          const res = await admin.postForm(`${app.baseURL}/admin/announcements`, { title, category: ANNOUNCEMENT_CATEGORIES[0]!, body: '壓力測試公告內容', publishOn: '2026-11-24', unpublishOn: '' });
          return res.status === 303 ? title : null;
        },
        count: async (keys) => Number((await db('content_item').where({ kind: 'portal.announcements' }).whereIn('title', keys).count<{ count: string }[]>('id as count'))[0]!.count),
      },
      {
        what: 'tickets (WebHR API)',
        write: async (n) => {
          const subject = `${run}-t${n}`;
          const res = await fetch(`${app.baseURL}/api/pics/tickets`, {
            method: 'POST',
            headers: { authorization: `Bearer ${WEBHR_DEMO_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ nationalId: 'A123456789', subject, description: '壓力測試掛號', phone: '02-23979108', email: 'wang.xiaoming@ntunhs.edu.tw' }),
          });
          await res.arrayBuffer();
          return res.status === 201 ? subject : null;
        },
        count: async (keys) => Number((await db('pics_ticket').whereIn('subject', keys).count<{ count: string }[]>('id as count'))[0]!.count),
      },
      {
        what: 'vacancies (agency card)',
        write: async (n) => {
          const workItem = `${run}-v${n} 辦理一般行政業務。`;
          const res = await agency.postForm(`${app.baseURL}/jobs/manage/new`, {
            agencyAddress: '臺北市北投區明德路365號', fillerName: '林淑芬', fillerPhone: '02-28227101', fillerExt: '123', fillerEmail: 'hr@ntunhs.edu.tw',
            personKind: '1', rankFrom: '6', rankTo: '7', titleCode: 'T04', seriesCode: '0101', numberOf: '1', reserveNum: '0', gender: 'A', genderReason: '',
            workPlaces: '10', dateFrom: inDays(0), dateTo: inDays(30), workQuality: '具公務人員任用資格。', workItem, workAddress: '臺北市北投區明德路365號',
            contactMethod: '請將履歷寄至 hr@ntunhs.edu.tw', urlLink: '',
          });
          return res.status === 303 ? workItem : null;
        },
        count: async (keys) => Number((await db('jobs_vacancy').whereIn('work_item', keys).count<{ count: string }[]>('id as count'))[0]!.count),
      },
    ];
    const acked = new Map<string, string[]>(writers.map((w) => [w.what, []]));
    const statuses = new Map<number, number>();
    const readyDuringOutage: number[] = [];
    let stop = false;
    let n = 0;
    const loop = async (kind: 'read' | 'write', worker: number) => {
      while (!stop) {
        try {
          if (kind === 'read') {
            const res = await fetch(`${app.baseURL}${worker % 2 ? '/' : '/announcements'}`);
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          } else {
            const w = writers[worker % writers.length]!;
            const key = await w.write(n++);
            if (key) acked.get(w.what)!.push(key);
          }
        } catch {
          // connection refused or reset: the app itself stays up; count nothing
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const started = Date.now();
    const workers = [...[0, 1, 2, 3].map((i) => loop('read', i)), ...[0, 1, 2].map((i) => loop('write', i))];

    await new Promise((r) => setTimeout(r, 15_000));
    await database.stop();
    const downAt = Date.now();
    // While the database is away the app says it is not ready (and keeps answering).
    const probe = await waitFor('/readyz to say 503', async () => {
      const r = await fetch(`${app.baseURL}/readyz`);
      readyDuringOutage.push(r.status);
      return r.status === 503 ? r : null;
    }, 10_000, 200);
    expect(probe.status).toBe(503);
    await new Promise((r) => setTimeout(r, Math.max(0, 8_000 - (Date.now() - downAt))));
    await database.start();
    const upAt = Date.now();
    await waitFor('/readyz to recover', async () => (await fetch(`${app.baseURL}/readyz`)).status === 200, 30_000, 100);
    const recoveryMs = Date.now() - upAt;
    // The load goes on until 60 s in all.
    await new Promise((r) => setTimeout(r, Math.max(0, 60_000 - (Date.now() - started))));
    stop = true;
    await Promise.all(workers);

    expect(recoveryMs).toBeLessThanOrEqual(5_000);
    // While it was down, pages said so (503, 系統暫時無法提供服務) rather than failing with a 500.
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    // After recovery, pages are served normally again.
    expect((await fetch(`${app.baseURL}/announcements`)).status).toBe(200);
    for (const w of writers) {
      const keys = acked.get(w.what)!;
      expect(keys.length, `${w.what} acknowledged`).toBeGreaterThan(10);
      expect(await w.count(keys), `${w.what} kept`).toBe(keys.length);
    }
    process.stdout.write(`fault run: recovery ${recoveryMs} ms; acknowledged ${[...acked].map(([k, v]) => `${k} ${v.length}`).join(', ')}; read statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  });
});
