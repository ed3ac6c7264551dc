import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, long } from '../support/routes';
import { fillMydataRecord } from '../../seeds/mydata';
import { cardSignIn } from '../support/cards';

const t = buildApp();
afterAll(() => t.close());

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a20000000049454e44ae426082', 'hex');

let seed = 1000;
/** A civil servant of A096C0000Q with a filled record, signed in. */
async function person(agencyCode = 'A096C0000Q') {
  const a = await makeAccount(t.db, { agencyCode });
  await fillMydataRecord(t.db, a.personId, seed++);
  return { a, ...(await signIn(t.app, a.login)) };
}
async function hr(agencyCode = 'A096C0000Q', roles = ['hr_staff']) {
  const a = await makeAccount(t.db, { agencyCode, roles });
  return { a, ...(await signIn(t.app, a.login)) };
}
const countCorrections = async (personId: number) => Number((await t.db('mydata_correction').where({ person_id: personId }).count({ n: '*' }))[0]!.n);

function postCorrection(s: { agent: ReturnType<typeof request.agent>; csrf: string }, section: string, fields: Record<string, string>, files: Array<[Buffer, string]> = []) {
  let req = s.agent.post(`/mydata/record/${section}/correct?_csrf=${encodeURIComponent(s.csrf)}`);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const [buf, name] of files) req = req.attach('files', buf, name);
  return req;
}

describe('MyData pages', () => {
  it('sends a visitor to sign in', async () => {
    const res = await request(t.app).get('/mydata/record');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fmydata%2Frecord');
  });

  it('shows the menu, the consent notice, the announcements and the personal-data notice', async () => {
    const { agent } = await person();
    const res = await agent.get('/mydata');
    expectZhPage(res, 200);
    for (const s of ['資料查詢及校對', '簡要自述維護', '修改進度查詢', '待遇表查詢', '履歷表下載', '個人檔案夾', '系統公告', '線上檢視訊息', '若有網站首頁版面異常']) expect(res.text).toContain(s);
    expect(res.text).toContain('本系統之個人資料僅供作必要之業務處理之用');
    // Not HR: no HR menu.
    expect(res.text).not.toContain('更正申請處理');
  });

  it('shows the record in sections, read-only, each with 申請更正', async () => {
    const { a, agent } = await person();
    const edu = await t.db('mydata_education').where({ person_id: a.personId }).first();
    const res = await agent.get('/mydata/record');
    expectZhPage(res, 200);
    for (const s of ['基本資料', '現職資料', '學歷', '考試', '經歷', '考績', '獎懲', '訓練進修']) expect(res.text).toContain(`>${s}</h2>`);
    expect(res.text).toContain(`測試`);
    expect(res.text).toContain(edu.school);
    expect(res.text).toContain('/mydata/record/basic/correct');
    expect(res.text).toContain(`/mydata/record/education/correct?record=${edu.id}`);
    expect(res.text).not.toMatch(/<input[^>]+name="school"/);
  });

  it('has demo data: 王小明 has a record and a request in the queue of hr.chief, not of hr.moi', async () => {
    const wang = await signIn(t.app, 'wang.xiaoming');
    const rec = await wang.agent.get('/mydata/record');
    expectZhPage(rec, 200);
    expect(rec.text).toContain('王小明');
    expect(rec.text).not.toContain('查無學歷資料');
    expect((await wang.agent.get('/mydata/corrections')).text).toContain('已送出');
    expect((await wang.agent.get('/mydata/pay')).text).toContain('本俸');
    const chief = await signIn(t.app, 'hr.chief');
    expect((await chief.agent.get('/mydata/hr/corrections')).text).toContain('王小明');
    const moi = await signIn(t.app, 'hr.moi');
    expect((await moi.agent.get('/mydata/hr/corrections')).text).not.toContain('王小明');
  });

  it('has no page for an unknown section', async () => {
    const { agent } = await person();
    expectZhPage(await agent.get('/mydata/record/salary/correct'), 404);
    expectZhPage(await agent.get('/mydata/corrections/abc'), 404);
  });

  it('refuses an agency-certificate session (it has no personal record)', async () => {
    const { agent } = await cardSignIn(t.app, 'agency-ntunhs');
    const res = await agent.get('/mydata');
    expect(res.status).toBe(403);
    expect(res.text).toContain('機關憑證無個人資料');
    const denied = await t.db('audit_event').where({ action: 'access.denied' }).orderBy('id', 'desc').first();
    expect(denied.target_id).toBe('/mydata');
    expect(await t.services.mydata.isHr({ kind: 'agency', roles: [{ role: 'hr_password_reset', agencyId: 1 }] } as never)).toBe(false);
  });
});

describe('POST /mydata/record/:section/correct', () => {
  it('files a request with its proof, and the person follows it', async () => {
    const s = await person();
    const edu = await t.db('mydata_education').where({ person_id: s.a.personId }).first();
    const res = await postCorrection(s, 'education', { recordId: String(edu.id), field: 'school', reason: '學校名稱誤植', proposed: '國立臺灣師範大學' }, [[PDF, '畢業證書.pdf']]);
    expect(res.status).toBe(303);
    const c = await t.db('mydata_correction').where({ person_id: s.a.personId }).first();
    expect(c).toMatchObject({ section: 'education', record_id: edu.id, field: 'school', status: 'submitted', proposed: '國立臺灣師範大學' });
    expect(res.headers.location).toBe(`/mydata/corrections/${c.id}`);
    const att = await t.db('mydata_correction_attachment').where({ correction_id: c.id });
    expect(att).toHaveLength(1);
    expect(att[0]).toMatchObject({ original_name: '畢業證書.pdf', mime: 'application/pdf' });
    expect(await lastAudit(t.db, 'mydata.correction.submit')).toMatchObject({ actor_account_id: s.a.accountId, target_id: String(c.id) });
    const detail = await s.agent.get(res.headers.location!);
    expect(detail.text).toContain('更正申請已送出');
    expect(detail.text).toContain('畢業證書.pdf');
    const list = await s.agent.get('/mydata/corrections');
    expect(list.text).toContain('已送出');
    expect(list.text).toContain('國立臺灣師範大學');
    const file = await s.agent.get(`/mydata/attachments/${att[0].id}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
  });

  it('refuses an empty reason, keeping what was typed, saving nothing', async () => {
    const s = await person();
    const res = await postCorrection(s, 'post', { field: 'title', reason: '   ', proposed: '專員' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('請輸入申請更正原因');
    expect(inputValue(res.text, 'proposed')).toBe('專員');
    expect(res.text).toMatch(/<option value="title" selected>/);
    expect(await countCorrections(s.a.personId)).toBe(0);
  });

  it('refuses a 10,000-character value', async () => {
    const s = await person();
    const res = await postCorrection(s, 'post', { field: 'unit', reason: '單位名稱錯誤', proposed: long(10_000) });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('建議更正內容不可超過 200 個字');
    expect(res.text).toContain('單位名稱錯誤');
    expect(await countCorrections(s.a.personId)).toBe(0);
  });

  it('refuses an attachment over the size limit, keeping the text', async () => {
    const s = await person();
    const big = Buffer.concat([PDF, Buffer.alloc(4 * 1024 * 1024 + 10, 0x20)]);
    const res = await postCorrection(s, 'post', { field: 'unit', reason: '單位名稱錯誤', proposed: '人事室' }, [[big, 'proof.pdf']]);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('單一檔案大小不可超過 4 MB。');
    expect(inputValue(res.text, 'proposed')).toBe('人事室');
    expect(await countCorrections(s.a.personId)).toBe(0);
  });

  it('refuses an attachment of a disguised type', async () => {
    const s = await person();
    const res = await postCorrection(s, 'post', { field: 'unit', reason: '單位名稱錯誤', proposed: '人事室' }, [[PNG, '公文.pdf']]);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('「公文.pdf」的檔案內容與副檔名不符。');
    const exe = await postCorrection(s, 'post', { field: 'unit', reason: '單位名稱錯誤', proposed: '人事室' }, [[Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), 'scan.exe']]);
    expectZhPage(exe, 400);
    expect(formErrors(exe.text)[0]).toContain('檔案格式不符');
    expect(await countCorrections(s.a.personId)).toBe(0);
  });

  it('checks the proposed value against the field (a date)', async () => {
    const s = await person();
    const res = await postCorrection(s, 'basic', { field: 'birth_date', reason: '生日錯誤', proposed: '79/13/45' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('出生日期格式錯誤，請輸入日期，例如 115/11/24');
    expect(inputValue(res.text, 'proposed')).toBe('79/13/45');
  });

  it("refuses a row of someone else's record and an unknown field", async () => {
    const s = await person();
    const other = await person();
    const theirs = await t.db('mydata_education').where({ person_id: other.a.personId }).first();
    const res = await postCorrection(s, 'education', { recordId: String(theirs.id), field: 'password_hash', reason: '錯誤', proposed: 'x' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(expect.arrayContaining(['請選擇要更正的資料', '請選擇要更正的欄位']));
    expect(await countCorrections(s.a.personId)).toBe(0);
  });
});

describe("another person's request", () => {
  it('is a 404 with an audit entry (request and attachment)', async () => {
    const owner = await person();
    await postCorrection(owner, 'post', { field: 'unit', reason: '單位名稱錯誤', proposed: '人事室' }, [[PDF, 'p.pdf']]).expect(303);
    const c = await t.db('mydata_correction').where({ person_id: owner.a.personId }).first();
    const att = await t.db('mydata_correction_attachment').where({ correction_id: c.id }).first();
    // HR of the agency may open the proof; HR of another agency may not.
    const h = await hr();
    expect((await h.agent.get(`/mydata/attachments/${att.id}`)).status).toBe(200);
    const moi = await hr('301000000A', ['hr_supervisor', 'hr_staff']);
    expectZhPage(await moi.agent.get(`/mydata/attachments/${att.id}`), 404);
    expect(await lastAudit(t.db, 'mydata.attachment.denied')).toMatchObject({ actor_account_id: moi.a.accountId, target_id: String(att.id) });
    const intruder = await person();
    const res = await intruder.agent.get(`/mydata/corrections/${c.id}`);
    expectZhPage(res, 404);
    expect(await lastAudit(t.db, 'mydata.correction.denied')).toMatchObject({ actor_account_id: intruder.a.accountId, target_id: String(c.id), outcome: 'denied' });
    const file = await intruder.agent.get(`/mydata/attachments/${att.id}`);
    expectZhPage(file, 404);
    expect(await lastAudit(t.db, 'mydata.attachment.denied')).toMatchObject({ actor_account_id: intruder.a.accountId, target_id: String(att.id) });
  });
});

describe('HR queue', () => {
  async function filed(section = 'post', fields: Record<string, string> = { field: 'title', reason: '職稱誤植', proposed: '專員' }) {
    const s = await person();
    await postCorrection(s, section, fields).expect(303);
    const c = await t.db('mydata_correction').where({ person_id: s.a.personId }).orderBy('id', 'desc').first();
    return { s, c };
  }

  it('takes and accepts a request: the master record changes, audited with before and after', async () => {
    const { s, c } = await filed();
    const h = await hr();
    const queue = await h.agent.get('/mydata/hr/corrections');
    expectZhPage(queue, 200);
    expect(queue.text).toContain(`/mydata/hr/corrections/${c.id}`);
    const view = await h.agent.get(`/mydata/hr/corrections/${c.id}`);
    expect(view.text).toContain('科員');
    expect(inputValue(view.text, 'value')).toBe('專員');
    await h.agent.post(`/mydata/hr/corrections/${c.id}/take`).type('form').send({ _csrf: h.csrf }).expect(303);
    expect((await s.agent.get('/mydata/corrections')).text).toContain('處理中');
    const res = await h.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: h.csrf, value: '專員' });
    expect(res.status).toBe(303);
    expect((await t.db('person').where({ id: s.a.personId }).first()).title).toBe('專員');
    expect(await t.db('mydata_correction').where({ id: c.id }).first()).toMatchObject({ status: 'corrected', before_value: '科員', after_value: '專員', handled_by_account_id: h.a.accountId });
    expect(await lastAudit(t.db, 'mydata.record.correct')).toMatchObject({
      actor_account_id: h.a.accountId,
      target_id: String(s.a.personId),
      details: { correctionId: c.id, field: 'title', before: '科員', after: '專員' },
    });
    const mine = await s.agent.get(`/mydata/corrections/${c.id}`);
    expect(mine.text).toContain('已更正');
    expect((await s.agent.get('/mydata/record')).text).toContain('專員');
    // A closed request cannot be handled again.
    const again = await h.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: h.csrf, value: '科長' });
    expectZhPage(again, 409);
    expect((await t.db('person').where({ id: s.a.personId }).first()).title).toBe('專員');
  });

  it('corrects a row of a multi-row section with a ROC date', async () => {
    const s = await person();
    const tr = await t.db('mydata_training').where({ person_id: s.a.personId }).first();
    await postCorrection(s, 'training', { recordId: String(tr.id), field: 'finished_on', reason: '結訓日期錯誤', proposed: '113/05/20' }).expect(303);
    const c = await t.db('mydata_correction').where({ person_id: s.a.personId }).first();
    const h = await hr();
    await h.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: h.csrf, value: '113/05/20' }).expect(303);
    expect((await t.db('mydata_training').where({ id: tr.id }).first()).finished_on).toBe('2024-05-20');
  });

  it('refuses a bad corrected value on the same form', async () => {
    const { c } = await filed('post', { field: 'appointed_on', reason: '到職日錯誤', proposed: '110/01/04' });
    const h = await hr();
    const res = await h.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: h.csrf, value: '不是日期' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toContain('到職日期格式錯誤，請輸入日期，例如 115/11/24');
    expect(inputValue(res.text, 'value')).toBe('不是日期');
    expect((await t.db('mydata_correction').where({ id: c.id }).first()).status).toBe('submitted');
  });

  it('rejects with a reason (required), which the person sees', async () => {
    const { s, c } = await filed();
    const h = await hr();
    const empty = await h.agent.post(`/mydata/hr/corrections/${c.id}/reject`).type('form').send({ _csrf: h.csrf, note: '' });
    expectZhPage(empty, 400);
    expect(formErrors(empty.text)).toContain('請輸入不予更正理由');
    await h.agent.post(`/mydata/hr/corrections/${c.id}/reject`).type('form').send({ _csrf: h.csrf, note: '經查派令職稱為科員，資料無誤。' }).expect(303);
    const mine = await s.agent.get(`/mydata/corrections/${c.id}`);
    expect(mine.text).toContain('不予更正');
    expect(mine.text).toContain('經查派令職稱為科員，資料無誤。');
    expect((await t.db('person').where({ id: s.a.personId }).first()).title).toBe('科員');
  });

  it('HR of another agency cannot see or handle the request (404 + audit)', async () => {
    const { s, c } = await filed();
    const moi = await hr('301000000A', ['hr_supervisor', 'hr_staff']);
    const queue = await moi.agent.get('/mydata/hr/corrections');
    expect(queue.text).not.toContain(`/mydata/hr/corrections/${c.id}"`);
    expectZhPage(await moi.agent.get(`/mydata/hr/corrections/${c.id}`), 404);
    const res = await moi.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: moi.csrf, value: '簡任秘書' });
    expectZhPage(res, 404);
    expect(await lastAudit(t.db, 'mydata.correction.denied')).toMatchObject({ actor_account_id: moi.a.accountId, target_id: String(c.id), outcome: 'denied' });
    expect((await t.db('person').where({ id: s.a.personId }).first()).title).toBe('科員');
    expect((await t.db('mydata_correction').where({ id: c.id }).first()).status).toBe('submitted');
  });

  it('refuses a civil servant without an HR role (403 + audit)', async () => {
    const s = await person();
    const res = await s.agent.get('/mydata/hr/corrections');
    expectZhPage(res, 403);
    expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ actor_account_id: s.a.accountId, target_id: '/mydata/hr/corrections' });
  });
});

describe('four eyes: HR and a correction of their own record', () => {
  const OWN = '這是您本人的更正申請，須由本機關其他人事人員或人事主管處理。';

  it('refuses every HR action on their own request (403 + audit); a colleague handles it', async () => {
    // An HR person of A096C0000Q with a record of their own files a correction of their rank.
    const self = await hr('A096C0000Q', ['hr_staff']);
    await fillMydataRecord(t.db, self.a.personId, seed++);
    const rankBefore = (await t.db('person').where({ id: self.a.personId }).first()).rank;
    await postCorrection(self, 'post', { field: 'rank', reason: '官等職等誤植', proposed: '簡任第十二職等' }, [[PDF, '派令.pdf']]).expect(303);
    const c = await t.db('mydata_correction').where({ person_id: self.a.personId }).first();
    const att = await t.db('mydata_correction_attachment').where({ correction_id: c.id }).first();

    // The queue shows it as their own, to be handled by a colleague, with no way to open it for handling.
    const queue = await self.agent.get('/mydata/hr/corrections');
    expectZhPage(queue, 200);
    expect(queue.text).toContain('本人申請，須由其他人事人員處理');
    expect(queue.text).not.toContain(`href="/mydata/hr/corrections/${c.id}"`);

    const attempts: [string, () => Promise<request.Response>][] = [
      ['view', () => self.agent.get(`/mydata/hr/corrections/${c.id}`)],
      ['take', () => self.agent.post(`/mydata/hr/corrections/${c.id}/take`).type('form').send({ _csrf: self.csrf })],
      ['accept', () => self.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: self.csrf, value: '簡任第十二職等' })],
      ['reject', () => self.agent.post(`/mydata/hr/corrections/${c.id}/reject`).type('form').send({ _csrf: self.csrf, note: '自行駁回' })],
    ];
    for (const [step, attempt] of attempts) {
      const res = await attempt();
      expectZhPage(res, 403);
      expect(res.text, step).toContain(OWN);
      const entry = await t.db('audit_event').where({ request_id: String(res.headers['x-request-id']), outcome: 'denied' }).first();
      expect(entry, step).toMatchObject({ action: 'mydata.correction.denied', actor_account_id: self.a.accountId, target_id: String(c.id), details: { reason: 'own_record' } });
    }
    expect(await t.db('mydata_correction').where({ id: c.id }).first()).toMatchObject({ status: 'submitted', handled_by_account_id: null });
    expect((await t.db('person').where({ id: self.a.personId }).first()).rank).toBe(rankBefore);
    // The proof stays theirs to read as the applicant.
    expect((await self.agent.get(`/mydata/attachments/${att.id}`)).status).toBe(200);
    expect((await self.agent.get(`/mydata/corrections/${c.id}`)).status).toBe(200);

    // Another HR person of the agency (or the supervisor) handles it.
    const colleague = await hr('A096C0000Q', ['hr_supervisor']);
    const theirs = await colleague.agent.get('/mydata/hr/corrections');
    expect(theirs.text).toContain(`href="/mydata/hr/corrections/${c.id}"`);
    expect((await colleague.agent.get(`/mydata/attachments/${att.id}`)).status).toBe(200);
    await colleague.agent.post(`/mydata/hr/corrections/${c.id}/accept`).type('form').send({ _csrf: colleague.csrf, value: '簡任第十二職等' }).expect(303);
    expect((await t.db('person').where({ id: self.a.personId }).first()).rank).toBe('簡任第十二職等');
    expect(await lastAudit(t.db, 'mydata.record.correct')).toMatchObject({ actor_account_id: colleague.a.accountId, target_id: String(self.a.personId) });
  });
});
