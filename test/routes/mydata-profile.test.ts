import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, long } from '../support/routes';
import { fillMydataRecord } from '../../seeds/mydata';

const t = buildApp();
afterAll(() => t.close());

let seed = 5000;
async function person() {
  const a = await makeAccount(t.db);
  await fillMydataRecord(t.db, a.personId, seed++);
  return { a, ...(await signIn(t.app, a.login)) };
}

function pdfText(pdf: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mydata-pdf-')), 'x.pdf');
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

const binary = (res: NodeJS.ReadableStream & { setEncoding: (e: string) => void; on: (...a: unknown[]) => void }, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('簡要自述維護', () => {
  it('saves the text and keeps the history', async () => {
    const s = await person();
    await s.agent.post('/mydata/self').type('form').send({ _csrf: s.csrf, body: '第一版自述' }).expect(303);
    await s.agent.post('/mydata/self').type('form').send({ _csrf: s.csrf, body: '第二版自述\r\n第二行' }).expect(303);
    const rows = await t.db('mydata_self_description').where({ person_id: s.a.personId }).orderBy('id');
    expect(rows.map((r) => r.body)).toEqual(['第一版自述', '第二版自述\n第二行']);
    const page = await s.agent.get('/mydata/self');
    expect(page.text).toContain('簡要自述已儲存。');
    expect(page.text).toContain('>第二版自述\n第二行</textarea>');
    expect(page.text).toContain('歷次內容');
    expect(page.text).toContain('第一版自述');
    expect(await lastAudit(t.db, 'mydata.self_description.save')).toMatchObject({ actor_account_id: s.a.accountId });
  });

  it('refuses a text over 500 characters, keeping it, saving nothing', async () => {
    const s = await person();
    const res = await s.agent.post('/mydata/self').type('form').send({ _csrf: s.csrf, body: long(501) });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['簡要自述不可超過 500 個字']);
    expect(res.text).toContain(long(501));
    expect(await t.db('mydata_self_description').where({ person_id: s.a.personId })).toHaveLength(0);
    // Exactly 500 is fine.
    await s.agent.post('/mydata/self').type('form').send({ _csrf: s.csrf, body: long(500) }).expect(303);
  });

  it('refuses an empty text', async () => {
    const s = await person();
    const res = await s.agent.post('/mydata/self').type('form').send({ _csrf: s.csrf, body: '  ' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入簡要自述']);
  });
});

describe('待遇表查詢', () => {
  it('shows the latest month with totals, and any of the 12 months', async () => {
    const s = await person();
    const months = (await t.db('mydata_pay_item').where({ person_id: s.a.personId }).distinct('month').orderBy('month', 'desc')).map((r) => r.month);
    expect(months).toHaveLength(12);
    const items = await t.db('mydata_pay_item').where({ person_id: s.a.personId, month: months[3] });
    const net = items.reduce((a, i) => a + (i.kind === 'earning' ? i.amount : -i.amount), 0);
    const res = await s.agent.get(`/mydata/pay?month=${months[3]}`);
    expectZhPage(res, 200);
    expect(res.text).toContain('本俸');
    expect(res.text).toContain('公保費');
    expect(res.text).toContain(`<strong id="net">${net.toLocaleString('zh-TW')}</strong>`);
    expect(res.text).toContain(`<option value="${months[3]}" selected>`);
  });

  it('says so for a month without data', async () => {
    const s = await person();
    const res = await s.agent.get('/mydata/pay?month=1999-01');
    expectZhPage(res, 404);
    expect(res.text).toContain('查無該月份之待遇資料。');
  });

  it('says so for a person without pay data', async () => {
    const a = await makeAccount(t.db);
    const s = await signIn(t.app, a.login);
    const res = await s.agent.get('/mydata/pay');
    expectZhPage(res, 200);
    expect(res.text).toContain('查無待遇資料。');
  });
});

describe('履歷表下載', () => {
  it('is a PDF with the name, post and self-description in Chinese', async () => {
    const s = await person();
    await t.db('person').where({ id: s.a.personId }).update({ title: '專門委員', unit: '綜合規劃科' });
    await s.agent.post('/mydata/self').type('form').send({ _csrf: s.csrf, body: '熟悉人事法規與資訊系統。' }).expect(303);
    const res = await s.agent.get('/mydata/resume.pdf').buffer(true).parse(binary as never);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = pdfText(res.body as Buffer);
    expect(text).toContain('公務人員履歷表');
    const name = (await t.db('person').where({ id: s.a.personId }).first()).name;
    expect(text).toContain(name);
    expect(text).toContain('專門委員');
    expect(text).toContain('綜合規劃科');
    expect(text).toContain('國立臺北護理健康大學');
    expect(text).toContain('熟悉人事法規與資訊系統。');
    const edu = await t.db('mydata_education').where({ person_id: s.a.personId }).first();
    expect(text).toContain(edu.school);
    // The national ID is masked.
    expect(text).not.toContain(s.a.nationalId);
    expect(await lastAudit(t.db, 'mydata.resume.download')).toMatchObject({ actor_account_id: s.a.accountId });
  });

  it('serves 事求人 through services.mydata.resumePdf with extra text', async () => {
    const a = await makeAccount(t.db);
    const pdf = await t.services.mydata.resumePdf(a.personId, { extraText: '應徵動機：希望貢獻所長。' });
    const text = pdfText(pdf);
    expect(text).toContain('應徵動機：希望貢獻所長。');
    expect(text).toContain('科員');
    await expect(t.services.mydata.resumePdf(999_999_999)).rejects.toThrow('查無人事資料');
  });
});

describe('線上檢視訊息', () => {
  it('records the consent with its time and lets it be withdrawn', async () => {
    const s = await person();
    const page = await s.agent.get('/mydata/consent');
    expectZhPage(page, 200);
    expect(page.text).toContain('獎勵令記功以下獎勵令');
    expect(page.text).toContain('在職、離職、服務證明書');
    expect(page.text).toContain('尚未同意');
    await s.agent.post('/mydata/consent').type('form').send({ _csrf: s.csrf, decision: 'grant' }).expect(303);
    expect(await lastAudit(t.db, 'mydata.consent.grant')).toMatchObject({ actor_account_id: s.a.accountId });
    const granted = await s.agent.get('/mydata/consent');
    expect(granted.text).toContain('目前狀態：已同意');
    await s.agent.post('/mydata/consent').type('form').send({ _csrf: s.csrf, decision: 'withdraw' }).expect(303);
    const events = await t.db('mydata_consent_event').where({ person_id: s.a.personId }).orderBy('id');
    expect(events.map((e) => e.action)).toEqual(['grant', 'withdraw']);
    expect(events[0].at).toBeInstanceOf(Date);
    const withdrawn = await s.agent.get('/mydata/consent');
    expect(withdrawn.text).toContain('撤回同意');
    expect(withdrawn.text).toContain('文件以紙本送達');
  });

  it('refuses an unknown decision and a withdrawal without consent', async () => {
    const s = await person();
    const bad = await s.agent.post('/mydata/consent').type('form').send({ _csrf: s.csrf, decision: 'maybe' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['請選擇同意或撤回']);
    const res = await s.agent.post('/mydata/consent').type('form').send({ _csrf: s.csrf, decision: 'withdraw' });
    expectZhPage(res, 409);
    expect(res.text).toContain('您尚未同意線上檢視，無需撤回');
  });

  it('needs the CSRF token', async () => {
    const s = await person();
    const res = await s.agent.post('/mydata/consent').type('form').send({ decision: 'grant' });
    expect(res.status).toBe(403);
    expect(await t.db('mydata_consent_event').where({ person_id: s.a.personId })).toHaveLength(0);
  });
});
