import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, postRaw, rawForm } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const ADMIN_GETS = ['/admin/announcements', '/admin/announcements/new', '/admin/apps', '/admin/apps/new', '/admin/apps/B6/edit', '/admin/outbox', '/admin/audit'];
const appRow = (code: string) => t.db('app_catalog').where({ code }).first();
const newCode = () => `T${Math.floor(Math.random() * 1e9)}`.slice(0, 10);

async function as(roles: string[]) {
  const a = await makeAccount(t.db, { roles });
  return { a, ...(await signIn(t.app, a.login)) };
}

describe('who may enter /admin', () => {
  it('refuses a civil servant every admin page and form: 403 and a denied audit row each, nothing changed', async () => {
    const me = await as([]);
    for (const path of ADMIN_GETS) {
      const res = await me.agent.get(path);
      expectZhPage(res, 403);
      expect(res.text).toContain('您沒有權限使用此功能');
    }
    const before = await appRow('B6');
    const posts: [string, Record<string, string>][] = [
      ['/admin/announcements', { title: `不該存在 ${me.a.accountId}`, category: '系統公告', body: 'x', publishOn: '110/01/01' }],
      ['/admin/apps', { code: 'ZZZ', name: 'x', category: 'B', url: '/x', sortOrder: '0' }],
      ['/admin/apps/B6', { name: '被改掉', category: 'B', url: '/x', sortOrder: '0' }],
      ['/admin/apps/B6/delete', {}],
      ['/admin/announcements/1/delete', {}],
    ];
    for (const [path, body] of posts) {
      expectZhPage(await me.agent.post(path).type('form').send({ _csrf: me.csrf, ...body }), 403);
    }
    const denied = await t.db('audit_event').where({ actor_account_id: me.a.accountId, action: 'access.denied' }).orderBy('id');
    expect(denied).toHaveLength(ADMIN_GETS.length + posts.length);
    expect(denied.every((d: { outcome: string }) => d.outcome === 'denied')).toBe(true);
    expect(denied.map((d: { target_id: string }) => d.target_id)).toEqual([...ADMIN_GETS, ...posts.map(([p]) => p)]);
    expect(denied[0].details).toEqual({ required: ['portal_admin'] });
    expect(await appRow('B6')).toEqual(before);
    expect(await appRow('ZZZ')).toBeUndefined();
    expect(await t.db('content_item').where({ kind: 'portal.announcements', title: `不該存在 ${me.a.accountId}` })).toEqual([]);
  });

  it.each([['hr_supervisor'], ['cs_agent'], ['platform_admin']])('refuses %s too', async (role) => {
    const me = await as([role]);
    expectZhPage(await me.agent.get('/admin/apps'), 403);
    expect(await lastAudit(t.db, 'access.denied')).toBeDefined();
  });

  it('sends a visitor to sign in, and refuses a visitor\'s post with 401', async () => {
    const res = await request(t.app).get('/admin/apps');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fadmin%2Fapps');
    const { agent, csrf } = await agentFor(t.app);
    expectZhPage(await agent.post('/admin/apps/B6/delete').type('form').send({ _csrf: csrf }), 401);
    expect(await appRow('B6')).toBeDefined();
  });

  it('lets a portal admin in', async () => {
    const admin = await as(['portal_admin']);
    for (const path of ADMIN_GETS) expect((await admin.agent.get(path)).status, path).toBe(200);
  });
});

describe('應用系統管理', () => {
  const valid = (code: string) => ({ code, name: '測試系統', category: 'D', url: 'https://example.gov.tw/app', description: '說明', requiredRole: '', sortOrder: '15', active: 'on' });

  it('creates a system, records it, and it shows in 應用系統', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      const res = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code) });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/apps');
      expect(await appRow(code)).toEqual({
        code,
        name: '測試系統',
        category: 'D',
        url: 'https://example.gov.tw/app',
        description: '說明',
        required_role: null,
        sort_order: 15,
        active: true,
        show_code: false,
      });
      expect(await lastAudit(t.db, 'app.create')).toMatchObject({ actor_account_id: admin.a.accountId, target_id: code });
      expect((await admin.agent.get('/admin/apps')).text).toContain(`應用系統 ${code} 已新增。`);
      expect((await admin.agent.get('/my/apps')).text).toContain(`/my/apps/${code}/open`);
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('saves an unchecked 啟用 as inactive and a required role', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      const { active: _drop, ...rest } = valid(code);
      await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...rest, requiredRole: 'hr_supervisor', url: '/local/path' }).expect(303);
      expect(await appRow(code)).toMatchObject({ active: false, required_role: 'hr_supervisor', url: '/local/path' });
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('refuses an existing code', async () => {
    const admin = await as(['portal_admin']);
    const before = await appRow('B6');
    const res = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid('B6') });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['此系統代碼已存在']);
    expect(await appRow('B6')).toEqual(before);
  });

  it('refuses bad input on the same form, keeping what was typed, saving nothing', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ code: '', name: '', category: '', url: '', sortOrder: '' }, ['請輸入系統代碼', '請輸入系統名稱', '請選擇類別', '請輸入連結網址', '請輸入排序']],
      [{ code: code.toLowerCase() }, ['系統代碼須為英文大寫字母開頭的英數字，例如 B6、DA1']],
      [{ code: 'A'.repeat(11) }, ['系統代碼不可超過 10 個字']],
      [{ name: '名'.repeat(101) }, ['系統名稱不可超過 100 個字']],
      [{ url: 'javascript:alert(1)' }, ['連結網址須以 http://、https:// 或 / 開頭']],
      [{ url: 'https://example.gov.tw/"><script>' }, ['連結網址須以 http://、https:// 或 / 開頭']],
      [{ url: `https://example.gov.tw/${'a'.repeat(480)}` }, ['連結網址不可超過 500 個字']],
      [{ description: '說'.repeat(301) }, ['說明不可超過 300 個字']],
      [{ category: 'Z' }, ['請選擇類別']],
      [{ requiredRole: 'god' }, ['請選擇使用權限']],
      [{ sortOrder: 'abc' }, ['排序須為數字']],
      [{ sortOrder: '-1' }, ['排序須為數字']],
      [{ sortOrder: '123456' }, ['排序不可超過 5 個字']],
      [{ active: 'yes' }, ['「啟用」格式錯誤']],
      [{ active: ['on', 'on'] }, ['「啟用」格式錯誤']],
      [{ name: ['a', 'b'] }, ['系統名稱格式錯誤']],
      [{ name: '<script>alert(1)</script>', url: 'ftp://x' }, ['連結網址須以 http://、https:// 或 / 開頭']],
    ];
    for (const [patch, messages] of cases) {
      const res = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), ...patch });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(patch)).toEqual(messages);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      if (typeof patch.name === 'string' && patch.name.length < 50) expect(inputValue(res.text, 'name')).toBe(patch.name.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    const raw = await postRaw(admin.agent, '/admin/apps', rawForm(`_csrf=${encodeURIComponent(admin.csrf)}&code=${code}&category=D&url=%2Fx&sortOrder=1&description=&requiredRole=&name=%FF`));
    expect(formErrors(raw.text)).toEqual(['系統名稱含有無法辨識的字元，請重新輸入']);
    const json = await admin.agent.post('/admin/apps').set('content-type', 'application/json').send(JSON.stringify({ _csrf: admin.csrf, ...valid(code), sortOrder: 5, active: true }));
    expect(formErrors(json.text)).toEqual(['排序格式錯誤', '「啟用」格式錯誤']);
    expectZhPage(await admin.agent.post('/admin/apps').type('form').send(`_csrf=${encodeURIComponent(admin.csrf)}&code=${code}&name=${'a'.repeat(10 * 1024 * 1024)}`), 413);
    expect(await appRow(code)).toBeUndefined();
  });

  it('stores HTML in a name as typed and escapes it on every page', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), name: "<script>alert(1)</script>'; DROP TABLE app_catalog;--" }).expect(303);
      expect((await appRow(code)).name).toBe("<script>alert(1)</script>'; DROP TABLE app_catalog;--");
      for (const path of ['/admin/apps', `/admin/apps/${code}/edit`, '/my/apps']) {
        const res = await admin.agent.get(path);
        expect(res.text, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(res.text, path).not.toContain('<script>alert(1)</script>');
      }
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('edits a system (the code cannot change), records it, and refuses bad input unchanged', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    await t.db('app_catalog').insert({ code, name: '原名', category: 'B', url: '/old', description: '', required_role: null, sort_order: 1, active: true });
    try {
      const form = await admin.agent.get(`/admin/apps/${code}/edit`);
      expect(inputValue(form.text, 'name')).toBe('原名');
      const before = await appRow(code);
      const bad = await admin.agent.post(`/admin/apps/${code}`).type('form').send({ _csrf: admin.csrf, ...valid('IGNORED'), url: 'javascript:x' });
      expectZhPage(bad, 400);
      expect(await appRow(code)).toEqual(before);
      const ok = await admin.agent.post(`/admin/apps/${code}`).type('form').send({ _csrf: admin.csrf, ...valid('OTHER'), name: '新名', requiredRole: 'hr_staff' });
      expect(ok.status).toBe(303);
      expect(await appRow(code)).toMatchObject({ code, name: '新名', required_role: 'hr_staff', category: 'D' });
      expect(await appRow('OTHER')).toBeUndefined();
      expect(await lastAudit(t.db, 'app.update')).toMatchObject({ actor_account_id: admin.a.accountId, target_id: code });
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('deletes a system with its favourites, and records it', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    await t.db('app_catalog').insert({ code, name: '將刪除', category: 'B', url: '/x' });
    await t.db('favorite_app').insert({ account_id: admin.a.accountId, app_code: code });
    const res = await admin.agent.post(`/admin/apps/${code}/delete`).type('form').send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(await appRow(code)).toBeUndefined();
    expect(await t.db('favorite_app').where({ app_code: code })).toEqual([]);
    expect(await lastAudit(t.db, 'app.delete')).toMatchObject({ actor_account_id: admin.a.accountId, target_id: code });
  });

  it('answers 404 for unknown systems and 403 without the CSRF token', async () => {
    const admin = await as(['portal_admin']);
    expectZhPage(await admin.agent.get('/admin/apps/NOPE/edit'), 404);
    expectZhPage(await admin.agent.post('/admin/apps/NOPE').type('form').send({ _csrf: admin.csrf, ...valid('NOPE') }), 404);
    expectZhPage(await admin.agent.post('/admin/apps/NOPE/delete').type('form').send({ _csrf: admin.csrf }), 404);
    expectZhPage(await admin.agent.get(`/admin/apps/${encodeURIComponent('<b>')}/edit`), 404);
    expectZhPage(await admin.agent.post('/admin/apps/B6/delete').type('form').send({}), 403);
    expect(await appRow('B6')).toBeDefined();
  });
});

describe('郵件寄送紀錄 and 稽核紀錄', () => {
  it('lists the outbox, escaping the mail', async () => {
    const admin = await as(['portal_admin']);
    await t.db('mail_outbox').insert({ to_address: `x${admin.a.accountId}@example.gov.tw`, subject: '<script>alert(1)</script>', body_text: '<b>內文</b>' });
    const res = await admin.agent.get('/admin/outbox');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`x${admin.a.accountId}@example.gov.tw`);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;b&gt;內文&lt;/b&gt;');
    for (const page of ['abc', '-1', '99999']) expect((await admin.agent.get(`/admin/outbox?page=${page}`)).status).toBe(200);
  });

  it('lists and filters the audit log, ignoring a malformed filter', async () => {
    const admin = await as(['portal_admin']);
    const res = await admin.agent.get('/admin/audit?action=auth.login');
    expect(res.status).toBe(200);
    const actions = [...res.text.matchAll(/<tr><td>[^<]*<\/td><td>[^<]*<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['auth.login']));
    for (const q of ['action=%3Cscript%3E', "action='%3B--", 'action=a&action=b', 'page=abc', 'page=99999']) {
      const r = await admin.agent.get(`/admin/audit?${q}`);
      expect(r.status, q).toBe(200);
      expect(r.text).not.toContain('<script>');
    }
  });
});
