import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, long } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0'), Buffer.alloc(400, 1)]);
EXE.writeUInt32LE(64, 60);
const MB = 1024 * 1024;

async function asker() {
  const a = await makeAccount(t.db);
  return { a, ...(await signIn(t.app, a.login)) };
}

type Agent = Awaited<ReturnType<typeof asker>>['agent'];
const fields = { kind: '問題', appCode: 'A1', subject: 'WebHR 無法登入', description: '登入後出現錯誤訊息', phone: '02-23979108', email: 'asker@example.gov.tw' };

function file(agent: Agent, csrf: string, over: Record<string, string> = {}, files: [Buffer, string][] = []) {
  let req = agent.post(`/pics/tickets?_csrf=${encodeURIComponent(csrf)}`);
  for (const [k, v] of Object.entries({ ...fields, ...over })) req = req.field(k, v);
  for (const [buf, name] of files) req = req.attach('attachments', buf, name);
  return req;
}

/** Paths of the kept files (other test files share the store, so compare contents, not counts). */
const storedPaths = () => {
  const dir = path.join(t.config.uploadDir, 'store');
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : out.push(path.join(d, e.name));
  };
  walk(dir);
  return out;
};
/** How many files kept since `before` have one of these contents. */
const keptSince = (before: string[], contents: Buffer[]) => {
  const old = new Set(before);
  return storedPaths()
    .filter((p) => !old.has(p))
    .filter((p) => {
      const size = fs.statSync(p).size;
      return contents.some((c) => c.length === size && fs.readFileSync(p).equals(c));
    }).length;
};
/** A file's content of its own, so a parallel test cannot keep the same bytes. */
const own = (b: Buffer) => Buffer.concat([b, crypto.randomBytes(16)]);
/** Files still in the incoming folder with one of these contents. */
const incomingWith = (contents: Buffer[]) => {
  const d = path.join(t.config.uploadDir, 'incoming');
  if (!fs.existsSync(d)) return 0;
  return fs.readdirSync(d).filter((n) => {
    const p = path.join(d, n);
    const size = fs.statSync(p).size;
    return contents.some((c) => c.length === size && fs.readFileSync(p).equals(c));
  }).length;
};

async function ticketsOf(personId: number) {
  return t.db('pics_ticket').where({ person_id: personId });
}

describe('PICS home', () => {
  it('is its own sign-in page when signed out, posting to /login with returnTo=/pics', async () => {
    const res = await request(t.app).get('/pics');
    expectZhPage(res, 200);
    expect(res.text).toContain('帳號密碼登入');
    expect(res.text).toContain('自然人憑證登入/健保卡登入');
    expect(res.text).toMatch(/name="returnTo" value="\/pics"/);
  });

  it('shows 公告事項, 掛號室, 文字客服 (/pics/chat), FAQ, downloads and hot keywords when signed in', async () => {
    const { agent } = await asker();
    const res = await agent.get('/pics');
    expectZhPage(res, 200);
    for (const s of ['公告事項', '掛號室', '線上掛號', '掛號查詢', '文字客服', '常見問題', '檔案下載', '熱門關鍵字']) expect(res.text).toContain(s);
    expect(res.text).toContain('href="/pics/chat"');
    expect(res.text).not.toContain('href="/pics/desk"');
  });

  it('searches FAQ and announcements and counts the term towards the hot keywords', async () => {
    const before = await t.db('pics_search_term').where({ term: '掛號' }).first();
    const res = await request(t.app).get('/pics/search?q=' + encodeURIComponent('掛號'));
    expectZhPage(res, 200);
    expect(res.text).toContain('如何查詢已掛號案件的處理進度？');
    expect(res.text).toContain('原人事資訊系統客服信箱停用');
    const after = await t.db('pics_search_term').where({ term: '掛號' }).first();
    expect(after.hits).toBe((before?.hits ?? 0) + 1);
  });

  it('refuses an empty search on the same page', async () => {
    const res = await request(t.app).get('/pics/search?q=');
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入關鍵字']);
  });

  it('treats % and _ in a search as plain characters', async () => {
    const res = await request(t.app).get('/pics/search?q=' + encodeURIComponent('%_%'));
    expectZhPage(res, 200);
    expect(res.text).toContain('查無符合的常見問題');
  });

  it('lists FAQ, downloads and announcements', async () => {
    for (const [url, text] of [['/pics/faq', '忘記人事服務網密碼怎麼辦？'], ['/pics/downloads', 'PICS 操作手冊'], ['/pics/announcements', 'PICS 文字客服服務範圍說明']]) {
      const res = await request(t.app).get(url!);
      expectZhPage(res, 200);
      expect(res.text).toContain(text);
    }
    const a = await t.db('content_item').where({ kind: 'pics.announcements' }).first('id');
    expectZhPage(await request(t.app).get(`/pics/announcements/${a.id}`), 200);
    expectZhPage(await request(t.app).get('/pics/announcements/999999'), 404);
  });
});

describe('線上掛號', () => {
  it('sends a signed-out visitor to the sign-in page', async () => {
    const res = await request(t.app).get('/pics/tickets/new');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fpics%2Ftickets%2Fnew');
  });

  it('prefills the office phone and email from the profile, with the note', async () => {
    const { a, agent } = await asker();
    const res = await agent.get('/pics/tickets/new');
    expectZhPage(res, 200);
    expect(inputValue(res.text, 'email')).toBe(a.email);
    expect(res.text).toContain('辦公室電話及Email等資料有誤，請直接修改正確');
    expect(res.text).toContain('<option value="B6"');
    expect(res.text).toContain('單一檔案上傳容量限制為4MB，總容量為10MB。');
  });

  it('files a ticket with attachments, gives an M receipt number and mails the asker', async () => {
    const { a, agent, csrf } = await asker();
    const storedBefore = storedPaths();
    const png = own(PNG);
    const pdf = own(PDF);
    const res = await file(agent, csrf, { email: 'changed@example.gov.tw' }, [
      [png, 'screen.png'],
      [pdf, '說明.pdf'],
    ]);
    expect(res.status).toBe(303);
    const m = /^\/pics\/tickets\/(\d{6}M\d{5})\/filed$/.exec(res.headers.location ?? "");
    expect(m).not.toBeNull();
    const receiptNo = m![1]!;
    const done = await agent.get(res.headers.location!);
    expectZhPage(done, 200);
    expect(done.text).toContain('送出成功');
    expect(done.text).toContain(receiptNo);
    const [ticket] = await ticketsOf(a.personId);
    expect(ticket.receipt_no).toBe(receiptNo);
    expect(ticket.email).toBe('changed@example.gov.tw');
    expect(ticket.app_code).toBe('A1');
    const files = await t.db('pics_attachment').where({ ticket_id: ticket.id }).orderBy('id');
    expect(files.map((f: { original_name: string }) => f.original_name)).toEqual(['screen.png', '說明.pdf']);
    expect(files[0].mime).toBe('image/png');
    expect(files[0].stored_name).toMatch(/^\d{4}\/\d{2}\/[0-9a-f-]{36}$/);
    expect(keptSince(storedBefore, [png, pdf])).toBe(2);
    // Mail goes to the account's own address, not to the one typed for this ticket.
    expect(await t.db('mail_outbox').where({ to_address: 'changed@example.gov.tw' })).toEqual([]);
    const mail = await t.db('mail_outbox').where({ to_address: a.email }).orderBy('id', 'desc').first();
    expect(mail.subject).toContain(receiptNo);
    expect((await lastAudit(t.db, 'pics.ticket.filed')).target_id).toBe(receiptNo);
    // The receipt number's month is the filing month in Taipei.
    const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei', year: 'numeric', month: '2-digit' }).format(new Date()).replace('-', '');
    expect(receiptNo.slice(0, 6)).toBe(p);
  });

  it("never mails a typed address: a phishing subject filed with a victim's address reaches only the asker's own address", async () => {
    const victim = await makeAccount(t.db);
    const { a, agent, csrf } = await asker();
    const phishing = `您的帳號即將停用，請立即至 http://evil.example/${a.accountId} 重新驗證`;
    const res = await file(agent, csrf, { email: victim.email!, subject: phishing });
    expect(res.status).toBe(303);
    const receiptNo = /(\d{6}M\d{5})/.exec(res.headers.location!)![1]!;
    expect(await t.db('mail_outbox').where({ to_address: victim.email })).toEqual([]);
    // The typed address stays on the ticket as contact information for the agent.
    const [ticket] = await ticketsOf(a.personId);
    expect(ticket.email).toBe(victim.email);
    const done = await agent.get(res.headers.location!);
    expect(done.text).toContain(`確認信已寄至您帳號的電子郵件 ${a.email}`);
    // The agent replies and closes: still nothing to the typed address.
    const ag = await makeAccount(t.db, { roles: ['cs_agent'] });
    const desk = await signIn(t.app, ag.login);
    const deskPage = await desk.agent.get(`/pics/desk/tickets/${ticket.id}`);
    expect(deskPage.text).toContain(`<dt>聯絡 Email</dt><dd>${victim.email}</dd>`);
    expect(deskPage.text).toContain(`<dt>通知寄送</dt><dd>${a.email}</dd>`);
    await desk.agent.post(`/pics/desk/tickets/${ticket.id}/reply`).type('form').send({ _csrf: desk.csrf, body: '請提供畫面。' }).expect(303);
    await desk.agent.post(`/pics/desk/tickets/${ticket.id}/close`).type('form').send({ _csrf: desk.csrf, resolution: '已處理。' }).expect(303);
    expect(await t.db('mail_outbox').where({ to_address: victim.email })).toEqual([]);
    const own = await t.db('mail_outbox').where({ to_address: a.email }).orderBy('id');
    expect(own.map((m: { subject: string }) => m.subject)).toEqual([
      `[PICS] 已收到您的線上掛號 ${receiptNo}`,
      `[PICS] 您的掛號案件 ${receiptNo} 已有回覆`,
      `[PICS] 您的掛號案件 ${receiptNo} 已結案`,
    ]);
  });

  it('mails WebHR and hotline tickets to the account address too; the typed one only when the account has none', async () => {
    const withMail = await makeAccount(t.db);
    const without = await makeAccount(t.db, { email: null });
    const typed = (c: string) => `typed-${c}-${withMail.accountId}@example.gov.tw`;
    const base = { kind: '問題' as const, appCode: 'A1', subject: '薪資資料疑問', description: '說明', phone: '02-23979108', files: [] };
    const ctx = { ip: null, requestId: null };
    await t.services.pics.fileTicket({ ...base, personId: withMail.personId, channel: 'W', email: typed('w') }, ctx);
    await t.services.pics.fileTicket({ ...base, personId: without.personId, channel: 'H', email: typed('h'), enteredBy: { accountId: withMail.accountId, label: '客服' } }, ctx);
    await t.services.pics.fileTicket({ ...base, personId: without.personId, channel: 'M', email: typed('m') }, ctx);
    expect(await t.db('mail_outbox').where({ to_address: typed('w') })).toEqual([]);
    expect(await t.db('mail_outbox').where({ to_address: withMail.email })).toHaveLength(1);
    expect(await t.db('mail_outbox').where({ to_address: typed('h') })).toHaveLength(1);
    expect(await t.db('mail_outbox').where({ to_address: typed('m') })).toEqual([]);
  });

  it('files a 建議 without a 系統類別 or files', async () => {
    const { a, agent, csrf } = await asker();
    const res = await file(agent, csrf, { kind: '建議', appCode: '' });
    expect(res.status).toBe(303);
    const [ticket] = await ticketsOf(a.personId);
    expect(ticket.kind).toBe('建議');
    expect(ticket.app_code).toBeNull();
  });

  async function refused(over: Record<string, string>, given: [Buffer, string][], field: string, message: RegExp) {
    const { a, agent, csrf } = await asker();
    const stored = storedPaths();
    const files = given.map(([b, n]) => [own(b), n] as [Buffer, string]);
    const res = await file(agent, csrf, over, files);
    expectZhPage(res, 400);
    expect(res.text).toMatch(/<title>錯誤：/);
    const errs = formErrors(res.text);
    expect(errs.join('\n')).toMatch(message);
    expect(res.text).toContain(`href="#${field}"`);
    // What was typed is kept; nothing half-saved, no file left behind.
    expect(inputValue(res.text, 'phone')).toBe(over.phone ?? fields.phone);
    expect(await ticketsOf(a.personId)).toHaveLength(0);
    expect(keptSince(stored, files.map(([b]) => b))).toBe(0);
    return Object.assign(res, { sent: files.map(([b]) => b) });
  }

  it('refuses a subject of 201 characters and keeps what was typed', async () => {
    const res = await refused({ subject: long(201) }, [[PNG, 'a.png']], 'subject', /問題主旨不可超過 200 個字/);
    expect(inputValue(res.text, 'subject')).toBe(long(201));
  });

  it('accepts a subject of exactly 200 characters', async () => {
    const { agent, csrf } = await asker();
    expect((await file(agent, csrf, { subject: long(200) })).status).toBe(303);
  });

  it('refuses an empty description', async () => {
    const res = await refused({ description: '   ' }, [], 'description', /請輸入問題說明/);
    expect(inputValue(res.text, 'subject')).toBe(fields.subject);
  });

  it('refuses a file of 4 MB + 1 byte', async () => {
    await refused({}, [[Buffer.alloc(4 * MB + 1, 'a'), 'big.txt']], 'attachments', /單一檔案大小不可超過 4 MB/);
  });

  it('accepts a file of exactly 4 MB', async () => {
    const { agent, csrf } = await asker();
    expect((await file(agent, csrf, {}, [[Buffer.alloc(4 * MB, 'a'), 'exact.txt']])).status).toBe(303);
  });

  it('refuses 11 files of 1 MB', async () => {
    const files = Array.from({ length: 11 }, (_, i) => [Buffer.alloc(MB, 'a'), `f${i}.txt`] as [Buffer, string]);
    const res = await refused({}, files, 'attachments', /附件總大小不可超過 10 MB|附件最多 10 個檔案/);
    expect(incomingWith(res.sent)).toBe(0);
  });

  it('refuses an .exe renamed .png', async () => {
    await refused({}, [[EXE, 'photo.png']], 'attachments', /「photo\.png」/);
  });

  it('keeps a filename with ../ as its last segment only, stored under a generated name', async () => {
    const { a, agent, csrf } = await asker();
    const res = await file(agent, csrf, {}, [[PNG, '../../etc/passwd.png']]);
    expect(res.status).toBe(303);
    const [ticket] = await ticketsOf(a.personId);
    const f = await t.db('pics_attachment').where({ ticket_id: ticket.id }).first();
    expect(f.original_name).toBe('passwd.png');
    expect(f.stored_name).not.toContain('..');
  });

  it('shortens a filename of 300 characters to 100, keeping the extension', async () => {
    const { a, agent, csrf } = await asker();
    const res = await file(agent, csrf, {}, [[PNG, `${'長'.repeat(296)}.png`]]);
    expect(res.status).toBe(303);
    const [ticket] = await ticketsOf(a.personId);
    const f = await t.db('pics_attachment').where({ ticket_id: ticket.id }).first();
    expect([...f.original_name]).toHaveLength(100);
    expect(f.original_name.endsWith('.png')).toBe(true);
  });

  it('refuses a 系統類別 that is not in the app catalog', async () => {
    await refused({ appCode: 'ZZ9' }, [], 'appCode', /請選擇系統類別清單中的項目/);
  });

  it('refuses a malformed email and phone', async () => {
    await refused({ email: 'nope', phone: 'abc' }, [], 'email', /Email格式錯誤/);
  });

  it("files a C ticket from the asker's chat (choice 2), prefilled, and posts the receipt number into the chat", async () => {
    const { a, agent, csrf } = await asker();
    const now = new Date();
    const [chat] = await t.db('pics_chat')
      .insert({ asker_account_id: a.accountId, asker_person_id: a.personId, asker_name: '測試', state: 'menu', created_at: now, last_activity_at: now })
      .returning('id');
    await t.db('pics_chat_message').insert({ chat_id: chat.id, sender: 'asker', sender_account_id: a.accountId, sender_name: '測試', kind: 'text', body: 'MyData 無法下載履歷表', created_at: now });
    const form = await agent.get(`/pics/tickets/new?chat=${chat.id}`);
    expectZhPage(form, 200);
    expect(inputValue(form.text, 'subject')).toContain('MyData 無法下載履歷表');
    expect(form.text).toContain(`name="chatId" value="${chat.id}"`);
    const res = await file(agent, csrf, { chatId: String(chat.id), subject: inputValue(form.text, 'subject')! });
    const no = /(\d{6}C\d{5})/.exec(res.headers.location ?? '')?.[1];
    expect(no).toBeTruthy();
    const [ticket] = await ticketsOf(a.personId);
    expect(ticket.chat_id).toBe(chat.id);
    const lines = await t.db('pics_chat_message').where({ chat_id: chat.id }).select('body');
    expect(lines.some((l: { body: string }) => l.body.includes(no!))).toBe(true);
    // Someone else cannot use that chat for their ticket.
    const other = await asker();
    const theirs = await other.agent.get(`/pics/tickets/new?chat=${chat.id}`);
    expect(theirs.text).not.toContain('name="chatId"');
  });

  it("ignores a chat id that is not the asker's own chat (files an M ticket)", async () => {
    const { a, agent, csrf } = await asker();
    const form = await agent.get('/pics/tickets/new?chat=99999999');
    expectZhPage(form, 200);
    expect(form.text).not.toContain('name="chatId"');
    const res = await file(agent, csrf, { chatId: '99999999' });
    expect(res.headers.location).toMatch(/\d{6}M\d{5}/);
    const [ticket] = await ticketsOf(a.personId);
    expect(ticket.chat_id).toBeNull();
  });

  it('leaves no file, no row and no used number when the filing transaction fails', async () => {
    const a = await makeAccount(t.db);
    const incoming = path.join(t.config.uploadDir, 'incoming');
    fs.mkdirSync(incoming, { recursive: true });
    const tempPath = path.join(incoming, `test-${a.personId}`);
    const content = own(PNG);
    fs.writeFileSync(tempPath, content);
    const stored = storedPaths();
    const counters = await t.db('document_counter').where('name', 'like', 'pics.receipt:%').orderBy('name').select();
    // A channel the table's CHECK refuses: the INSERT fails after the file was moved in.
    await expect(
      t.services.pics.fileTicket(
        { ...fields, kind: '問題', appCode: null, personId: a.personId, channel: 'Z' as 'M', files: [{ field: 'attachments', originalName: 'a.png', tempPath, size: PNG.length, sha256: 'x'.repeat(64), mime: 'image/png', kind: 'image' }] },
        { ip: null, requestId: 'test' },
      ),
    ).rejects.toThrow();
    expect(await ticketsOf(a.personId)).toHaveLength(0);
    expect(keptSince(stored, [content])).toBe(0);
    expect(fs.existsSync(tempPath)).toBe(false);
    expect(await t.db('document_counter').where('name', 'like', 'pics.receipt:%').orderBy('name').select()).toEqual(counters);
  });

  it('refuses the form without the CSRF token', async () => {
    const { a, agent } = await asker();
    const res = await agent.post('/pics/tickets').field('subject', 'x').attach('attachments', PNG, 'a.png');
    expect(res.status).toBe(403);
    expect(await ticketsOf(a.personId)).toHaveLength(0);
  });

  it('refuses an agency-certificate session', async () => {
    const { cardSignIn } = await import('../support/cards');
    const { agent, csrf } = await cardSignIn(t.app, 'agency-ntunhs');
    expect((await agent.get('/pics/tickets/new')).status).toBe(403);
    expect((await file(agent, csrf)).status).toBe(403);
  });
});

describe('掛號查詢', () => {
  async function withTickets(n: number) {
    const s = await asker();
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await t.services.pics.fileTicket({ ...fields, subject: `問題 ${i + 1}`, personId: s.a.personId, channel: 'M', files: [], appCode: null, kind: '問題' }, { ip: null, requestId: 'test' });
      out.push(r.receiptNo);
    }
    return { ...s, receipts: out };
  }

  it('lists only the own tickets with the manual columns, paged by 10', async () => {
    const { agent, receipts } = await withTickets(12);
    const other = await withTickets(1);
    const res = await agent.get('/pics/tickets');
    expectZhPage(res, 200);
    for (const h of ['序號', '收件序號', '問題主旨', '掛號日期', '處理結果', '檢視']) expect(res.text).toContain(`<th scope="col">${h}</th>`);
    expect(res.text).toContain('共 12 筆');
    expect(res.text).not.toContain(other.receipts[0]);
    expect(res.text).toContain(receipts[11]);
    expect(res.text).toContain('未結案');
    const p2 = await agent.get('/pics/tickets?page=2');
    expect(p2.text).toContain(receipts[0]);
    expect(p2.text).toContain('目前第 2 頁');
  });

  it('finds a ticket by receipt number (lower case too)', async () => {
    const { agent, receipts } = await withTickets(3);
    const res = await agent.get(`/pics/tickets?receiptNo=${receipts[1]!.toLowerCase()}`);
    expectZhPage(res, 200);
    expect(res.text).toContain('共 1 筆');
    expect(res.text).toContain(receipts[1]);
  });

  it('finds tickets by an ROC or ISO date range', async () => {
    const { agent, receipts } = await withTickets(2);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei' }).format(new Date());
    const roc = `${Number(today.slice(0, 4)) - 1911}/${today.slice(5, 7)}/${today.slice(8, 10)}`;
    const res = await agent.get(`/pics/tickets?from=${encodeURIComponent(roc)}&to=${today}`);
    expectZhPage(res, 200);
    expect(res.text).toContain('共 2 筆');
    expect(res.text).toContain(receipts[0]);
    const none = await agent.get('/pics/tickets?from=100/01/01&to=100/12/31');
    expect(none.text).toContain('查無符合條件的掛號案件');
  });

  it.each(['2019M00006', '201911X00006', '201911M0006', 'ABCDEFGHIJKL', '201911M000061'])('refuses the receipt number %s of the wrong shape', async (no) => {
    const { agent } = await asker();
    const res = await agent.get(`/pics/tickets?receiptNo=${encodeURIComponent(no)}`);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['收件序號格式錯誤，應為年月 6 碼、來源 1 碼及序號 5 碼，例如 201911M00006']);
    expect(inputValue(res.text, 'receiptNo')).toBe(no);
  });

  it('refuses a date range with the end before the start', async () => {
    const { agent } = await asker();
    const res = await agent.get('/pics/tickets?from=115/11/20&to=115/11/01');
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['結束日期不可早於開始日期']);
    expect(inputValue(res.text, 'from')).toBe('115/11/20');
  });

  it('refuses a date that does not exist', async () => {
    const { agent } = await asker();
    const res = await agent.get('/pics/tickets?from=115/02/30');
    expectZhPage(res, 400);
    expect(formErrors(res.text)[0]).toMatch(/^開始日期格式錯誤/);
  });

  it("returns 404 for someone else's receipt number and audits it", async () => {
    const owner = await withTickets(1);
    const { agent } = await asker();
    const no = owner.receipts[0]!;
    const res = await agent.get(`/pics/tickets/${no}`);
    expectZhPage(res, 404);
    expect(res.text).toContain('查無此掛號案件');
    const audit = await lastAudit(t.db, 'pics.ticket.denied');
    expect(audit.target_id).toBe(no);
    expect(audit.outcome).toBe('denied');
    // Searching for it finds nothing either.
    const search = await agent.get(`/pics/tickets?receiptNo=${no}`);
    expect(search.text).toContain('查無符合條件的掛號案件');
    expect((await agent.get(`/pics/tickets/${no}/filed`)).status).toBe(404);
  });

  it('shows the detail with the question, its files and the state', async () => {
    const { a, agent, csrf } = await asker();
    const res = await file(agent, csrf, {}, [[PNG, 'q.png']]);
    const no = /(\d{6}M\d{5})/.exec(res.headers.location ?? "")![1]!;
    const detail = await agent.get(`/pics/tickets/${no}`);
    expectZhPage(detail, 200);
    expect(detail.text).toContain(fields.subject);
    expect(detail.text).toContain('未結案');
    expect(detail.text).toContain('客服人員尚未回覆');
    const [ticket] = await ticketsOf(a.personId);
    const f = await t.db('pics_attachment').where({ ticket_id: ticket.id }).first();
    const dl = await agent.get(`/pics/tickets/${no}/files/${f.id}`).buffer(true);
    expect(dl.status).toBe(200);
    expect(dl.headers['content-disposition']).toMatch(/^attachment/);
    expect(Buffer.compare(dl.body as Buffer, PNG)).toBe(0);
    // Someone else cannot download it.
    const other = await asker();
    expect((await other.agent.get(`/pics/tickets/${no}/files/${f.id}`)).status).toBe(404);
  });
});
