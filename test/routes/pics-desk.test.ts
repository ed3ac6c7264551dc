import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, long } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const ctx = { ip: null, requestId: 'test' };
const fields = { kind: '問題' as const, appCode: 'A1', subject: '考績清冊無法報送', description: '報送時出現錯誤', phone: '02-23979108' };

async function ticketFor(channel: 'M' | 'W' = 'M') {
  const a = await makeAccount(t.db);
  const r = await t.services.pics.fileTicket({ ...fields, email: a.email!, personId: a.personId, channel, files: [] }, ctx);
  return { a, ...r };
}
async function agentSession(roles = ['cs_agent']) {
  const a = await makeAccount(t.db, { roles, agencyCode: '376470000A' });
  return { a, ...(await signIn(t.app, a.login)) };
}
const eventsOf = (id: number) => t.db('pics_ticket_event').where({ ticket_id: id }).orderBy('id');

describe('agent desk: access', () => {
  it.each([
    ['get', '/pics/desk'],
    ['get', '/pics/desk/dashboard'],
    ['get', '/pics/desk/overdue'],
    ['get', '/pics/desk/hotline'],
    ['post', '/pics/desk/tickets/1/take'],
    ['post', '/pics/desk/tickets/1/reply'],
    ['post', '/pics/desk/tickets/1/note'],
    ['post', '/pics/desk/tickets/1/close'],
  ])('refuses %s %s to a non-agent with 403 and an audit entry', async (method, url) => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await signIn(t.app, a.login);
    const res = method === 'get' ? await agent.get(url) : await agent.post(url).type('form').send({ _csrf: csrf, note: 'x', body: 'x', resolution: 'x' });
    expectZhPage(res, 403);
    const audit = await lastAudit(t.db, 'access.denied');
    expect(audit.actor_account_id).toBe(a.accountId);
    expect(audit.target_id).toBe(url);
  });

  it('leaves the ticket untouched when a non-agent posts a reply', async () => {
    const tk = await ticketFor();
    const { agent, csrf } = await signIn(t.app, tk.a.login);
    await agent.post(`/pics/desk/tickets/${tk.id}/close`).type('form').send({ _csrf: csrf, resolution: '自己結案' });
    expect((await t.db('pics_ticket').where({ id: tk.id }).first()).status).toBe('open');
  });
});

describe('agent desk: queue', () => {
  it('lists open tickets, filtered by channel, assignee, category and age', async () => {
    const w = await ticketFor('W');
    const { agent } = await agentSession();
    const all = await agent.get('/pics/desk');
    expectZhPage(all, 200);
    expect(all.text).toContain('案件佇列');
    const byW = await agent.get('/pics/desk?channel=W&assignee=none&app=A1&status=open');
    expect(byW.text).toContain(w.receiptNo);
    const byH = await agent.get('/pics/desk?channel=H');
    expect(byH.text).not.toContain(w.receiptNo);
    const old = await agent.get('/pics/desk?channel=W&age=30');
    expect(old.text).not.toContain(w.receiptNo);
    // Unknown filter values fall back to the default queue.
    expectZhPage(await agent.get('/pics/desk?channel=Z&age=abc&assignee=%27'), 200);
  });
});

describe('agent desk: working a ticket', () => {
  it('takes, replies with an attachment (mailing the asker), notes, closes and reopens, with the full history', async () => {
    const tk = await ticketFor();
    const { a: ag, agent, csrf } = await agentSession();
    const page = await agent.get(`/pics/desk/tickets/${tk.id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain(tk.receiptNo);

    expect((await agent.post(`/pics/desk/tickets/${tk.id}/take`).type('form').send({ _csrf: csrf })).status).toBe(303);
    expect((await t.db('pics_ticket').where({ id: tk.id }).first()).assignee_account_id).toBe(ag.accountId);

    const reply = await agent
      .post(`/pics/desk/tickets/${tk.id}/reply?_csrf=${encodeURIComponent(csrf)}`)
      .field('body', '請更新元件後再試。')
      .attach('attachments', PNG, '操作畫面.png');
    expect(reply.status).toBe(303);
    const mail = await t.db('mail_outbox').where({ to_address: tk.a.email }).orderBy('id', 'desc').first();
    expect(mail.subject).toBe(`[PICS] 您的掛號案件 ${tk.receiptNo} 已有回覆`);
    expect(mail.body_text).toContain('請更新元件後再試。');

    expect((await agent.post(`/pics/desk/tickets/${tk.id}/note`).type('form').send({ _csrf: csrf, note: '內部：疑似元件版本過舊' })).status).toBe(303);

    // The asker sees the reply and its file, never the note.
    const asker = await signIn(t.app, tk.a.login);
    const view = await asker.agent.get(`/pics/tickets/${tk.receiptNo}`);
    expect(view.text).toContain('請更新元件後再試。');
    expect(view.text).toContain('操作畫面.png');
    expect(view.text).not.toContain('疑似元件版本過舊');
    const file = await t.db('pics_attachment').where({ ticket_id: tk.id }).whereNotNull('event_id').first();
    expect((await asker.agent.get(`/pics/tickets/${tk.receiptNo}/files/${file.id}`)).status).toBe(200);

    const close = await agent.post(`/pics/desk/tickets/${tk.id}/close`).type('form').send({ _csrf: csrf, resolution: '已更新元件，問題排除。' });
    expect(close.status).toBe(303);
    const closedMail = await t.db('mail_outbox').where({ to_address: tk.a.email }).orderBy('id', 'desc').first();
    expect(closedMail.subject).toBe(`[PICS] 您的掛號案件 ${tk.receiptNo} 已結案`);
    expect((await asker.agent.get(`/pics/tickets/${tk.receiptNo}`)).text).toContain('已結案');

    expect((await agent.post(`/pics/desk/tickets/${tk.id}/reopen`).type('form').send({ _csrf: csrf, reason: '提問者表示仍無法報送' })).status).toBe(303);
    const row = await t.db('pics_ticket').where({ id: tk.id }).first();
    expect(row.status).toBe('open');
    expect(row.closed_at).toBeNull();

    expect((await eventsOf(tk.id)).map((e: { kind: string }) => e.kind)).toEqual(['filed', 'take', 'reply', 'note', 'close', 'reopen']);
    const history = await agent.get(`/pics/desk/tickets/${tk.id}`);
    for (const s of ['承辦', '公開回覆', '內部註記', '結案', '重新開啟', '疑似元件版本過舊']) expect(history.text).toContain(s);
    for (const action of ['pics.ticket.take', 'pics.ticket.reply', 'pics.ticket.note', 'pics.ticket.close', 'pics.ticket.reopen']) {
      expect((await lastAudit(t.db, action)).target_id).toBeTruthy();
    }
  });

  it('replies with a canned reply', async () => {
    const tk = await ticketFor();
    const { agent, csrf } = await agentSession();
    const canned = await t.db('content_item').where({ kind: 'pics.canned' }).orderBy('id').first();
    const res = await agent.post(`/pics/desk/tickets/${tk.id}/reply?_csrf=${encodeURIComponent(csrf)}`).field('cannedId', String(canned.id)).field('body', '');
    expect(res.status).toBe(303);
    const ev = (await eventsOf(tk.id)).find((e: { kind: string }) => e.kind === 'reply');
    expect(ev.body).toBe(canned.body);
  });

  it('refuses an empty reply, an empty note, an empty resolution on the same page', async () => {
    const tk = await ticketFor();
    const { agent, csrf } = await agentSession();
    const r1 = await agent.post(`/pics/desk/tickets/${tk.id}/reply?_csrf=${encodeURIComponent(csrf)}`).field('body', ' ');
    expectZhPage(r1, 400);
    expect(formErrors(r1.text)).toEqual(['請輸入回覆內容']);
    const r2 = await agent.post(`/pics/desk/tickets/${tk.id}/note`).type('form').send({ _csrf: csrf, note: '' });
    expect(formErrors(r2.text)).toEqual(['請輸入內部註記']);
    const r3 = await agent.post(`/pics/desk/tickets/${tk.id}/close`).type('form').send({ _csrf: csrf, resolution: long(4001) });
    expect(formErrors(r3.text)).toEqual(['處理結果不可超過 4000 個字']);
    expect(r3.text).toContain(long(4001));
    expect((await eventsOf(tk.id)).map((e: { kind: string }) => e.kind)).toEqual(['filed']);
  });

  it('refuses a reply with a file that is not allowed and keeps nothing', async () => {
    const tk = await ticketFor();
    const { agent, csrf } = await agentSession();
    const res = await agent.post(`/pics/desk/tickets/${tk.id}/reply?_csrf=${encodeURIComponent(csrf)}`).field('body', '請看附件').attach('attachments', Buffer.from('MZ\x90\x00'), 'fix.exe');
    expectZhPage(res, 400);
    expect(formErrors(res.text)[0]).toContain('fix.exe');
    expect(await t.db('pics_attachment').where({ ticket_id: tk.id })).toHaveLength(0);
    expect((await eventsOf(tk.id))).toHaveLength(1);
  });

  it('lets only a supervisor assign, and only to an agent', async () => {
    const tk = await ticketFor();
    const plain = await agentSession();
    const target = await agentSession();
    expect((await plain.agent.post(`/pics/desk/tickets/${tk.id}/assign`).type('form').send({ _csrf: plain.csrf, assignee: String(target.a.accountId) })).status).toBe(403);
    const lead = await agentSession(['cs_agent', 'cs_supervisor']);
    const bad = await lead.agent.post(`/pics/desk/tickets/${tk.id}/assign`).type('form').send({ _csrf: lead.csrf, assignee: String(tk.a.accountId) });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['請選擇客服人員清單中的承辦人']);
    const ok = await lead.agent.post(`/pics/desk/tickets/${tk.id}/assign`).type('form').send({ _csrf: lead.csrf, assignee: String(target.a.accountId) });
    expect(ok.status).toBe(303);
    expect((await t.db('pics_ticket').where({ id: tk.id }).first()).assignee_account_id).toBe(target.a.accountId);
  });

  it('answers 404 for a ticket that does not exist', async () => {
    const { agent } = await agentSession();
    expectZhPage(await agent.get('/pics/desk/tickets/99999999'), 404);
    expectZhPage(await agent.get('/pics/desk/tickets/abc'), 404);
  });

  it('refuses to close twice', async () => {
    const tk = await ticketFor();
    const { agent, csrf } = await agentSession();
    await agent.post(`/pics/desk/tickets/${tk.id}/close`).type('form').send({ _csrf: csrf, resolution: '完成' });
    const again = await agent.post(`/pics/desk/tickets/${tk.id}/close`).type('form').send({ _csrf: csrf, resolution: '完成' });
    expectZhPage(again, 409);
  });
});

describe('agent desk: hotline tickets', () => {
  it('finds the caller in the personnel master and files an H ticket entered by the agent', async () => {
    const caller = await makeAccount(t.db);
    const { a: ag, agent, csrf } = await agentSession();
    const look = await agent.get(`/pics/desk/hotline?nationalId=${caller.nationalId.toLowerCase()}`);
    expectZhPage(look, 200);
    expect(look.text).toContain(caller.email!);
    const res = await agent
      .post(`/pics/desk/hotline?_csrf=${encodeURIComponent(csrf)}`)
      .field('nationalId', caller.nationalId)
      .field('kind', '問題')
      .field('appCode', '')
      .field('subject', '來電：無法登入')
      .field('description', '來電者表示憑證登入失敗')
      .field('phone', '02-12345678')
      .field('email', caller.email!);
    expect(res.status).toBe(303);
    const tk = await t.db('pics_ticket').where({ person_id: caller.personId }).first();
    expect(tk.receipt_no).toMatch(/^\d{6}H\d{5}$/);
    expect(tk.entered_by_account_id).toBe(ag.accountId);
    expect(res.headers.location).toBe(`/pics/desk/tickets/${tk.id}`);
  });

  it('refuses an unknown or malformed national ID', async () => {
    const { agent } = await agentSession();
    const bad = await agent.get('/pics/desk/hotline?nationalId=123');
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['身分證統一編號格式錯誤，例如 A123456789']);
    const unknown = await agent.get('/pics/desk/hotline?nationalId=Z199999999');
    expect(formErrors(unknown.text)).toEqual(['公務人力資料庫查無此身分證統一編號']);
  });
});

describe('agent desk: due dates, overdue list, reminder mail and dashboard', () => {
  it('lists overdue tickets and mails the supervisors on a workday at 08:30', async () => {
    const tk = await ticketFor();
    await t.db('pics_ticket').where({ id: tk.id }).update({ due_on: '2026-01-05' });
    const { agent } = await agentSession();
    const od = await agent.get('/pics/desk/overdue');
    expectZhPage(od, 200);
    expect(od.text).toContain(tk.receiptNo);
    const { remindOverdue } = await import('../../src/pics/desk');
    // Friday 2026-12-04 is a workday; Friday 2026-12-25 is 行憲紀念日.
    const holiday = await remindOverdue(t.services, new Date('2026-12-25T00:30:00Z'));
    expect(holiday.mailed).toBe(0);
    const before = await t.db('mail_outbox').count<{ count: string }[]>('id as count');
    const r = await remindOverdue(t.services, new Date('2026-12-04T00:30:00Z'));
    expect(r.overdue).toBeGreaterThan(0);
    expect(r.mailed).toBeGreaterThan(0);
    const after = await t.db('mail_outbox').count<{ count: string }[]>('id as count');
    expect(Number(after[0]!.count) - Number(before[0]!.count)).toBe(r.mailed);
    const lead = await t.db('account').where({ username: 'cs.lead' }).first();
    const m = await t.db('mail_outbox').where({ to_address: lead.email }).orderBy('id', 'desc').first();
    expect(m.subject).toMatch(/^\[PICS\] 管制稽催：逾期未結案件 \d+ 件/);
    expect(m.body_text).toContain(tk.receiptNo);
    // Agents who are not supervisors get no reminder.
    const plain = await t.db('account').where({ username: 'cs.agent' }).first();
    expect(await t.db('mail_outbox').where({ to_address: plain.email }).where('subject', 'like', '%管制稽催%')).toHaveLength(0);
  });

  it('registers the 08:30 job', async () => {
    const { deskJobs } = await import('../../src/pics/desk');
    expect(deskJobs(t.services).map((j) => [j.name, j.dailyAt])).toEqual([['pics.overdue-reminder', '08:30']]);
  });

  it('sets the due date 3 workdays after filing on the work calendar', async () => {
    const tk = await ticketFor();
    const row = await t.db('pics_ticket').where({ id: tk.id }).first(t.db.raw("to_char(due_on, 'YYYY-MM-DD') as due"));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei' }).format(new Date());
    expect(row.due > today).toBe(true);
    expect(await t.services.pics.calendar.workdaysBetween(today, row.due)).toBe(3);
  });

  it('draws the dashboard charts as SVG with their numbers in tables', async () => {
    const { agent } = await agentSession();
    const res = await agent.get('/pics/desk/dashboard');
    expectZhPage(res, 200);
    expect(res.text.match(/<svg[^>]*role="img"/g)).toHaveLength(3);
    expect(res.text).toContain('每日掛號件數（依來源）');
    expect(res.text).toContain('<caption>未結案與已結案（數據）</caption>');
    expect(res.text).not.toMatch(/<script(?![^>]*src=)/);
  });

  it('knows holidays, weekends and make-up workdays (isWorkday, addWorkdays)', async () => {
    const cal = t.services.pics.calendar;
    const at = (ymd: string) => new Date(`${ymd}T10:00:00+08:00`);
    expect(await cal.isWorkday(at('2026-02-17'))).toBe(false); // 春節
    expect(await cal.isWorkday(at('2026-02-21'))).toBe(false); // Saturday
    expect(await cal.isWorkday(at('2026-02-23'))).toBe(true);
    // Late on Friday evening UTC is already Saturday in Taipei.
    expect(await cal.isWorkday(new Date('2026-11-27T17:00:00Z'))).toBe(false);
    // Filing on Thursday 2026-02-12: Fri 13, then the holidays up to Mon 23, Tue 24.
    expect(await cal.addWorkdays('2026-02-12', 3)).toBe('2026-02-24');
    await t.db('pics_calendar_day').insert({ day: '2027-06-12', kind: 'workday', name: '補行上班（測試）' });
    try {
      cal.invalidate();
      expect(await cal.isWorkday(at('2027-06-12'))).toBe(true);
      expect(await cal.addWorkdays('2027-06-11', 1)).toBe('2027-06-12');
    } finally {
      await t.db('pics_calendar_day').where({ day: '2027-06-12' }).delete();
      cal.invalidate();
    }
  });

  it('shows the work calendar of a year', async () => {
    const { agent } = await agentSession();
    const res = await agent.get('/pics/desk/calendar?year=2026');
    expectZhPage(res, 200);
    expect(res.text).toContain('行憲紀念日');
    expect(res.text).toContain('115/02/17');
  });
});
