import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, makeAccount, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, formErrors, type Agent } from '../support/routes';
import { encode, vacancyForm } from './jobs-helpers';

/**
 * File forms posted by the upload-progress script (header X-Upload-Progress): every answer is
 * {"location"}; a form refused is kept for its session and shown by a GET of the form's page
 * with ?r=<id>, with its errors, the values typed and its status.
 */
const t = buildApp();
let agency: Awaited<ReturnType<typeof cardSignIn>>;
let reviewer: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  const a = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
  await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  agency = await cardSignIn(t.app, 'agency-ntunhs');
  reviewer = await signIn(t.app, 'jobs.reviewer');
});
afterAll(() => t.close());

const scripted = (agent: Agent, url: string, page: string) => agent.post(url).set('X-Upload-Progress', '1').set('X-Upload-Page', page);

async function publishedVacancy(): Promise<{ id: number; work_id: number }> {
  const marker = `上傳測試職缺${process.pid}-${Date.now()}`;
  expect((await agency.agent.post('/jobs/manage/new').type('form').send(encode(vacancyForm({ workItem: marker }), agency.csrf))).status).toBe(303);
  const v = await t.db('jobs_vacancy').where({ work_item: marker }).first();
  expect((await reviewer.agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: reviewer.csrf, decision: 'approve', reason: '' })).status).toBe(303);
  return v;
}

describe('事求人 應徵 posted by the upload-progress script', () => {
  it('a refused form lands on its page with the error, the text typed and “choose the file again”; then success lands on 我的應徵紀錄 with its message', async () => {
    const v = await publishedVacancy();
    const me = await makeAccount(t.db, { agencyCode: '301000000A' });
    const s = await signIn(t.app, me.login);
    const page = `/jobs/view/${v.work_id}/apply`;
    const refused = await scripted(s.agent, `${page}?_csrf=${encodeURIComponent(s.csrf)}`, page)
      .field('freeText', '腳本送出的自述')
      .attach('files', Buffer.from('履歷\n'), 'cv.txt');
    expect(refused.status).toBe(200);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    const location = String(refused.body.location);
    expect(location).toMatch(new RegExp(`^${page}\\?r=[A-Za-z0-9_-]{22}$`));
    // The token of the form's address is not in the page's address.
    expect(location).not.toContain('_csrf');
    const shown = await s.agent.get(location);
    expectZhPage(shown, 400);
    expect(formErrors(shown.text)).toEqual(['請確認履歷內容正確並同意送出', '附件尚未儲存，請重新選擇檔案。']);
    expect(shown.text).toContain('腳本送出的自述');
    // Nothing was saved, the file neither.
    expect(await t.db('jobs_application').where({ vacancy_id: v.id }).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(0);
    // Another person never sees it.
    const other = await signIn(t.app, (await makeAccount(t.db, { agencyCode: '301000000A' })).login);
    const stranger = await other.agent.get(location);
    expect(stranger.status).toBe(303);
    expect(stranger.headers.location).toBe(page);

    const ok = await scripted(s.agent, `${page}?_csrf=${encodeURIComponent(s.csrf)}`, location)
      .field('freeText', '腳本送出的自述')
      .field('agree', 'on')
      .attach('files', Buffer.from('履歷\n'), 'cv.txt');
    expect(ok.body).toEqual({ location: '/jobs/my/applications' });
    const next = await s.agent.get('/jobs/my/applications');
    expectZhPage(next, 200);
    expect(next.text).toContain('已應徵「');
    expect(await t.db('jobs_application').where({ vacancy_id: v.id }).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(1);
  });

  it('a scripted post without the form’s token is refused, and the refusal is shown by a navigation too', async () => {
    const v = await publishedVacancy();
    const s = await signIn(t.app, (await makeAccount(t.db, { agencyCode: '301000000A' })).login);
    const page = `/jobs/view/${v.work_id}/apply`;
    const res = await scripted(s.agent, page, page).field('agree', 'on').attach('files', Buffer.from('x\n'), 'cv.txt');
    const shown = await s.agent.get(String(res.body.location));
    expectZhPage(shown, 403);
    expect(shown.text).toContain('表單已逾時或來源不明');
  });
});

describe('雲端服務申請 步驟五 posted by the upload-progress script', () => {
  async function atStep5(): Promise<string> {
    const post = (id: string, step: string, body: Record<string, string | string[]>) =>
      agency.agent.post(`/cloud/apply/${id}/${step}`).type('form').send({ _csrf: agency.csrf, action: 'next', ...body });
    const started = await agency.agent.post('/cloud/apply').type('form').send({ _csrf: agency.csrf, agree: 'yes' });
    const id = /\/cloud\/apply\/([0-9a-f-]{36})\/step1$/.exec(String(started.headers.location))![1]!;
    const step1 = { contactName: '林小美', contactPhone: '02-28227101#2101', contactEmail: 'hr@ntunhs.edu.tw', periodFrom: '116/01/01', periodTo: '116/12/31', purpose: '人事資料比對', legalBasis: '公務人員任用法', specificPurpose: '人事管理（002）' };
    expect((await post(id, 'step1', step1)).status).toBe(303);
    expect((await post(id, 'step2', { systemName: '人事管理系統', os: 'Linux', language: 'TypeScript', databaseName: 'PostgreSQL', computerName: 'hr-app-01', ipAddresses: '192.168.10.21' })).status).toBe(303);
    expect((await post(id, 'step3', { userScopes: ['internal'] })).status).toBe(303);
    expect((await post(id, 'step4', { kind: 'file' })).headers.location).toBe(`/cloud/apply/${id}/step5a`);
    return id;
  }

  it('a refused step lands on 步驟五 with its errors, the file kept with the draft; then 下一步 lands on 步驟六', async () => {
    const id = await atStep5();
    const page = `/cloud/apply/${id}/step5a`;
    const action = `${page}?_csrf=${encodeURIComponent(agency.csrf)}`;
    const refused = await scripted(agency.agent, action, page).field('action', 'next').field('conditions', '腳本輸入的條件').attach('file', Buffer.from('說明\n'), '說明.txt');
    const location = String(refused.body.location);
    expect(location).toMatch(new RegExp(`^${page}\\?r=`));
    const shown = await agency.agent.get(location);
    expectZhPage(shown, 400);
    expect(formErrors(shown.text)).toEqual(['請選擇申請之服務']);
    expect(shown.text).toContain('腳本輸入的條件');
    // A valid file stays with the draft (shown as 上傳之檔案), so it need not be chosen again.
    expect(shown.text).toMatch(/上傳之檔案：<\/span>說明\.txt/);
    const ok = await scripted(agency.agent, action, location).field('action', 'next').field('conditions', '腳本輸入的條件').field('services', 'SQ_PA_001');
    expect(ok.body).toEqual({ location: `/cloud/apply/${id}/step6` });
    expectZhPage(await agency.agent.get(`/cloud/apply/${id}/step6`), 200);
  });

  it('the old script’s address, form.action read as the buttons named “action”, carried no token: the cause of 「表單已逾時或來源不明」', async () => {
    const id = await atStep5();
    const res = await scripted(agency.agent, `/cloud/apply/${id}/%5Bobject%20RadioNodeList%5D`, `/cloud/apply/${id}/step5a`)
      .field('action', 'next')
      .attach('file', Buffer.from('說明\n'), '說明.txt');
    const shown = await agency.agent.get(String(res.body.location));
    expectZhPage(shown, 403);
    expect(shown.text).toContain('表單已逾時或來源不明');
  });
});
