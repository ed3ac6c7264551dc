import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, formErrors, inputValue, long } from '../support/routes';
import { addDays, encode, today, vacancyForm } from './jobs-helpers';
import { rocShort } from '../../src/platform/dates';

let t: ReturnType<typeof buildApp>;
let agency: Awaited<ReturnType<typeof cardSignIn>>;

beforeAll(async () => {
  t = buildApp();
  agency = await cardSignIn(t.app, 'agency-ntunhs');
});
afterAll(() => t.close());

const post = (a: typeof agency, form: Record<string, string | string[]>, url = '/jobs/manage/new') => a.agent.post(url).type('form').send(encode(form, a.csrf));
const count = async () => Number((await t.db('jobs_vacancy').count({ n: '*' }))[0]!.n);

describe('機關徵才登錄: who may post', () => {
  it('tells an account-password session the card rule and offers card login, and audits it', async () => {
    const { agent } = await signIn(t.app, 'hr.chief');
    const res = await agent.get('/jobs/manage');
    expectZhPage(res, 403);
    expect(res.text).toContain('自102年1月15日起本系統僅得以自然人憑證或機關憑證方式登錄職缺資料');
    expect(res.text).toContain('/login/certificate?returnTo=%2Fjobs%2Fmanage');
    const entry = await lastAudit(t.db, 'jobs.manage.denied');
    expect(entry.outcome).toBe('denied');
    expect(entry.details.why).toBe('password');
  });

  it('refuses a POST from an account-password session and saves nothing', async () => {
    const s = await signIn(t.app, 'hr.chief');
    const before = await count();
    const res = await post(s, vacancyForm());
    expectZhPage(res, 403);
    expect(await count()).toBe(before);
  });

  it('sends an anonymous visitor to card login', async () => {
    const res = await buildAgent().get('/jobs/manage');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login/certificate?returnTo=%2Fjobs%2Fmanage');
  });

  it('refuses a natural-person card of someone without an HR role', async () => {
    const person = await cardSignIn(t.app, 'wang-xiaoming', { activateWith: 'A123456789' });
    const res = await person.agent.get('/jobs/manage');
    expectZhPage(res, 403);
    expect((await lastAudit(t.db, 'jobs.manage.denied')).details.why).toBe('forbidden');
  });

  it('lets HR staff with a natural-person card post', async () => {
    const hr = await cardSignIn(t.app, 'hr-chief', { activateWith: 'A223344553' });
    const page = await hr.agent.get('/jobs/manage/new');
    expectZhPage(page, 200);
    expect(inputValue(page.text, 'fillerName')).toBe('林淑芬');
    const res = await post(hr, vacancyForm({ workQuality: '人事人員以自然人憑證登錄' }));
    expect(res.status).toBe(303);
    const row = await t.db('jobs_vacancy').where({ work_quality: '人事人員以自然人憑證登錄' }).first();
    expect(row.org_id).toBe('A096C0000Q');
    expect(row.status).toBe('pending');
  });
});

const buildAgent = () => request(t.app);

describe('機關徵才登錄: list and form', () => {
  it('lists only the agency\'s own vacancies with the manual\'s columns', async () => {
    const res = await agency.agent.get('/jobs/manage?size=100');
    expectZhPage(res, 200);
    for (const col of ['序號', '刊登日期', '職稱', '機關名稱', '職系', '官職等', '工作地點', '有效期間', '審核結果', '修改', '刪除', '預覽', '調閱履歷']) {
      expect(res.text).toContain(`<th scope="col">${col}</th>`);
    }
    expect(res.text).toContain('目前頁數');
    expect(res.text).toContain('每頁筆數');
    const others = await t.db('jobs_vacancy').whereNot({ org_id: 'A096C0000Q' }).where('date_to', '>=', today()).first('work_id');
    expect(res.text).not.toContain(`編號 ${others.work_id}<`);
    const own = await t.db('jobs_vacancy').where({ org_id: 'A096C0000Q' }).where('date_to', '>=', today()).whereNull('deleted_at').first('work_id');
    expect(res.text).toContain(`編號 ${own.work_id}<`);
  });

  it('finds a vacancy by 職缺編號 and refuses a non-numeric one', async () => {
    const own = await t.db('jobs_vacancy').where({ org_id: 'A096C0000Q' }).first('work_id');
    const res = await agency.agent.get(`/jobs/manage?workId=${own.work_id}`);
    expect(res.text).toContain('查詢結果1筆');
    const bad = await agency.agent.get('/jobs/manage?workId=abc');
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['職缺編號須為數字']);
    const huge = await agency.agent.get('/jobs/manage?size=100000');
    expectZhPage(huge, 400);
  });

  it('shows the 注意事項 verbatim and the agency from the session', async () => {
    const res = await agency.agent.get('/jobs/manage/new');
    expectZhPage(res, 200);
    expect(res.text).toContain('本系統係提供各機關登錄公開徵才職缺資料之服務平台，各機關應對登錄之內容負責審核之責，衍生之相關責任，亦由各機關自行負責。');
    expect(res.text).toContain('若對本系統操作有疑義，請洽本總處人事資訊客服專線(02)-2397-9108。');
    expect(res.text).toContain('A096C0000Q 國立臺北護理健康大學');
    expect(res.text).toContain('系統自動產生');
    for (const c of ['10-臺北市', '35-苗栗縣', '99-跨縣市']) expect(res.text).toContain(c);
  });

  it('posts a vacancy with an agency card: pending, numbered, audited', async () => {
    const before = await count();
    const res = await post(agency, vacancyForm({ workItem: '機關憑證登錄的職缺', numberOf: '數名', workPlaces: ['35', '10'] }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/jobs/manage');
    expect(await count()).toBe(before + 1);
    const row = await t.db('jobs_vacancy').where({ work_item: '機關憑證登錄的職缺' }).first();
    expect(row.status).toBe('pending');
    expect(row.number_of).toBeNull();
    expect(row.work_places).toEqual(['10', '35']);
    expect(row.rank_text).toBe('薦任第六職等至第七職等');
    expect((await lastAudit(t.db, 'jobs.vacancy.create')).target_id).toBe(String(row.work_id));
    const list = await agency.agent.get(`/jobs/manage?workId=${row.work_id}`);
    expect(list.text).toContain('審核中');
  });

  it('keeps an attachment sent with the form (multipart)', async () => {
    const res = await agency.agent
      .post(`/jobs/manage/new?_csrf=${encodeURIComponent(agency.csrf)}`)
      .field(Object.fromEntries(Object.entries(vacancyForm({ workItem: '附件職缺' })).map(([k, v]) => [k, v])) as Record<string, string>)
      .attach('files', Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'), 'notice.pdf');
    expect(res.status).toBe(303);
    const row = await t.db('jobs_vacancy').where({ work_item: '附件職缺' }).first();
    const files = await t.db('jobs_attachment').where({ vacancy_id: row.id });
    expect(files.map((f) => f.original_name)).toEqual(['notice.pdf']);
  });

  it('refuses an attachment whose content is not what its name says, keeping what was typed', async () => {
    const before = await count();
    const res = await agency.agent
      .post(`/jobs/manage/new?_csrf=${encodeURIComponent(agency.csrf)}`)
      .field(vacancyForm({ workAddress: '保留的地址', workPlaces: '10' }) as Record<string, string>)
      .attach('files', Buffer.from('MZ\x90\x00 not a pdf'), 'fake.pdf');
    expectZhPage(res, 400);
    expect(formErrors(res.text)[0]).toContain('fake.pdf');
    expect(inputValue(res.text, 'workAddress')).toBe('保留的地址');
    expect(await count()).toBe(before);
  });
});

describe('機關徵才登錄: bad input (same form, zh-TW message, what was typed kept, nothing saved)', () => {
  const cases: [string, Record<string, string | string[] | undefined>, string, string][] = [
    ['機關地址 empty', { agencyAddress: '' }, 'agencyAddress', '請輸入機關地址'],
    ['機關地址 too long', { agencyAddress: long(201) }, 'agencyAddress', '機關地址不可超過 200 個字'],
    ['填寫人姓名 empty', { fillerName: '' }, 'fillerName', '請輸入填寫人姓名'],
    ['填寫人姓名 too long', { fillerName: long(51) }, 'fillerName', '填寫人姓名不可超過 50 個字'],
    ['填寫人電話 empty', { fillerPhone: '' }, 'fillerPhone', '請輸入填寫人電話'],
    ['填寫人電話 wrong format', { fillerPhone: '電話號碼' }, 'fillerPhone', '填寫人電話格式錯誤，請輸入數字，例如 02-23979108'],
    ['分機 wrong format', { fillerExt: '12a' }, 'fillerExt', '分機須為數字'],
    ['分機 too long', { fillerExt: '12345678901' }, 'fillerExt', '分機不可超過 10 個字'],
    ['填寫人Email wrong format', { fillerEmail: 'hr@' }, 'fillerEmail', '填寫人Email格式錯誤，例如 name@example.gov.tw'],
    ['填寫人Email too long', { fillerEmail: `${'a'.repeat(250)}@x.tw` }, 'fillerEmail', '填寫人Email不可超過 254 個字'],
    ['人員區分 empty', { personKind: '' }, 'personKind', '請選擇人員區分'],
    ['人員區分 unknown', { personKind: '77' }, 'personKind', '請選擇人員區分'],
    ['官等職等 out of the scale', { rankFrom: '15', rankTo: '15' }, 'rankFrom', '官等職等（起）請選擇委任第一職等至簡任第十四職等'],
    ['官等職等 only one end', { rankTo: '' }, 'rankTo', '官等職等請同時選擇起迄'],
    ['官等職等 to below from', { rankFrom: '9', rankTo: '6' }, 'rankTo', '官等職等（迄）不可低於（起）'],
    ['職稱 empty', { titleCode: '' }, 'titleCode', '請選擇職稱'],
    ['職稱 not in the code list', { titleCode: 'X99' }, 'titleCode', '請選擇職稱'],
    ['職系 not in the code list', { seriesCode: '9999' }, 'seriesCode', '請選擇職系'],
    ['名額 empty', { numberOf: '' }, 'numberOf', '請輸入名額'],
    ['名額 0', { numberOf: '0' }, 'numberOf', '名額須為 1 至 999 的數字'],
    ['名額 negative', { numberOf: '-2' }, 'numberOf', '名額須為 1 至 999 的數字'],
    ['名額 text', { numberOf: '兩名' }, 'numberOf', '名額須為數字或「數名」'],
    ['候用名額 negative', { reserveNum: '-1' }, 'reserveNum', '候用名額須為 0 至 999 的數字'],
    ['性別 missing', { gender: undefined }, 'gender', '請選擇性別'],
    ['性別 unknown', { gender: 'X' }, 'gender', '請選擇性別'],
    ['性別 restricted without a reason', { gender: 'F', genderReason: '' }, 'genderReason', '性別設有限制時，請說明工作性質僅適合特定性別之理由（性別工作平等法第7條）'],
    ['no 工作地', { workPlaces: undefined }, 'workPlaces', '請勾選工作地'],
    ['工作地 unknown code', { workPlaces: ['11'] }, 'workPlaces', '工作地選項錯誤'],
    ['有效期間 empty', { dateFrom: '' }, 'dateFrom', '請輸入有效期間（起）'],
    ['有效期間 wrong format', { dateFrom: '115/13/40' }, 'dateFrom', '有效期間（起）格式錯誤，請輸入如 115/11/22 或 2026-11-22'],
    ['有效期間 ending before it starts', { dateFrom: rocShort(addDays(today(), 10)), dateTo: rocShort(addDays(today(), 5)) }, 'dateTo', '有效期間（迄）不可早於（起）'],
    ['有效期間 longer than allowed', { dateTo: rocShort(addDays(today(), 120)) }, 'dateTo', '有效期間最長 90 日'],
    ['有效期間 already over', { dateFrom: rocShort(addDays(today(), -20)), dateTo: rocShort(addDays(today(), -1)) }, 'dateTo', '有效期間（迄）不可早於今日'],
    ['資格條件 empty', { workQuality: '' }, 'workQuality', '請輸入資格條件'],
    ['資格條件 too long', { workQuality: long(2001) }, 'workQuality', '資格條件不可超過 2000 個字'],
    ['工作項目 empty', { workItem: '' }, 'workItem', '請輸入工作項目'],
    ['工作項目 too long', { workItem: long(2001) }, 'workItem', '工作項目不可超過 2000 個字'],
    ['工作地址 empty', { workAddress: '' }, 'workAddress', '請輸入工作地址'],
    ['工作地址 too long', { workAddress: long(201) }, 'workAddress', '工作地址不可超過 200 個字'],
    ['聯絡方式 empty', { contactMethod: '' }, 'contactMethod', '請輸入聯絡方式'],
    ['聯絡方式 too long', { contactMethod: long(501) }, 'contactMethod', '聯絡方式不可超過 500 個字'],
    ['相關網址 wrong format', { urlLink: 'javascript:alert(1)' }, 'urlLink', '相關網址須以 http:// 或 https:// 開頭'],
    ['相關網址 too long', { urlLink: `https://x.tw/${'a'.repeat(500)}` }, 'urlLink', '相關網址不可超過 500 個字'],
    ['a flag of the wrong type', { isHandicap: 'yes' }, 'isHandicap', '「身心障礙者可應徵」格式錯誤'],
  ];
  for (const [name, over, field, message] of cases) {
    it(name, async () => {
      const before = await count();
      const res = await post(agency, vacancyForm({ workAddress: '臺北市北投區明德路365號（保留）', ...over }));
      expectZhPage(res, 400);
      expect(res.text).toContain('<title>錯誤：');
      expect(formErrors(res.text)).toContain(message);
      expect(res.text).toContain(`href="#${field}"`);
      if (field !== 'workAddress') expect(inputValue(res.text, 'workAddress')).toBe('臺北市北投區明德路365號（保留）');
      expect(await count()).toBe(before);
    });
  }
});

describe('機關徵才登錄: edit, delete, preview', () => {
  it('edits its own vacancy, which goes back to review', async () => {
    const own = await t.db('jobs_vacancy').where({ org_id: 'A096C0000Q', status: 'approved' }).whereNull('deleted_at').first();
    const page = await agency.agent.get(`/jobs/manage/${own.id}/edit`);
    expectZhPage(page, 200);
    expect(inputValue(page.text, 'workAddress')).toBe(own.work_address);
    const res = await post(agency, vacancyForm({ workItem: '修改後的工作項目', dateFrom: rocShort(today()) }), `/jobs/manage/${own.id}/edit`);
    expect(res.status).toBe(303);
    const after = await t.db('jobs_vacancy').where({ id: own.id }).first();
    expect(after.work_item).toBe('修改後的工作項目');
    expect(after.status).toBe('pending');
    const preview = await agency.agent.get(`/jobs/manage/${own.id}/preview`);
    expectZhPage(preview, 200);
    expect(preview.text).toContain('修改後的工作項目');
  });

  it('refuses editing, previewing or deleting another agency\'s vacancy (404, audited, unchanged)', async () => {
    const other = await t.db('jobs_vacancy').whereNot({ org_id: 'A096C0000Q' }).whereNull('deleted_at').first();
    expectZhPage(await agency.agent.get(`/jobs/manage/${other.id}/edit`), 404);
    expect((await lastAudit(t.db, 'jobs.vacancy.edit')).outcome).toBe('denied');
    const edit = await post(agency, vacancyForm({ workItem: '竄改' }), `/jobs/manage/${other.id}/edit`);
    expectZhPage(edit, 404);
    const del = await agency.agent.post(`/jobs/manage/${other.id}/delete`).type('form').send({ _csrf: agency.csrf });
    expectZhPage(del, 404);
    const entry = await lastAudit(t.db, 'jobs.vacancy.delete');
    expect(entry.outcome).toBe('denied');
    expect(entry.target_id).toBe(String(other.id));
    const after = await t.db('jobs_vacancy').where({ id: other.id }).first();
    expect(after.deleted_at).toBeNull();
    expect(after.work_item).toBe(other.work_item);
    expectZhPage(await agency.agent.get(`/jobs/manage/${other.id}/preview`), 404);
    expectZhPage(await agency.agent.get(`/jobs/manage/${other.id}/applicants`), 404);
  });

  it('deletes its own vacancy', async () => {
    await post(agency, vacancyForm({ workItem: '將刪除的職缺' }));
    const row = await t.db('jobs_vacancy').where({ work_item: '將刪除的職缺' }).first();
    const res = await agency.agent.post(`/jobs/manage/${row.id}/delete`).type('form').send({ _csrf: agency.csrf });
    expect(res.status).toBe(303);
    expect((await t.db('jobs_vacancy').where({ id: row.id }).first()).deleted_at).not.toBeNull();
    expectZhPage(await agency.agent.get(`/jobs/manage/${row.id}/edit`), 404);
  });

  it('answers 404 for ids that are not numbers', async () => {
    expectZhPage(await agency.agent.get('/jobs/manage/abc/edit'), 404);
  });
});


describe('刊登方式: 送出 publishes at once (seed 004) unless the agency is reviewed first', () => {
  let dgpa: Awaited<ReturnType<typeof cardSignIn>>;
  beforeAll(async () => {
    dgpa = await cardSignIn(t.app, 'agency-dgpa');
  });
  const marker = (s: string) => `${s}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;

  it('keeps the demo setting: 國立臺北護理健康大學 is reviewed first, 行政院人事行政總處 publishes at once', async () => {
    const rows = await t.db('jobs_agency_setting as s').join('agency as g', 'g.id', 's.agency_id').select('g.code', 's.review_before_publish');
    expect(rows).toContainEqual({ code: 'A096C0000Q', review_before_publish: true });
    expect(rows.find((r: { code: string }) => r.code === '376470000A')).toBeUndefined();
  });

  it('publishes a new vacancy at once for its 有效期間: public page, search and the agency list show it, audited', async () => {
    const item = marker('送出即刊登');
    const res = await post(dgpa, vacancyForm({ workItem: item, fillerEmail: 'hr@dgpa.gov.tw' }));
    expect(res.status).toBe(303);
    const row = await t.db('jobs_vacancy').where({ work_item: item }).first();
    expect(row.status).toBe('approved');
    expect(row.approved_at).not.toBeNull();
    expect(row.reviewed_at).toBeNull();
    expect(await lastAudit(t.db, 'jobs.vacancy.create')).toMatchObject({ target_id: String(row.work_id), details: { published: true } });
    const list = await dgpa.agent.get('/jobs/manage');
    expect(list.text).toContain(`已送出，職缺編號 ${row.work_id}，已完成刊登，於有效期間（${rocShort(today())}～${rocShort(addDays(today(), 30))}）內公告。`);
    const page = await request(t.app).get(`/jobs/view?work_id=${row.work_id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain(item);
  });

  it('publishes at once but shows it only from the first day of its 有效期間', async () => {
    const item = marker('未來刊登');
    await post(dgpa, vacancyForm({ workItem: item, dateFrom: rocShort(addDays(today(), 3)), dateTo: rocShort(addDays(today(), 20)) })).expect(303);
    const row = await t.db('jobs_vacancy').where({ work_item: item }).first();
    expect(row.status).toBe('approved');
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${row.work_id}`), 404);
  });

  it('publishes an edit at once too', async () => {
    const item = marker('修改即刊登');
    await post(dgpa, vacancyForm({ workItem: item })).expect(303);
    const row = await t.db('jobs_vacancy').where({ work_item: item }).first();
    const res = await post(dgpa, vacancyForm({ workItem: `${item}-改` }), `/jobs/manage/${row.id}/edit`);
    expect(res.status).toBe(303);
    expect((await t.db('jobs_vacancy').where({ id: row.id }).first()).status).toBe('approved');
    expect((await dgpa.agent.get('/jobs/manage')).text).toContain(`職缺編號 ${row.work_id} 已修改，並已刊登。`);
  });

  it('keeps a vacancy of an agency reviewed first pending until a reviewer approves it', async () => {
    const item = marker('審核後刊登');
    await post(agency, vacancyForm({ workItem: item })).expect(303);
    const row = await t.db('jobs_vacancy').where({ work_item: item }).first();
    expect(row.status).toBe('pending');
    expect((await agency.agent.get('/jobs/manage')).text).toContain('審核通過後於有效期間內公告');
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${row.work_id}`), 404);
  });
});

describe('刊登方式設定 (portal administrators)', () => {
  it('turns review before publishing on and off for an agency, audited; its next vacancy follows', async () => {
    const admin = await signIn(t.app, 'portal.admin');
    const page = await admin.agent.get('/jobs/publishing');
    expectZhPage(page, 200);
    expect(page.text).toContain('376470000A');
    const dgpa = await cardSignIn(t.app, 'agency-dgpa');
    try {
      expect((await admin.agent.post('/jobs/publishing/376470000A').type('form').send({ _csrf: admin.csrf, reviewBeforePublish: 'on' })).status).toBe(303);
      expect(await lastAudit(t.db, 'jobs.publishing.update')).toMatchObject({ target_id: '376470000A', details: { reviewBeforePublish: true, before: false } });
      expect((await admin.agent.get('/jobs/publishing')).text).toContain('行政院人事行政總處（376470000A）的職缺改為經審核通過後刊登。');
      const item = `設定後審核-${process.pid}`;
      await post(dgpa, vacancyForm({ workItem: item })).expect(303);
      expect((await t.db('jobs_vacancy').where({ work_item: item }).first()).status).toBe('pending');
    } finally {
      await admin.agent.post('/jobs/publishing/376470000A').type('form').send({ _csrf: admin.csrf, reviewBeforePublish: 'off' }).expect(303);
    }
    const item = `設定後即刊登-${process.pid}`;
    await post(dgpa, vacancyForm({ workItem: item })).expect(303);
    expect((await t.db('jobs_vacancy').where({ work_item: item }).first()).status).toBe('approved');
  });

  it('refuses a bad value and an unknown agency, changing nothing', async () => {
    const admin = await signIn(t.app, 'portal.admin');
    const before = await t.db('jobs_agency_setting').orderBy('agency_id');
    const bad = await admin.agent.post('/jobs/publishing/376470000A').type('form').send({ _csrf: admin.csrf, reviewBeforePublish: 'maybe' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['請選擇刊登方式']);
    expectZhPage(await admin.agent.post('/jobs/publishing/Z999Z9999Z').type('form').send({ _csrf: admin.csrf, reviewBeforePublish: 'on' }), 404);
    expect(await t.db('jobs_agency_setting').orderBy('agency_id')).toEqual(before);
  });

  it('refuses the setting to a reviewer, an agency card and HR staff: 403 and an audit entry, nothing changed', async () => {
    const before = await t.db('jobs_agency_setting').orderBy('agency_id');
    for (const who of [await signIn(t.app, 'jobs.reviewer'), agency, await signIn(t.app, 'hr.chief')]) {
      expectZhPage(await who.agent.get('/jobs/publishing'), 403);
      expectZhPage(await who.agent.post('/jobs/publishing/A096C0000Q').type('form').send({ _csrf: who.csrf, reviewBeforePublish: 'off' }), 403);
      expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ outcome: 'denied', target_id: '/jobs/publishing/A096C0000Q' });
    }
    expect(await t.db('jobs_agency_setting').orderBy('agency_id')).toEqual(before);
  });
});

describe('下架: a reviewer takes a published vacancy down with a reason', () => {
  const mailsTo = (to: string) => t.db('mail_outbox').where({ to_address: to }).orderBy('id');

  it('takes it down at once: off the public pages, the agency sees why, mailed to the agency and audited', async () => {
    const dgpa = await cardSignIn(t.app, 'agency-dgpa');
    const reviewer = await signIn(t.app, 'jobs.reviewer');
    const email = `withdraw${process.pid}@dgpa.gov.tw`;
    const item = `將被下架-${process.pid}`;
    await post(dgpa, vacancyForm({ workItem: item, fillerEmail: email })).expect(303);
    const row = await t.db('jobs_vacancy').where({ work_item: item }).first();
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${row.work_id}`), 200);
    const list = await reviewer.agent.get(`/jobs/review?workId=${row.work_id}`);
    expectZhPage(list, 200);
    expect(list.text).toContain(`/jobs/review/${row.id}`);
    const form = await reviewer.agent.get(`/jobs/review/${row.id}`);
    expect(form.text).toContain('下架理由');
    const res = await reviewer.agent.post(`/jobs/review/${row.id}/withdraw`).type('form').send({ _csrf: reviewer.csrf, reason: '職缺內容與機關實際需求不符' });
    expect(res.status).toBe(303);
    const after = await t.db('jobs_vacancy').where({ id: row.id }).first();
    expect(after).toMatchObject({ status: 'withdrawn', review_reason: '職缺內容與機關實際需求不符' });
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${row.work_id}`), 404);
    expect(await lastAudit(t.db, 'jobs.vacancy.withdraw')).toMatchObject({ target_id: String(row.work_id), details: { reason: '職缺內容與機關實際需求不符', agency: '376470000A' } });
    const mails = await mailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe(`【事求人機關徵才系統】職缺編號 ${row.work_id} 已下架`);
    expect(mails[0].body_text).toContain('下架理由：職缺內容與機關實際需求不符');
    const manage = await dgpa.agent.get(`/jobs/manage?workId=${row.work_id}`);
    expect(manage.text).toContain('已下架');
    // An edit of a vacancy taken down goes to a reviewer, even for an agency that publishes at once.
    await post(dgpa, vacancyForm({ workItem: `${item}-改` }), `/jobs/manage/${row.id}/edit`).expect(303);
    expect((await t.db('jobs_vacancy').where({ id: row.id }).first()).status).toBe('pending');
    expectZhPage(await request(t.app).get(`/jobs/view?work_id=${row.work_id}`), 404);
  });

  it('refuses a takedown without a reason or with a reason too long, keeping what was typed, changing nothing', async () => {
    const dgpa = await cardSignIn(t.app, 'agency-dgpa');
    const reviewer = await signIn(t.app, 'jobs.reviewer');
    const item = `下架理由測試-${process.pid}`;
    await post(dgpa, vacancyForm({ workItem: item })).expect(303);
    const row = await t.db('jobs_vacancy').where({ work_item: item }).first();
    const none = await reviewer.agent.post(`/jobs/review/${row.id}/withdraw`).type('form').send({ _csrf: reviewer.csrf, reason: '' });
    expectZhPage(none, 400);
    expect(formErrors(none.text)).toEqual(['請輸入下架理由']);
    const tooLong = await reviewer.agent.post(`/jobs/review/${row.id}/withdraw`).type('form').send({ _csrf: reviewer.csrf, reason: long(501) });
    expectZhPage(tooLong, 400);
    expect(formErrors(tooLong.text)).toEqual(['下架理由不可超過 500 個字']);
    expect(tooLong.text).toContain(long(501));
    expect((await t.db('jobs_vacancy').where({ id: row.id }).first()).status).toBe('approved');
  });

  it('refuses to take down a vacancy that is not published (409), and a non-numeric 職缺編號 on the list (400)', async () => {
    const reviewer = await signIn(t.app, 'jobs.reviewer');
    const pending = await t.db('jobs_vacancy').where({ status: 'pending' }).whereNull('deleted_at').first();
    const res = await reviewer.agent.post(`/jobs/review/${pending.id}/withdraw`).type('form').send({ _csrf: reviewer.csrf, reason: '測試' });
    expectZhPage(res, 409);
    expect(formErrors(res.text)).toEqual(['此職缺目前未刊登，無須下架。']);
    expect((await t.db('jobs_vacancy').where({ id: pending.id }).first()).status).toBe('pending');
    const bad = await reviewer.agent.get('/jobs/review?workId=abc');
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['職缺編號須為數字']);
  });

  it('refuses the takedown to anyone but a reviewer (403, audited) and leaves it published', async () => {
    const published = await t.db('jobs_vacancy').where({ status: 'approved', org_id: 'A096C0000Q' }).whereNull('deleted_at').first();
    for (const who of [agency, await signIn(t.app, 'portal.admin'), await signIn(t.app, 'hr.chief')]) {
      expectZhPage(await who.agent.post(`/jobs/review/${published.id}/withdraw`).type('form').send({ _csrf: who.csrf, reason: '不該成功' }), 403);
      expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ outcome: 'denied', target_id: `/jobs/review/${published.id}/withdraw` });
    }
    expect((await t.db('jobs_vacancy').where({ id: published.id }).first()).status).toBe('approved');
    expectZhPage(await request(t.app).post(`/jobs/review/${published.id}/withdraw`).type('form').send({ reason: 'x' }), 403);
  });
});
