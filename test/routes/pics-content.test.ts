import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, long } from '../support/routes';
import { rocShort, taipeiToday } from '../../src/platform/dates';
import { shiftDay, weekdayOf } from '../../src/pics/calendar';
import { ForbiddenError } from '../../src/platform/errors';
import type { SessionUser } from '../../src/platform/identity/sessionUser';

const t = buildApp();
afterAll(() => t.close());

const DESK_AGENCY = '376470000A';
const tag = () => `測試${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const today = () => taipeiToday(t.services.clock());
const thisYear = () => Number(today().slice(0, 4));

async function session(roles: string[]) {
  const a = await makeAccount(t.db, { roles, agencyCode: DESK_AGENCY });
  return { a, ...(await signIn(t.app, a.login)) };
}
const supervisor = () => session(['cs_agent', 'cs_supervisor']);
const plainAgent = () => session(['cs_agent']);

/** The rows of content_item (src/platform/content) of the kind whose audit entries name `table`, the table it once had. */
const KIND_OF: Record<string, string> = { pics_announcement: 'pics.announcements', pics_faq: 'pics.faq', pics_download: 'pics.downloads', pics_canned_reply: 'pics.canned' };
const rowsOf = (table: string) => (KIND_OF[table] ? t.db('content_item').where({ kind: KIND_OF[table] }) : t.db(table));
const count = async (table: string) => Number((await rowsOf(table).count<{ n: string }[]>({ n: '*' }))[0]!.n);

/** The four text kinds: a valid form, what it stores, and where the public (or the desk) sees it. */
interface Kind {
  slug: string;
  key: string;
  table: string;
  titleField: string;
  titleColumn: string;
  valid: (title: string) => Record<string, string>;
  stored: (title: string) => Record<string, unknown>;
  /** Whether the entry titled `title` shows where it is used. */
  shown: (title: string) => Promise<boolean>;
}

let ticketPage: (() => Promise<string>) | null = null;
/** The reply form of a ticket, as an agent sees it (where canned replies are listed). */
async function replyForm(): Promise<string> {
  if (!ticketPage) {
    const asker = await makeAccount(t.db);
    const tk = await t.services.pics.fileTicket(
      { kind: '問題', appCode: 'A1', subject: '罐頭回覆測試', description: '說明', phone: '02-23979108', email: asker.email!, personId: asker.personId, channel: 'M', files: [] },
      { ip: null, requestId: 'test' },
    );
    const { agent } = await plainAgent();
    ticketPage = async () => (await agent.get(`/pics/desk/tickets/${tk.id}`)).text;
  }
  return ticketPage();
}

const KINDS: Kind[] = [
  {
    slug: 'announcements',
    key: 'announcement',
    table: 'pics_announcement',
    titleField: 'title',
    titleColumn: 'title',
    valid: (title) => ({ title, body: '第一段\r\n第二段', publishOn: rocShort(today()) }),
    stored: (title) => ({ title, body: '第一段\n第二段', publish_on: today() }),
    shown: async (title) => (await request(t.app).get('/pics/announcements')).text.includes(title),
  },
  {
    slug: 'faq',
    key: 'faq',
    table: 'pics_faq',
    titleField: 'question',
    titleColumn: 'question',
    valid: (question) => ({ category: '帳號密碼', question, answer: '請洽人事單位。', sortOrder: '5' }),
    stored: (question) => ({ category: '帳號密碼', question, answer: '請洽人事單位。', sort_order: 5 }),
    shown: async (question) => (await request(t.app).get('/pics/faq')).text.includes(question),
  },
  {
    slug: 'downloads',
    key: 'download',
    table: 'pics_download',
    titleField: 'title',
    titleColumn: 'title',
    valid: (title) => ({ title, description: '使用手冊', url: 'https://www.dgpa.gov.tw/files/manual.pdf', updatedOn: '2026-11-20' }),
    stored: (title) => ({ title, description: '使用手冊', url: 'https://www.dgpa.gov.tw/files/manual.pdf', updated_on: '2026-11-20' }),
    shown: async (title) => (await request(t.app).get('/pics/downloads')).text.includes(`<a href="https://www.dgpa.gov.tw/files/manual.pdf">${title}</a>`),
  },
  {
    slug: 'canned',
    key: 'canned',
    table: 'pics_canned_reply',
    titleField: 'title',
    titleColumn: 'title',
    valid: (title) => ({ title, body: '您好，已為您處理。', sortOrder: '0' }),
    stored: (title) => ({ title, body: '您好，已為您處理。', sort_order: 0 }),
    shown: async (title) => new RegExp(`<option value="\\d+" data-body="[^"]*"\\s*>${title}</option>`).test(await replyForm()),
  },
];
const kindOf = (slug: string) => KINDS.find((k) => k.slug === slug)!;

describe('內容管理: who may use it', () => {
  const urls: ['get' | 'post', string][] = [
    ...KINDS.flatMap((k): ['get' | 'post', string][] => [
      ['get', `/pics/desk/content/${k.slug}`],
      ['get', `/pics/desk/content/${k.slug}/new`],
      ['post', `/pics/desk/content/${k.slug}`],
      ['post', `/pics/desk/content/${k.slug}/1/delete`],
    ]),
    ['get', '/pics/desk/content'],
    ['get', '/pics/desk/calendar/new'],
    ['post', '/pics/desk/calendar'],
  ];

  it.each(urls)('refuses %s %s to an agent who is not a supervisor with 403 and an audit entry', async (method, url) => {
    const { a, agent, csrf } = await plainAgent();
    const before = await Promise.all(KINDS.map((k) => count(k.table)));
    const res = method === 'get' ? await agent.get(url) : await agent.post(url).type('form').send({ _csrf: csrf, ...kindOf('faq').valid(tag()), ...kindOf('announcements').valid(tag()) });
    expectZhPage(res, 403);
    const audit = await lastAudit(t.db, 'access.denied');
    expect(audit).toMatchObject({ actor_account_id: a.accountId, target_id: url, outcome: 'denied', request_id: res.headers['x-request-id'] });
    expect(audit.details).toMatchObject({ required: ['cs_supervisor'] });
    expect(await Promise.all(KINDS.map((k) => count(k.table)))).toEqual(before);
  });

  it('refuses a civil servant with 403 and an audit entry', async () => {
    const account = await t.db('account').where({ username: 'wang.xiaoming' }).first();
    const { agent, csrf } = await signIn(t.app, 'wang.xiaoming');
    expectZhPage(await agent.get('/pics/desk/content/faq'), 403);
    const before = await count('pics_faq');
    const res = await agent.post('/pics/desk/content/faq').type('form').send({ _csrf: csrf, ...kindOf('faq').valid(tag()) });
    expectZhPage(res, 403);
    expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ actor_account_id: account.id, target_id: '/pics/desk/content/faq' });
    expect(await count('pics_faq')).toBe(before);
  });

  it('sends an anonymous visitor to sign in', async () => {
    const res = await request(t.app).get('/pics/desk/content/faq/new');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login?returnTo=${encodeURIComponent('/pics/desk/content/faq/new')}`);
  });

  it('shows 內容管理 in the desk menu to supervisors only, and the calendar buttons', async () => {
    const lead = await supervisor();
    const plain = await plainAgent();
    const leadPage = await lead.agent.get('/pics/desk');
    expect(leadPage.text).toMatch(/<a href="\/pics\/desk\/content"\s*>內容管理<\/a>/);
    expect((await plain.agent.get('/pics/desk')).text).not.toContain('內容管理');
    const index = await lead.agent.get('/pics/desk/content');
    expectZhPage(index, 200);
    for (const k of KINDS) expect(index.text).toContain(`href="/pics/desk/content/${k.slug}"`);
    expect((await lead.agent.get('/pics/desk/calendar?year=2026')).text).toContain('href="/pics/desk/calendar/new"');
    const plainCalendar = (await plain.agent.get('/pics/desk/calendar?year=2026')).text;
    expect(plainCalendar).not.toContain('/pics/desk/calendar/new');
    expect(plainCalendar).not.toContain('/delete');
  });

  it('refuses every change without the CSRF token, changing nothing', async () => {
    const { agent } = await supervisor();
    const k = kindOf('faq');
    const [id] = (await t.db('content_item').insert({ kind: 'pics.faq', category: 'x', question: tag(), answer: 'y', sort_order: 1 }).returning('id')).map((r: { id: number }) => r.id);
    try {
      const before = await rowsOf('pics_faq').where({ id }).first();
      expectZhPage(await agent.post('/pics/desk/content/faq').type('form').send(k.valid(tag())), 403);
      expectZhPage(await agent.post(`/pics/desk/content/faq/${id}`).type('form').send(k.valid(tag())), 403);
      expectZhPage(await agent.post(`/pics/desk/content/faq/${id}/delete`).type('form').send({}), 403);
      expectZhPage(await agent.post('/pics/desk/calendar').type('form').send({ day: '2028-03-15', kind: 'holiday', name: '測試' }), 403);
      expect(await rowsOf('pics_faq').where({ id }).first()).toEqual(before);
      expect(await t.db('pics_calendar_day').where({ day: '2028-03-15' })).toEqual([]);
    } finally {
      await rowsOf('pics_faq').where({ id }).delete();
    }
  });
});

describe.each(KINDS)('內容管理: $slug', (k) => {
  it('creates, shows it where it is used, edits, deletes, each audited', async () => {
    const { a, agent, csrf } = await supervisor();
    const title = tag();
    const list = await agent.get(`/pics/desk/content/${k.slug}`);
    expectZhPage(list, 200);
    const form = await agent.get(`/pics/desk/content/${k.slug}/new`);
    expectZhPage(form, 200);
    expect(form.text).toContain(`action="/pics/desk/content/${k.slug}"`);

    // Fields that are not the form's are ignored (no mass assignment).
    const created = await agent.post(`/pics/desk/content/${k.slug}`).type('form').send({ _csrf: csrf, ...k.valid(title), id: '1' });
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe(`/pics/desk/content/${k.slug}`);
    const [row, ...more] = await rowsOf(k.table).where({ [k.titleColumn]: title });
    expect(more).toEqual([]);
    expect(row.id).not.toBe(1);
    expect(row).toMatchObject(k.stored(title));
    expect(await lastAudit(t.db, `pics.content.${k.key}.create`)).toMatchObject({ actor_account_id: a.accountId, target_type: k.table, target_id: String(row.id), outcome: 'ok' });
    const after = await agent.get(`/pics/desk/content/${k.slug}`);
    expect(after.text).toContain('已新增');
    expect(after.text).toContain(title);
    expect(await k.shown(title)).toBe(true);

    try {
      const edit = await agent.get(`/pics/desk/content/${k.slug}/${row.id}/edit`);
      expectZhPage(edit, 200);
      expect(inputValue(edit.text, k.titleField)).toBe(title);
      const renamed = `${title}改`;
      const updated = await agent.post(`/pics/desk/content/${k.slug}/${row.id}`).type('form').send({ _csrf: csrf, ...k.valid(renamed) });
      expect(updated.status).toBe(303);
      expect(await rowsOf(k.table).where({ id: row.id }).first()).toMatchObject(k.stored(renamed));
      expect(await lastAudit(t.db, `pics.content.${k.key}.update`)).toMatchObject({ actor_account_id: a.accountId, target_id: String(row.id) });
      expect(await k.shown(renamed)).toBe(true);

      const deleted = await agent.post(`/pics/desk/content/${k.slug}/${row.id}/delete`).type('form').send({ _csrf: csrf });
      expect(deleted.status).toBe(303);
      expect(await rowsOf(k.table).where({ id: row.id })).toEqual([]);
      expect(await lastAudit(t.db, `pics.content.${k.key}.delete`)).toMatchObject({ actor_account_id: a.accountId, target_id: String(row.id) });
      expect(await k.shown(renamed)).toBe(false);
    } finally {
      await rowsOf(k.table).where({ id: row.id }).delete();
    }
  });

  it('answers 404 for an unknown or malformed id, audited', async () => {
    const { a, agent, csrf } = await supervisor();
    for (const [method, url] of [
      ['get', `/pics/desk/content/${k.slug}/999999999/edit`],
      ['post', `/pics/desk/content/${k.slug}/999999999`],
      ['post', `/pics/desk/content/${k.slug}/999999999/delete`],
      ['get', `/pics/desk/content/${k.slug}/abc/edit`],
      ['post', `/pics/desk/content/${k.slug}/abc/delete`],
    ] as const) {
      const res = method === 'get' ? await agent.get(url) : await agent.post(url).type('form').send({ _csrf: csrf, ...k.valid(tag()) });
      expectZhPage(res, 404);
      expect(await lastAudit(t.db, `pics.content.${k.key}.not_found`), url).toMatchObject({ actor_account_id: a.accountId, outcome: 'failed', request_id: res.headers['x-request-id'] });
    }
  });

  it('refuses bad input on edit without changing the row', async () => {
    const { agent, csrf } = await supervisor();
    const title = tag();
    await agent.post(`/pics/desk/content/${k.slug}`).type('form').send({ _csrf: csrf, ...k.valid(title) }).expect(303);
    const before = await rowsOf(k.table).where({ [k.titleColumn]: title }).first();
    try {
      const bad = await agent.post(`/pics/desk/content/${k.slug}/${before.id}`).type('form').send({ _csrf: csrf, ...k.valid(`${title}改`), [k.titleField]: '' });
      expectZhPage(bad, 400);
      expect(bad.text).toContain(`action="/pics/desk/content/${k.slug}/${before.id}"`);
      expect(formErrors(bad.text)).toHaveLength(1);
      expect(await rowsOf(k.table).where({ id: before.id }).first()).toEqual(before);
    } finally {
      await rowsOf(k.table).where({ id: before.id }).delete();
    }
  });
});

describe('內容管理: a future 公告日期 keeps the announcement from the public until then', () => {
  it('lists it on the desk as not yet public, and PICS does not show it', async () => {
    const { agent, csrf } = await supervisor();
    const title = tag();
    const tomorrow = shiftDay(today(), 1);
    await agent.post('/pics/desk/content/announcements').type('form').send({ _csrf: csrf, title, body: '明日公告', publishOn: rocShort(tomorrow) }).expect(303);
    const row = await rowsOf('pics_announcement').where({ title }).first();
    try {
      expect(row.publish_on).toBe(tomorrow);
      expect((await request(t.app).get('/pics/announcements')).text).not.toContain(title);
      expect((await request(t.app).get('/pics')).text).not.toContain(title);
      expectZhPage(await request(t.app).get(`/pics/announcements/${row.id}`), 404);
      const list = await agent.get('/pics/desk/content/announcements');
      expect(list.text).toMatch(new RegExp(`${rocShort(tomorrow)} <span class="tag">尚未公開</span>`));
    } finally {
      await rowsOf('pics_announcement').where({ id: row.id }).delete();
    }
  });

  it('accepts ISO, ROC and 民國 dates', async () => {
    const { agent, csrf } = await supervisor();
    for (const [typed, iso] of [
      ['115/11/25', '2026-11-25'],
      ['2026-11-20', '2026-11-20'],
      ['民國114年1月2日', '2025-01-02'],
    ]) {
      const title = tag();
      await agent.post('/pics/desk/content/announcements').type('form').send({ _csrf: csrf, title, body: '內容', publishOn: typed }).expect(303);
      expect((await rowsOf('pics_announcement').where({ title }).first()).publish_on, typed).toBe(iso);
      await rowsOf('pics_announcement').where({ title }).delete();
    }
  });
});

/** A bad form of one kind: the messages expected and the fields whose typed value must come back. */
type BadCase = [slug: string, what: string, patch: Record<string, string>, messages: string[]];
const DATE_MESSAGE = (label: string) => `${label}格式錯誤，請輸入如 115/11/25 或 2026-11-25`;
const SORT_MESSAGE = '排序須為 0 至 9999 的整數';
const LINK_MESSAGE = '連結須為 https:// 或 http:// 開頭的網址，或以 / 開頭的本站路徑';
const BAD: BadCase[] = [
  ['announcements', 'a 201-character title', { title: long(201) }, ['標題不可超過 200 個字']],
  ['announcements', 'empty required fields', { title: '', body: '', publishOn: '' }, ['請輸入標題', '請輸入內容', '請輸入公告日期']],
  ['announcements', 'a 20,001-character body', { body: long(20001) }, ['內容不可超過 20000 個字']],
  ['announcements', 'the date 115/02/30', { publishOn: '115/02/30' }, [DATE_MESSAGE('公告日期')]],
  ['announcements', 'the date 2026-13-01', { publishOn: '2026-13-01' }, [DATE_MESSAGE('公告日期')]],
  ['faq', 'a 51-character category', { category: long(51) }, ['分類不可超過 50 個字']],
  ['faq', 'a 301-character question', { question: long(301) }, ['問題不可超過 300 個字']],
  ['faq', 'empty required fields', { category: '', question: '', answer: '', sortOrder: '' }, ['請輸入分類', '請輸入問題', '請輸入答案', '請輸入排序']],
  ['faq', 'a 20,001-character answer', { answer: long(20001) }, ['答案不可超過 20000 個字']],
  ['faq', 'sort 10000', { sortOrder: '10000' }, [SORT_MESSAGE]],
  ['faq', 'sort -1', { sortOrder: '-1' }, [SORT_MESSAGE]],
  ['faq', "sort 'abc'", { sortOrder: 'abc' }, [SORT_MESSAGE]],
  ['faq', 'sort 1.5', { sortOrder: '1.5' }, [SORT_MESSAGE]],
  ['downloads', 'a 201-character name', { title: long(201) }, ['名稱不可超過 200 個字']],
  ['downloads', 'empty required fields', { title: '', url: '', updatedOn: '' }, ['請輸入名稱', '請輸入連結', '請輸入更新日期']],
  ['downloads', 'a 301-character description', { description: long(301) }, ['說明不可超過 300 個字']],
  ['downloads', 'a javascript: link', { url: 'javascript:alert(1)' }, [LINK_MESSAGE]],
  ['downloads', 'a JavaScript: link in capitals', { url: 'JavaScript:alert(1)' }, [LINK_MESSAGE]],
  ['downloads', 'a data: link', { url: 'data:text/html,x' }, [LINK_MESSAGE]],
  ['downloads', 'a protocol-relative link', { url: '//evil.example/x.pdf' }, [LINK_MESSAGE]],
  ['downloads', 'a link without a scheme', { url: 'www.dgpa.gov.tw/x.pdf' }, [LINK_MESSAGE]],
  ['downloads', 'a link without a host', { url: 'https://' }, [LINK_MESSAGE]],
  ['downloads', 'a 501-character link', { url: `https://www.dgpa.gov.tw/${'a'.repeat(477)}` }, ['連結不可超過 500 個字']],
  ['downloads', 'the date 115/02/30', { updatedOn: '115/02/30' }, [DATE_MESSAGE('更新日期')]],
  ['downloads', 'the date 2026-13-01', { updatedOn: '2026-13-01' }, [DATE_MESSAGE('更新日期')]],
  ['canned', 'a 101-character title', { title: long(101) }, ['標題不可超過 100 個字']],
  ['canned', 'empty required fields', { title: '', body: '', sortOrder: '' }, ['請輸入標題', '請輸入內容', '請輸入排序']],
  ['canned', 'a 5,001-character body', { body: long(5001) }, ['內容不可超過 5000 個字']],
  ['canned', 'sort 10000', { sortOrder: '10000' }, [SORT_MESSAGE]],
  ['canned', 'sort -1', { sortOrder: '-1' }, [SORT_MESSAGE]],
  ['canned', "sort 'abc'", { sortOrder: 'abc' }, [SORT_MESSAGE]],
];

describe('內容管理: bad input', () => {
  let lead: Awaited<ReturnType<typeof supervisor>> | null = null;
  const textareas = new Set(['body', 'answer']);

  it.each(BAD)('%s: refuses %s on the same form, keeping what was typed, adding nothing', async (slug, _what, patch, messages) => {
    lead ??= await supervisor();
    const k = kindOf(slug);
    const body = { ...k.valid(tag()), ...patch };
    const before = await count(k.table);
    const res = await lead.agent.post(`/pics/desk/content/${slug}`).type('form').send({ _csrf: lead.csrf, ...body });
    expectZhPage(res, 400);
    expect(res.text).toContain('<title>錯誤：');
    expect(formErrors(res.text)).toEqual(messages);
    for (const [name, value] of Object.entries(body)) {
      if (textareas.has(name)) expect(res.text, name).toContain(`>${value}</textarea>`);
      else expect(inputValue(res.text, name), name).toBe(value);
    }
    // Each message is beside its field too.
    for (const name of Object.keys(patch)) if (messages.length) expect(res.text).toContain(`id="${name}-error"`);
    expect(await count(k.table)).toBe(before);
  });

  it.each(KINDS.map((k) => k.slug))('%s: answers values of the wrong type (arrays, objects, numbers) with messages, not a failure', async (slug) => {
    lead ??= await supervisor();
    const k = kindOf(slug);
    const before = await count(k.table);
    const valid = k.valid(tag());
    const names = Object.keys(valid);
    const weird = Object.fromEntries(names.map((n, i) => [n, [['a', 'b'], { x: 1 }, 5, null, true][i % 5]]));
    const res = await lead.agent.post(`/pics/desk/content/${slug}`).set('content-type', 'application/json').send(JSON.stringify({ _csrf: lead.csrf, ...weird }));
    expectZhPage(res, 400);
    expect(formErrors(res.text).length).toBeGreaterThan(0);
    const twice = await lead.agent.post(`/pics/desk/content/${slug}`).type('form').send(`_csrf=${encodeURIComponent(lead.csrf)}&${names.map((n) => `${n}=1&${n}=2`).join('&')}`);
    expectZhPage(twice, 400);
    expect(await count(k.table)).toBe(before);
  });

  it('calendar: answers values of the wrong type with messages, not a failure', async () => {
    lead ??= await supervisor();
    const before = await count('pics_calendar_day');
    const res = await lead.agent.post('/pics/desk/calendar').set('content-type', 'application/json').send(JSON.stringify({ _csrf: lead.csrf, day: ['2028-03-01'], kind: { holiday: 1 }, name: 7 }));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['日期格式錯誤', '請選擇類別（放假或補行上班）', '說明格式錯誤']);
    expect(await count('pics_calendar_day')).toBe(before);
  });

  it('accepts a site path, an http:// link, and the largest sizes', async () => {
    lead ??= await supervisor();
    for (const url of ['/public/files/manual.pdf', 'http://www.dgpa.gov.tw/a.pdf', `https://www.dgpa.gov.tw/${'a'.repeat(476)}`]) {
      const title = tag();
      await lead.agent.post('/pics/desk/content/downloads').type('form').send({ _csrf: lead.csrf, ...kindOf('downloads').valid(title), url }).expect(303);
      expect((await rowsOf('pics_download').where({ title }).first()).url).toBe(url);
      await rowsOf('pics_download').where({ title }).delete();
    }
    const title = tag();
    await lead.agent.post('/pics/desk/content/faq').type('form').send({ _csrf: lead.csrf, ...kindOf('faq').valid(title), answer: long(20000), sortOrder: '9999' }).expect(303);
    const row = await rowsOf('pics_faq').where({ question: title }).first();
    expect([...row.answer]).toHaveLength(20000);
    expect(row.sort_order).toBe(9999);
    await rowsOf('pics_faq').where({ id: row.id }).delete();
  });
});

describe('內容管理: 辦公日曆', () => {
  /** The first day from `from` on with weekday `wd` that the table does not hold yet. */
  async function freeDay(from: string, wd: number): Promise<string> {
    let d = from;
    while (weekdayOf(d) !== wd || (await t.db('pics_calendar_day').where({ day: d }).first())) d = shiftDay(d, 1);
    return d;
  }
  // The year after next: far from any ticket's due date in the other tests.
  const far = () => `${thisYear() + 2}-03-01`;
  const post = (s: Awaited<ReturnType<typeof supervisor>>, body: Record<string, string>) => s.agent.post('/pics/desk/calendar').type('form').send({ _csrf: s.csrf, ...body });

  it('adds a holiday on a weekday: this instance counts it at once; removing it undoes that, both audited', async () => {
    const lead = await supervisor();
    const day = await freeDay(far(), 3);
    const cal = t.services.pics.calendar;
    expect(await cal.isWorkdayYmd(day)).toBe(true);
    const form = await lead.agent.get('/pics/desk/calendar/new');
    expectZhPage(form, 200);
    try {
      const res = await post(lead, { day: rocShort(day), kind: 'holiday', name: '測試放假' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/pics/desk/calendar?year=${day.slice(0, 4)}`);
      expect(await t.db('pics_calendar_day').where({ day }).first()).toMatchObject({ kind: 'holiday', name: '測試放假' });
      expect(await cal.isWorkdayYmd(day)).toBe(false);
      expect(await lastAudit(t.db, 'pics.content.calendar.create')).toMatchObject({ actor_account_id: lead.a.accountId, target_id: day });
      const page = await lead.agent.get(String(res.headers.location));
      expect(page.text).toContain(`已新增 ${rocShort(day)}（放假：測試放假）。`);
      expect(page.text).toContain(`action="/pics/desk/calendar/${day}/delete"`);

      const del = await lead.agent.post(`/pics/desk/calendar/${day}/delete`).type('form').send({ _csrf: lead.csrf });
      expect(del.status).toBe(303);
      expect(await t.db('pics_calendar_day').where({ day })).toEqual([]);
      expect(await cal.isWorkdayYmd(day)).toBe(true);
      expect(await lastAudit(t.db, 'pics.content.calendar.delete')).toMatchObject({ actor_account_id: lead.a.accountId, target_id: day });
    } finally {
      await t.db('pics_calendar_day').where({ day }).delete();
      cal.invalidate();
    }
  });

  it('adds a make-up workday on a Saturday (ISO date typed)', async () => {
    const lead = await supervisor();
    const day = await freeDay(far(), 6);
    try {
      await post(lead, { day, kind: 'workday', name: '補行上班' }).expect(303);
      expect(await t.services.pics.calendar.isWorkdayYmd(day)).toBe(true);
    } finally {
      await t.db('pics_calendar_day').where({ day }).delete();
      t.services.pics.calendar.invalidate();
    }
  });

  /** Refused, on the same form with the typed values, nothing added. */
  async function refused(body: Record<string, string>, messages: string[]) {
    const lead = await supervisor();
    const before = await count('pics_calendar_day');
    const res = await post(lead, body);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(messages);
    expect(inputValue(res.text, 'day')).toBe(body.day);
    expect(inputValue(res.text, 'name')).toBe(body.name);
    if (body.kind === 'holiday' || body.kind === 'workday') expect(res.text).toMatch(new RegExp(`value="${body.kind}" checked`));
    expect(await count('pics_calendar_day')).toBe(before);
  }

  it('refuses a holiday on a Sunday', async () => {
    const day = await freeDay(far(), 0);
    await refused({ day: rocShort(day), kind: 'holiday', name: '週日放假' }, [`${rocShort(day)}（星期日）原本就是例假日，不需設定放假`]);
  });

  it('refuses a make-up workday on a Wednesday', async () => {
    const day = await freeDay(far(), 3);
    await refused({ day: rocShort(day), kind: 'workday', name: '週三上班' }, [`${rocShort(day)}（星期三）原本就是上班日，不需設定補行上班`]);
  });

  it('refuses a day already in the table, saying so', async () => {
    const day = await freeDay(far(), 4);
    await t.db('pics_calendar_day').insert({ day, kind: 'holiday', name: '已有' });
    try {
      await refused({ day: rocShort(day), kind: 'holiday', name: '重複' }, [`${rocShort(day)}（星期四）已在辦公日曆中（放假：已有），如需更改請先刪除該日`]);
    } finally {
      await t.db('pics_calendar_day').where({ day }).delete();
    }
  });

  it('refuses a year before last year', async () => {
    const y = thisYear() - 2;
    const day = await freeDay(`${y}-03-01`, 3);
    await refused({ day, kind: 'holiday', name: '太早' }, [`日期須在民國 ${thisYear() - 1 - 1911} 年至 ${thisYear() + 2 - 1911} 年之間`]);
  });

  it('refuses a year after the year after next', async () => {
    const day = await freeDay(`${thisYear() + 3}-03-01`, 3);
    await refused({ day, kind: 'holiday', name: '太晚' }, [`日期須在民國 ${thisYear() - 1 - 1911} 年至 ${thisYear() + 2 - 1911} 年之間`]);
  });

  it('refuses the date 115/02/30', async () => {
    await refused({ day: '115/02/30', kind: 'holiday', name: '不存在' }, [DATE_MESSAGE('日期')]);
  });

  it('refuses the date 2026-13-01', async () => {
    await refused({ day: '2026-13-01', kind: 'holiday', name: '不存在' }, [DATE_MESSAGE('日期')]);
  });

  it('refuses empty fields and an unknown kind', async () => {
    await refused({ day: '', kind: '', name: '' }, ['請輸入日期', '請選擇類別（放假或補行上班）', '請輸入說明']);
    await refused({ day: '2028-03-01', kind: 'party', name: long(51) }, ['請選擇類別（放假或補行上班）', '說明不可超過 50 個字']);
  });

  it('answers 404 for a day not in the table or a malformed one, audited', async () => {
    const lead = await supervisor();
    for (const day of ['2028-02-30', '2028-03-09x', 'abc', `${thisYear() + 2}-12-31`]) {
      const res = await lead.agent.post(`/pics/desk/calendar/${encodeURIComponent(day)}/delete`).type('form').send({ _csrf: lead.csrf });
      expectZhPage(res, 404);
      expect(await lastAudit(t.db, 'pics.content.calendar.not_found'), day).toMatchObject({ actor_account_id: lead.a.accountId, outcome: 'failed', request_id: res.headers['x-request-id'] });
    }
  });

  it('refuses a plain agent removing a day (403, audited, the day kept)', async () => {
    const day = await freeDay(far(), 1);
    await t.db('pics_calendar_day').insert({ day, kind: 'holiday', name: '保留' });
    try {
      const { a, agent, csrf } = await plainAgent();
      const url = `/pics/desk/calendar/${day}/delete`;
      expectZhPage(await agent.post(url).type('form').send({ _csrf: csrf }), 403);
      expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ actor_account_id: a.accountId, target_id: url });
      expect(await t.db('pics_calendar_day').where({ day })).toHaveLength(1);
    } finally {
      await t.db('pics_calendar_day').where({ day }).delete();
    }
  });

  it('refuses a plain agent calling the calendar service itself: Forbidden, one access.denied entry naming the content target, nothing saved', async () => {
    const day = await freeDay(far(), 3);
    const { a } = await plainAgent();
    const user = { kind: 'person', accountId: a.accountId, personId: a.personId, name: '客服專員', roles: [{ role: 'cs_agent', agencyId: null }] } as unknown as SessionUser;
    const requestId = `svc-${tag()}`;
    await expect(t.services.pics.calendarAdmin.addCalendarDay(user, { day, kind: 'holiday', name: '不應存入' }, { ip: '203.0.113.9', requestId })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await t.db('audit_event').where({ request_id: requestId })).toHaveLength(1);
    expect(await lastAudit(t.db, 'access.denied')).toMatchObject({
      actor_account_id: a.accountId,
      outcome: 'denied',
      target_type: 'pics_content',
      target_id: 'calendar.create',
      request_id: requestId,
    });
    expect(await t.db('pics_calendar_day').where({ day })).toHaveLength(0);
  });
});
