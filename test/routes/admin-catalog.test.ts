import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue } from '../support/routes';
import { APP_CATALOG } from '../../src/reference/appCatalog';
import { isSafeAppLink } from '../../src/portal/schemas';

const t = buildApp();
afterAll(() => t.close());

const appRow = (code: string) => t.db('app_catalog').where({ code }).first();
const limitsOf = (code: string) => t.db('app_catalog_agency as l').join('agency as g', 'g.id', 'l.agency_id').where('l.app_code', code).orderBy('g.code').pluck('g.code');
let n = 0;
const newCode = () => `Q${process.pid % 10000}${++n}`.slice(0, 10);

async function as(roles: string[], agencyCode?: string) {
  const a = await makeAccount(t.db, { roles, agencyCode });
  return { a, ...(await signIn(t.app, a.login)) };
}

/** The items of one category of /my/apps, as the page reads them (code: name). */
function menuItems(html: string, categoryLabel: string): string[] {
  const start = html.indexOf(`<h2>${categoryLabel}</h2>`);
  if (start < 0) return [];
  const end = html.indexOf('</details>', start);
  return [...html.slice(start, end).matchAll(/<li>\s*(?:<span class="app-code">([^<]+)<\/span>\s*)?<strong>([^<]+)<\/strong>/g)].map((m) => (m[1] ? `${m[1]} ${m[2]}` : m[2]!));
}

describe('應用系統 as the manuals show it', () => {
  it('gives the codes, names and categories of seed 000 and seed 004 (WebHR and MyData without a code, as seed 001 shows them)', async () => {
    const hr = await as(['hr_staff']);
    const page = (await hr.agent.get('/my/apps').expect(200)).text;
    expect(menuItems(page, 'A. 人事資料填報及考核')).toEqual([
      'WebHR人力資源管理資訊系統',
      '主計人員版WebHR系統',
      'A1: 人事資料報送服務網',
      'A4: 調查表系統',
      'A5: 技工工友駕駛及駐衛警線上填報系統',
      'A6: 服務獎章線上請領及檢核系統',
      'A7: 人事資料考核系統',
      'AB: 人事業務績效考核報送審核管理系統',
      'AC: 全國軍公教人員生活津貼申請暨審核系統',
      'AF: 各機關學校用人費用管理資訊系統',
    ]);
    expect(menuItems(page, 'B. 人事資料服務')).toEqual(['B3: 銜審公權人員資料查詢系統', 'B4: 訊息彙整平台', 'B6: PICS人事資訊系統客服網', '公務人員個人資料服務網(MyData)']);
    expect(menuItems(page, 'C. 機關設定及申請')).toEqual(['C2: 人事資訊代碼系統']);
    expect(menuItems(page, 'D. 其他人事總處業務')).toEqual([
      'D0: 考試職缺填報及錄取人員分配系統',
      'D5: 組織員額管理系統',
      'D6: 終身學習入口網',
      'DA1: 名錄線上查詢系統',
      'DA2: 名錄線上編輯系統',
      'DD: 事求人機關徵才系統',
      'DK: 職缺應徵',
    ]);
    expect(page).toContain('<h2>非人事總處機關及系統</h2>');
    // Each with its link.
    expect(page).toContain('href="/my/apps/B6/open"');
    expect((await hr.agent.get('/my/apps/B6/open')).headers.location).toBe('/pics');
    expect((await hr.agent.get('/my/apps/DD/open')).headers.location).toBe('/jobs/manage');
    expect((await hr.agent.get('/my/apps/B7/open')).headers.location).toBe('/mydata');
  });

  it('shows a civil servant only what everyone may use, and refuses an HR system with 403 and an audit entry', async () => {
    const me = await as([]);
    const page = (await me.agent.get('/my/apps').expect(200)).text;
    expect(menuItems(page, 'B. 人事資料服務')).toEqual(['B4: 訊息彙整平台', 'B6: PICS人事資訊系統客服網', '公務人員個人資料服務網(MyData)']);
    expect(menuItems(page, 'D. 其他人事總處業務')).toEqual(['D6: 終身學習入口網', 'DA1: 名錄線上查詢系統', 'DK: 職缺應徵']);
    expect(page).not.toContain('/my/apps/DD/open');
    expectZhPage(await me.agent.get('/my/apps/DD/open'), 403);
    expect(await lastAudit(t.db, 'app.open')).toMatchObject({ actor_account_id: me.a.accountId, outcome: 'denied', target_id: 'DD' });
  });

  it('every reference entry has a safe link, a category shown in the menu, and a unique code', () => {
    expect(new Set(APP_CATALOG.map((a) => a.code)).size).toBe(APP_CATALOG.length);
    for (const a of APP_CATALOG) {
      expect(isSafeAppLink(a.url), a.code).toBe(true);
      expect(['A', 'B', 'C', 'D', 'X']).toContain(a.category);
    }
  });
});

describe('who may see an entry: role and agency', () => {
  it('shows an entry limited to some agencies only to their people, in the menu, in 常用 and at /open', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      await admin.agent
        .post('/admin/apps')
        .type('form')
        .send({ _csrf: admin.csrf, code, name: '限定機關系統', category: 'D', url: 'https://only.example.gov.tw/', description: '', requiredRole: '', agencies: '376470000A\na096c0000q', sortOrder: '1', showCode: 'on', active: 'on' })
        .expect(303);
      expect(await limitsOf(code)).toEqual(['376470000A', 'A096C0000Q']);
      const inside = await as([], 'A096C0000Q');
      const outside = await as([], '301000000A');
      expect((await inside.agent.get('/my/apps')).text).toContain(`${code}:</span> <strong>限定機關系統</strong>`);
      expect((await outside.agent.get('/my/apps')).text).not.toContain('限定機關系統');
      expect((await inside.agent.get(`/my/apps/${code}/open`)).headers.location).toBe('https://only.example.gov.tw/');
      expectZhPage(await outside.agent.get(`/my/apps/${code}/open`), 403);
      expect(await lastAudit(t.db, 'app.open')).toMatchObject({ actor_account_id: outside.a.accountId, outcome: 'denied', target_id: code });
      // 常用: only what one may see.
      await inside.agent.post(`/my/apps/${code}/favorite`).type('form').send({ _csrf: inside.csrf, pinned: 'true' }).expect(303);
      expect((await inside.agent.get('/my')).text).toContain('限定機關系統');
      expectZhPage(await outside.agent.post(`/my/apps/${code}/favorite`).type('form').send({ _csrf: outside.csrf, pinned: 'true' }), 403);
      expect(await t.db('favorite_app').where({ app_code: code }).pluck('account_id')).toEqual([inside.a.accountId]);
      // The limit lifted: everyone sees it.
      await admin.agent
        .post(`/admin/apps/${code}`)
        .type('form')
        .send({ _csrf: admin.csrf, name: '限定機關系統', category: 'D', url: 'https://only.example.gov.tw/', description: '', requiredRole: '', agencies: '', sortOrder: '1', showCode: 'on', active: 'on' })
        .expect(303);
      expect(await limitsOf(code)).toEqual([]);
      expect((await outside.agent.get('/my/apps')).text).toContain('限定機關系統');
      // A favourite of an entry no longer visible is no longer listed.
      await admin.agent
        .post(`/admin/apps/${code}`)
        .type('form')
        .send({ _csrf: admin.csrf, name: '限定機關系統', category: 'D', url: 'https://only.example.gov.tw/', description: '', requiredRole: '', agencies: '301000000A', sortOrder: '1', showCode: 'on', active: 'on' })
        .expect(303);
      expect((await inside.agent.get('/my')).text).not.toContain('限定機關系統');
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('hides the code in the menu when 選單顯示代碼 is off, and shows the edit form with it', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      await admin.agent
        .post('/admin/apps')
        .type('form')
        .send({ _csrf: admin.csrf, code, name: '無代碼系統', category: 'B', url: '/pics', description: '', requiredRole: 'jobs_reviewer', agencies: '', sortOrder: '1', active: 'on' })
        .expect(303);
      expect(await appRow(code)).toMatchObject({ show_code: false, required_role: 'jobs_reviewer' });
      const reviewer = await as(['jobs_reviewer']);
      const page = (await reviewer.agent.get('/my/apps')).text;
      expect(page).toContain('<strong>無代碼系統</strong>');
      expect(page).not.toContain(`${code}:</span>`);
      const form = await admin.agent.get(`/admin/apps/${code}/edit`);
      expect(form.text).not.toMatch(/name="showCode" value="on"\s+checked/);
      expect((await admin.agent.get('/admin/apps')).text).toContain('事求人審核人員');
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });
});

describe('應用系統管理: bad input, each on the same form with what was typed, nothing saved', () => {
  const valid = (code: string) => ({ code, name: '測試系統', category: 'D', url: 'https://example.gov.tw/app', description: '說明', requiredRole: '', agencies: '', sortOrder: '15', showCode: 'on', active: 'on' });

  it('refuses a code already used (also in another case of letters it is refused as a bad code)', async () => {
    const admin = await as(['portal_admin']);
    const before = await appRow('DD');
    const res = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid('DD'), name: '重複代碼' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['此系統代碼已存在']);
    expect(inputValue(res.text, 'name')).toBe('重複代碼');
    expect(inputValue(res.text, 'code')).toBe('DD');
    expect(await appRow('DD')).toEqual(before);
    expect(await t.db('audit_event').where({ action: 'app.create', target_id: 'DD' })).toEqual([]);
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(document.cookie)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://example.gov.tw/',
    'mailto:x@example.gov.tw',
    '//evil.example.com/',
    '/\\evil.example.com/',
    'https://user:pass@example.gov.tw/',
    'https:///nohost',
    'https://example.gov.tw/a b',
  ])('refuses the link %j', async (url) => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    const res = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), url, name: '危險連結' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['連結網址須以 http://、https:// 或 / 開頭']);
    expect(inputValue(res.text, 'name')).toBe('危險連結');
    expect(await appRow(code)).toBeUndefined();
  });

  it('refuses an unknown agency code or a malformed one, keeping what was typed', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    const unknown = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), agencies: '376470000A\n999999999Z' });
    expectZhPage(unknown, 400);
    expect(formErrors(unknown.text)).toEqual(['查無機關代碼 999999999Z']);
    expect(unknown.text).toContain('376470000A\n999999999Z</textarea>');
    const malformed = await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), agencies: 'abc' });
    expectZhPage(malformed, 400);
    expect(formErrors(malformed.text)).toEqual(['限定機關「ABC」不是 10 碼的機關代碼']);
    expect(await appRow(code)).toBeUndefined();
    expect(await limitsOf(code)).toEqual([]);
  });

  it('changes nothing when an edit names an unknown agency (the entry and its limits stay as they were)', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), agencies: '376470000A' }).expect(303);
      const before = await appRow(code);
      const res = await admin.agent.post(`/admin/apps/${code}`).type('form').send({ _csrf: admin.csrf, ...valid(code), name: '改名', agencies: '999999999Z' });
      expectZhPage(res, 400);
      expect(await appRow(code)).toEqual(before);
      expect(await limitsOf(code)).toEqual(['376470000A']);
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('never follows a stored link that is not http(s) or of this site', async () => {
    const code = newCode();
    await t.db('app_catalog').insert({ code, name: '舊資料', category: 'B', url: 'javascript:alert(1)' });
    try {
      const me = await as([]);
      expectZhPage(await me.agent.get(`/my/apps/${code}/open`), 404);
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });

  it('refuses every catalog form to a non-administrator: 403 and an audit entry, nothing changed', async () => {
    for (const role of ['hr_supervisor', 'platform_admin', 'jobs_reviewer']) {
      const me = await as([role]);
      const before = await appRow('B6');
      expectZhPage(await me.agent.post('/admin/apps').type('form').send({ _csrf: me.csrf, ...valid('ZZ9') }), 403);
      expectZhPage(await me.agent.post('/admin/apps/B6').type('form').send({ _csrf: me.csrf, ...valid('B6'), name: '被改' }), 403);
      expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ actor_account_id: me.a.accountId, outcome: 'denied', target_id: '/admin/apps/B6' });
      expect(await appRow('B6')).toEqual(before);
      expect(await appRow('ZZ9')).toBeUndefined();
    }
  });

  it('records who changed what: the audit entry names the link, role and agencies', async () => {
    const admin = await as(['portal_admin']);
    const code = newCode();
    try {
      await admin.agent.post('/admin/apps').type('form').send({ _csrf: admin.csrf, ...valid(code), requiredRole: 'hr_staff', agencies: '376470000A' }).expect(303);
      expect(await lastAudit(t.db, 'app.create')).toMatchObject({
        actor_account_id: admin.a.accountId,
        target_id: code,
        details: { name: '測試系統', url: 'https://example.gov.tw/app', requiredRole: 'hr_staff', agencies: ['376470000A'], showCode: true, active: true },
      });
    } finally {
      await t.db('app_catalog').where({ code }).delete();
    }
  });
});
