import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, postRaw, rawForm } from '../support/routes';
import { taipeiToday } from '../../src/platform/dates';

const t = buildApp();
afterAll(() => t.close());

const DAY = 86_400_000;
const isoDay = (offsetDays: number) => taipeiToday(new Date(Date.now() + offsetDays * DAY));
const tag = () => `測試${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
/** The portal's announcements: their rows of content_item (src/platform/content). */
const announcementRows = () => t.db('content_item').where({ kind: 'portal.announcements' });
const byTitle = (title: string) => announcementRows().where({ title });

async function admin() {
  const a = await makeAccount(t.db, { roles: ['portal_admin'] });
  return { a, ...(await signIn(t.app, a.login)) };
}

/** Announcements of this test (deleted afterwards). */
async function withAnnouncements(rows: { title: string; publish_on: string; unpublish_on?: string | null; body?: string }[], fn: (ids: number[]) => Promise<void>) {
  const ids = (await t.db('content_item').insert(rows.map((r) => ({ kind: 'portal.announcements', category: '系統公告', body: '內容', ...r }))).returning('id')).map((r: { id: number }) => r.id);
  try {
    await fn(ids);
  } finally {
    await announcementRows().whereIn('id', ids).delete();
  }
}

describe('最新公告 (public)', () => {
  it('pages the list, ten a page, newest first', async () => {
    const res = await request(t.app).get('/announcements');
    expect(res.status).toBe(200);
    const dates = [...res.text.matchAll(/<tr><td>(\d+\/\d\d\/\d\d)<\/td>/g)].map((m) => m[1]!);
    expect(dates).toHaveLength(10);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(res.text).toMatch(/共 \d+ 筆／計 \d+ 頁，目前第 1 頁/);
    expect(res.text).toContain('href="/announcements?page=2"');
    const p2 = await request(t.app).get('/announcements?page=2');
    expect(p2.text).toContain('目前第 2 頁');
    expect(p2.text).toContain('rel="prev"');
  });

  it.each([
    ['abc', 1],
    ['-1', 1],
    ['0', 1],
    ['1.5', 1],
    ['%00', 1],
    ['99999', 99999],
  ])('never fails on page=%s (shows page %d)', async (page, shown) => {
    const res = await request(t.app).get(`/announcements?page=${page}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`目前第 ${shown} 頁`);
  });

  it('treats page sent twice as page 1', async () => {
    const res = await request(t.app).get('/announcements?page=2&page=3');
    expect(res.status).toBe(200);
    expect(res.text).toContain('目前第 1 頁');
  });

  it('hides future and withdrawn announcements from the public, but not from admins', async () => {
    const k = tag();
    await withAnnouncements(
      [
        { title: `${k} 已發布`, publish_on: isoDay(-30) },
        { title: `${k} 今日下架`, publish_on: isoDay(-30), unpublish_on: isoDay(0) },
        { title: `${k} 未來`, publish_on: isoDay(1) },
        { title: `${k} 已下架`, publish_on: isoDay(-30), unpublish_on: isoDay(-1) },
      ],
      async ([published, lastDay, future, withdrawn]) => {
        const all = [];
        for (let page = 1; ; page++) {
          const res = await request(t.app).get(`/announcements?page=${page}`);
          all.push(res.text);
          if (!res.text.includes('rel="next"')) break;
        }
        const list = all.join('');
        expect(list).toContain(`${k} 已發布`);
        expect(list).toContain(`${k} 今日下架`);
        expect(list).not.toContain(`${k} 未來`);
        expect(list).not.toContain(`${k} 已下架`);
        expect((await request(t.app).get(`/announcements/${published}`)).status).toBe(200);
        expect((await request(t.app).get(`/announcements/${lastDay}`)).status).toBe(200);
        expectZhPage(await request(t.app).get(`/announcements/${future}`), 404);
        expectZhPage(await request(t.app).get(`/announcements/${withdrawn}`), 404);
        const home = await request(t.app).get('/');
        expect(home.text).not.toContain(`${k} 未來`);
        const { agent } = await admin();
        const adminList = await agent.get('/admin/announcements');
        expect(adminList.text).toContain(`${k} 未來`);
        expect(adminList.text).toContain(`${k} 已下架`);
        expect((await agent.get(`/admin/announcements/${future}/edit`)).status).toBe(200);
      },
    );
  });

  it('shows an announcement, escaping HTML in title and body', async () => {
    await withAnnouncements([{ title: '<script>alert(1)</script>標題', publish_on: '2021-03-04', body: "第一段<img src=x onerror=alert(1)>\n\n'; DROP TABLE announcement;--" }], async ([id]) => {
      const res = await request(t.app).get(`/announcements/${id}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;標題');
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).toContain('<p>&#39;; DROP TABLE announcement;--</p>');
      expect(res.text).toContain('公告日期：民國 110 年 03 月 04 日');
    });
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expectZhPage(await request(t.app).get('/announcements/999999999'), 404);
    expectZhPage(await request(t.app).get('/announcements/abc'), 404);
    expectZhPage(await request(t.app).get('/announcements/1%00'), 404);
    expectZhPage(await request(t.app).get(`/announcements/${'9'.repeat(20)}`), 404);
  });
});

describe('公告管理', () => {
  const valid = (title: string) => ({ title, category: '業務公告', body: '第一段\r\n\r\n第二段', publishOn: '110/05/06', unpublishOn: '' });

  it('shows the list and a new form dated today (ROC)', async () => {
    const { agent } = await admin();
    expect((await agent.get('/admin/announcements')).status).toBe(200);
    const form = await agent.get('/admin/announcements/new');
    expect(inputValue(form.text, 'publishOn')).toMatch(/^1\d\d\/\d\d\/\d\d$/);
  });

  it('creates with an ROC date, records it, and the public sees it', async () => {
    const { a, agent, csrf } = await admin();
    const title = tag();
    try {
      const res = await agent.post('/admin/announcements').type('form').send({ _csrf: csrf, ...valid(title), author_account_id: '1', id: '1', created_at: '2000-01-01' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/announcements');
      const [row, ...more] = await byTitle(title);
      expect(more).toEqual([]);
      expect(row).toMatchObject({ category: '業務公告', body: '第一段\n\n第二段', publish_on: '2021-05-06', unpublish_on: null, author_account_id: a.accountId });
      expect(row.id).not.toBe(1);
      expect(await lastAudit(t.db, 'announcement.create')).toMatchObject({ actor_account_id: a.accountId, target_id: String(row.id) });
      expect((await agent.get('/admin/announcements')).text).toContain('公告已新增。');
      const pub = await request(t.app).get(`/announcements/${row.id}`);
      expect(pub.text).toContain('<p>第一段</p><p>第二段</p>');
    } finally {
      await byTitle(title).delete();
    }
  });

  it('reads ISO, ROC, 民國 and compact dates', async () => {
    const { agent, csrf } = await admin();
    for (const [publishOn, unpublishOn, iso, isoEnd] of [
      ['2021-05-06', '2021/12/31', '2021-05-06', '2021-12-31'],
      ['民國110年5月6日', '1101231', '2021-05-06', '2021-12-31'],
      ['110.5.6', '110-05-06', '2021-05-06', '2021-05-06'],
    ]) {
      const title = tag();
      try {
        await agent.post('/admin/announcements').type('form').send({ _csrf: csrf, ...valid(title), publishOn, unpublishOn }).expect(303);
        expect(await byTitle(title).first(), publishOn).toMatchObject({ publish_on: iso, unpublish_on: isoEnd });
      } finally {
        await byTitle(title).delete();
      }
    }
  });

  it('shows a new announcement on the home page at once (the cache is forgotten)', async () => {
    const { agent, csrf } = await admin();
    const title = tag();
    await request(t.app).get('/');
    try {
      await agent.post('/admin/announcements').type('form').send({ _csrf: csrf, ...valid(title), publishOn: isoDay(-1) }).expect(303);
      expect((await request(t.app).get('/')).text).toContain(title);
    } finally {
      await byTitle(title).delete();
    }
  });

  it('stores SQL and HTML metacharacters as typed and escapes them everywhere', async () => {
    const { agent, csrf } = await admin();
    const title = `${tag()} '; DROP TABLE announcement;-- <script>alert(1)</script>`;
    try {
      await agent.post('/admin/announcements').type('form').send({ _csrf: csrf, ...valid(title), body: '<b>粗體</b> & "引號"' }).expect(303);
      const row = await byTitle(title).first();
      expect(row.body).toBe('<b>粗體</b> & "引號"');
      for (const res of [await agent.get('/admin/announcements?page=1'), await agent.get(`/admin/announcements/${row.id}/edit`), await request(t.app).get(`/announcements/${row.id}`)]) {
        expect(res.text).not.toContain('<script>alert(1)</script>');
        expect(res.text).not.toContain('<b>粗體</b>');
      }
      expect(Number((await announcementRows().count({ n: '*' }).first())!.n)).toBeGreaterThan(0);
    } finally {
      await byTitle(title).delete();
    }
  });

  it('accepts a 20 000-character body in Chinese (the largest allowed)', async () => {
    const { agent, csrf } = await admin();
    const title = tag();
    try {
      const res = await agent.post('/admin/announcements').type('form').send({ _csrf: csrf, ...valid(title), body: '公'.repeat(20000) });
      expect(res.status).toBe(303);
      expect([...(await byTitle(title).first()).body]).toHaveLength(20000);
    } finally {
      await byTitle(title).delete();
    }
  });

  it('refuses bad input on the same form, keeping what was typed, saving nothing', async () => {
    const { agent, csrf } = await admin();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ title: '', category: '', body: '', publishOn: '' }, ['請輸入標題', '請選擇公告類別', '請輸入內容', '請輸入公告日期']],
      [{ title: '字'.repeat(201) }, ['標題不可超過 200 個字']],
      [{ body: 'a'.repeat(20001) }, ['內容不可超過 20000 個字']],
      [{ publishOn: '115/02/30' }, ['公告日期格式錯誤，請輸入如 115/11/22 或 2026-11-22']],
      [{ publishOn: '2026-02-29' }, ['公告日期格式錯誤，請輸入如 115/11/22 或 2026-11-22']],
      [{ publishOn: '0/01/01' }, ['公告日期格式錯誤，請輸入如 115/11/22 或 2026-11-22']],
      [{ publishOn: 'tomorrow' }, ['公告日期格式錯誤，請輸入如 115/11/22 或 2026-11-22']],
      [{ publishOn: '1'.repeat(21) }, ['公告日期不可超過 20 個字']],
      [{ unpublishOn: '115/13/01' }, ['下架日期格式錯誤，請輸入如 115/11/22 或 2026-11-22']],
      [{ publishOn: '115/11/22', unpublishOn: '115/11/21' }, ['下架日期不可早於公告日期']],
      [{ category: '八卦' }, ['請選擇公告類別']],
      [{ title: ['a', 'b'] }, ['標題格式錯誤']],
      [{ category: ['系統公告', '業務公告'] }, ['請選擇公告類別']],
      [{ title: '標題\u0000' }, ['標題含有無法辨識的字元，請重新輸入']],
      [{ title: '第一行\n第二行' }, ['標題含有無法辨識的字元，請重新輸入']],
    ];
    for (const [patch, messages] of cases) {
      const marker = tag();
      const body = { ...valid(marker), ...patch };
      const res = await agent.post('/admin/announcements').type('form').send({ _csrf: csrf, ...body });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(patch).slice(0, 80)).toEqual(messages);
      if (typeof body.publishOn === 'string' && body.publishOn.length <= 20) expect(inputValue(res.text, 'publishOn')).toBe(body.publishOn);
      if (typeof body.body === 'string' && body.body.length < 100) expect(res.text).toContain(`>${body.body}</textarea>`);
      expect(await announcementRows().where('title', 'like', `${marker}%`)).toEqual([]);
    }
  });

  it('refuses undecodable bytes, JSON of the wrong type and 10 MB, saving nothing', async () => {
    const { agent, csrf } = await admin();
    const marker = tag();
    const head = `_csrf=${encodeURIComponent(csrf)}&category=${encodeURIComponent('系統公告')}&body=x&publishOn=110%2F01%2F01&title=${encodeURIComponent(marker)}`;
    for (const tail of ['%FF%FE', Buffer.from([0xff, 0xfe])]) {
      const res = await postRaw(agent, '/admin/announcements', rawForm(head, tail));
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual(['標題含有無法辨識的字元，請重新輸入']);
      expect(inputValue(res.text, 'publishOn')).toBe('110/01/01');
    }
    const json = await agent.post('/admin/announcements').set('content-type', 'application/json').send(JSON.stringify({ _csrf: csrf, title: { toString: marker }, category: 1, body: ['x'], publishOn: 20210101 }));
    expectZhPage(json, 400);
    expect(formErrors(json.text)).toEqual(['標題格式錯誤', '請選擇公告類別', '內容格式錯誤', '公告日期格式錯誤']);
    const big = await agent.post('/admin/announcements').type('form').send(`${head}&body=${'x'.repeat(10 * 1024 * 1024)}`);
    expectZhPage(big, 413);
    expect(await announcementRows().where('title', 'like', `${marker}%`)).toEqual([]);
  });

  it('edits with ROC dates shown, records it, and refuses bad input without changing anything', async () => {
    const { a, agent, csrf } = await admin();
    const k = tag();
    await withAnnouncements([{ title: k, publish_on: '2021-05-06', unpublish_on: '2021-12-31' }], async ([id]) => {
      const form = await agent.get(`/admin/announcements/${id}/edit`);
      expect(inputValue(form.text, 'publishOn')).toBe('110/05/06');
      expect(inputValue(form.text, 'unpublishOn')).toBe('110/12/31');
      const before = await announcementRows().where({ id }).first();
      const bad = await agent.post(`/admin/announcements/${id}`).type('form').send({ _csrf: csrf, ...valid(`${k} 改`), publishOn: '115/02/30' });
      expectZhPage(bad, 400);
      expect(bad.text).toContain(`action="/admin/announcements/${id}"`);
      expect(await announcementRows().where({ id }).first()).toEqual(before);
      const ok = await agent.post(`/admin/announcements/${id}`).type('form').send({ _csrf: csrf, ...valid(`${k} 改`), publishOn: '2021-06-01', unpublishOn: '' });
      expect(ok.status).toBe(303);
      expect(await announcementRows().where({ id }).first()).toMatchObject({ title: `${k} 改`, publish_on: '2021-06-01', unpublish_on: null });
      expect(await lastAudit(t.db, 'announcement.update')).toMatchObject({ actor_account_id: a.accountId, target_id: String(id) });
    });
  });

  it('deletes and records it', async () => {
    const { a, agent, csrf } = await admin();
    await withAnnouncements([{ title: tag(), publish_on: '2021-01-01' }], async ([id]) => {
      const res = await agent.post(`/admin/announcements/${id}/delete`).type('form').send({ _csrf: csrf });
      expect(res.status).toBe(303);
      expect(await announcementRows().where({ id })).toEqual([]);
      expect(await lastAudit(t.db, 'announcement.delete')).toMatchObject({ actor_account_id: a.accountId, target_id: String(id) });
      expectZhPage(await agent.post(`/admin/announcements/${id}/delete`).type('form').send({ _csrf: csrf }), 404);
    });
  });

  it('answers 404 for unknown or malformed ids and 403 without the CSRF token', async () => {
    const { agent, csrf } = await admin();
    expectZhPage(await agent.get('/admin/announcements/999999999/edit'), 404);
    expectZhPage(await agent.get('/admin/announcements/abc/edit'), 404);
    expectZhPage(await agent.post('/admin/announcements/999999999').type('form').send({ _csrf: csrf, ...valid('x') }), 404);
    expectZhPage(await agent.post('/admin/announcements/abc/delete').type('form').send({ _csrf: csrf }), 404);
    await withAnnouncements([{ title: tag(), publish_on: '2021-01-01' }], async ([id]) => {
      expectZhPage(await agent.post(`/admin/announcements/${id}/delete`).type('form').send({}), 403);
      expect(await announcementRows().where({ id })).toHaveLength(1);
    });
    const marker = tag();
    expectZhPage(await agent.post('/admin/announcements').type('form').send(valid(marker)), 403);
    expect(await byTitle(marker)).toEqual([]);
  });

  it('never fails on a strange admin list page', async () => {
    const { agent } = await admin();
    for (const page of ['abc', '-1', '99999']) expect((await agent.get(`/admin/announcements?page=${page}`)).status, page).toBe(200);
  });
});
