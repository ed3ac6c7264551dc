import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { lastAudit, makeAccount } from '../support/app';
import { expectZhPage, formErrors, patchSessions } from '../support/routes';
import { Client, serviceClock, startInstance } from './pics-chat-helpers';
import { createChatRepository } from '../../src/pics/chat/repository';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const sc = serviceClock();
let a: Awaited<ReturnType<typeof startInstance>>;
let b: Awaited<ReturnType<typeof startInstance>>;

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(sc.clock), startInstance(sc.clock)]);
  await sc.settle((d) => a.services.pics.calendar.isWorkday(d));
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

// Each test starts from no open chat and no agent on duty.
beforeEach(async () => {
  await a.db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended', ended_at: a.db.fn.now() });
  await a.db('pics_chat_agent').update({ status: 'away' });
});

async function asker() {
  const acc = await makeAccount(a.db);
  return { acc, c: await Client.signIn(a.base, acc.login) };
}
/** A customer-service agent signed in on instance B, on duty with `limit` seats. */
async function agentOnDuty(limit = 2) {
  const acc = await makeAccount(a.db, { roles: ['cs_agent'] });
  const c = await Client.signIn(b.base, acc.login);
  await c.page('/pics/agent/chat');
  await a.db('pics_chat_agent').where({ account_id: acc.accountId }).update({ max_concurrent: limit, display_name: `專員${acc.accountId}` });
  expect((await c.form('/pics/agent/chat/status', { status: 'available' })).status).toBe(303);
  return { acc, c };
}
async function startChat(c: Client): Promise<number> {
  await c.page('/pics/chat');
  const res = await c.form('/pics/chat', {});
  if (res.status !== 303) throw new Error(`start failed: ${res.status} ${(await res.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(-600)}`);
  const m = /^\/pics\/chat\/(\d+)$/.exec(res.headers.get('location') ?? '');
  expect(m).not.toBeNull();
  return Number(m![1]);
}
const errorOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;
const chatRow = (id: number) => a.db('pics_chat').where({ id }).first();
const messageCount = (id: number) => a.db('pics_chat_message').where({ chat_id: id }).count('id as n').first().then((r) => Number(r!.n));

describe('文字客服 (asker)', () => {
  it('shows the service scope and the start button within service hours', async () => {
    const { c } = await asker();
    const page = await c.page('/pics/chat');
    expect(page.status).toBe(200);
    expect(page.text).toContain('服務範圍：「獎勵令電子化」');
    expect(page.text).toContain('開始對話');
    for (const l of ['常見問題', '檔案下載', '智能客服', '法規查詢', '釋例查詢', '全球資訊網', '人事服務網', '事求人', '機關代碼查詢']) expect(page.text).toContain(`>${l}</a>`);
  });

  it('offers the ticket form instead outside service hours (evening), and starts no chat', async () => {
    const evening = serviceClock(19, 30);
    const late = await startInstance(evening.clock);
    try {
      await evening.settle((d) => late.services.pics.calendar.isWorkday(d));
      const acc = await makeAccount(a.db);
      const c = await Client.signIn(late.base, acc.login);
      const page = await c.page('/pics/chat');
      expect(page.text).toContain('目前非文字客服服務時間');
      expect(page.text).toContain('href="/pics/tickets/new"');
      expect(page.text).not.toContain('開始對話');
      const res = await c.form('/pics/chat', {});
      expect(res.headers.get('location')).toBe('/pics/chat');
      expect(await a.db('pics_chat').where({ asker_account_id: acc.accountId }).first()).toBeUndefined();
    } finally {
      await late.stop();
    }
  });

  it('with no free seat shows 客服人員忙線中 and the 1/2/3 choice', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    expect((await chatRow(id)).state).toBe('menu');
    const page = await c.page(`/pics/chat/${id}`);
    expect(page.text).toContain('客服人員忙線中，請選擇繼續等候客服人員或其他。');
    expect(page.text).toContain('1. 繼續等候客服人員');
    expect(page.text).toContain('2. 線上掛號單');
    expect(page.text).toContain('3. 放棄等候，結束對話');
    expect(page.text).toMatch(/<time>\d\d:\d\d:\d\d<\/time>/);
    // Starting again lands on the same open chat.
    expect(await startChat(c)).toBe(id);
  });

  it('choice 1 queues with the transfer notice and the position; choice 3 ends the chat', async () => {
    const first = await asker();
    const second = await asker();
    const id1 = await startChat(first.c);
    const id2 = await startChat(second.c);
    await first.c.form(`/pics/chat/${id1}/choice`, { choice: '1' });
    await second.c.form(`/pics/chat/${id2}/choice`, { choice: '1' });
    expect((await chatRow(id2)).state).toBe('waiting');
    const page = await second.c.page(`/pics/chat/${id2}`);
    expect(page.text).toContain('已為您轉接專員中，請您稍候，不要離開喔~');
    expect(page.text).toContain('您目前排在第 2 位。');
    expect(page.text).toContain('目前沒有客服專員在線上');
    // The first gives up: the second moves up, live.
    const stream = await second.c.sse(`/pics/chat/${id2}/events`);
    try {
      await first.c.form(`/pics/chat/${id1}/choice`, { choice: '3' });
      expect((await chatRow(id1)).state).toBe('ended');
      const q = await stream.next((e) => e.event === 'queue' && JSON.parse(e.data).position === 1);
      expect(JSON.parse(q.data).text).toContain('您目前排在第 1 位。');
    } finally {
      stream.close();
    }
  });

  it('choice 2 opens the ticket form; the filed receipt number is posted into the chat', async () => {
    const { acc, c } = await asker();
    const id = await startChat(c);
    await c.json(`/pics/chat/${id}/messages`, { body: '請問獎勵令電子化如何查詢？' });
    const res = await c.form(`/pics/chat/${id}/choice`, { choice: '2' });
    expect(res.headers.get('location')).toBe(`/pics/tickets/new?chat=${id}`);
    const user = { kind: 'person', accountId: acc.accountId, personId: acc.personId, name: '測試' } as never;
    const prefill = await a.services.pics.chat.prefillForTicket(id, user);
    expect(prefill?.subject).toContain('請問獎勵令電子化如何查詢？');
    expect(prefill?.description).toMatch(/\[\d\d:\d\d:\d\d\] 測試\d+：請問獎勵令電子化如何查詢？/);
    const other = await makeAccount(a.db);
    expect(await a.services.pics.chat.prefillForTicket(id, { kind: 'person', accountId: other.accountId, personId: other.personId, name: 'x' } as never)).toBeNull();
    await a.services.pics.chat.ticketFiled(id, '202611C00042', user);
    const chat = await chatRow(id);
    expect(chat.receipt_no).toBe('202611C00042');
    expect(chat.state).toBe('ended');
    expect((await c.page(`/pics/chat/${id}`)).text).toContain('收件序號：202611C00042');
  });

  it('the ticket form of the desk is prefilled from the chat and, once filed, the C receipt number is in the chat (choice 2, end to end)', async () => {
    const { acc, c } = await asker();
    const id = await startChat(c);
    await c.json(`/pics/chat/${id}/messages`, { body: '事求人職缺無法送出' });
    const form = await c.page(`/pics/tickets/new?chat=${id}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('事求人職缺無法送出');
    expect(form.text).toContain(`name="chatId" value="${id}"`);
    const body = new FormData();
    for (const [k, v] of Object.entries({ kind: '問題', appCode: '', subject: '文字客服：事求人職缺無法送出', description: '事求人職缺無法送出', phone: '02-23979108', email: acc.email!, chatId: String(id) })) body.append(k, v);
    const res = await fetch(`${a.base}/pics/tickets?_csrf=${encodeURIComponent(c.csrf)}`, { method: 'POST', headers: { cookie: c.cookie }, body, redirect: 'manual' });
    expect(res.status).toBe(303);
    const chat = await chatRow(id);
    expect(chat.receipt_no).toMatch(/^\d{6}C\d{5}$/);
    expect(res.headers.get('location')).toBe(`/pics/tickets/${chat.receipt_no}/filed`);
    expect(chat.state).toBe('ended');
    expect((await c.page(`/pics/chat/${id}`)).text).toContain(`收件序號：${chat.receipt_no}`);
  });
});

describe('文字客服 across two app instances', () => {
  it('queues, the agent on instance B joins, lines and images flow both ways, IDs masked for the agent', async () => {
    const { acc, c } = await asker();
    const ag = await agentOnDuty(2);
    const id = await startChat(c);
    // A seat was free: straight to the transfer notice.
    expect((await chatRow(id)).state).toBe('waiting');
    const consoleStream = await ag.c.sse('/pics/agent/chat/events');
    const askerStream = await c.sse(`/pics/chat/${id}/events`);
    try {
      expect(askerStream.status).toBe(200);
      await askerStream.next((e) => e.event === 'queue' && JSON.parse(e.data).position === 1);
      await consoleStream.next((e) => e.event === 'queue' && JSON.parse(e.data).waiting >= 1);

      const accept = await ag.c.form('/pics/agent/chat/accept', {});
      expect(accept.headers.get('location')).toBe(`/pics/agent/chat/${id}`);
      const joined = await askerStream.line((l) => l.kind === 'joined');
      expect(joined.body).toBe('哈囉，您好，很高興為您服務！');
      expect(joined.name).toBe(`專員${ag.acc.accountId}`);
      expect(joined.state).toBe('active');
      expect(joined.time).toMatch(/^\d\d:\d\d:\d\d$/);

      const agentStream = await ag.c.sse(`/pics/chat/${id}/events`);
      try {
        // Asker (instance A) → agent (instance B), with the national ID masked.
        const sent = await c.json(`/pics/chat/${id}/messages`, { body: '我的身分證 A123456789 無法登入' });
        expect(sent.status).toBe(201);
        const got = await agentStream.line((l) => l.sender === 'asker' && l.kind === 'text');
        expect(got.body).toBe('我的身分證 A12****789 無法登入');
        // The asker sees it unmasked.
        expect((await askerStream.line((l) => l.sender === 'asker')).body).toContain('A123456789');

        // Agent (B) → asker (A).
        expect((await ag.c.json(`/pics/chat/${id}/messages`, { body: '請提供問題畫面，以利處理問題，謝謝。' })).status).toBe(201);
        expect((await askerStream.line((l) => l.sender === 'agent' && l.kind === 'text')).body).toBe('請提供問題畫面，以利處理問題，謝謝。');

        // Images both ways.
        expect((await c.upload(`/pics/chat/${id}/images`, 'image', '畫面.png', PNG, 'image/png')).status).toBe(201);
        const img = await agentStream.line((l) => l.kind === 'image' && l.sender === 'asker');
        const served = await ag.c.get(img.image!.url);
        expect(served.status).toBe(200);
        expect(served.headers.get('content-type')).toBe('image/png');
        expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
        expect((await ag.c.upload(`/pics/chat/${id}/images`, 'image', 'answer.png', PNG, 'image/png')).status).toBe(201);
        const back = await askerStream.line((l) => l.kind === 'image' && l.sender === 'agent');
        expect((await c.get(back.image!.url)).status).toBe(200);

        // Someone else never gets the image or the stream: 404, audited.
        const stranger = await asker();
        expect((await stranger.c.get(img.image!.url)).status).toBe(404);
        expect((await lastAudit(a.db, 'pics.chat.denied')).actor_account_id).toBe(stranger.acc.accountId);
        const denied = await stranger.c.sse(`/pics/chat/${id}/events`);
        expect(denied.status).toBe(404);
        denied.close();

        // The agent's page masks, the asker's page does not.
        expect((await ag.c.page(`/pics/agent/chat/${id}`)).text).toContain('A12****789');
        expect((await c.page(`/pics/chat/${id}`)).text).toContain('A123456789');

        // End by the agent reaches the asker.
        await ag.c.page(`/pics/agent/chat/${id}`);
        await ag.c.form(`/pics/chat/${id}/end`, {});
        const ended = await askerStream.line((l) => l.kind === 'ended');
        expect(ended.state).toBe('ended');
        expect(ended.body).toContain('客服專員已結束對話');
        expect((await chatRow(id)).state).toBe('ended');
        void acc;
      } finally {
        agentStream.close();
      }
    } finally {
      consoleStream.close();
      askerStream.close();
    }
  });

  it('a reconnecting client resumes after its Last-Event-ID', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    for (const body of ['第一句', '第二句', '第三句']) await c.json(`/pics/chat/${id}/messages`, { body });
    const all = await c.on(b.base).sse(`/pics/chat/${id}/events`);
    const third = await all.line((l) => l.body === '第三句');
    all.close();
    const ids = all.lines().map((l) => l.id);
    const second = all.lines().find((l) => l.body === '第二句')!.id;
    const resumed = await c.on(b.base).sse(`/pics/chat/${id}/events`, second);
    try {
      const got = await resumed.line((l) => l.id === third.id);
      expect(got.body).toBe('第三句');
      expect(resumed.lines().map((l) => l.id)).toEqual(ids.filter((x) => x > second));
    } finally {
      resumed.close();
    }
  });

  it('lines said while the LISTEN connection was down arrive after it reconnects', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const onB = await c.on(b.base).sse(`/pics/chat/${id}/events`);
    try {
      await onB.line((l) => l.kind === 'menu');
      expect(b.services.pics.chat.hub.listening).toBe(true);
      await b.services.pics.chat.hub.dropConnection();
      expect(b.services.pics.chat.hub.listening).toBe(false);
      await c.json(`/pics/chat/${id}/messages`, { body: '斷線期間的訊息' });
      expect((await onB.line((l) => l.body === '斷線期間的訊息')).sender).toBe('asker');
      expect(b.services.pics.chat.hub.listening).toBe(true);
    } finally {
      onB.close();
    }
  });
});

describe('文字客服 notifications', () => {
  it('a typed line travels inside its notification; one too long for it is announced by id and read, in order', async () => {
    const { acc, c } = await asker();
    const id = await startChat(c);
    const onB = await c.on(b.base).sse(`/pics/chat/${id}/events`);
    const listener = new pg.Client({ connectionString: inject('databaseUrl') });
    const payloads: string[] = [];
    await listener.connect();
    listener.on('notification', (n) => n.payload && payloads.push(n.payload));
    await listener.query('LISTEN pics_chat');
    try {
      await onB.line((l) => l.kind === 'menu');
      expect((await c.json(`/pics/chat/${id}/messages`, { body: '帶著訊息的通知' })).status).toBe(201);
      const short = await onB.line((l) => l.body === '帶著訊息的通知');
      await expect.poll(() => payloads.some((p) => p.includes('帶著訊息的通知'))).toBe(true);
      const inline = payloads.find((p) => p.includes('帶著訊息的通知'));
      expect(inline?.startsWith('l:')).toBe(true);
      expect(JSON.parse(inline!.slice(2))).toMatchObject({ id: short.id, chatId: id, sender: 'asker', senderAccountId: acc.accountId, kind: 'text', chatState: 'menu' });

      // Over the 8,000-byte payload: the notification names the line and B reads it.
      const long = '長'.repeat(3000);
      const longId = await createChatRepository(a.db).addMessage(a.db, id, { sender: 'asker', senderAccountId: acc.accountId, senderName: '王', kind: 'text', body: long }, new Date(), true);
      expect((await onB.line((l) => l.id === longId)).body).toBe(long);
      await expect.poll(() => payloads).toContain(`m:${id}:${longId}`);
      expect((await c.json(`/pics/chat/${id}/messages`, { body: '之後的一句' })).status).toBe(201);
      await onB.line((l) => l.body === '之後的一句');
      const ids = onB.lines().map((l) => l.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      onB.close();
      await listener.end();
    }
  });
});

describe('seats and agents', () => {
  it('seats are the sum of available agents’ limits; a stale heartbeat counts for nothing', async () => {
    const ag = await agentOnDuty(1);
    const one = await asker();
    const two = await asker();
    const id1 = await startChat(one.c);
    expect((await chatRow(id1)).state).toBe('waiting');
    // The only seat is promised to the first: the second gets the choice.
    const id2 = await startChat(two.c);
    expect((await chatRow(id2)).state).toBe('menu');
    await ag.c.form('/pics/agent/chat/accept', {});
    expect((await chatRow(id1)).state).toBe('active');
    // Full: accepting more is refused with a message.
    await two.c.form(`/pics/chat/${id2}/choice`, { choice: '1' });
    const full = await ag.c.form('/pics/agent/chat/accept', {});
    expect(full.headers.get('location')).toBe('/pics/agent/chat');
    expect((await ag.c.page('/pics/agent/chat')).text).toContain('您同時服務的對話已達上限（1 個）');
    expect((await chatRow(id2)).state).toBe('waiting');
    // Heartbeat older than the window: no seats.
    const seats = await a.services.pics.chat.seats();
    expect(seats.seats).toBe(1);
    await a.db('pics_chat_agent').where({ account_id: ag.acc.accountId }).update({ heartbeat_at: new Date(sc.clock().getTime() - 5 * 60_000) });
    expect((await a.services.pics.chat.seats()).seats).toBe(0);
    expect((await ag.c.json('/pics/agent/chat/heartbeat', {})).status).toBe(204);
    expect((await a.services.pics.chat.seats()).seats).toBe(1);
  });

  it('away agents offer no seats; accept with an empty queue says so', async () => {
    const ag = await agentOnDuty(3);
    await ag.c.form('/pics/agent/chat/status', { status: 'away' });
    expect((await a.services.pics.chat.seats()).seats).toBe(0);
    const { c } = await asker();
    expect((await chatRow(await startChat(c))).state).toBe('menu');
    await a.db('pics_chat').whereNot({ state: 'ended' }).update({ state: 'ended' });
    await ag.c.form('/pics/agent/chat/accept', {});
    expect((await ag.c.page('/pics/agent/chat')).text).toContain('目前沒有等候中的提問者。');
  });

  it('an agent turns the chat into a C ticket and the receipt number shows in the chat', async () => {
    const { c } = await asker();
    const ag = await agentOnDuty(2);
    const id = await startChat(c);
    await ag.c.form('/pics/agent/chat/accept', {});
    await c.json(`/pics/chat/${id}/messages`, { body: '身分證 A123456789 的獎勵令查不到' });
    const page = await ag.c.page(`/pics/agent/chat/${id}`);
    expect(page.text).toContain('轉為線上掛號單');
    const res = await ag.c.form(`/pics/agent/chat/${id}/ticket`, { subject: '獎勵令查不到', kind: '問題', phone: '02-23979108', email: 'asker@example.gov.tw' });
    expect(res.status).toBe(303);
    const chat = await chatRow(id);
    expect(chat.receipt_no).toMatch(/^\d{6}C\d{5}$/);
    const ticket = await a.db('pics_ticket').where({ receipt_no: chat.receipt_no }).first();
    expect(ticket.channel).toBe('C');
    expect(ticket.description).toContain('A12****789');
    const lines = await a.db('pics_chat_message').where({ chat_id: id, kind: 'receipt' });
    expect(lines[0].body).toContain(chat.receipt_no);
    expect((await lastAudit(a.db, 'pics.chat.ticket')).target_id).toBe(String(id));
    // Twice is refused.
    const again = await ag.c.form(`/pics/agent/chat/${id}/ticket`, { subject: '再一次', kind: '問題', phone: '02-23979108', email: 'asker@example.gov.tw' });
    expect(again.status).toBe(409);
  });

  it('chat → ticket with bad fields shows the form again with the messages and nothing filed', async () => {
    const { c } = await asker();
    const ag = await agentOnDuty(2);
    const id = await startChat(c);
    await ag.c.form('/pics/agent/chat/accept', {});
    const res = await ag.c.form(`/pics/agent/chat/${id}/ticket`, { subject: '字'.repeat(201), kind: '問題', phone: 'abc', email: 'x' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(formErrors(html)).toEqual(expect.arrayContaining(['問題主旨不可超過 200 個字']));
    expect(html).toContain('字'.repeat(201));
    expect((await chatRow(id)).receipt_no).toBeNull();
  });

  it('the transcript is mailed to the asker', async () => {
    const { acc, c } = await asker();
    const ag = await agentOnDuty(2);
    const id = await startChat(c);
    await ag.c.form('/pics/agent/chat/accept', {});
    await c.json(`/pics/chat/${id}/messages`, { body: '請寄對話紀錄給我' });
    await ag.c.page(`/pics/agent/chat/${id}`);
    expect((await ag.c.form(`/pics/agent/chat/${id}/mail`, {})).status).toBe(303);
    const mail = await a.db('mail_outbox').where({ to_address: acc.email }).orderBy('id', 'desc').first();
    expect(mail.subject).toBe('行政院人事行政總處文字客服對話紀錄');
    expect(mail.body_text).toContain('哈囉，您好，很高興為您服務！');
    expect(mail.body_text).toMatch(/\[\d\d:\d\d:\d\d\] 測試\d+：請寄對話紀錄給我/);
  });

  it('the desk menu’s /pics/chat/agent leads to the console', async () => {
    const ag = await agentOnDuty(1);
    const res = await ag.c.get('/pics/chat/agent');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/pics/agent/chat');
  });

  it('the console lists active chats and past transcripts', async () => {
    const { c } = await asker();
    const ag = await agentOnDuty(2);
    const id = await startChat(c);
    await ag.c.form('/pics/agent/chat/accept', {});
    const page = await ag.c.page('/pics/agent/chat');
    expect(page.text).toContain(`href="/pics/agent/chat/${id}"`);
    expect(page.text).toContain('最近結束的對話紀錄');
  });

  it('idle chats are ended by the scheduled sweep', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    await a.db('pics_chat').where({ id }).update({ last_activity_at: new Date(sc.clock().getTime() - 31 * 60_000) });
    expect(await a.services.pics.chat.endIdle(sc.clock())).toBeGreaterThanOrEqual(1);
    expect((await chatRow(id)).state).toBe('ended');
  });
});

describe('bad input', () => {
  it('a chat message of 10,000 characters is refused with the message kept, nothing saved (fetch)', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const before = await messageCount(id);
    const res = await c.json(`/pics/chat/${id}/messages`, { body: '字'.repeat(10_000) });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe('訊息不可超過 1000 個字');
    expect(await messageCount(id)).toBe(before);
  });

  it('a chat message of 10,000 characters by form post re-renders the chat with the error and the text', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const before = await messageCount(id);
    const res = await c.form(`/pics/chat/${id}/messages`, { body: '字'.repeat(10_000) });
    expect(res.status).toBe(400);
    const html = await res.text();
    expectZhPage({ status: res.status, text: html, headers: { 'content-type': res.headers.get('content-type')! } }, 400);
    expect(formErrors(html)).toEqual(['訊息不可超過 1000 個字']);
    expect(html).toContain(`value="${'字'.repeat(10_000)}"`);
    expect(await messageCount(id)).toBe(before);
  });

  it('an empty message is refused', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const res = await c.json(`/pics/chat/${id}/messages`, { body: '   ' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe('請輸入訊息');
  });

  it('a chat image that is not an image (an .exe renamed .png, a text file) is refused and nothing is kept', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const before = await messageCount(id);
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90), Buffer.from('PE\0\0')]);
    const res = await c.upload(`/pics/chat/${id}/images`, 'image', 'screen.png', exe, 'image/png');
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe('「screen.png」不是圖片檔，僅接受 JPG、PNG、GIF、WebP 或 BMP。');
    const txt = await c.upload(`/pics/chat/${id}/images`, 'image', 'note.txt', Buffer.from('hello'), 'text/plain', 'text/html');
    expect(txt.status).toBe(400);
    const html = await txt.text();
    expect(formErrors(html)).toEqual(['「note.txt」不是圖片檔，僅接受 JPG、PNG、GIF、WebP 或 BMP。']);
    expect(await messageCount(id)).toBe(before);
    const incoming = path.join(a.config.uploadDir, 'incoming');
    const left = fs.existsSync(incoming) ? fs.readdirSync(incoming) : [];
    expect(left.filter((n) => Date.now() - fs.statSync(path.join(incoming, n)).mtimeMs < 5000)).toEqual([]);
  });

  it('an upload without a file asks for one', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const form = new FormData();
    form.append('x', 'y');
    const res = await fetch(`${a.base}/pics/chat/${id}/images?_csrf=${encodeURIComponent(c.csrf)}`, { method: 'POST', headers: { cookie: c.cookie, accept: 'application/json' }, body: form });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe('請選擇要上傳的圖片');
  });

  it('a choice other than 1, 2, 3 is refused on the same page', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const res = await c.form(`/pics/chat/${id}/choice`, { choice: '4' });
    expect(res.status).toBe(400);
    expect(formErrors(await res.text())).toEqual(['請選擇 1、2 或 3']);
    expect((await chatRow(id)).state).toBe('menu');
  });

  it('lines after the end are refused', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    await c.form(`/pics/chat/${id}/choice`, { choice: '3' });
    const res = await c.json(`/pics/chat/${id}/messages`, { body: '還在嗎？' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe('此對話已結束，無法再傳送訊息。');
  });

  it.each([
    ['GET', '/pics/agent/chat'],
    ['GET', '/pics/agent/chat/events'],
    ['POST', '/pics/agent/chat/status'],
    ['POST', '/pics/agent/chat/heartbeat'],
    ['POST', '/pics/agent/chat/accept'],
    ['GET', '/pics/agent/chat/1'],
    ['POST', '/pics/agent/chat/1/ticket'],
    ['POST', '/pics/agent/chat/1/mail'],
  ])('agent action %s %s by a non-agent → 403, audited', async (method, url) => {
    const { acc, c } = await asker();
    const res = method === 'GET' ? await c.get(url) : await c.form(url, { status: 'available', subject: 'x', kind: '問題' });
    expect(res.status).toBe(403);
    const audit = await lastAudit(a.db, 'access.denied');
    expect(audit.actor_account_id).toBe(acc.accountId);
    expect(audit.target_id).toBe(url);
  });

  it('another person’s chat is 404 and audited; an agent who is not serving it cannot speak in it', async () => {
    const owner = await asker();
    const id = await startChat(owner.c);
    const other = await asker();
    const res = await other.c.get(`/pics/chat/${id}`);
    expect(res.status).toBe(404);
    const denied = await lastAudit(a.db, 'pics.chat.denied');
    expect(denied.actor_account_id).toBe(other.acc.accountId);
    expect(denied.target_id).toBe(String(id));
    expect((await other.c.json(`/pics/chat/${id}/messages`, { body: '插話' })).status).toBe(404);
    const ag = await agentOnDuty(1);
    const said = await ag.c.json(`/pics/chat/${id}/messages`, { body: '我不是這個對話的專員' });
    expect(said.status).toBe(403);
  });

  it('signed-out requests go to the login page; bad ids are 404', async () => {
    const res = await request(a.app).get('/pics/chat');
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login\?returnTo=/);
    const { c } = await asker();
    expect((await c.get('/pics/chat/abc')).status).toBe(404);
    expect((await c.get('/pics/chat/999999999')).status).toBe(404);
  });
});

describe('event streams end with their session or role', () => {
  it('an open stream ends when its session signs out (announced to the other instance)', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    // The stream is on instance B, the sign-out on instance A.
    const stream = await c.on(b.base).sse(`/pics/chat/${id}/events`);
    try {
      expect(stream.status).toBe(200);
      await stream.next((e) => e.event === 'line');
      await c.page('/my/profile');
      expect((await c.form('/logout', {})).status).toBe(303);
      await stream.endedWithin();
      expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: JSON.stringify({ reason: 'session' }) });
      expect(b.services.pics.chat.hub.size).toBe(0);
    } finally {
      stream.close();
    }
  });

  it('an open stream ends when its session expires (idle or past its absolute limit)', async () => {
    for (const patch of [{ lastSeenAt: Date.now() - 21 * 60_000 }, { createdAt: Date.now() - 9 * 3600_000 }, { expire: new Date(Date.now() - 1000) }]) {
      const { acc, c } = await asker();
      const id = await startChat(c);
      const stream = await c.sse(`/pics/chat/${id}/events`);
      try {
        await stream.next((e) => e.event === 'line');
        await patchSessions(a.db, acc.accountId, patch);
        await a.services.pics.chat.hub.checkStreams();
        await stream.endedWithin();
      } finally {
        stream.close();
      }
    }
  });

  it('an agent console stream ends when cs_agent is taken away in role_grant (the periodic check)', async () => {
    const ag = await agentOnDuty();
    const stream = await ag.c.sse('/pics/agent/chat/events');
    const other = await agentOnDuty();
    const kept = await other.c.sse('/pics/agent/chat/events');
    try {
      expect(stream.status).toBe(200);
      await a.db('role_grant').where({ account_id: ag.acc.accountId, role: 'cs_agent' }).delete();
      await stream.endedWithin();
      expect(stream.events.at(-1)).toMatchObject({ event: 'end', data: JSON.stringify({ reason: 'role' }) });
      // An agent who still holds the role keeps the stream.
      await b.services.pics.chat.hub.checkStreams();
      expect(kept.events.filter((e) => e.event === 'end')).toEqual([]);
    } finally {
      stream.close();
      kept.close();
    }
  });

  it('a session holds at most 4 streams; the 5th is refused with 429', async () => {
    const { c } = await asker();
    const id = await startChat(c);
    const streams = [];
    try {
      for (let i = 0; i < 4; i++) streams.push(await c.sse(`/pics/chat/${id}/events`));
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200]);
      await Promise.all(streams.map((s) => s.next((e) => e.event === 'line')));
      const fifth = await c.sse(`/pics/chat/${id}/events`);
      streams.push(fifth);
      expect(fifth.status).toBe(429);
      // Closing one makes room again.
      streams[0]!.close();
      await waitFor(() => a.services.pics.chat.hub.size === 3);
      const again = await c.sse(`/pics/chat/${id}/events`);
      streams.push(again);
      expect(again.status).toBe(200);
    } finally {
      for (const s of streams) s.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}
