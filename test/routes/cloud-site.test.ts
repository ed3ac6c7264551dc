import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import ejs from 'ejs';
import request from 'supertest';
import { buildApp, lastAudit, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, formErrors, inputValue, long, type Agent } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

let ntunhs: { agent: Agent; csrf: string };
let dgpa: { agent: Agent; csrf: string };

beforeAll(async () => {
  for (const code of ['A096C0000Q', '376470000A']) {
    const a = await t.db('agency').where({ code }).first('id');
    await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  }
  ntunhs = await cardSignIn(t.app, 'agency-ntunhs');
  dgpa = await cardSignIn(t.app, 'agency-dgpa');
});

describe('access: the pages seed 002 shows before the card login are public; the agency functions need the card', () => {
  const PUBLIC = ['/cloud', '/cloud/services', '/cloud/install', '/cloud/faq', '/cloud/links', '/cloud/contact', '/cloud/files', '/cloud/search?q=' + encodeURIComponent('服務')];

  it('lets a signed-out visitor read 最新公告, 服務說明, 安裝說明, 常見問題, 相關連結, 聯絡我們, 檔案下載 and 搜尋, with the card login offered', async () => {
    for (const path of PUBLIC) {
      const res = await request(t.app).get(path);
      expectZhPage(res, 200);
      expect(res.text, path).toContain('憑證登入');
      expect(res.text, path).toContain('申請服務、進度查詢、錯誤回報及資料交換下載，請以機關憑證登入後使用。');
      expect(res.text, path).not.toContain('href="/cloud/apply"');
    }
    const n = await t.db('content_item').where({ kind: 'cloud.news', title: '雲端人事平台測試' }).first('id');
    expectZhPage(await request(t.app).get(`/cloud/news/${n.id}`), 200);
  });

  it('lets a signed-out visitor download a 欄位說明 sheet of 服務說明', async () => {
    const services = await request(t.app).get('/cloud/services');
    const href = /href="(\/cloud\/services\/[^"]+\/fields\.csv)"/.exec(services.text)?.[1];
    expect(href).toBeDefined();
    const csv = await request(t.app).get(href!);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
  });

  it.each(['/cloud/apply', '/cloud/applications', '/cloud/reports', '/cloud/reports/new', '/cloud/deliveries'])('sends a signed-out visitor from %s to the card login', async (path) => {
    const res = await request(t.app).get(path);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/login/certificate?returnTo=${encodeURIComponent(path)}`);
  });

  it('lets a password session read the public pages, and refuses it 錯誤回報 with the card-only message, audited', async () => {
    const s = await signIn(t.app, 'wang.xiaoming');
    expectZhPage(await s.agent.get('/cloud/faq'), 200);
    const res = await s.agent.get('/cloud/reports');
    expectZhPage(res, 403);
    expect(res.text).toContain('限以機關憑證登入');
    expect((await lastAudit(t.db, 'access.denied')).target_id).toBe('/cloud/reports');
  });

  it('refuses a card of an agency not granted the platform: 「此憑證尚未分配權限」, audited; it still reads the public pages', async () => {
    const a = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
    await t.db('agency_area_grant').where({ agency_id: a.id, area: 'cloud' }).delete();
    try {
      expectZhPage(await ntunhs.agent.get('/cloud/services'), 200);
      const res = await ntunhs.agent.get('/cloud/reports');
      expectZhPage(res, 403);
      expect(res.text).toContain('此憑證尚未分配權限');
      expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ outcome: 'denied', target_id: '/cloud/reports' });
    } finally {
      await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
    }
  });

  it('lets the Ministry administrator read the pages', async () => {
    const s = await signIn(t.app, 'mocs.admin');
    const res = await s.agent.get('/cloud/services');
    expectZhPage(res, 200);
    expect(res.text).toContain('資料表及欄位管理');
  });
});

describe('跳至第 N 頁 (the pager of 最新公告)', () => {
  it('offers a GET form that keeps the search and jumps to the page typed, without script', async () => {
    const res = await request(t.app).get('/cloud');
    expect(res.text).toContain('<form class="pager-jump" action="/cloud" method="get">');
    expect(res.text).toMatch(/<label for="pager-page">跳至第<\/label>/);
    const jumped = await request(t.app).get('/cloud?page=2');
    expect(jumped.text).toContain('目前第 2 頁');
  });

  it('keeps a list\'s other query parameters (escaped) as hidden fields, and not page', async () => {
    const html = await ejs.renderFile(path.join(process.cwd(), 'views/partials/pager.ejs'), {
      result: { total: 25, pages: 3, page: 2 },
      base: `/cloud?q=${encodeURIComponent('服務"><b>')}&page=2&x=1`,
    });
    expect(html).toContain('<form class="pager-jump" action="/cloud" method="get">');
    expect(html).toContain('<input type="hidden" name="q" value="服務&#34;&gt;&lt;b&gt;">');
    expect(html).toContain('<input type="hidden" name="x" value="1">');
    expect(html).not.toContain('name="page" value="2"><input');
    expect(html).toContain('value="2" aria-describedby="pager-page-hint"');
    expect(html).toContain('頁（1～3）');
    const single = await ejs.renderFile(path.join(process.cwd(), 'views/partials/pager.ejs'), { result: { total: 5, pages: 1, page: 1 }, base: '/cloud' });
    expect(single).not.toContain('pager-jump');
  });

  it.each([['999', /目前第 \d+ 頁/], ['abc', /目前第 1 頁/], ['-3', /目前第 1 頁/], ['', /目前第 1 頁/]])('answers a jump to %j with a page that exists', async (page, re) => {
    const res = await request(t.app).get(`/cloud?page=${encodeURIComponent(page)}`);
    expectZhPage(res, 200);
    expect(res.text).toMatch(re);
    const m = /計 (\d+) 頁，目前第 (\d+) 頁/.exec(res.text)!;
    expect(Number(m[2])).toBeLessThanOrEqual(Number(m[1]));
  });
});

describe('portal pages', () => {
  it('最新公告 lists the seeded news newest first, ten a page', async () => {
    const res = await ntunhs.agent.get('/cloud');
    expectZhPage(res, 200);
    const dates = [...res.text.matchAll(/<tr><td>(\d+\/\d\d\/\d\d)<\/td>/g)].map((m) => m[1]!);
    expect(dates).toHaveLength(10);
    expect(dates[0]).toBe('115/11/02');
    expect(res.text).toContain('目前第 1 頁');
    const p2 = await ntunhs.agent.get('/cloud?page=2');
    expect(p2.text).toContain('目前第 2 頁');
    expect(p2.text).toContain('資料交換服務申請流程說明');
  });

  it('searches the news by keyword (seed 002 二 3)', async () => {
    const res = await ntunhs.agent.get('/cloud?q=' + encodeURIComponent('退休資料'));
    expectZhPage(res, 200);
    expect(res.text).toContain('新增[退休資料]服務公告');
    expect(res.text).not.toContain('雲端人事平台測試');
    const none = await ntunhs.agent.get('/cloud?q=' + encodeURIComponent('%_不存在'));
    expect(none.text).toContain('查無符合的公告');
  });

  it.each(['abc', '-1', '0', '99999'])('never fails on page=%s', async (page) => {
    const res = await ntunhs.agent.get(`/cloud?page=${page}`);
    expectZhPage(res, 200);
  });

  it('shows a news item, 404 for an unknown one', async () => {
    const n = await t.db('content_item').where({ kind: 'cloud.news', title: '雲端人事平台測試' }).first('id');
    expectZhPage(await ntunhs.agent.get(`/cloud/news/${n.id}`), 200);
    expectZhPage(await ntunhs.agent.get('/cloud/news/999999'), 404);
    expectZhPage(await ntunhs.agent.get('/cloud/news/abc'), 404);
  });

  it('服務說明 lists the 13 services with categories and 欄位說明 downloads', async () => {
    const res = await ntunhs.agent.get('/cloud/services');
    expectZhPage(res, 200);
    const codes = [...res.text.matchAll(/<td>(SQ_[A-Z]+_[0-9A-Z]+)<\/td>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(13);
    expect(codes).toContain('SQ_TA_008');
    expect(res.text).toContain('退撫資料');
    expect(res.text).toContain('href="/cloud/services/SQ_MA_001/fields.csv"');
  });

  it('欄位說明 is generated from the data dictionary', async () => {
    const res = await ntunhs.agent.get('/cloud/services/SQ_MA_001/fields.csv').buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const text = res.text ?? res.body.toString();
    expect(text).toContain('服務代碼,服務名稱,資料表,欄位代碼,欄位名稱');
    expect(text).toContain('SQ_MA_001,退休資料,hr_retirement,retire_kind,退休種類');
    // Follows edits of the dictionary.
    const f = await t.db('cloud_dict_field as f').join('cloud_dict_table as t', 't.id', 'f.table_id').where({ 't.name': 'hr_retirement', 'f.column_name': 'last_rank' }).first('f.id');
    await t.db('cloud_dict_field').where({ id: f.id }).update({ label: '退休時官職等' });
    try {
      const again = await ntunhs.agent.get('/cloud/services/SQ_MA_001/fields.csv').buffer(true);
      expect(again.text).toContain('last_rank,退休時官職等');
    } finally {
      await t.db('cloud_dict_field').where({ id: f.id }).update({ label: '退休時職等' });
    }
    expectZhPage(await ntunhs.agent.get('/cloud/services/SQ_XX_999/fields.csv'), 404);
  });

  it('安裝說明, 常見問題, 相關連結, 聯絡我們, 檔案下載', async () => {
    expect((await ntunhs.agent.get('/cloud/install')).text).toContain('解密程式');
    const faq = await ntunhs.agent.get('/cloud/faq');
    expect(faq.text).toContain('此憑證尚未分配權限，請洽系統管理員');
    expect([...faq.text.matchAll(/<h2>\d+\. /g)].length).toBeGreaterThanOrEqual(4);
    const links = await ntunhs.agent.get('/cloud/links');
    expect(links.text).toContain('公務人員退休撫卹基金');
    expect((await ntunhs.agent.get('/cloud/contact')).text).toContain('mailto:service@mocs.gov.tw');
    const files = await ntunhs.agent.get('/cloud/files');
    expectZhPage(files, 200);
    // A file published as a link (the seeded ones) redirects to it; the admin tests may add
    // uploaded files at the same time, so the link is picked by its row, not by its place.
    const linked = await t.db('content_item').where({ kind: 'cloud.files' }).whereNotNull('url').orderBy('id').first();
    expect(files.text).toContain(`href="/cloud/files/${linked.id}"`);
    const f = await ntunhs.agent.get(`/cloud/files/${linked.id}`);
    expect(f.status).toBe(302);
    expect(f.headers.location).toBe(linked.url);
  });

  it('搜尋 finds news, files and FAQ', async () => {
    const res = await ntunhs.agent.get('/cloud/search?q=' + encodeURIComponent('解密程式'));
    expectZhPage(res, 200);
    expect(res.text).toContain('解密程式更新公告');
    expect(res.text).toContain('讀卡機元件（含解密程式）');
    expect(res.text).toContain('如何開啟下載的資料交換檔案？');
    const empty = await ntunhs.agent.get('/cloud/search');
    expect(empty.text).toContain('請輸入關鍵字');
  });
});

const REPORT = { reporterName: '林小美', phone: '02-28227101', email: 'hr@ntunhs.edu.tw', occurredOn: '115/11/20', occurredTime: '14:30', serviceCode: 'SQ_MA_001', content: '下載退休資料時出現錯誤' };

function postReport(s: { agent: Agent; csrf: string }, fields: Record<string, string>, file?: { data: Buffer; name: string }) {
  const req = s.agent.post(`/cloud/reports?_csrf=${encodeURIComponent(s.csrf)}`);
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  if (file) req.attach('attachment', file.data, file.name);
  return req;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6300010000050001' + '0d0a2db40000000049454e44ae426082', 'hex');

describe('錯誤回報', () => {
  it('files a report with an attachment and an 8-digit code, shown in the query', async () => {
    const res = await postReport(ntunhs, REPORT, { data: PNG, name: '錯誤畫面.png' });
    expect(res.status).toBe(303);
    const code = /^\/cloud\/reports\/(\d{8})$/.exec(String(res.headers.location))![1]!;
    const row = await t.db('cloud_report').where({ code }).first();
    expect(row.status).toBe('open');
    expect(await t.db('cloud_report_file').where({ report_id: row.id })).toHaveLength(1);
    const page = await ntunhs.agent.get(`/cloud/reports/${code}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('錯誤畫面.png');
    expect(page.text).toContain('處理中');
    expect(page.text).toContain('退休資料');
    const fileId = /href="\/cloud\/reports\/\d+\/files\/(\d+)"/.exec(page.text)![1];
    const file = await ntunhs.agent.get(`/cloud/reports/${code}/files/${fileId}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    const list = await ntunhs.agent.get('/cloud/reports?from=115/11/01&to=115/11/30&status=open');
    expect(list.text).toContain(code);
    const closed = await ntunhs.agent.get('/cloud/reports?status=closed');
    expect(closed.text).not.toContain(`>${code}<`);
    expect((await lastAudit(t.db, 'cloud.report.create')).target_id).toBe(code);
  });

  it('keeps what was typed and names every empty field', async () => {
    const before = await t.db('cloud_report').count({ n: '*' });
    const res = await postReport(ntunhs, { reporterName: '', phone: '', email: '', occurredOn: '', content: '', occurredTime: '99:99', applicationNumber: 'X1' });
    expectZhPage(res, 400);
    const errs = formErrors(res.text);
    for (const m of ['請輸入姓名', '請輸入連絡電話', '請輸入電子郵件', '請輸入問題發生日期', '請輸入問題內容', '時間格式錯誤', '申請案號格式錯誤']) expect(errs.join()).toContain(m);
    expect(await t.db('cloud_report').count({ n: '*' })).toEqual(before);
  });

  it.each([
    ['email', 'not-an-email', '電子郵件格式錯誤'],
    ['phone', 'abc', '連絡電話格式錯誤'],
    ['occurredOn', '115/02/30', '問題發生日期格式錯誤'],
    ['reporterName', long(51), '姓名不可超過 50 個字'],
    ['content', long(2001), '問題內容不可超過 2000 個字'],
    ['serviceCode', 'SQ_XX_999', '請選擇服務代碼'],
    ['applicationNumber', 'APFQ19999999', '查無此申請案號'],
  ])('refuses %s = %s', async (field, value, message) => {
    const res = await postReport(ntunhs, { ...REPORT, [field]: value });
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain(message);
    expect(inputValue(res.text, 'reporterName')).toBe(field === 'reporterName' ? value : REPORT.reporterName);
  });

  it('refuses a date in the future', async () => {
    const res = await postReport(ntunhs, { ...REPORT, occurredOn: '2099-01-01' });
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain('問題發生日期不可晚於今天');
  });

  it('refuses an attachment over 5 MB, keeping the fields and saving nothing', async () => {
    const before = await t.db('cloud_report').count({ n: '*' });
    const res = await postReport(ntunhs, REPORT, { data: Buffer.alloc(5 * 1024 * 1024 + 10, 0x41), name: 'big.txt' });
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain('單一檔案大小不可超過 5 MB');
    expect(inputValue(res.text, 'email')).toBe(REPORT.email);
    expect(await t.db('cloud_report').count({ n: '*' })).toEqual(before);
  });

  it('refuses a disguised file type', async () => {
    const res = await postReport(ntunhs, REPORT, { data: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff'.repeat(20), 'latin1'), name: 'screen.png' });
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toMatch(/檔案(內容與副檔名不符|格式不符)|不是圖片檔/);
  });

  it('refuses two attachments', async () => {
    const req = ntunhs.agent.post(`/cloud/reports?_csrf=${encodeURIComponent(ntunhs.csrf)}`);
    for (const [k, v] of Object.entries(REPORT)) req.field(k, v);
    const res = await req.attach('attachment', PNG, 'a.png').attach('attachment', PNG, 'b.png');
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain('附件最多 1 個檔案');
  });

  it("another agency reading the report gets 404, audited", async () => {
    const res = await postReport(ntunhs, REPORT);
    const code = /(\d{8})$/.exec(String(res.headers.location))![1]!;
    const other = await dgpa.agent.get(`/cloud/reports/${code}`);
    expectZhPage(other, 404);
    const audit = await lastAudit(t.db, 'cloud.access.denied');
    expect(audit.target_id).toBe(code);
    expect(audit.outcome).toBe('denied');
    expect((await dgpa.agent.get('/cloud/reports')).text).not.toContain(code);
  });

  it('a bad date range in the query is a message, not a failure', async () => {
    const res = await ntunhs.agent.get('/cloud/reports?from=115/11/30&to=115/11/01');
    expectZhPage(res, 400);
    expect(formErrors(res.text).join()).toContain('日期區間迄日不可早於起日');
    expect(inputValue(res.text, 'from')).toBe('115/11/30');
  });
});
