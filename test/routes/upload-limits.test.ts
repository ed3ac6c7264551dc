import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MB, UPLOAD_POLICIES, uploadHint, type UploadPolicyName } from '../../src/platform/uploadPolicies';
import { buildApp, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { encode, vacancyForm } from './jobs-helpers';
import { expectZhPage, formErrors, type Agent } from '../support/routes';

/*
 * One place for every upload limit: the policies are changed here, before the app is built,
 * and every form shows the new numbers and the checks refuse by them.
 */
const ORIGINAL = structuredClone(Object.fromEntries(Object.entries(UPLOAD_POLICIES).map(([k, p]) => [k, { maxFileBytes: p.maxFileBytes, maxTotalBytes: p.maxTotalBytes, maxFiles: p.maxFiles }])));
for (const p of Object.values(UPLOAD_POLICIES)) {
  p.maxFileBytes = 3 * MB;
  if (p.maxTotalBytes > 4 * MB) p.maxTotalBytes = 7 * MB;
  else p.maxTotalBytes = 3 * MB;
  if (p.maxFiles > 1) p.maxFiles = 2;
}
const t = buildApp();
afterAll(async () => {
  await t.close();
  for (const [k, o] of Object.entries(ORIGINAL)) Object.assign(UPLOAD_POLICIES[k as UploadPolicyName], o);
});

let ntunhs: { agent: Agent; csrf: string };
beforeAll(async () => {
  for (const code of ['A096C0000Q', '376470000A']) {
    const a = await t.db('agency').where({ code }).first('id');
    await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  }
  ntunhs = await cardSignIn(t.app, 'agency-ntunhs');
});

/** The hint paragraph of a file input, unescaped enough to compare with the policy's text. */
function hintOf(html: string, id: string): string {
  const m = new RegExp(`<p class="hint" id="${id}">([^<]*)</p>`).exec(html);
  expect(m, `hint #${id}`).not.toBeNull();
  return m![1]!.trim();
}

function expectNewLimit(hint: string, name: UploadPolicyName) {
  expect(hint).toBe(uploadHint(UPLOAD_POLICIES[name]));
  expect(hint).toMatch(/3 ?MB/);
  expect(hint).not.toMatch(/\b(4|5|10|20) ?MB/);
}

describe('every form shows the limits of the policy it is checked with', () => {
  it('PICS 線上掛號 attachments', async () => {
    const s = await signIn(t.app, 'wang.xiaoming');
    const page = await s.agent.get('/pics/tickets/new');
    expectZhPage(page, 200);
    expectNewLimit(hintOf(page.text, 'attachments-hint'), 'picsAttachments');
    expect(hintOf(page.text, 'attachments-hint')).toContain('單一檔案上傳容量限制為3MB，總容量為7MB');
  });

  it('職缺 posting and 應徵 résumé', async () => {
    const agency = await cardSignIn(t.app, 'agency-ntunhs');
    const form = await agency.agent.get('/jobs/manage/new');
    expectZhPage(form, 200);
    expectNewLimit(hintOf(form.text, 'files-hint'), 'jobsPosting');
    expect(hintOf(form.text, 'files-hint')).toContain('最多 2 個檔案');

    const marker = `上傳限制測試${process.pid}`;
    expect((await agency.agent.post('/jobs/manage/new').type('form').send(encode(vacancyForm({ workItem: marker }), agency.csrf))).status).toBe(303);
    const v = await t.db('jobs_vacancy').where({ work_item: marker }).first();
    const reviewer = await signIn(t.app, 'jobs.reviewer');
    expect((await reviewer.agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: reviewer.csrf, decision: 'approve', reason: '' })).status).toBe(303);
    const me = await signIn(t.app, 'wang.xiaoming');
    const apply = await me.agent.get(`/jobs/view/${v.work_id}/apply`);
    expectZhPage(apply, 200);
    expectNewLimit(hintOf(apply.text, 'files-hint'), 'jobsResume');
  });

  it('MyData 申請更正 proof', async () => {
    const s = await signIn(t.app, 'wang.xiaoming');
    const page = await s.agent.get('/mydata/record/basic/correct');
    expectZhPage(page, 200);
    expectNewLimit(hintOf(page.text, 'files-hint'), 'mydataProof');
    expect(hintOf(page.text, 'files-hint')).toContain('單一檔案不超過 3 MB，合計不超過 7 MB');
  });

  it('資料交換平臺 錯誤回報, 步驟五之一 and 檔案下載 (admin)', async () => {
    const report = await ntunhs.agent.get('/cloud/reports/new');
    expectZhPage(report, 200);
    expectNewLimit(hintOf(report.text, 'attachment-hint'), 'cloudReport');

    const admin = await signIn(t.app, 'mocs.admin');
    const files = await admin.agent.get('/cloud/admin/files');
    expectZhPage(files, 200);
    expectNewLimit(hintOf(files.text, 'file-hint'), 'cloudDownload');

    const started = await ntunhs.agent.post('/cloud/apply').type('form').send({ _csrf: ntunhs.csrf, agree: 'yes' });
    const id = /^\/cloud\/apply\/([0-9a-f-]{36})\/step1$/.exec(String(started.headers.location))![1]!;
    const steps: [string, Record<string, string | string[]>][] = [
      ['step1', { contactName: '林小美', contactPhone: '02-28227101#2101', contactEmail: 'hr@ntunhs.edu.tw', periodFrom: '116/01/01', periodTo: '116/12/31', purpose: '人事資料比對', legalBasis: '公務人員任用法', specificPurpose: '人事管理（002）' }],
      ['step2', { systemName: '人事管理系統', os: 'Linux', language: 'TypeScript', databaseName: 'PostgreSQL', computerName: 'hr-app-01', ipAddresses: '192.168.10.21' }],
      ['step3', { userScopes: ['internal'] }],
      ['step4', { kind: 'file' }],
    ];
    for (const [step, body] of steps) expect((await ntunhs.agent.post(`/cloud/apply/${id}/${step}`).type('form').send({ _csrf: ntunhs.csrf, action: 'next', ...body })).status).toBe(303);
    const step5a = await ntunhs.agent.get(`/cloud/apply/${id}/step5a`);
    expectZhPage(step5a, 200);
    expectNewLimit(hintOf(step5a.text, 'file-hint'), 'cloudConditions');
  });
});

describe('the checks refuse by the same numbers', () => {
  it('a 錯誤回報 attachment over the new 3 MB is refused with 3 MB in the message', async () => {
    const req = ntunhs.agent.post(`/cloud/reports?_csrf=${encodeURIComponent(ntunhs.csrf)}`);
    const fields = { reporterName: '林小美', phone: '02-28227101', email: 'hr@ntunhs.edu.tw', occurredOn: '115/11/20', occurredTime: '14:30', serviceCode: 'SQ_MA_001', content: '上傳限制測試' };
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    const res = await req.attach('attachment', Buffer.alloc(3 * MB + 10, 0x41), 'big.txt');
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain('單一檔案大小不可超過 3 MB');
  });
});
