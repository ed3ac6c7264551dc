import { describe, expect, it } from 'vitest';
import { keptRead } from '../../src/platform/readCache';
import { makeAccount, signIn, twoInstances, type TestApp } from '../support/app';

// Two instances on one database, each keeping repository reads between requests (platform/readCache.ts).
const [a, b] = twoInstances();

/** How many kept reads an instance answered, by where from (its `ecpa_kept_reads_total`). */
async function reads(on: TestApp): Promise<{ kept: number; database: number }> {
  const { values } = await on.services.metrics.keptReads.get();
  const of = (source: string) => values.find((v) => v.labels.source === source)?.value ?? 0;
  return { kept: of('kept'), database: of('database') };
}

/** Waits until the instance hears changes (its change feed connects when it starts, and again after a loss). */
async function untilLive(on: TestApp): Promise<void> {
  for (let i = 0; i < 100 && !on.services.changes.live(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(on.services.changes.live()).toBe(true);
}

let n = 0;
/** A table name no statement ever changes: what is kept under it stays kept. */
const quiet = () => `kept_reads_test_${process.pid}_${++n}`;

describe('reads kept between requests', () => {
  it('a read is kept, shared frozen, and read again once a table it came from changes', async () => {
    await untilLive(a);
    let loads = 0;
    const table = quiet();
    const load = async () => ({ n: ++loads, rows: [{ id: 1 }] });
    const first = await keptRead(a.db, `t:${table}`, [table], load);
    const again = await keptRead(a.db, `t:${table}`, [table], load);
    expect(loads).toBe(1);
    expect(again).toBe(first);
    // One request's change to a shared value would show in every other: it cannot be made.
    expect(() => {
      (again.rows as { id: number }[]).push({ id: 2 });
    }).toThrow(TypeError);
    expect(() => {
      (again.rows[0] as { id: number }).id = 3;
    }).toThrow(TypeError);
    // A statement on a table the read names, on another instance's connection, drops it.
    await b.db.raw(`SELECT pg_notify('table_change', ?)`, [table]);
    await keptRead(a.db, `t:${table}`, [table], load);
    expect(loads).toBe(2);
  });

  it('reads in a transaction are never kept: they must see the transaction’s own writes', async () => {
    let loads = 0;
    const table = quiet();
    await a.db.transaction(async (trx) => {
      for (let i = 0; i < 3; i++) await keptRead(trx, `t:${table}`, [table], async () => ++loads);
    });
    expect(loads).toBe(3);
  });

  it('the application catalog changed on another instance or by hand shows on the very next page', async () => {
    await untilLive(a);
    const acct = await makeAccount(a.db);
    const { agent } = await signIn(a.app, acct.login);
    const code = `K${process.pid % 100000}`.slice(0, 10);
    await a.db('app_catalog').where({ code }).delete();
    expect((await agent.get('/my/apps')).text).not.toContain('保留讀取測試系統');
    // Kept: a second page reads nothing from the database for the catalog (other files may change it meanwhile: tried three times).
    let kept = false;
    for (let i = 0; i < 3 && !kept; i++) {
      const before = await reads(a);
      expect((await agent.get('/my/apps')).status).toBe(200);
      kept = (await reads(a)).kept >= before.kept + 2;
    }
    expect(kept).toBe(true);
    try {
      await b.db('app_catalog').insert({ code, name: '保留讀取測試系統', category: 'A', url: 'https://example.gov.tw/kept', sort_order: 1 });
      expect((await agent.get('/my/apps')).text).toContain('保留讀取測試系統');
      await a.db.raw('UPDATE app_catalog SET name = ? WHERE code = ?', ['保留讀取測試系統改名', code]);
      expect((await agent.get('/my/apps')).text).toContain('保留讀取測試系統改名');
      await b.db('app_catalog').where({ code }).update({ active: false });
      expect((await agent.get('/my/apps')).text).not.toContain('保留讀取測試系統');
    } finally {
      await a.db('app_catalog').where({ code }).delete();
    }
  });

  it('an announcement published or withdrawn by hand shows or goes on the very next list', async () => {
    await untilLive(a);
    const acct = await makeAccount(a.db);
    const { agent } = await signIn(a.app, acct.login);
    const title = `保留讀取公告${process.pid}`;
    await agent.get('/announcements');
    await agent.get('/announcements');
    const [row] = await b.db('content_item')
      .insert({ kind: 'portal.announcements', title, category: '系統公告', body: '內容', publish_on: b.db.raw("(now() AT TIME ZONE 'Asia/Taipei')::date + 1") })
      .returning('id');
    try {
      // Not yet published (tomorrow), then published today by hand.
      expect((await agent.get('/announcements')).text).not.toContain(title);
      await a.db('content_item').where({ kind: 'portal.announcements', id: row.id }).update({ publish_on: a.db.raw("(now() AT TIME ZONE 'Asia/Taipei')::date") });
      expect((await agent.get('/announcements')).text).toContain(title);
      await b.db('content_item').where({ kind: 'portal.announcements', id: row.id }).delete();
      expect((await agent.get('/announcements')).text).not.toContain(title);
    } finally {
      await a.db('content_item').where({ kind: 'portal.announcements', id: row.id }).delete();
    }
  });

  it('while the change feed is down nothing is kept; once it is back reads are kept again', async () => {
    await untilLive(a);
    const table = quiet();
    let loads = 0;
    const load = async () => ++loads;
    await keptRead(a.db, `t:${table}`, [table], load);
    await keptRead(a.db, `t:${table}`, [table], load);
    expect(loads).toBe(1);
    await a.db.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ecpa-change-feed'");
    for (let i = 0; i < 100 && a.services.changes.live(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.services.changes.live()).toBe(false);
    await keptRead(a.db, `t:${table}`, [table], load);
    await keptRead(a.db, `t:${table}`, [table], load);
    expect(loads).toBe(3);
    await untilLive(a);
    await keptRead(a.db, `t:${table}`, [table], load);
    await keptRead(a.db, `t:${table}`, [table], load);
    expect(loads).toBe(4);
  });
});
