import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

async function person(opts: { consent?: 'grant' | 'withdrawn' | null; agencyCode?: string; status?: '在職' | '卸職' } = {}) {
  const a = await makeAccount(t.db, { agencyCode: opts.agencyCode, status: opts.status });
  const s = await signIn(t.app, a.login).catch(() => null);
  if (opts.consent) await t.db('mydata_consent_event').insert({ person_id: a.personId, action: 'grant' });
  if (opts.consent === 'withdrawn') await t.db('mydata_consent_event').insert({ person_id: a.personId, action: 'withdraw' });
  return { a, agent: s?.agent, csrf: s?.csrf };
}
async function hr(agencyCode = 'A096C0000Q') {
  const a = await makeAccount(t.db, { agencyCode, roles: ['hr_supervisor', 'hr_staff'] });
  return { a, ...(await signIn(t.app, a.login)) };
}

const binary = (res: { on: (...a: unknown[]) => void }, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
function pdfText(pdf: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mydata-doc-')), 'x.pdf');
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
}

const reward = (nationalId: string) => ({ nationalId, kind: 'reward_order', rewardKind: '嘉獎二次', reason: '辦理人事資料清查作業，如期完成', purpose: '' });

describe('issuing a 獎勵令 to a person who agreed', () => {
  it('puts a signed PDF with a verification code into the personal folder; /verify confirms it', async () => {
    const p = await person({ consent: 'grant' });
    const h = await hr();
    const form = await h.agent.get('/mydata/hr/documents/new');
    expectZhPage(form, 200);
    const res = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(p.a.nationalId) });
    expect(res.status).toBe(303);
    const d = await t.db('mydata_document').where({ person_id: p.a.personId }).first();
    expect(d).toMatchObject({ kind: 'reward_order', delivery: 'online', issued_by_account_id: h.a.accountId });
    const reg = await t.db('issued_document').where({ code: d.code }).first();
    expect(reg).toMatchObject({ kind: '獎勵令', area: 'mydata', issuer_name: '國立臺北護理健康大學', sha256: d.sha256 });
    expect(await lastAudit(t.db, 'mydata.document.issue')).toMatchObject({ actor_account_id: h.a.accountId, target_id: String(d.id) });

    const folder = await p.agent!.get('/mydata/folder');
    expect(folder.text).toContain(d.code);
    expect(folder.text).toContain('獎勵令');
    const pdfRes = await p.agent!.get(`/mydata/folder/${d.id}/pdf`).buffer(true).parse(binary as never);
    expect(pdfRes.status).toBe(200);
    const pdf = pdfRes.body as Buffer;
    expect(crypto.createHash('sha256').update(pdf).digest('hex')).toBe(d.sha256);
    expect(t.services.mydata.verifySignature(d, pdf)).toBe(true);
    expect(t.services.mydata.verifySignature(d, Buffer.concat([pdf, Buffer.from(' ')]))).toBe(false);
    const text = pdfText(pdf);
    expect(text).toContain('獎勵令');
    expect(text).toContain('嘉獎二次');
    expect(text).toContain(d.code);

    const verify = await request(t.app).get(`/verify?code=${encodeURIComponent(d.code.toLowerCase())}`);
    expectZhPage(verify, 200);
    expect(verify.text).toContain('此驗證碼有效');
    expect(verify.text).toContain('國立臺北護理健康大學');
    expect(verify.text).toContain(d.sha256);
    // No personal data beyond the document's own title.
    expect(verify.text).not.toContain(p.a.nationalId);
  });

  it('issues the certificates (在職 for a serving person)', async () => {
    const p = await person({ consent: 'grant' });
    const h = await hr();
    await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, nationalId: p.a.nationalId, kind: 'employment_cert', purpose: '申請貸款' }).expect(303);
    const d = await t.db('mydata_document').where({ person_id: p.a.personId }).first();
    expect(d).toMatchObject({ kind: 'employment_cert', delivery: 'online' });
    const pdf = (await p.agent!.get(`/mydata/folder/${d.id}/pdf`).buffer(true).parse(binary as never)).body as Buffer;
    expect(pdfText(pdf)).toContain('在職證明書');
    // 離職 only for someone who has left.
    const bad = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, nationalId: p.a.nationalId, kind: 'resignation_cert', purpose: '求職' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['此人員仍在職，無法核發離職證明書']);
  });
});

describe('bad input when issuing', () => {
  it('a person who withdrew consent gets paper: marked for printing, not in the folder', async () => {
    const p = await person({ consent: 'withdrawn' });
    const h = await hr();
    await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(p.a.nationalId) }).expect(303);
    const d = await t.db('mydata_document').where({ person_id: p.a.personId }).first();
    expect(d.delivery).toBe('paper');
    const list = await h.agent.get('/mydata/hr/documents');
    expect(list.text).toContain('當事人未同意線上檢視（或已撤回同意），文件已標示為紙本送達');
    expect(list.text).toContain('紙本（待列印）');
    const folder = await p.agent!.get('/mydata/folder');
    expect(folder.text).not.toContain(d.code);
    expectZhPage(await p.agent!.get(`/mydata/folder/${d.id}/pdf`), 404);
    expect(await lastAudit(t.db, 'mydata.document.denied')).toMatchObject({ actor_account_id: p.a.accountId, target_id: String(d.id) });
    // Opening the PDF changes nothing; 標示已列印 is a form (POST with the CSRF token).
    const printed = await h.agent.get(`/mydata/hr/documents/${d.id}/pdf`).buffer(true).parse(binary as never);
    expect(printed.status).toBe(200);
    expect(pdfText(printed.body as Buffer)).toContain('紙本送達');
    expect((await t.db('mydata_document').where({ id: d.id }).first()).printed_at).toBeNull();
    const listed = await h.agent.get('/mydata/hr/documents');
    expect(listed.text).toContain(`action="/mydata/hr/documents/${d.id}/printed"`);
    expectZhPage(await h.agent.post(`/mydata/hr/documents/${d.id}/printed`).type('form').send({}), 403);
    expect((await t.db('mydata_document').where({ id: d.id }).first()).printed_at).toBeNull();
    const mark = await h.agent.post(`/mydata/hr/documents/${d.id}/printed`).type('form').send({ _csrf: h.csrf });
    expect(mark.status).toBe(303);
    expect(mark.headers.location).toBe('/mydata/hr/documents');
    expect((await t.db('mydata_document').where({ id: d.id }).first()).printed_at).not.toBeNull();
    expect(await lastAudit(t.db, 'mydata.document.printed')).toMatchObject({ actor_account_id: h.a.accountId, target_id: String(d.id) });
    expect((await h.agent.get('/mydata/hr/documents')).text).toContain('紙本（已列印）');
  });

  it('refuses a reward above 記功 and missing fields, keeping what was typed', async () => {
    const p = await person({ consent: 'grant' });
    const h = await hr();
    const big = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(p.a.nationalId), rewardKind: '記大功一次' });
    expectZhPage(big, 400);
    expect(formErrors(big.text)[0]).toContain('電子獎勵令限記功以下');
    expect(big.text).toContain('辦理人事資料清查作業，如期完成');
    const empty = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, nationalId: p.a.nationalId, kind: 'reward_order', rewardKind: '', reason: '' });
    expectZhPage(empty, 400);
    expect(formErrors(empty.text)).toEqual(expect.arrayContaining(['請輸入事由', '請選擇獎勵種類']));
    const badId = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward('A123456788') });
    expect(formErrors(badId.text)).toEqual(['身分證統一編號格式錯誤']);
    expect(await t.db('mydata_document').where({ person_id: p.a.personId })).toHaveLength(0);
  });

  it('refuses a person of another agency (audited)', async () => {
    const p = await person({ consent: 'grant', agencyCode: '301000000A' });
    const h = await hr();
    const res = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(p.a.nationalId) });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['查無此人員，或此人員不屬於您服務的機關']);
    expect(await lastAudit(t.db, 'mydata.document.denied')).toMatchObject({ actor_account_id: h.a.accountId, outcome: 'denied' });
    expect(await t.db('mydata_document').where({ person_id: p.a.personId })).toHaveLength(0);
  });

  it("another person's document is a 404 with an audit entry; HR of another agency too", async () => {
    const p = await person({ consent: 'grant' });
    const h = await hr();
    await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(p.a.nationalId) }).expect(303);
    const d = await t.db('mydata_document').where({ person_id: p.a.personId }).first();
    const other = await person();
    expectZhPage(await other.agent!.get(`/mydata/folder/${d.id}/pdf`), 404);
    expect(await lastAudit(t.db, 'mydata.document.denied')).toMatchObject({ actor_account_id: other.a.accountId, target_id: String(d.id) });
    const moi = await hr('301000000A');
    expectZhPage(await moi.agent.get(`/mydata/hr/documents/${d.id}/pdf`), 404);
    expect(await lastAudit(t.db, 'mydata.document.denied')).toMatchObject({ actor_account_id: moi.a.accountId, target_id: String(d.id) });
    expectZhPage(await moi.agent.post(`/mydata/hr/documents/${d.id}/printed`).type('form').send({ _csrf: moi.csrf }), 404);
    expect(await lastAudit(t.db, 'mydata.document.denied')).toMatchObject({ actor_account_id: moi.a.accountId, target_id: String(d.id) });
    expect((await moi.agent.get('/mydata/hr/documents')).text).not.toContain(d.code);
  });
});

describe('four eyes: HR and a document for themselves', () => {
  it('refuses to issue a document to oneself by national ID (403 + audit, nothing issued); a colleague may', async () => {
    const h = await hr();
    const before = Number((await t.db('issued_document').count({ n: '*' }))[0]!.n);
    const res = await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(h.a.nationalId.toLowerCase()) });
    expectZhPage(res, 403);
    expect(formErrors(res.text)).toEqual(['不得核發文件予您本人，請由本機關其他人事人員或人事主管辦理。']);
    expect(res.text).toContain('辦理人事資料清查作業，如期完成');
    const entry = await t.db('audit_event').where({ request_id: String(res.headers['x-request-id']), outcome: 'denied' }).first();
    expect(entry).toMatchObject({ action: 'mydata.document.denied', actor_account_id: h.a.accountId, details: { reason: 'own_record' } });
    expect(await t.db('mydata_document').where({ person_id: h.a.personId })).toHaveLength(0);
    expect(Number((await t.db('issued_document').count({ n: '*' }))[0]!.n)).toBe(before);

    // Another HR person of the agency issues it; on paper, since no consent was given.
    const colleague = await hr();
    await colleague.agent.post('/mydata/hr/documents').type('form').send({ _csrf: colleague.csrf, ...reward(h.a.nationalId) }).expect(303);
    const d = await t.db('mydata_document').where({ person_id: h.a.personId }).first();
    expect(d).toMatchObject({ delivery: 'paper', issued_by_account_id: colleague.a.accountId });

    // On the first one's list it is marked as their own, without the print action; printing it is refused.
    const list = await h.agent.get('/mydata/hr/documents');
    expect(list.text).toContain('本人文件，須由其他人事人員處理');
    expect(list.text).not.toContain(`action="/mydata/hr/documents/${d.id}/printed"`);
    const print = await h.agent.post(`/mydata/hr/documents/${d.id}/printed`).type('form').send({ _csrf: h.csrf });
    expectZhPage(print, 403);
    const denied = await t.db('audit_event').where({ request_id: String(print.headers['x-request-id']), outcome: 'denied' }).first();
    expect(denied).toMatchObject({ action: 'mydata.document.denied', target_id: String(d.id), details: { reason: 'own_record' } });
    expect((await t.db('mydata_document').where({ id: d.id }).first()).printed_at).toBeNull();
    expect((await colleague.agent.get('/mydata/hr/documents')).text).toContain(`action="/mydata/hr/documents/${d.id}/printed"`);
  });
});

describe('/verify with a tampered or unknown code', () => {
  it('says the code is unknown', async () => {
    const p = await person({ consent: 'grant' });
    const h = await hr();
    await h.agent.post('/mydata/hr/documents').type('form').send({ _csrf: h.csrf, ...reward(p.a.nationalId) }).expect(303);
    const d = await t.db('mydata_document').where({ person_id: p.a.personId }).first();
    // One character changed.
    const last = d.code.at(-1) === '0' ? '1' : '0';
    const tampered = d.code.slice(0, -1) + last;
    const res = await request(t.app).get(`/verify?code=${encodeURIComponent(tampered)}`);
    expectZhPage(res, 404);
    expect(res.text).toContain('查無此驗證碼');
    expect(res.text).not.toContain('此驗證碼有效');
    const unknown = await request(t.app).get('/verify?code=ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    expectZhPage(unknown, 404);
    expect(unknown.text).toContain('查無此驗證碼');
  });
});
