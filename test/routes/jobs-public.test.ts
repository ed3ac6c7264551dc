import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, formErrors, inputValue } from '../support/routes';
import { encode, today, vacancyForm } from './jobs-helpers';
import { developmentMail } from '../support/smtp';
import { parseFeed } from '../../src/jobs/opendata/format';

let t: ReturnType<typeof buildApp>;
let agency: Awaited<ReturnType<typeof cardSignIn>>;
let reviewer: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  t = buildApp();
  agency = await cardSignIn(t.app, 'agency-ntunhs');
  reviewer = await signIn(t.app, 'jobs.reviewer');
});
afterAll(() => t.close());

let seq = 0;
/** Posts a vacancy with the agency card and returns its row (pending). */
async function postVacancy(over: Record<string, string | string[]> = {}) {
  const marker = `測試職缺${process.pid}-${++seq}`;
  const res = await agency.agent.post('/jobs/manage/new').type('form').send(encode(vacancyForm({ workItem: marker, ...over }), agency.csrf));
  expect(res.status).toBe(303);
  return t.db('jobs_vacancy').where({ work_item: marker }).first();
}
async function approve(id: number) {
  const res = await reviewer.agent.post(`/jobs/review/${id}`).type('form').send({ _csrf: reviewer.csrf, decision: 'approve', reason: '' });
  expect(res.status).toBe(303);
}

describe('review', () => {
  it('keeps a pending posting out of public view until a reviewer approves it', async () => {
    const v = await postVacancy({ workQuality: '審核流程測試用資格條件' });
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${v.work_id}`), 404);
    const list = await reviewer.agent.get('/jobs/review');
    expectZhPage(list, 200);
    expect(list.text).toContain(String(v.work_id));
    expectZhPage(await reviewer.agent.get(`/jobs/review/${v.id}`), 200);
    await approve(v.id);
    expect((await lastAudit(t.db, 'jobs.vacancy.approve')).target_id).toBe(String(v.work_id));
    const page = await request(t.app).get(`/jobs/view?work_id=${v.work_id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('審核流程測試用資格條件');
    const manage = await agency.agent.get(`/jobs/manage?workId=${v.work_id}`);
    expect(manage.text).toContain('審核通過');
  });

  it('returns a posting only with a reason, which the agency sees', async () => {
    const v = await postVacancy();
    const bad = await reviewer.agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: reviewer.csrf, decision: 'return', reason: '' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['退回時請輸入退回理由']);
    expect((await t.db('jobs_vacancy').where({ id: v.id }).first()).status).toBe('pending');
    const none = await reviewer.agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: reviewer.csrf });
    expect(formErrors(none.text)).toContain('請選擇審核結果');
    const ok = await reviewer.agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: reviewer.csrf, decision: 'return', reason: '工作地址不完整' });
    expect(ok.status).toBe(303);
    const manage = await agency.agent.get(`/jobs/manage?workId=${v.work_id}`);
    expect(manage.text).toContain('退回');
    expect(manage.text).toContain('工作地址不完整');
  });

  it('refuses review to anyone without the reviewer role, audited', async () => {
    const v = await postVacancy();
    const { agent, csrf } = await signIn(t.app, 'hr.chief');
    expectZhPage(await agent.get('/jobs/review'), 403);
    const res = await agent.post(`/jobs/review/${v.id}`).type('form').send({ _csrf: csrf, decision: 'approve' });
    expectZhPage(res, 403);
    expect((await lastAudit(t.db, 'access.denied')).target_id).toBe(`/jobs/review/${v.id}`);
    expect((await t.db('jobs_vacancy').where({ id: v.id }).first()).status).toBe('pending');
  });

  it('shows the dashboard charts with their numbers', async () => {
    const res = await reviewer.agent.get('/jobs/dashboard');
    expectZhPage(res, 200);
    expect(res.text).toContain('<svg');
    expect(res.text).toContain('每週新增職缺（依官等）');
    expect(res.text).toContain('每週新增職缺（依工作地）');
    expect(res.text).toMatch(/<th scope="col">薦任<\/th>/);
  });
});

describe('查詢職缺資料', () => {
  it('finds two-character Chinese words and applies the filters', async () => {
    const v = await postVacancy({ workQuality: '熟悉檔案管理與典藏實務', workPlaces: ['89'], seriesCode: '1401', rankFrom: '3', rankTo: '5' });
    await approve(v.id);
    const hit = await request(t.app).get('/jobs').query({ q: '典藏', county: '89', grade: '委任' });
    expectZhPage(hit, 200);
    expect(hit.text).toContain(`work_id=${v.work_id}`);
    const wrongGrade = await request(t.app).get('/jobs').query({ q: '典藏', grade: '簡任' });
    expect(wrongGrade.text).not.toContain(`work_id=${v.work_id}`);
    const wrongCounty = await request(t.app).get('/jobs').query({ q: '典藏', county: '10' });
    expect(wrongCounty.text).not.toContain(`work_id=${v.work_id}`);
    const bySeries = await request(t.app).get('/jobs').query({ series: '1401', agency: '國立臺北護理', kind: '1' });
    expect(bySeries.text).toContain(`work_id=${v.work_id}`);
    const byCode = await request(t.app).get('/jobs').query({ agency: 'A096C0000Q', q: '典藏' });
    expect(byCode.text).toContain(`work_id=${v.work_id}`);
    const single = await request(t.app).get('/jobs').query({ q: '藏' });
    expect(single.text).toContain(`work_id=${v.work_id}`);
    const past = await request(t.app).get('/jobs').query({ q: '典藏', date: '2020-01-01' });
    expect(past.text).not.toContain(`work_id=${v.work_id}`);
  });

  const bad: [string, Record<string, string | string[]>, string][] = [
    ['a page size far too large', { size: '100000' }, '每頁筆數須為 1 至 100'],
    ['a page size that is not a number', { size: '2x' }, '每頁筆數須為數字'],
    ['a page size over the limit', { size: '500' }, '每頁筆數須為 1 至 100'],
    ['a page that is not a number', { page: 'abc' }, '頁數須為數字'],
    ['an unknown 職系', { series: 'zz' }, '職系選項錯誤'],
    ['an unknown 官等', { grade: '特任' }, '官等選項錯誤'],
    ['an unknown county', { county: '11' }, '工作地選項錯誤'],
    ['an unknown person kind', { kind: '99' }, '人員區分選項錯誤'],
    ['a date in the wrong format', { date: 'tomorrow' }, '日期格式錯誤，請輸入如 115/11/22 或 2026-11-22'],
    ['a keyword too long', { q: '字'.repeat(51) }, '關鍵字不可超過 50 個字'],
    ['a keyword sent twice (array)', { q: ['a', 'b'] }, '關鍵字格式錯誤'],
  ];
  for (const [name, query, message] of bad) {
    it(`refuses ${name} with a message on the search form`, async () => {
      const res = await request(t.app).get('/jobs').query(query);
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toContain(message);
    });
  }

  it('keeps the keyword typed on a refused search', async () => {
    const res = await request(t.app).get('/jobs').query({ q: '資訊', size: 'x' });
    expect(inputValue(res.text, 'q')).toBe('資訊');
  });

  it('shows only approved vacancies inside 有效期間, with their attachments', async () => {
    const past = await t.db('jobs_vacancy').where({ status: 'approved' }).where('date_to', '<', today()).first('work_id');
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${past.work_id}`), 404);
    const returned = await t.db('jobs_vacancy').where({ status: 'returned' }).first('work_id');
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${returned.work_id}`), 404);
    const marker = `附件公開${process.pid}`;
    const res = await agency.agent
      .post(`/jobs/manage/new?_csrf=${encodeURIComponent(agency.csrf)}`)
      .field(vacancyForm({ workItem: marker }) as Record<string, string>)
      .attach('files', Buffer.from('甄選簡章內容\n'), '簡章.txt');
    expect(res.status).toBe(303);
    const v = await t.db('jobs_vacancy').where({ work_item: marker }).first();
    const file = await t.db('jobs_attachment').where({ vacancy_id: v.id }).first();
    expectZhPage(await request(t.app).get(`/jobs/view/${v.work_id}/attachments/${file.id}`), 404);
    await approve(v.id);
    const page = await request(t.app).get(`/jobs/view?work_id=${v.work_id}`);
    expect(page.text).toContain(`/jobs/view/${v.work_id}/attachments/${file.id}`);
    const dl = await request(t.app).get(`/jobs/view/${v.work_id}/attachments/${file.id}`);
    expect(dl.status).toBe(200);
    expect(dl.text).toContain('甄選簡章內容');
  });

  it('answers 404 for an unknown or malformed vacancy number', async () => {
    expectZhPage(await request(t.app).get('/jobs/view?work_id=999999999'), 404);
    expectZhPage(await request(t.app).get('/jobs/view?work_id=abc'), 404);
  });

  it('serves the SOP page and the blank resume form as a PDF', async () => {
    expectZhPage(await request(t.app).get('/jobs/sop'), 200);
    const pdf = await request(t.app).get('/jobs/resume-form.pdf').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('applying and 調閱履歷', () => {
  it('a civil servant applies with a resume from their 現職資料, free text and an attachment; only the posting agency reads it', async () => {
    const v = await postVacancy();
    await approve(v.id);
    const me = await makeAccount(t.db, { agencyCode: '301000000A' });
    const s = await signIn(t.app, me.login);
    const form = await s.agent.get(`/jobs/view/${v.work_id}/apply`);
    expectZhPage(form, 200);
    expect(form.text).toContain('薦任第七職等');
    const noAgree = await s.agent.post(`/jobs/view/${v.work_id}/apply?_csrf=${encodeURIComponent(s.csrf)}`).field('freeText', '我的自述');
    expectZhPage(noAgree, 400);
    expect(formErrors(noAgree.text)).toEqual(['請確認履歷內容正確並同意送出']);
    expect(noAgree.text).toContain('我的自述');
    const res = await s.agent
      .post(`/jobs/view/${v.work_id}/apply?_csrf=${encodeURIComponent(s.csrf)}`)
      .field('freeText', '具十年一般行政經驗')
      .field('agree', 'on')
      .attach('files', Buffer.from('我的履歷附件\n'), 'cv.txt');
    expect(res.status).toBe(303);
    const twice = await s.agent.post(`/jobs/view/${v.work_id}/apply?_csrf=${encodeURIComponent(s.csrf)}`).field('agree', 'on');
    expectZhPage(twice, 409);
    expect(twice.text).toContain('您已應徵過此職缺，不可重複應徵。');
    expect(await t.db('jobs_application').where({ vacancy_id: v.id }).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(1);
    const again = await s.agent.get(`/jobs/view/${v.work_id}/apply`);
    expectZhPage(again, 409);

    const list = await agency.agent.get(`/jobs/manage/${v.id}/applicants`);
    expectZhPage(list, 200);
    const app = await t.db('jobs_application').where({ vacancy_id: v.id }).first();
    const resume = await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`);
    expectZhPage(resume, 200);
    expect(resume.text).toContain('具十年一般行政經驗');
    expect(resume.text).toContain('內政部');
    expect((await lastAudit(t.db, 'jobs.resume.view')).target_id).toBe(String(app.id));
    const file = await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}/attachment`);
    expect(file.status).toBe(200);
    expect(file.text).toContain('我的履歷附件');

    // Another agency's HR (card session) sees nothing of it.
    const moi = await cardSignIn(t.app, 'agency-dgpa');
    expectZhPage(await moi.agent.get(`/jobs/manage/${v.id}/applicants`), 404);
    expectZhPage(await moi.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`), 404);
    expect((await lastAudit(t.db, 'jobs.applicants.view')).outcome).toBe('denied');
  });

  it('refuses 調閱履歷 to an HR person who applied to the vacancy (four eyes), audited', async () => {
    const v = await postVacancy();
    await approve(v.id);
    const hr = await cardSignIn(t.app, 'hr-chief', { activateWith: 'hr.chief' });
    const res = await hr.agent.post(`/jobs/view/${v.work_id}/apply?_csrf=${encodeURIComponent(hr.csrf)}`).field('agree', 'on');
    expect(res.status).toBe(303);
    const app = await t.db('jobs_application').where({ vacancy_id: v.id }).first();
    const list = await hr.agent.get(`/jobs/manage/${v.id}/applicants`);
    expectZhPage(list, 403);
    expect(list.text).toContain('您已應徵此職缺，不得調閱其應徵者履歷');
    expect(await lastAudit(t.db, 'jobs.applicants.view')).toMatchObject({ outcome: 'denied', target_id: String(v.id) });
    expectZhPage(await hr.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`), 403);
    expectZhPage(await hr.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}/resume.pdf`), 403);
    // The agency's card (a colleague) still reads them.
    expectZhPage(await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`), 200);
  });

  it('hides a serving applicant\'s resume of a needs-consent vacancy until they consent', async () => {
    const v = await postVacancy({ needsConsent: 'on' });
    await approve(v.id);
    const me = await makeAccount(t.db);
    const s = await signIn(t.app, me.login);
    const res = await s.agent.post(`/jobs/view/${v.work_id}/apply?_csrf=${encodeURIComponent(s.csrf)}`).field('agree', 'on');
    expect(res.status).toBe(303);
    const app = await t.db('jobs_application').where({ vacancy_id: v.id, person_id: me.personId }).first();
    const list = await agency.agent.get(`/jobs/manage/${v.id}/applicants`);
    expect(list.text).toContain('應徵者尚未同意調閱');
    expect(list.text).not.toContain(`測試`);
    expectZhPage(await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`), 403);
    // Someone else cannot consent for them.
    const other = await signIn(t.app, (await makeAccount(t.db)).login);
    expectZhPage(await other.agent.post(`/jobs/my/applications/${app.id}/consent`).type('form').send({ _csrf: other.csrf }), 404);
    const mine = await s.agent.get('/jobs/my/applications');
    expect(mine.text).toContain('同意調閱');
    expect((await s.agent.post(`/jobs/my/applications/${app.id}/consent`).type('form').send({ _csrf: s.csrf })).status).toBe(303);
    const after = await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`);
    expectZhPage(after, 200);
  });

  it('offers the applicant\'s MyData resume PDF with the free text of the application', async () => {
    const v = await postVacancy();
    await approve(v.id);
    const s = await signIn(t.app, 'chen.meiling');
    const res = await s.agent.post(`/jobs/view/${v.work_id}/apply?_csrf=${encodeURIComponent(s.csrf)}`).field('agree', 'on').field('freeText', '願意支援夜間值勤');
    expect(res.status).toBe(303);
    const app = await t.db('jobs_application').where({ vacancy_id: v.id }).first();
    const page = await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}`);
    expect(page.text).toContain(`/applicants/${app.id}/resume.pdf`);
    const pdf = await agency.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}/resume.pdf`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = execFileSync('pdftotext', ['-', '-'], { input: pdf.body as Buffer }).toString('utf8');
    expect(text).toContain('陳美玲');
    expect(text.replace(/\s+/g, '')).toContain('願意支援夜間值勤');
    const other = await cardSignIn(t.app, 'agency-dgpa');
    expectZhPage(await other.agent.get(`/jobs/manage/${v.id}/applicants/${app.id}/resume.pdf`), 404);
  });

  it('refuses an agency-card session applying', async () => {
    const v = await postVacancy();
    await approve(v.id);
    const res = await agency.agent.post(`/jobs/view/${v.work_id}/apply`).type('form').send({ _csrf: agency.csrf, agree: 'on' });
    expectZhPage(res, 403);
  });
});

describe('電子報', () => {
  it('subscribes with an email confirmation, sends the daily digest, and cancels', async () => {
    const email = `sub${process.pid}@example.com`;
    const bad = await request.agent(t.app);
    const page = await bad.get('/jobs/subscribe');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const wrong = await bad.post('/jobs/subscribe').type('form').send({ _csrf: csrf, email: 'not-an-email', keyword: '典藏', county: '95' });
    expectZhPage(wrong, 400);
    expect(formErrors(wrong.text)).toEqual(['電子郵件格式錯誤，例如 name@example.gov.tw']);
    expect(inputValue(wrong.text, 'keyword')).toBe('典藏');
    const wrongCounty = await bad.post('/jobs/subscribe').type('form').send({ _csrf: csrf, email, county: '11' });
    expect(formErrors(wrongCounty.text)).toEqual(['工作地選項錯誤']);
    const ok = await bad.post('/jobs/subscribe').type('form').send({ _csrf: csrf, email, keyword: '', county: '95', seriesCode: '' });
    expectZhPage(ok, 200);
    const mail = await developmentMail(t, email);
    expect(mail.subject).toContain('電子報訂閱確認');
    const link = /\/jobs\/subscribe\/confirm\?token=[\w.-]+/.exec(mail.text)![0];
    expectZhPage(await request(t.app).get(link), 200);
    expectZhPage(await request(t.app).get('/jobs/subscribe/confirm?token=nope'), 404);

    const v = await postVacancy({ workPlaces: ['95'] });
    await approve(v.id);
    const tomorrow7 = new Date(`${new Date(Date.parse(today()) + 86_400_000).toISOString().slice(0, 10)}T07:30:00+08:00`);
    await t.services.scheduler.tick(tomorrow7);
    const digest = await developmentMail(t, email, '職缺電子報');
    expect(digest.text).toContain(`work_id=${v.work_id}`);

    const unsub = await bad.post('/jobs/unsubscribe').type('form').send({ _csrf: csrf, email });
    expectZhPage(unsub, 200);
    const cancelMail = await developmentMail(t, email, '取消確認');
    const cancel = /\/jobs\/unsubscribe\/confirm\?token=[\w.-]+/.exec(cancelMail.text)![0];
    expectZhPage(await request(t.app).get(cancel), 200);
    expect((await t.db('jobs_subscription').where({ email }).first()).cancelled_at).not.toBeNull();
    const badUnsub = await bad.post('/jobs/unsubscribe').type('form').send({ _csrf: csrf, email: '' });
    expect(formErrors(badUnsub.text)).toEqual(['請輸入電子郵件']);
  });
});

describe('open data', () => {
  it('XML, JSON and CSV list the same current vacancies; personal contact fields can be kept out', async () => {
    const hidden = await postVacancy({ hideContact: 'on', fillerEmail: 'secret.person@ntunhs.edu.tw', contactMethod: '林小姐 0912-000-000' });
    await approve(hidden.id);
    const xml = await request(t.app).get('/jobs/opendata/vacancies.xml');
    expect(xml.status).toBe(200);
    expect(xml.headers['content-type']).toMatch(/application\/xml/);
    expect(xml.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<ROOT><ANNOUNCE_DATE>\d{7}<\/ANNOUNCE_DATE>/);
    const feed = parseFeed(xml.text);
    const json = await request(t.app).get('/jobs/opendata/vacancies.json');
    const csv = await request(t.app).get('/jobs/opendata/vacancies.csv');
    const csvLines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    const xmlIds = feed.rows.map((r) => Number(/work_id=(\d+)/.exec(r.fields.get('VIEW_URL')!)![1]));
    const jsonIds = json.body.vacancies.map((v: { workId: number }) => v.workId);
    expect(xmlIds.length).toBeGreaterThan(10);
    expect(jsonIds).toEqual(xmlIds);
    expect(csvLines.length - 1).toBe(xmlIds.length);
    expect(csvLines[0]!.split(',')[0]).toBe('workId');
    const row = feed.rows.find((r) => r.fields.get('VIEW_URL')!.endsWith(`work_id=${hidden.work_id}`))!;
    expect([...row.fields.keys()]).toEqual(['ORG_ID', 'ORG_NAME', 'PERSON_KIND', 'RANK', 'TITLE', 'SYSNAM', 'NUMBER_OF', 'RESERVE_NUM', 'GENDER_TYPE', 'WORK_PLACE_TYPE', 'DATE_FROM', 'DATE_TO', 'IS_HANDICAP', 'IS_ORIGINAL', 'IS_LOCAL_ORIGINAL', 'IS_TRANING', 'IS_TRANSFER', 'TYPE', 'VITAE_EMAIL', 'WORK_QUALITY', 'WORK_ITEM', 'WORK_ADDRESS', 'CONTACT_METHOD', 'URL_LINK', 'VIEW_URL']);
    expect(row.fields.get('WORK_PLACE_TYPE')).toBe(',10-臺北市');
    expect(row.fields.get('RANK')).toBe('薦任第六職等至第七職等');
    expect(row.fields.get('DATE_FROM')).toMatch(/^1\d{6}$/);
    expect(row.fields.get('VITAE_EMAIL')).toBe('');
    expect(row.fields.get('CONTACT_METHOD')).toBe('');
    const rec = json.body.vacancies.find((v: { workId: number }) => v.workId === hidden.work_id);
    expect(rec).toMatchObject({ vitaeEmail: null, contactMethod: null, rankFrom: 6, rankTo: 7, seriesCode: '0101', dateFrom: today() });
    expect(xml.text).not.toContain('secret.person@ntunhs.edu.tw');
    expect(csv.text).not.toContain('secret.person@ntunhs.edu.tw');
    expect(json.text).not.toContain('0912-000-000');
    // Each JSON title matches the XML's for the same vacancy.
    for (const [i, r] of feed.rows.entries()) expect(json.body.vacancies[i].title).toBe(r.fields.get('TITLE'));
  });

  it('serves the code lists and a paged history of past vacancies', async () => {
    const codes = await request(t.app).get('/jobs/opendata/codes.json');
    expect(codes.body.counties).toContainEqual({ code: '99', name: '跨縣市' });
    expect(codes.body.grades).toContainEqual({ grade: '薦任', from: 6, to: 9 });
    const history = await request(t.app).get('/jobs/opendata/history.json?page=1');
    expect(history.body.page).toBe(1);
    expect(history.body.vacancies.length).toBeGreaterThan(0);
    for (const v of history.body.vacancies) expect(v.dateTo < today()).toBe(true);
    const page2 = await request(t.app).get('/jobs/opendata/history.json?page=2');
    expect(page2.body.vacancies).toEqual([]);
    expect((await request(t.app).get('/jobs/opendata/history.xml')).text).toContain('<ROOT>');
    expectZhPage(await request(t.app).get('/jobs/opendata'), 200);
  });
});
