import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, signIn } from '../support/app';
import { cardSignIn, certThumbprint, signAs } from '../support/cards';
import { expectZhPage, formErrors, inputValue, long, type Agent } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const STEP1 = {
  contactName: '林小美',
  contactPhone: '02-28227101#2101',
  contactEmail: 'hr@ntunhs.edu.tw',
  periodFrom: '116/01/01',
  periodTo: '116/12/31',
  purpose: '人事資料比對',
  legalBasis: '公務人員任用法',
  specificPurpose: '人事管理（002）',
};
const STEP2 = { systemName: '人事管理系統', os: 'Linux', language: 'TypeScript', databaseName: 'PostgreSQL', computerName: 'hr-app-01', ipAddresses: '192.168.10.21, 10.0.0.5' };

let ntunhs: { agent: Agent; csrf: string };
let dgpa: { agent: Agent; csrf: string };

beforeAll(async () => {
  // Both demo agencies may use the platform.
  for (const code of ['A096C0000Q', '376470000A']) {
    const a = await t.db('agency').where({ code }).first('id');
    await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  }
  ntunhs = await cardSignIn(t.app, 'agency-ntunhs');
  dgpa = await cardSignIn(t.app, 'agency-dgpa');
});

async function start(s = ntunhs): Promise<string> {
  const res = await s.agent.post('/cloud/apply').type('form').send({ _csrf: s.csrf, agree: 'yes' });
  expect(res.status).toBe(303);
  const m = /^\/cloud\/apply\/([0-9a-f-]{36})\/step1$/.exec(String(res.headers.location));
  expect(m).not.toBeNull();
  return m![1]!;
}

async function post(s: { agent: Agent; csrf: string }, id: string, step: string, body: Record<string, string | string[]>, action = 'next') {
  return s.agent.post(`/cloud/apply/${id}/${step}`).type('form').send({ _csrf: s.csrf, action, ...body });
}

async function step5a(s: { agent: Agent; csrf: string }, id: string, fields: Record<string, string | string[]>, file?: { data: Buffer; name: string }, action = 'next') {
  const req = s.agent.post(`/cloud/apply/${id}/step5a?_csrf=${encodeURIComponent(s.csrf)}`).field('action', action);
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) req.field(k, x);
  if (file) req.attach('file', file.data, file.name);
  return req;
}

/** Walks steps 一 … 五 for a kind; returns the draft id at 步驟六. */
async function fill(kind: 'file' | 'ws', s = ntunhs, step1: Record<string, string> = STEP1): Promise<string> {
  const id = await start(s);
  expect((await post(s, id, 'step1', step1)).headers.location).toBe(`/cloud/apply/${id}/step2`);
  expect((await post(s, id, 'step2', STEP2)).headers.location).toBe(`/cloud/apply/${id}/step3`);
  expect((await post(s, id, 'step3', { userScopes: ['internal', 'external'] })).headers.location).toBe(`/cloud/apply/${id}/step4`);
  const r4 = await post(s, id, 'step4', { kind });
  expect(r4.headers.location).toBe(`/cloud/apply/${id}/${kind === 'file' ? 'step5a' : 'step5b'}`);
  if (kind === 'file') {
    const r5 = await step5a(s, id, { conditions: '申請一次性現職人員基本資料', services: ['SQ_PA_001', 'SQ_TA_001'] }, { data: Buffer.from('條件說明\n'), name: '說明.txt' });
    expect(r5.headers.location).toBe(`/cloud/apply/${id}/step6`);
  } else {
    expect((await post(s, id, 'step5b', { services: ['SQ_MA_001', 'SQ_TA_001', 'SQ_COM_01'] })).headers.location).toBe(`/cloud/apply/${id}/step6`);
  }
  return id;
}

async function challenge(s: { agent: Agent; csrf: string }, id: string): Promise<string> {
  const res = await s.agent.post(`/cloud/apply/${id}/challenge`).set('x-csrf-token', s.csrf).set('accept', 'application/json');
  expect(res.status).toBe(200);
  return res.body.tbs as string;
}

async function sign(s: { agent: Agent; csrf: string }, id: string, card = 'agency-ntunhs') {
  const tbs = await challenge(s, id);
  return s.agent.post(`/cloud/apply/${id}/step6`).type('form').send({ _csrf: s.csrf, ...signAs(card, tbs) });
}

async function submitted(kind: 'file' | 'ws', s = ntunhs) {
  const id = await fill(kind, s);
  const res = await sign(s, id, s === ntunhs ? 'agency-ntunhs' : 'agency-dgpa');
  expect(res.status).toBe(303);
  const app = await t.db('cloud_application').where({ draft_id: id }).first();
  return { draftId: id, app };
}

describe('申請服務 access', () => {
  it('sends a signed-out visitor to the certificate login', async () => {
    const res = await (await import('supertest')).default(t.app).get('/cloud/apply');
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login\/certificate\?returnTo=/);
  });

  it('refuses a password session with the manual’s message, audited', async () => {
    const { agent } = await signIn(t.app, 'hr.chief');
    const res = await agent.get('/cloud/apply');
    expectZhPage(res, 403);
    expect(res.text).toContain('人事雲端服務平台限以機關憑證登入後使用');
    expect((await lastAudit(t.db, 'access.denied')).target_id).toBe('/cloud/apply');
  });

  it('refuses 申請審核管理 to an agency card and to a civil servant, audited', async () => {
    const res = await ntunhs.agent.get('/cloud/admin/reviews');
    expect(res.status).toBe(403);
    const { agent } = await signIn(t.app, 'wang.xiaoming');
    expectZhPage(await agent.get('/cloud/admin/reviews/1'), 403);
    const audit = await lastAudit(t.db, 'access.denied');
    expect(audit.target_id).toBe('/cloud/admin/reviews/1');
  });
});

describe('管理規範 and 開始申請', () => {
  it('shows the catalog and the rules', async () => {
    const res = await ntunhs.agent.get('/cloud/apply');
    expectZhPage(res, 200);
    expect(res.text).toContain('管理規範');
    expect(res.text).toContain('SQ_TA_008');
    expect(res.text).toContain('href="/cloud/services/SQ_TA_008/fields.csv"');
    expect(res.text).toContain('我同意');
  });

  it('requires 我同意', async () => {
    const res = await ntunhs.agent.post('/cloud/apply').type('form').send({ _csrf: ntunhs.csrf });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請先閱讀管理規範並勾選「我同意」']);
    expect(res.text).toContain('<title>錯誤：');
  });
});

describe('the wizard', () => {
  it('walks the one-time branch to 步驟六 listing everything, and back keeps the answers', async () => {
    const id = await fill('file');
    const six = await ntunhs.agent.get(`/cloud/apply/${id}/step6`);
    expectZhPage(six, 200);
    for (const text of ['林小美', 'hr@ntunhs.edu.tw', '116/01/01', '116/12/31', '192.168.10.21, 10.0.0.5', '申請一次性現職人員基本資料', '說明.txt', 'SQ_PA_001', '機關編制資料', '注意事項：本步驟必須使用與登入時相同的憑證進行申請。']) {
      expect(six.text).toContain(text);
    }
    expect(six.text).toContain(`data-challenge="/cloud/apply/${id}/challenge"`);
    // 上一步 from 步驟二 keeps what was typed there, even unfinished.
    const back = await post(ntunhs, id, 'step2', { ...STEP2, os: 'Windows Server', ipAddresses: 'not-an-ip' }, 'back');
    expect(back.headers.location).toBe(`/cloud/apply/${id}/step1`);
    const one = await ntunhs.agent.get(`/cloud/apply/${id}/step1`);
    expect(inputValue(one.text, 'contactName')).toBe('林小美');
    expect(inputValue(one.text, 'periodFrom')).toBe('116/01/01');
    const two = await ntunhs.agent.get(`/cloud/apply/${id}/step2`);
    expect(inputValue(two.text, 'os')).toBe('Windows Server');
    expect(inputValue(two.text, 'ipAddresses')).toBe('not-an-ip');
    // The unfinished step 二 now blocks the later steps.
    const skip = await ntunhs.agent.get(`/cloud/apply/${id}/step6`);
    expect(skip.status).toBe(303);
    expect(skip.headers.location).toBe(`/cloud/apply/${id}/step2`);
  });

  it('branches to 步驟五B for Web Service and lists the chosen services with their category', async () => {
    const id = await fill('ws');
    const six = await ntunhs.agent.get(`/cloud/apply/${id}/step6`);
    expect(six.text).toContain('您所選之資料交換服務項目');
    expect(six.text).toContain('SQ_COM_01');
    expect(six.text).not.toContain('特殊條件說明');
  });

  it('步驟六’s 修改 links come back to 步驟六 once the step is saved', async () => {
    const id = await fill('file');
    const six = await ntunhs.agent.get(`/cloud/apply/${id}/step6`);
    const links = [...six.text.matchAll(/<a class="edit-link" href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    expect(links).toEqual(['step1', 'step2', 'step3', 'step4', 'step5a', 'step5a'].map((s) => `/cloud/apply/${id}/${s}?from=check`));
    // The step opened by 修改 posts back with the same mark, and 下一步 returns to 步驟六.
    const one = await ntunhs.agent.get(links[0]!);
    expectZhPage(one, 200);
    expect(one.text).toContain(`action="/cloud/apply/${id}/step1?from=check"`);
    const saved = await ntunhs.agent.post(`/cloud/apply/${id}/step1?from=check`).type('form').send({ _csrf: ntunhs.csrf, action: 'next', ...STEP1, contactName: '林大美' });
    expect(saved.headers.location).toBe(`/cloud/apply/${id}/step6`);
    expect((await ntunhs.agent.get(`/cloud/apply/${id}/step6`)).text).toContain('林大美');
    // The upload step keeps its CSRF token and the mark.
    const five = await ntunhs.agent.get(links[4]!);
    expect(five.text).toContain(`action="/cloud/apply/${id}/step5a?_csrf=`);
    expect(five.text).toContain('&amp;from=check"');
    const r5 = await ntunhs.agent
      .post(`/cloud/apply/${id}/step5a?_csrf=${encodeURIComponent(ntunhs.csrf)}&from=check`)
      .field('action', 'next')
      .field('conditions', '改寫之條件說明')
      .field('services', 'SQ_PA_001');
    expect(r5.headers.location).toBe(`/cloud/apply/${id}/step6`);
    // Bad input from 修改: the same form again, still returning to 步驟六.
    const bad = await ntunhs.agent.post(`/cloud/apply/${id}/step2?from=check`).type('form').send({ _csrf: ntunhs.csrf, action: 'next', ...STEP2, ipAddresses: 'not-an-ip' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain(`action="/cloud/apply/${id}/step2?from=check"`);
    // Changing 步驟四 first asks for the other branch’s 步驟五, then returns to 步驟六.
    const four = await ntunhs.agent.post(`/cloud/apply/${id}/step4?from=check`).type('form').send({ _csrf: ntunhs.csrf, action: 'next', kind: 'ws' });
    expect(four.headers.location).toBe(`/cloud/apply/${id}/step5b?from=check`);
    const b5 = await ntunhs.agent.post(`/cloud/apply/${id}/step5b?from=check`).type('form').send({ _csrf: ntunhs.csrf, action: 'next', services: ['SQ_MA_001'] });
    expect(b5.headers.location).toBe(`/cloud/apply/${id}/step6`);
    // 上一步 still goes one step back.
    const back = await ntunhs.agent.post(`/cloud/apply/${id}/step3?from=check`).type('form').send({ _csrf: ntunhs.csrf, action: 'back', userScopes: ['internal'] });
    expect(back.headers.location).toBe(`/cloud/apply/${id}/step2`);
  });

  it('keeps two drafts apart (two tabs)', async () => {
    const a = await start();
    const b = await start();
    await post(ntunhs, a, 'step1', { ...STEP1, contactName: '甲' });
    await post(ntunhs, b, 'step1', { ...STEP1, contactName: '乙' });
    expect(inputValue((await ntunhs.agent.get(`/cloud/apply/${a}/step1`)).text, 'contactName')).toBe('甲');
    expect(inputValue((await ntunhs.agent.get(`/cloud/apply/${b}/step1`)).text, 'contactName')).toBe('乙');
  });

  it('does not let a step be skipped by URL (GET or POST)', async () => {
    const id = await start();
    for (const step of ['step2', 'step3', 'step4', 'step5a', 'step5b', 'step6']) {
      const res = await ntunhs.agent.get(`/cloud/apply/${id}/${step}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/cloud/apply/${id}/step1`);
    }
    const res = await post(ntunhs, id, 'step4', { kind: 'ws' });
    expect(res.headers.location).toBe(`/cloud/apply/${id}/step1`);
    const draft = await t.db('cloud_application_draft').where({ id }).first();
    expect(draft.answers.step4).toBeUndefined();
    expect((await ntunhs.agent.get(`/cloud/apply/${id}/step9`)).status).toBe(404);
    expect((await ntunhs.agent.post(`/cloud/apply/${id}/challenge`).set('x-csrf-token', ntunhs.csrf)).status).toBe(400);
  });
});

describe('步驟一 bad input', () => {
  const fields = Object.keys(STEP1) as Array<keyof typeof STEP1>;
  const labels: Record<string, string> = {
    contactName: '請輸入聯絡人姓名',
    contactPhone: '請輸入連絡電話',
    contactEmail: '請輸入電子郵件',
    periodFrom: '請輸入服務使用起日',
    periodTo: '請輸入服務使用迄日',
    purpose: '請輸入介接用途',
    legalBasis: '請輸入法規依據',
    specificPurpose: '請輸入特定目的',
  };
  let id: string;
  beforeAll(async () => {
    id = await start();
  });

  it('every field empty: one message each, nothing saved', async () => {
    const res = await post(ntunhs, id, 'step1', Object.fromEntries(fields.map((f) => [f, ''])));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(fields.map((f) => labels[f]));
    const draft = await t.db('cloud_application_draft').where({ id }).first();
    expect(draft.completed).toEqual([]);
  });

  for (const [field, max] of [['contactName', 50], ['purpose', 500], ['legalBasis', 500], ['specificPurpose', 500]] as const) {
    it(`${field} too long`, async () => {
      const res = await post(ntunhs, id, 'step1', { ...STEP1, [field]: long(max + 1) });
      expectZhPage(res, 400);
      expect(formErrors(res.text)[0]).toMatch(new RegExp(`不可超過 ${max} 個字`));
    });
  }

  it('wrong email format, kept as typed', async () => {
    const res = await post(ntunhs, id, 'step1', { ...STEP1, contactEmail: 'hr@@ntunhs' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['電子郵件格式錯誤，例如 name@example.gov.tw']);
    expect(inputValue(res.text, 'contactEmail')).toBe('hr@@ntunhs');
    expect(inputValue(res.text, 'contactName')).toBe('林小美');
  });

  it('wrong phone format', async () => {
    const res = await post(ntunhs, id, 'step1', { ...STEP1, contactPhone: '電話02abc' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)[0]).toContain('連絡電話格式錯誤');
  });

  it('dates that are not dates', async () => {
    const res = await post(ntunhs, id, 'step1', { ...STEP1, periodFrom: '116/02/30', periodTo: 'tomorrow' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['服務使用起日格式錯誤，例如 115/12/01', '服務使用迄日格式錯誤，例如 115/12/01']);
  });

  it('end before start', async () => {
    const res = await post(ntunhs, id, 'step1', { ...STEP1, periodFrom: '116/06/01', periodTo: '116/05/31' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['服務使用迄日必須晚於起日']);
  });

  it('a period in the past', async () => {
    const res = await post(ntunhs, id, 'step1', { ...STEP1, periodFrom: '113/01/01', periodTo: '113/12/31' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['服務使用起日不可早於今天']);
  });

  it('accepts ISO dates and shows them in ROC', async () => {
    const res = await post(ntunhs, id, 'step1', { ...STEP1, periodFrom: '2027-03-01', periodTo: '2027-04-30' });
    expect(res.status).toBe(303);
    const page = await ntunhs.agent.get(`/cloud/apply/${id}/step1`);
    expect(inputValue(page.text, 'periodFrom')).toBe('116/03/01');
    expect(inputValue(page.text, 'periodTo')).toBe('116/04/30');
  });
});

describe('步驟二 … 五 bad input', () => {
  let id: string;
  beforeAll(async () => {
    id = await start();
    await post(ntunhs, id, 'step1', STEP1);
  });

  it('步驟二 every field empty', async () => {
    const res = await post(ntunhs, id, 'step2', Object.fromEntries(Object.keys(STEP2).map((k) => [k, ''])));
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入介接系統名稱', '請輸入作業系統', '請輸入程式語言', '請輸入資料庫', '請輸入電腦名稱', '請輸入IP位置']);
  });

  it('步驟二 too long', async () => {
    const res = await post(ntunhs, id, 'step2', { ...STEP2, systemName: long(101) });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['介接系統名稱不可超過 100 個字']);
  });

  it('步驟二 wrong IP address format, kept as typed', async () => {
    for (const bad of ['192.168.1.256', '10.0.0.1, abc', '::gg']) {
      const res = await post(ntunhs, id, 'step2', { ...STEP2, ipAddresses: bad });
      expectZhPage(res, 400);
      expect(formErrors(res.text)[0]).toContain('IP位置格式錯誤');
      expect(inputValue(res.text, 'ipAddresses')).toBe(bad);
    }
    const ok = await post(ntunhs, id, 'step2', { ...STEP2, ipAddresses: '2001:db8::1 192.168.1.1' });
    expect(ok.status).toBe(303);
  });

  it('步驟三 nothing chosen, or a value not offered', async () => {
    let res = await post(ntunhs, id, 'step3', {});
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請選擇介接系統使用之對象']);
    res = await post(ntunhs, id, 'step3', { userScopes: 'everyone' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['介接系統使用之對象格式錯誤，請重新選擇']);
    expect((await post(ntunhs, id, 'step3', { userScopes: 'personal' })).status).toBe(303);
  });

  it('步驟四 nothing chosen', async () => {
    const res = await post(ntunhs, id, 'step4', {});
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請選擇資料交換服務提供方式']);
  });

  it('步驟五B no service, or an unknown one', async () => {
    await post(ntunhs, id, 'step4', { kind: 'ws' });
    let res = await post(ntunhs, id, 'step5b', {});
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請選擇資料交換需求']);
    res = await post(ntunhs, id, 'step5b', { services: ['SQ_PA_001', 'SQ_XX_999'] });
    expectZhPage(res, 400);
    expect(res.text).toMatch(/id="svc-SQ_PA_001"[^>]*checked/);
  });

  it('步驟五A empty and too long', async () => {
    await post(ntunhs, id, 'step4', { kind: 'file' });
    let res = await step5a(ntunhs, id, {});
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入特殊條件說明', '請選擇申請之服務']);
    res = await step5a(ntunhs, id, { conditions: long(2001), services: 'SQ_PA_001' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['特殊條件說明不可超過 2000 個字']);
  });

  it('步驟五A upload over the limit: refused, nothing kept', async () => {
    const before = await t.db('cloud_application_draft').where({ id }).first();
    const res = await step5a(ntunhs, id, { conditions: '條件', services: 'SQ_PA_001' }, { data: Buffer.alloc(5 * 1024 * 1024 + 10, 'a'), name: 'big.txt' });
    expectZhPage(res, 400);
    expect(res.text).toContain('5 MB');
    expect(inputValue(res.text, 'file')).toBeNull();
    const after = await t.db('cloud_application_draft').where({ id }).first();
    expect(after.file_stored_name).toBe(before.file_stored_name);
    expect(after.completed).not.toContain('step5a');
  });

  it('步驟五A upload of a disguised type: refused', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
    const res = await step5a(ntunhs, id, { conditions: '條件', services: 'SQ_PA_001' }, { data: exe, name: 'report.pdf' });
    expectZhPage(res, 400);
    expect(res.text).toMatch(/report\.pdf/);
    expect(res.text).toMatch(/格式不符|內容與副檔名不符/);
    const after = await t.db('cloud_application_draft').where({ id }).first();
    expect(after.file_stored_name).toBeNull();
  });
});

describe('步驟六 signing', () => {
  it('submits with the login card: number, card number, verification code, 步驟七', async () => {
    const id = await fill('file');
    const res = await sign(ntunhs, id);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/cloud/apply/${id}/done`);
    const app = await t.db('cloud_application').where({ draft_id: id }).first();
    expect(app.number).toMatch(/^APFQ115\d{5}$/);
    expect(app.card_number).toBe('GC00000000000010');
    expect(app.status).toBe('pending');
    expect(app.certb64.length).toBeGreaterThan(500);
    const lines = await t.db('cloud_application_service').where({ application_id: app.id });
    expect(lines).toHaveLength(2);
    const doc = await t.db('issued_document').where({ code: app.verification_code }).first();
    expect(doc.sha256).toBe(app.digest);
    expect((await lastAudit(t.db, 'cloud.application.submit')).target_id).toBe(app.number);
    const done = await ntunhs.agent.get(`/cloud/apply/${id}/done`);
    expectZhPage(done, 200);
    expect(done.text).toContain(app.number);
    expect(done.text).toContain('GC00000000000010');
    expect(done.text).toContain('下載介接申請書');
    // The wizard's pages of a submitted draft lead to 步驟七.
    expect((await ntunhs.agent.get(`/cloud/apply/${id}/step1`)).headers.location).toBe(`/cloud/apply/${id}/done`);
  });

  it('numbers Web Service applications APSQ', async () => {
    const { app } = await submitted('ws');
    expect(app.number).toMatch(/^APSQ115\d{5}$/);
    expect(app.ip_addresses).toBeTruthy();
  });

  it('refuses a post without a signature', async () => {
    const id = await fill('ws');
    const res = await ntunhs.agent.post(`/cloud/apply/${id}/step6`).type('form').send({ _csrf: ntunhs.csrf });
    expectZhPage(res, 400);
    expect(res.text).toContain('請插入與登入時相同的機關憑證IC卡');
    expect(await t.db('cloud_application').where({ draft_id: id }).first()).toBeUndefined();
  });

  it('refuses a signature by another card, audited', async () => {
    const id = await fill('ws');
    const res = await sign(ntunhs, id, 'agency-dgpa');
    expectZhPage(res, 400);
    expect(res.text).toContain('請使用與登入時相同的憑證簽章');
    expect(await t.db('cloud_application').where({ draft_id: id }).first()).toBeUndefined();
    const audit = await lastAudit(t.db, 'cloud.application.sign_failed');
    expect(audit.target_id).toBe(id);
    expect(audit.details.reason).toBe('other_card');
  });

  it('refuses a tampered digest (the answers changed after the challenge)', async () => {
    const id = await fill('ws');
    const tbs = await challenge(ntunhs, id);
    await post(ntunhs, id, 'step1', { ...STEP1, contactName: '王大明' });
    const res = await ntunhs.agent.post(`/cloud/apply/${id}/step6`).type('form').send({ _csrf: ntunhs.csrf, ...signAs('agency-ntunhs', tbs) });
    expectZhPage(res, 400);
    expect(res.text).toContain('簽章內容與文件不符');
    expect(await t.db('cloud_application').where({ draft_id: id }).first()).toBeUndefined();
    expect((await lastAudit(t.db, 'cloud.application.sign_failed')).details.reason).toBe('digest_mismatch');
  });

  it('refuses a tbs whose digest line was edited', async () => {
    const id = await fill('ws');
    const tbs = await challenge(ntunhs, id);
    const forged = tbs.replace(/digest=([0-9a-f]{64})/, (_m, d: string) => `digest=${d.slice(0, 63)}${d.endsWith('0') ? '1' : '0'}`);
    expect(forged).not.toBe(tbs);
    const res = await ntunhs.agent.post(`/cloud/apply/${id}/step6`).type('form').send({ _csrf: ntunhs.csrf, ...signAs('agency-ntunhs', forged) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await t.db('cloud_application').where({ draft_id: id }).first()).toBeUndefined();
  });

  it('keeps the card\'s encryption certificate (cert2) with a 資料交換 application, and shows the document title in the tbs', async () => {
    const id = await fill('file');
    const tbs = await challenge(ntunhs, id);
    expect(tbs).toMatch(/^title=人事雲端服務平台資料交換服務申請表（.+）$/m);
    expect(tbs).toMatch(/^digest=[0-9a-f]{64}$/m);
    const signed = signAs('agency-ntunhs', tbs);
    expect(signed.enccertb64).not.toBe('');
    const res = await ntunhs.agent.post(`/cloud/apply/${id}/step6`).type('form').send({ _csrf: ntunhs.csrf, ...signed });
    expect(res.status).toBe(303);
    const app = await t.db('cloud_application').where({ draft_id: id }).first();
    expect(app.enc_certb64).toBe(signed.enccertb64);
    expect(app.enc_cert_thumbprint).toBe(crypto.createHash('sha256').update(Buffer.from(signed.enccertb64, 'base64')).digest('hex'));
    expect(app.enc_cert_thumbprint).not.toBe(app.cert_thumbprint);
  });

  it('refuses a 資料交換 application without the card\'s encryption certificate, or with one that is not cert2 of the same card (nothing saved, audited)', async () => {
    const cases: Array<[string, (s: ReturnType<typeof signAs>) => ReturnType<typeof signAs>, string, string]> = [
      ['missing', (s) => ({ ...s, enccertb64: '' }), '無法讀取憑證IC卡中的加密用憑證', 'enc_cert_missing'],
      ['the signing certificate', (s) => ({ ...s, enccertb64: s.certb64 }), '不是加密用憑證', 'enc_cert_enc_usage'],
      ['another card\'s', (s) => ({ ...s, enccertb64: signAs('agency-dgpa', 'x').enccertb64 }), '不屬於同一張憑證IC卡', 'enc_cert_other_card'],
      ['an untrusted one', (s) => ({ ...s, enccertb64: signAs('untrusted', 'x').certb64 }), '憑證非由受信任的憑證管理中心簽發', 'enc_cert_untrusted'],
      ['garbage', (s) => ({ ...s, enccertb64: 'AAAA' }), '無法讀取憑證內容', 'enc_cert_malformed'],
    ];
    for (const [what, change, message, reason] of cases) {
      const id = await fill('file');
      const tbs = await challenge(ntunhs, id);
      const res = await ntunhs.agent.post(`/cloud/apply/${id}/step6`).type('form').send({ _csrf: ntunhs.csrf, ...change(signAs('agency-ntunhs', tbs)) });
      expectZhPage(res, 400);
      expect(res.text, what).toContain(message);
      expect(await t.db('cloud_application').where({ draft_id: id }).first(), what).toBeUndefined();
      expect((await lastAudit(t.db, 'cloud.application.sign_failed')).details.reason, what).toBe(reason);
    }
  });

  it('refuses a second submit of the same draft', async () => {
    const { draftId, app } = await submitted('ws');
    const tbs = signAs('agency-ntunhs', 'x');
    const res = await ntunhs.agent.post(`/cloud/apply/${draftId}/step6`).type('form').send({ _csrf: ntunhs.csrf, ...tbs });
    expectZhPage(res, 409);
    expect(res.text).toContain('此申請已提出，不可重複送出');
    expect(await t.db('cloud_application').where({ draft_id: draftId })).toHaveLength(1);
    expect((await post(ntunhs, draftId, 'step1', STEP1)).status).toBe(409);
    const again = await t.db('cloud_application').where({ id: app.id }).first();
    expect(again.contact_name).toBe(app.contact_name);
  });

  it('gives unique numbers to 50 concurrent submissions', async () => {
    const user = {
      kind: 'agency', accountId: 0, personId: 0, name: '國立臺北護理健康大學', username: null, agencyId: 0, agencyCode: 'A096C0000Q', agencyName: '國立臺北護理健康大學',
      roles: [], method: 'gca', mustChangePassword: false, profileIncomplete: false, lastLoginAt: null, currentLoginAt: new Date().toISOString(), certificate: null,
    } as unknown as Parameters<typeof t.services.cloud.apply.submit>[0];
    const agency = await t.db('agency').where({ code: 'A096C0000Q' }).first();
    user.agencyId = agency.id;
    const thumb = certThumbprint('agency-ntunhs');
    user.certificate = { thumbprint: thumb, cardType: 'gca', cardNumber: 'GC00000000000010', serialHex: '' };
    const template = await t.db('cloud_application_draft').whereIn('id', t.db('cloud_application').select('draft_id').where('number', 'like', 'APSQ%')).first();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const [row] = await t.db('cloud_application_draft').insert({ agency_id: agency.id, answers: JSON.stringify(template.answers), completed: template.completed }).returning('id');
      ids.push(row.id);
    }
    const ctx = { ip: '127.0.0.1', requestId: 'concurrency' };
    const signed = await Promise.all(
      ids.map(async (id) => {
        const d = await t.services.cloud.apply.ownDraft(user, id, ctx);
        const { tbs } = await t.services.cloud.apply.challenge(user, d);
        return signAs('agency-ntunhs', tbs);
      }),
    );
    const results = await Promise.all(ids.map((id, i) => t.services.cloud.apply.submit(user, id, signed[i], ctx)));
    const numbers = results.map((r) => r.number);
    expect(new Set(numbers).size).toBe(50);
    const serials = numbers.map((n) => Number(n.slice(7))).sort((a, b) => a - b);
    expect(serials[49]! - serials[0]!).toBe(49);
  });
});

describe('drafts left behind', () => {
  it('are removed after a week with their file; submitted ones stay', async () => {
    const id = await fill('file');
    const left = (await t.db('cloud_application_draft').where({ id }).first()).file_stored_name;
    const { draftId } = await submitted('file');
    const file = (await t.db('cloud_application_draft').where({ id: draftId }).first()).file_stored_name;
    expect(file).toBeTruthy();
    expect(fs.existsSync(path.join(t.config.uploadDir, 'store', left))).toBe(true);
    // Its own drafts are aged (the shared database holds other tests' live drafts).
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    await t.db('cloud_application_draft').whereIn('id', [id, draftId]).update({ updated_at: weekAgo });
    expect(await t.services.cloud.apply.sweepDrafts(new Date())).toBeGreaterThan(0);
    expect(await t.db('cloud_application_draft').where({ id }).first()).toBeUndefined();
    expect(await t.db('cloud_application_draft').where({ id: draftId }).first()).toBeTruthy();
    expect(fs.existsSync(path.join(t.config.uploadDir, 'store', file))).toBe(true);
    expect(fs.existsSync(path.join(t.config.uploadDir, 'store', left))).toBe(false);
  });
});

describe('進度查詢 and 申請明細', () => {
  let mine: Awaited<ReturnType<typeof submitted>>;
  let theirs: Awaited<ReturnType<typeof submitted>>;
  beforeAll(async () => {
    mine = await submitted('file');
    theirs = await submitted('ws', dgpa);
  });

  it('lists only the agency’s own applications, with the manual’s columns', async () => {
    const res = await ntunhs.agent.get('/cloud/applications');
    expectZhPage(res, 200);
    for (const col of ['申請案號', '聯絡人姓名', '服務名稱', '申請日期', '有效期間', '狀態', '介接模組', '資料交換', '申請明細']) expect(res.text).toContain(`<th scope="col">${col}</th>`);
    expect(res.text).toContain(mine.app.number);
    expect(res.text).not.toContain(theirs.app.number);
  });

  it('filters by number, status, kind and date range', async () => {
    let res = await ntunhs.agent.get(`/cloud/applications?number=${mine.app.number}`);
    expect(res.text).toContain(mine.app.number);
    expect(res.text).toContain('共 1 筆');
    res = await ntunhs.agent.get(`/cloud/applications?number=${mine.app.number}&status=approved`);
    expect(res.text).toContain('查無符合條件的申請記錄');
    res = await ntunhs.agent.get(`/cloud/applications?number=${mine.app.number}&kind=ws`);
    expect(res.text).toContain('查無符合條件的申請記錄');
    res = await ntunhs.agent.get(`/cloud/applications?number=${mine.app.number}&from=115/01/01&to=116/12/31&kind=file&status=pending`);
    expect(res.text).toContain(mine.app.number);
    res = await ntunhs.agent.get('/cloud/applications?from=114/01/01&to=114/12/31');
    expect(res.text).not.toContain(mine.app.number);
  });

  it('bad filters: zh-TW messages, never a 500', async () => {
    const res = await ntunhs.agent.get('/cloud/applications?from=abc&number=AP-1&status=done');
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['申請案號格式錯誤，例如 APFQ11500001', '申請日期起日格式錯誤，例如 115/12/01', '審核狀態格式錯誤，請重新選擇']);
  });

  it('shows 申請明細 with every section', async () => {
    const res = await ntunhs.agent.get(`/cloud/applications/${mine.app.id}`);
    expectZhPage(res, 200);
    for (const s of ['※機關基本資料', '※介接系統基本資料', '※填寫介接系統使用之對象', '※資料交換服務提供方式', '※申請之服務', '※其他資料', '※審核結果', '審核說明', 'GC00000000000010', '尚未審核']) expect(res.text).toContain(s);
  });

  it('another agency’s application or its PDF: 404 and audited', async () => {
    for (const url of [`/cloud/applications/${theirs.app.id}`, `/cloud/applications/${theirs.app.id}/form.pdf`]) {
      const res = await ntunhs.agent.get(url);
      expectZhPage(res, 404);
      const audit = await lastAudit(t.db, 'cloud.access.denied');
      expect(audit.target_id).toBe(theirs.app.number);
      expect(audit.outcome).toBe('denied');
    }
    const draft = await dgpa.agent.get(`/cloud/apply/${mine.draftId}/step1`);
    expectZhPage(draft, 404);
    expect((await lastAudit(t.db, 'cloud.access.denied')).target_id).toBe(mine.draftId);
    const upload = await step5a(dgpa, mine.draftId, { conditions: '條件', services: 'SQ_PA_001' }, { data: Buffer.from('說明\n'), name: 'a.txt' });
    expectZhPage(upload, 404);
    for (const step of ['step1', 'step6']) expectZhPage(await post(dgpa, mine.draftId, step, STEP1), 404);
    expect((await dgpa.agent.post(`/cloud/apply/${mine.draftId}/challenge`).set('x-csrf-token', dgpa.csrf)).status).toBe(404);
    expectZhPage(await ntunhs.agent.get('/cloud/applications/abc'), 404);
  });

  it('downloads 介接申請書 as a PDF whose Chinese text pdftotext reads', async () => {
    const res = await ntunhs.agent.get(`/cloud/applications/${mine.app.id}/form.pdf`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const file = path.join(os.tmpdir(), `cloud-apply-${mine.app.id}.pdf`);
    fs.writeFileSync(file, res.body as Buffer);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const s of ['資料交換服務申請表', mine.app.number, '國立臺北護理健康大學', '林小美', '介接用途', '人事資料比對', '服務使用起迄', '116/01/01', '機關編制資料', '憑證上之卡號', 'GC00000000000010', mine.app.verification_code]) {
      expect(text.replace(/\s+/g, ' ')).toContain(s);
    }
    fs.rmSync(file);
  });
});

describe('申請審核管理', () => {
  let app: Awaited<ReturnType<typeof submitted>>['app'];
  let admin: { agent: Agent; csrf: string };
  beforeAll(async () => {
    ({ app } = await submitted('ws'));
    admin = await signIn(t.app, 'mocs.admin');
  });

  it('lists pending applications of every agency', async () => {
    const res = await admin.agent.get('/cloud/admin/reviews');
    expectZhPage(res, 200);
    expect(res.text).toContain(app.number);
  });

  it('requires a result per line, and a note for 不通過, keeping what was chosen', async () => {
    const lines = await t.db('cloud_application_service').where({ application_id: app.id }).orderBy('id');
    const res = await admin.agent.post(`/cloud/admin/reviews/${app.id}`).type('form').send({ _csrf: admin.csrf, [`result_${lines[0].id}`]: 'rejected', reviewNote: long(1001) });
    expectZhPage(res, 400);
    const errs = formErrors(res.text);
    expect(errs).toContain('請選擇每一項服務的審核結果（通過或不通過）');
    expect(errs).toContain('審核說明不可超過 1000 個字');
    expect(errs).toContain('不通過的服務請填寫審核說明');
    expect(res.text).toMatch(new RegExp(`id="result_${lines[0].id}-rejected"[^>]*checked`));
    expect((await t.db('cloud_application').where({ id: app.id }).first()).status).toBe('pending');
  });

  it('reviews to 部分通過, mails the applicant, and never changes again', async () => {
    const lines = await t.db('cloud_application_service').where({ application_id: app.id }).orderBy('id');
    const body: Record<string, string> = { _csrf: admin.csrf, reviewNote: '部分資料涉及個資，僅核准部分服務。' };
    lines.forEach((l: { id: number }, i: number) => {
      body[`result_${l.id}`] = i === 0 ? 'rejected' : 'approved';
      body[`note_${l.id}`] = i === 0 ? '非執行職務必要' : '';
    });
    const res = await admin.agent.post(`/cloud/admin/reviews/${app.id}`).type('form').send(body);
    expect(res.status).toBe(303);
    const after = await t.db('cloud_application').where({ id: app.id }).first();
    expect(after.status).toBe('partial');
    const mail = await t.db('mail_outbox').where({ to_address: 'hr@ntunhs.edu.tw' }).orderBy('id', 'desc').first();
    expect(mail.subject).toContain(app.number);
    expect(mail.subject).toContain('部分通過');
    expect((await lastAudit(t.db, 'cloud.application.review')).target_id).toBe(app.number);
    const view = await ntunhs.agent.get(`/cloud/applications/${app.id}`);
    expect(view.text).toContain('部分通過');
    expect(view.text).toContain('非執行職務必要');
    const again = await admin.agent.post(`/cloud/admin/reviews/${app.id}`).type('form').send({ ...body, [`result_${lines[0].id}`]: 'approved' });
    expectZhPage(again, 409);
    expect(again.text).toContain('此申請已審核完成');
    expect((await t.db('cloud_application_service').where({ id: lines[0].id }).first()).result).toBe('rejected');
    // Not even a direct update changes what was signed.
    await expect(t.db('cloud_application').where({ id: app.id }).update({ contact_name: '改過' })).rejects.toThrow(/never changes/);
    await expect(t.db('cloud_application_service').where({ id: lines[0].id }).update({ service_id: lines[1].service_id })).rejects.toThrow(/never changes/);
  });

  it('downloads the application form from the review page', async () => {
    const res = await admin.agent.get(`/cloud/admin/reviews/${app.id}/form.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain(`${app.number}.pdf`);
  });

  it('unknown application: 404', async () => {
    expectZhPage(await admin.agent.get('/cloud/admin/reviews/999999'), 404);
  });
});
