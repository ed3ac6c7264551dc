import { describe, expect, it } from 'vitest';
import { keptRead } from '../../src/platform/readCache';
import request from 'supertest';
import { makeAccount, signIn, twoInstances, type TestApp } from '../support/app';

// Two instances on one database, each keeping repository reads between requests (platform/readCache.ts).
const [a, b] = twoInstances();

/** How many kept reads an instance answered, by where from (its `ecpa_kept_reads_total`). */
async function reads(on: TestApp): Promise<{ kept: number; shared: number; database: number }> {
  const { values } = await on.services.metrics.keptReads.get();
  const of = (source: string) => values.find((v) => v.labels.source === source)?.value ?? 0;
  return { kept: of('kept'), shared: of('shared'), database: of('database') };
}

/** A promise and the function that settles it. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
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
    // A read begun while the feed was down is not kept, even when the feed is back as it ends:
    // a change made meanwhile was never announced.
    const late = quiet();
    let lateLoads = 0;
    await keptRead(a.db, `t:${late}`, [late], async () => {
      await untilLive(a);
      return ++lateLoads;
    });
    await keptRead(a.db, `t:${late}`, [late], async () => ++lateLoads);
    await keptRead(a.db, `t:${late}`, [late], async () => ++lateLoads);
    expect(lateLoads).toBe(2);
    await untilLive(a);
    await keptRead(a.db, `t:${table}`, [table], load);
    await keptRead(a.db, `t:${table}`, [table], load);
    expect(loads).toBe(4);
  });

  it('a keyed table’s change drops only the reads of the rows it touched; a change to many drops them all', async () => {
    await untilLive(a);
    const [p, q] = [await makeAccount(a.db), await makeAccount(a.db)];
    const loads = { p: 0, q: 0 };
    const read = (who: 'p' | 'q', personId: number) => keptRead(a.db, `test.setting:${personId}`, [`message_setting:${personId}`], async () => ++loads[who]);
    const both = async () => {
      await read('p', p.personId);
      await read('q', q.personId);
    };
    await both();
    await both();
    expect(loads).toEqual({ p: 1, q: 1 });
    // Written through the other instance: the row trigger names q only.
    await b.db('message_setting').insert({ person_id: q.personId, signature: '簽名' });
    await both();
    expect(loads).toEqual({ p: 1, q: 2 });
    // More than 200 people in one statement is announced as the whole table.
    await b.db.raw(`SELECT pg_notify('table_change', 'message_setting')`);
    await both();
    expect(loads).toEqual({ p: 2, q: 3 });
  });

  it('a read whose keyed rows are known once it ran is kept per row it found, and not kept if its tables changed meanwhile', async () => {
    await untilLive(a);
    const [p, q, r] = [await makeAccount(a.db), await makeAccount(a.db), await makeAccount(a.db)];
    let loads = 0;
    const key = `test.rows:${p.personId}`;
    const rows = { rows: { of: ['person'], tags: (ids: readonly number[]) => ids.map((id) => `person:${id}`) } };
    const read = () => keptRead(a.db, key, [], async () => (++loads, [p.personId, q.personId]), rows);
    await read();
    await read();
    expect(loads).toBe(1);
    // A person the read did not find changes: still kept.
    await b.db('person').where({ id: r.personId }).update({ unit: '會計室' });
    await read();
    expect(loads).toBe(1);
    // One it found changes: read again.
    await b.db('person').where({ id: q.personId }).update({ unit: '會計室' });
    await read();
    expect(loads).toBe(2);
    // Any person changed while the read ran: its rows' counts may be the new ones, so it is not kept.
    let during = 0;
    const racing = () =>
      keptRead(a.db, `test.racing:${p.personId}`, [], async () => {
        during++;
        await b.db('person').where({ id: r.personId }).update({ unit: '人事室' });
        // The change is heard before the read ends.
        await a.db.raw('SELECT 1');
        await new Promise((done) => setTimeout(done, 100));
        return [p.personId];
      }, rows);
    await racing();
    await racing();
    expect(during).toBe(2);
    await keptRead(a.db, `test.racing:${p.personId}`, [], async () => (during++, [p.personId]), rows);
    await keptRead(a.db, `test.racing:${p.personId}`, [], async () => (during++, [p.personId]), rows);
    expect(during).toBe(3);
  });

  it('reads of one group are kept up to its bound, the oldest going first', async () => {
    await untilLive(a);
    const table = quiet();
    const loads: Record<string, number> = {};
    const read = (k: string) => keptRead(a.db, `test.group:${table}:${k}`, [table], async () => (loads[k] = (loads[k] ?? 0) + 1), { group: { name: `g${table}`, max: 2 } });
    await read('x');
    await read('y');
    await read('x');
    await read('y');
    expect(loads).toEqual({ x: 1, y: 1 });
    await read('z');
    await read('y');
    await read('z');
    await read('x');
    expect(loads).toEqual({ x: 2, y: 1, z: 1 });
  });

  it('a read asked while the same read is under way joins it, once every change before the request has been heard', async () => {
    await untilLive(a);
    const table = quiet();
    const first = gate<{ rows: string[] }>();
    let loads = 0;
    const read = () => keptRead(a.db, `t:${table}`, [table], () => (++loads === 1 ? first.promise : Promise.resolve({ rows: ['again'] })));
    const under = read();
    const sharedBefore = (await reads(a)).shared;
    const joined = read();
    // The second request joins only after its barrier: wait until it has, then let the read end.
    for (let i = 0; i < 200 && (await reads(a)).shared === sharedBefore; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await reads(a)).shared).toBe(sharedBefore + 1);
    first.open({ rows: ['first'] });
    expect(await joined).toBe(await under);
    expect(loads).toBe(1);
  });

  it('a read under way is not joined by a request that comes after a change to what it reads: that request reads anew', async () => {
    await untilLive(a);
    const table = quiet();
    const first = gate<{ v: string }>();
    let loads = 0;
    const read = () => keptRead(a.db, `t:${table}`, [table], () => (++loads === 1 ? first.promise : Promise.resolve({ v: 'after the change' })));
    // The first read has begun (its snapshot taken) when another instance changes the table.
    const under = read();
    await b.db.raw(`SELECT pg_notify('table_change', ?)`, [table]);
    // The next request must see that change, though the read begun before it has not ended.
    const next = read();
    setTimeout(() => first.open({ v: 'before the change' }), 200);
    expect((await next).v).toBe('after the change');
    const older = await under;
    expect(older.v).toBe('before the change');
    // Not kept, but it could have been joined: frozen as a kept value is.
    expect(Object.isFrozen(older)).toBe(true);
    expect(loads).toBe(2);
    // What is kept is the read made after the change.
    expect((await read()).v).toBe('after the change');
    expect(loads).toBe(2);
  });

  it('個人資料修改 and 現職資料 are kept, and a change by hand on another instance shows on the very next page', async () => {
    await untilLive(a);
    const acct = await makeAccount(a.db);
    const { agent } = await signIn(a.app, acct.login);
    await agent.get('/my/profile');
    let before = await reads(a);
    expect((await agent.get('/my/profile')).text).toContain(acct.email!);
    expect((await reads(a)).database).toBe(before.database);
    const email = `kr${process.pid}@example.gov.tw`;
    await b.db('account').where({ id: acct.accountId }).update({ email });
    expect((await agent.get('/my/profile')).text).toContain(email);

    await agent.get('/my/job');
    before = await reads(a);
    expect((await agent.get('/my/job')).text).toContain('人事室');
    expect((await reads(a)).database).toBe(before.database);
    await b.db('person').where({ id: acct.personId }).update({ unit: '秘書室' });
    expect((await agent.get('/my/job')).text).toContain('秘書室');
    const agency = await a.db('agency').where({ id: acct.agencyId }).first('address');
    await b.db('agency').where({ id: acct.agencyId }).update({ address: `${agency.address}（保留讀取）` });
    try {
      expect((await agent.get('/my/job')).text).toContain('（保留讀取）');
    } finally {
      await a.db('agency').where({ id: acct.agencyId }).update({ address: agency.address });
    }
  });

  it('通訊錄 is kept, and a contact added, a contact’s person or account row changed by hand on another instance shows on the very next page', async () => {
    await untilLive(a);
    const [owner, c1, c2, other] = [await makeAccount(a.db), await makeAccount(a.db), await makeAccount(a.db), await makeAccount(a.db)];
    await a.db('account').where({ id: owner.accountId }).update({ egov_opt_in: true });
    await a.db('message_contact').insert({ owner_person_id: owner.personId, person_id: c1.personId, note: '' });
    const { agent } = await signIn(a.app, owner.login);
    await agent.get('/my/contacts');
    const before = await reads(a);
    expect((await agent.get('/my/contacts')).text).toContain(c1.email!);
    expect((await reads(a)).database).toBe(before.database);
    // Someone else's rows change: still kept.
    await b.db('person').where({ id: other.personId }).update({ unit: '會計室' });
    await b.db('account').where({ id: other.accountId }).update({ phone: '02-1234' });
    const still = await reads(a);
    await agent.get('/my/contacts');
    expect((await reads(a)).database).toBe(still.database);
    // A contact's person row, its account's email, a contact added: each shows at once.
    await b.db('person').where({ id: c1.personId }).update({ office_phone: '02-7777-1234' });
    expect((await agent.get('/my/contacts')).text).toContain('02-7777-1234');
    const email = `kc${process.pid}@example.gov.tw`;
    await b.db('account').where({ id: c1.accountId }).update({ email });
    expect((await agent.get('/my/contacts')).text).toContain(email);
    await b.db('message_contact').insert({ owner_person_id: owner.personId, person_id: c2.personId, note: '保留讀取備註' });
    expect((await agent.get('/my/contacts')).text).toContain('保留讀取備註');
    // A contact without an account: the account made for them later shows its email at once.
    await a.db('account').where({ id: c2.accountId }).delete();
    await agent.get('/my/contacts');
    const late = `kl${process.pid}@example.gov.tw`;
    await b.db('account').insert({ person_id: c2.personId, username: null, email: late });
    expect((await agent.get('/my/contacts')).text).toContain(late);
  });

  it('the desk’s queue stays kept when others sign in, and an asker’s or assignee’s name changed by hand on another instance shows on the very next page', async () => {
    await untilLive(a);
    const [asker, staff, other] = [await makeAccount(a.db), await makeAccount(a.db, { roles: ['cs_agent'], agencyCode: '376470000A' }), await makeAccount(a.db)];
    const filed = await a.services.pics.fileTicket(
      { kind: '問題', appCode: 'A1', subject: '佇列保留讀取', description: '測試', phone: '02-23979108', email: asker.email!, personId: asker.personId, channel: 'W', files: [] },
      { ip: null, requestId: 'kept-reads' },
    );
    await a.db('pics_ticket').where({ id: filed.id }).update({ assignee_account_id: staff.accountId });
    const { agent } = await signIn(a.app, staff.login);
    const queue = '/pics/desk?assignee=me&status=open';
    expect((await agent.get(queue)).text).toContain(filed.receiptNo);
    // Someone else signs in (their account row changes), on the other instance: still kept.
    const kept = await reads(a);
    await signIn(b.app, other.login);
    expect((await agent.get(queue)).text).toContain(filed.receiptNo);
    expect((await reads(a)).database).toBe(kept.database);
    // The asker's name, then the assignee's, changed on the other instance: shown at once.
    await b.db('person').where({ id: asker.personId }).update({ name: '改名提問人' });
    expect((await agent.get(queue)).text).toContain('<td>改名提問人<br>');
    await b.db('person').where({ id: staff.personId }).update({ name: '改名客服' });
    // (In the queue's row, not only in the list of agents to assign to.)
    expect((await agent.get(queue)).text).toContain('<td>改名客服</td>');
  });

  it('a search of 事求人 is kept, and a vacancy added or withdrawn by hand on another instance shows on the very next search', async () => {
    await untilLive(a);
    const marker = `保留查詢${process.pid}`;
    const search = () => request(a.app).get('/jobs').query({ q: marker });
    expect((await search()).text).toContain('查詢結果 0 筆');
    const before = await reads(a);
    await search();
    expect((await reads(a)).kept).toBeGreaterThan(before.kept);
    const src = await b.db('jobs_vacancy').whereNull('deleted_at').where({ status: 'approved' }).first('id');
    const workId = 97_000_000 + (process.pid % 1_000_000);
    await b.db.raw(
      `INSERT INTO jobs_vacancy (work_id, agency_id, org_id, org_name, agency_address, filler_name, filler_phone, person_kind, rank_from, rank_to, rank_text,
         title_code, title, series_code, series_name, work_places, date_from, date_to, work_quality, work_item, work_address, contact_method, status, approved_at, source)
       SELECT ?, agency_id, org_id, org_name, agency_address, filler_name, filler_phone, person_kind, rank_from, rank_to, rank_text,
         title_code, title, series_code, series_name, work_places, current_date - 1, current_date + 30, ?, work_item, work_address, contact_method, 'approved', now(), 'test'
       FROM jobs_vacancy WHERE id = ?`,
      [workId, `${marker}資格`, src.id],
    );
    try {
      expect((await search()).text).toContain(`work_id=${workId}`);
      await b.db('jobs_vacancy').where({ work_id: workId }).update({ deleted_at: new Date() });
      expect((await search()).text).not.toContain(`work_id=${workId}`);
    } finally {
      await a.db('jobs_vacancy').where({ work_id: workId }).delete();
    }
  });

  it('a message written by hand shows in the inbox on the very next page of another instance', async () => {
    await untilLive(a);
    const acct = await makeAccount(a.db);
    await a.db('account').where({ id: acct.accountId }).update({ egov_opt_in: true });
    const { agent } = await signIn(a.app, acct.login);
    await agent.get('/my/messages');
    await agent.get('/my/messages');
    const subject = `保留讀取訊息${process.pid}`;
    const [msg] = await b.db('message').insert({ sender_name: '人事處', sender_agency_name: '測試機關', subject, body: '內容' }).returning('id');
    await b.db('message_recipient').insert({ person_id: acct.personId, message_id: msg.id });
    expect((await agent.get('/my/messages')).text).toContain(subject);
    await b.db('message_recipient').where({ person_id: acct.personId, message_id: msg.id }).update({ deleted_at: new Date() });
    expect((await agent.get('/my/messages')).text).not.toContain(subject);
  });

  it('a card bound or unbound by hand shows on 自然人憑證上傳 on the very next page of another instance', async () => {
    await untilLive(a);
    const acct = await makeAccount(a.db);
    const { agent } = await signIn(a.app, acct.login);
    const cardNumber = `KR${String(process.pid).slice(-6)}CARD`;
    expect((await agent.get('/my/cards')).text).not.toContain(cardNumber);
    const before = await reads(a);
    await agent.get('/my/cards');
    expect((await reads(a)).kept).toBeGreaterThan(before.kept);
    const thumbprint = `${process.pid}`.padStart(64, 'c');
    await b.db('card_binding').insert({
      account_id: acct.accountId,
      card_type: 'moica',
      issuer_dn: 'CN=保留讀取測試',
      serial_hex: `${process.pid}`.padStart(16, '0'),
      thumbprint,
      card_number: cardNumber,
      not_after: new Date('2030-01-01T00:00:00Z'),
    });
    expect((await agent.get('/my/cards')).text).toContain(cardNumber);
    await b.db('card_binding').where({ thumbprint }).delete();
    expect((await agent.get('/my/cards')).text).not.toContain(cardNumber);
  });

  it('an agency’s area grant withdrawn on another instance is refused on the very next check', async () => {
    await untilLive(a);
    const [agency] = await a.db('agency').insert({ code: `KR${String(process.pid).padStart(8, '0').slice(-8)}`, name: '保留讀取測試機關', address: '臺北市', phone: '02-0000' }).returning('id');
    try {
      await b.db('agency_area_grant').insert({ agency_id: agency.id, area: 'cloud' });
      expect(await a.services.identity.hasAreaGrant(agency.id, 'cloud')).toBe(true);
      expect(await a.services.identity.hasAreaGrant(agency.id, 'cloud')).toBe(true);
      await b.db('agency_area_grant').where({ agency_id: agency.id }).delete();
      expect(await a.services.identity.hasAreaGrant(agency.id, 'cloud')).toBe(false);
    } finally {
      await a.db('agency_area_grant').where({ agency_id: agency.id }).delete();
      await a.db('agency').where({ id: agency.id }).delete();
    }
  });
});
