import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, formErrors, inputValue, long, type Agent } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

let admin: { agent: Agent; csrf: string };
let agency: { agent: Agent; csrf: string };

beforeAll(async () => {
  const a = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
  await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  admin = await signIn(t.app, 'mocs.admin');
  agency = await cardSignIn(t.app, 'agency-ntunhs');
});

describe('access', () => {
  it.each(['/cloud/admin/news', '/cloud/admin/tables', '/cloud/admin/services', '/cloud/admin/audit', '/cloud/admin/reports', '/cloud/admin/dashboard'])('refuses an agency session on %s (403, audited)', async (url) => {
    const res = await agency.agent.get(url);
    expectZhPage(res, 403);
    expect((await lastAudit(t.db, 'access.denied')).target_id).toBe(url);
  });

  it('refuses a portal administrator', async () => {
    const s = await signIn(t.app, 'portal.admin');
    expectZhPage(await s.agent.get('/cloud/admin/services'), 403);
  });
});

describe('最新消息, 常見問題, 檔案下載', () => {
  it('adds, edits and deletes news, audited; bad input keeps what was typed', async () => {
    const bad = await admin.agent.post('/cloud/admin/news').type('form').send({ _csrf: admin.csrf, title: long(201), body: '', publishedOn: '115/13/01' });
    expectZhPage(bad, 400);
    const errs = formErrors(bad.text).join();
    expect(errs).toContain('公告標題不可超過 200 個字');
    expect(errs).toContain('請輸入公告內容');
    expect(errs).toContain('公告日期格式錯誤');
    expect(inputValue(bad.text, 'publishedOn')).toBe('115/13/01');
    const ok = await admin.agent.post('/cloud/admin/news').type('form').send({ _csrf: admin.csrf, title: '管理測試公告', body: '內容', publishedOn: '115/11/24' });
    expect(ok.status).toBe(303);
    const row = await t.db('content_item').where({ kind: 'cloud.news' }).where({ title: '管理測試公告' }).first();
    expect(row.publish_on).toBe('2026-11-24');
    expect((await lastAudit(t.db, 'cloud.admin.news.create')).target_id).toBe(String(row.id));
    expect((await agency.agent.get('/cloud')).text).toContain('管理測試公告');
    const edit = await admin.agent.post(`/cloud/admin/news/${row.id}`).type('form').send({ _csrf: admin.csrf, title: '管理測試公告（更正）', body: '內容', publishedOn: '115/11/24' });
    expect(edit.status).toBe(303);
    expect((await t.db('content_item').where({ kind: 'cloud.news' }).where({ id: row.id }).first()).title).toBe('管理測試公告（更正）');
    expect((await admin.agent.post(`/cloud/admin/news/${row.id}/delete`).type('form').send({ _csrf: admin.csrf })).status).toBe(303);
    expect(await t.db('content_item').where({ kind: 'cloud.news' }).where({ id: row.id }).first()).toBeUndefined();
    expectZhPage(await admin.agent.post('/cloud/admin/news/999999/delete').type('form').send({ _csrf: admin.csrf }), 404);
  });

  it('adds a FAQ that the search then finds', async () => {
    const bad = await admin.agent.post('/cloud/admin/faq').type('form').send({ _csrf: admin.csrf, question: '', answer: 'x', sortOrder: 'abc' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text).join()).toContain('排序請輸入數字');
    const ok = await admin.agent.post('/cloud/admin/faq').type('form').send({ _csrf: admin.csrf, question: '介接模組憑證效期多久？', answer: '至服務使用起迄之迄日為止。', sortOrder: '500' });
    expect(ok.status).toBe(303);
    expect((await agency.agent.get('/cloud/search?q=' + encodeURIComponent('憑證效期'))).text).toContain('介接模組憑證效期多久？');
  });

  it('uploads a download file (type checked by content) and serves it to agencies', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
    const up = await admin.agent.post(`/cloud/admin/files?_csrf=${encodeURIComponent(admin.csrf)}`).field('title', '介接說明文件').field('description', '說明').field('publishedOn', '115/11/24').attach('file', pdf, '介接說明.pdf');
    expect(up.status).toBe(303);
    const f = await t.db('content_item').where({ kind: 'cloud.files' }).where({ title: '介接說明文件' }).first();
    const got = await agency.agent.get(`/cloud/files/${f.id}`);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/pdf');
    const fake = await admin.agent.post(`/cloud/admin/files?_csrf=${encodeURIComponent(admin.csrf)}`).field('title', '假檔').field('publishedOn', '115/11/24').attach('file', Buffer.from('MZ\x90\x00not a pdf'), 'x.pdf');
    expectZhPage(fake, 400);
    expect(inputValue(fake.text, 'title')).toBe('假檔');
    const none = await admin.agent.post(`/cloud/admin/files?_csrf=${encodeURIComponent(admin.csrf)}`).field('title', '無檔').field('publishedOn', '115/11/24');
    expectZhPage(none, 400);
    expect(formErrors(none.text).join()).toContain('請選擇要上傳的檔案');
    expect(await t.db('content_item').where({ kind: 'cloud.files' }).whereIn('title', ['假檔', '無檔'])).toHaveLength(0);
  });
});

describe('資料表及欄位 and 服務', () => {
  it('a dictionary field must be a real column; changes drive 欄位說明', async () => {
    const table = await t.db('cloud_dict_table').where({ name: 'hr_medal' }).first();
    const page = await admin.agent.get(`/cloud/admin/tables/${table.id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('awarded_on');
    const bad = await admin.agent.post(`/cloud/admin/tables/${table.id}/fields`).type('form').send({ _csrf: admin.csrf, columnName: 'salary', label: '薪資', sortOrder: '1' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text).join()).toContain('資料表 hr_medal 沒有欄位 salary');
    expect(inputValue(bad.text, 'label')).toBe('薪資');
    const dup = await admin.agent.post(`/cloud/admin/tables/${table.id}/fields`).type('form').send({ _csrf: admin.csrf, columnName: 'medal', label: '重複', sortOrder: '1' });
    expect(formErrors(dup.text).join()).toContain('已在資料字典中');
    const badName = await admin.agent.post(`/cloud/admin/tables/${table.id}/fields`).type('form').send({ _csrf: admin.csrf, columnName: 'Drop Table', label: 'x', sortOrder: '1' });
    expect(formErrors(badName.text).join()).toContain('欄位代碼格式錯誤');
    const field = await t.db('cloud_dict_field').where({ table_id: table.id, column_name: 'grade' }).first();
    const edit = await admin.agent.post(`/cloud/admin/fields/${field.id}`).type('form').send({ _csrf: admin.csrf, columnName: 'grade', label: '勳獎章等級', description: '一等至三等', sortOrder: '60', delivered: 'on' });
    expect(edit.status).toBe(303);
    const sheet = await agency.agent.get('/cloud/services/SQ_TA_008/fields.csv').buffer(true);
    expect(sheet.text).toContain('grade,勳獎章等級');
    expect((await lastAudit(t.db, 'cloud.admin.field.update')).target_id).toBe('hr_medal.grade');
  });

  it('adds a service, refuses a duplicate code, retires and restores it', async () => {
    const table = await t.db('cloud_dict_table').where({ name: 'hr_medal' }).first();
    const form = { _csrf: admin.csrf, code: 'SQ_TA_099', name: '測試服務', description: '測試', category: '獎勵表揚資料', tableId: String(table.id), supportsFile: 'on', sortOrder: '900' };
    expect((await admin.agent.post('/cloud/admin/services').type('form').send(form)).status).toBe(303);
    const dup = await admin.agent.post('/cloud/admin/services').type('form').send(form);
    expectZhPage(dup, 400);
    expect(formErrors(dup.text).join()).toContain('服務代碼 SQ_TA_099 已存在');
    const none = await admin.agent.post('/cloud/admin/services').type('form').send({ ...form, code: 'SQ_TA_098', supportsFile: undefined });
    expect(formErrors(none.text).join()).toContain('請至少勾選一種提供方式');
    const s = await t.db('cloud_service').where({ code: 'SQ_TA_099' }).first();
    expect((await agency.agent.get('/cloud/services')).text).toContain('SQ_TA_099');
    expect((await admin.agent.post(`/cloud/admin/services/${s.id}/retire`).type('form').send({ _csrf: admin.csrf })).status).toBe(303);
    expect((await t.db('cloud_service').where({ id: s.id }).first()).retired_at).not.toBeNull();
    expect((await agency.agent.get('/cloud/services')).text).not.toContain('SQ_TA_099');
    expect((await lastAudit(t.db, 'cloud.admin.service.retire')).target_id).toBe('SQ_TA_099');
    await admin.agent.post(`/cloud/admin/services/${s.id}/restore`).type('form').send({ _csrf: admin.csrf });
    expect((await t.db('cloud_service').where({ id: s.id }).first()).active).toBe(true);
    await t.db('cloud_service').where({ id: s.id }).update({ active: false, retired_at: t.db.fn.now() });
  });
});

describe('錯誤回報管理', () => {
  it('the administrator closes a report with 處理說明; the agency sees it', async () => {
    const res = await agency.agent
      .post(`/cloud/reports?_csrf=${encodeURIComponent(agency.csrf)}`)
      .field('reporterName', '林小美').field('phone', '02-28227101').field('email', 'hr@ntunhs.edu.tw').field('occurredOn', '115/11/20').field('content', '測試');
    const code = /(\d{8})$/.exec(String(res.headers.location))![1]!;
    const bad = await admin.agent.post(`/cloud/admin/reports/${code}`).type('form').send({ _csrf: admin.csrf, status: 'done', handling: '' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text).join()).toContain('請選擇處理狀態');
    const ok = await admin.agent.post(`/cloud/admin/reports/${code}`).type('form').send({ _csrf: admin.csrf, status: 'closed', handling: '已修正' });
    expect(ok.status).toBe(303);
    const page = await agency.agent.get(`/cloud/reports/${code}`);
    expect(page.text).toContain('已結案');
    expect(page.text).toContain('已修正');
    expect((await lastAudit(t.db, 'cloud.report.handle')).target_id).toBe(code);
    expectZhPage(await admin.agent.get('/cloud/admin/reports/99999999'), 404);
  });
});

describe('稽核 and 統計圖表', () => {
  it('searches by agency, event and date, and exports CSV', async () => {
    const res = await admin.agent.get('/cloud/admin/audit?agency=A096C0000Q&event=report');
    expectZhPage(res, 200);
    expect(res.text).toContain('cloud.report.create');
    expect(res.text).not.toContain('auth.login<');
    const logins = await admin.agent.get('/cloud/admin/audit?event=login&agency=' + encodeURIComponent('國立臺北護理健康大學'));
    expect(logins.text).toContain('auth.login');
    const csv = await admin.agent.get('/cloud/admin/audit.csv?event=report').buffer(true);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain('時間,使用者,事件');
    expect(csv.text).toContain('cloud.report.create');
    expect((await lastAudit(t.db, 'cloud.admin.audit.export')).actor_label).toBeTruthy();
  });

  it("shows the cloud platform's events only: not the portal's password resets and their mail addresses", async () => {
    const person = await makeAccount(t.db, { agencyCode: 'A096C0000Q', email: 'reset.only@example.gov.tw' });
    await t.services.auth.forgotPassword(person.login, 'reset.only@example.gov.tw', { ip: '192.0.2.7', requestId: null });
    const reset = await lastAudit(t.db, 'auth.password_reset_self');
    expect(reset).toMatchObject({ target_id: String(person.accountId), details: { mailedTo: 'reset.only@example.gov.tw' } });
    const name = reset.actor_label as string;
    for (const qs of ['', `user=${encodeURIComponent(name)}`, 'agency=A096C0000Q', 'event=denied']) {
      const res = await admin.agent.get(`/cloud/admin/audit?${qs}`);
      expectZhPage(res, 200);
      expect(res.text, qs).not.toContain('auth.password_reset');
      expect(res.text, qs).not.toContain('reset.only@example.gov.tw');
    }
    const csv = await admin.agent.get(`/cloud/admin/audit.csv?user=${encodeURIComponent(name)}`).buffer(true);
    expect(csv.status).toBe(200);
    expect(csv.text).not.toContain('reset.only@example.gov.tw');
    const all = await admin.agent.get('/cloud/admin/audit.csv').buffer(true);
    expect(all.text).not.toContain('reset.only@example.gov.tw');
    expect(all.text).not.toContain('auth.password_reset');
    // The platform's own events are all there.
    expect(all.text).toContain('cloud.admin.audit.export');
    expect(all.text).toContain('auth.login');
  });

  it.each([
    ['from=115/13/01', '起日格式錯誤'],
    ['from=115/11/30&to=115/11/01', '迄日不可早於起日'],
    ['event=drop', '請選擇事件'],
  ])('a bad filter %s is a message on the page', async (qs, message) => {
    const res = await admin.agent.get(`/cloud/admin/audit?${qs}`);
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain(message);
  });

  it('shows web-service calls in the audit log and the dashboard as SVG with tables', async () => {
    await t.db('cloud_ws_call').insert({ application_number: 'APSQ19900001', service_code: 'SQ_MA_001', status: 403, result: 'outside_period', duration_ms: 3, path: '/api/v1/x' });
    const res = await admin.agent.get('/cloud/admin/audit?event=ws');
    expect(res.text).toContain('outside_period');
    const d = await admin.agent.get('/cloud/admin/dashboard');
    expectZhPage(d, 200);
    expect((d.text.match(/<svg/g) ?? []).length).toBe(2);
    expect(d.text).toContain('每日 Web Service 呼叫次數');
    expect(d.text).toContain('<th scope="col">拒絕</th>');
  });
});
