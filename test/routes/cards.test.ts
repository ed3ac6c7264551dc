import { afterAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import knex from 'knex';
import * as cardsMigration from '../../migrations/20261209010000_cards';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { rocShort, taipeiToday } from '../../src/platform/dates';
import { expectZhPage, formErrors, idOf, long, unreadBadge, type Agent } from '../support/routes';
import { DESIGNS } from '../../src/portal/cards/designs';

const t = buildApp();
afterAll(() => t.close());

type Session = { agent: Agent; csrf: string };
type Person = Awaited<ReturnType<typeof makeAccount>> & Session & { name: string };

async function person(opts: { agencyCode?: string; optIn?: boolean; roles?: string[] } = {}): Promise<Person> {
  const a = await makeAccount(t.db, { agencyCode: opts.agencyCode, roles: opts.roles });
  await t.db('account').where({ id: a.accountId }).update({ egov_opt_in: opts.optIn ?? true });
  const { name } = await t.db('person').where({ id: a.personId }).first('name');
  return { ...a, name: name as string, ...(await signIn(t.app, a.login)) };
}
const post = (s: Session, url: string, body: Record<string, string | string[]> = {}) => {
  if (url !== '/my/ecards') return s.agent.post(url).type('form').send({ _csrf: s.csrf, ...body });
  // The card form, as the browser sends it (multipart, the token in the URL).
  let req = s.agent.post(`/my/ecards?_csrf=${encodeURIComponent(s.csrf)}`);
  for (const [k, v] of Object.entries(body)) for (const x of Array.isArray(v) ? v : [v]) req = req.field(k, x);
  return req;
};

/** `owner` with these people in the 通訊錄 and a group of them; the group's id. */
async function groupOf(owner: Person, members: Person[], name = `賀卡群組${Date.now() % 100000}`) {
  for (const m of members) expect((await post(owner, '/my/contacts', { personId: String(m.personId) })).status).toBe(303);
  const res = await post(owner, '/my/groups', { name });
  const gid = Number(/(\d+)$/.exec(res.headers.location!)![1]);
  expect((await post(owner, `/my/groups/${gid}/members`, { members: members.map((m) => String(m.personId)) })).status).toBe(303);
  return gid;
}

const count = async (table: string) => Number((await t.db(table).count({ n: '*' }))[0]!.n);
const inboxOf = (personId: number) => t.db('message_recipient as r').join('message as m', 'm.id', 'r.message_id').where('r.person_id', personId).whereNull('r.deleted_at').select('m.*', 'r.read_at');
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** 09:00 in Taipei on `day`. */
const taipeiMorning = (day: string) => new Date(`${day}T01:00:00Z`);
const today = () => taipeiToday(t.services.clock());

describe('電子賀卡: the page', () => {
  it('sends a visitor to sign in', async () => {
    const res = await request(t.app).get('/my/ecards');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fmy%2Fecards');
  });

  it('offers the five designs as inline SVG (no image, no remote font), contacts and groups, and is in 我的專區’s menu', async () => {
    const p = await person();
    const m = await person();
    await groupOf(p, [m], '同事');
    const res = await p.agent.get('/my/ecards');
    expectZhPage(res, 200);
    for (const d of Object.values(DESIGNS)) expect(res.text).toMatch(new RegExp(`> ${d.label}\\s*<svg class="ecard"`));
    expect(res.text.match(/<svg class="ecard"/g)).toHaveLength(5);
    expect(res.text).not.toMatch(/<image|xlink:href|@import|url\(http|src="http/);
    expect(res.text).toContain(`${m.name}（`);
    expect(res.text).toContain('同事（1 人）');
    const home = await p.agent.get('/my');
    expect(home.text).toMatch(/<nav aria-label="我的專區">[\s\S]*<a href="\/my\/ecards">電子賀卡<\/a>/);
  });

  it('previews the card with the greeting and the signature; nothing is saved', async () => {
    const p = await person();
    await post(p, '/my/signature', { signature: '人事室 敬上', action: 'save' });
    const before = await count('message');
    const res = await post(p, '/my/ecards', { design: 'midautumn', greeting: '月圓人團圓 <b>', action: 'preview' });
    expectZhPage(res, 200);
    expect(res.text).toMatch(/<section aria-labelledby="preview-title"[\s\S]*role="img"[\s\S]*<title id="card-preview-title">中秋節快樂<\/title>/);
    expect(res.text).toContain('月圓人團圓 &lt;b&gt;\n\n-- \n人事室 敬上');
    expect(res.text).toMatch(/<textarea id="greeting"[^>]*>月圓人團圓 &lt;b&gt;<\/textarea>/);
    expect(await count('message')).toBe(before);
  });
});

describe('電子賀卡: sending', () => {
  it('sends a card to a group now: it arrives in 網頁訊息, counts as unread, and its page shows the card and the greeting', async () => {
    const sender = await person();
    const m1 = await person({ agencyCode: '376470000A' });
    const m2 = await person();
    const gid = await groupOf(sender, [m1, m2]);
    await post(sender, '/my/signature', { signature: '王科長', action: 'save' });
    const res = await post(sender, '/my/ecards', { design: 'promotion', greeting: '恭喜榮陞，前程似錦！', groups: String(gid), sendOn: '', action: 'send' });
    expect(res.status).toBe(303);
    const id = idOf(res);
    expect(res.headers.location).toBe(`/my/messages/sent/${id}`);
    const row = await t.db('message').where({ id }).first();
    expect(row).toMatchObject({ kind: 'card', card_design: 'promotion', subject: '電子賀卡：榮陞誌喜', body: '恭喜榮陞，前程似錦！\n\n-- \n王科長', sender_person_id: sender.personId });
    expect((await lastAudit(t.db, 'card.send')).target_id).toBe(String(id));
    const sent = await sender.agent.get(res.headers.location!);
    expect(sent.text).toContain('賀卡已送出，共 2 位收件人。');

    for (const m of [m1, m2]) {
      const home = await m.agent.get('/my');
      expect(unreadBadge(home.text)).toBe('1');
      const list = await m.agent.get('/my/messages');
      expect(list.text).toContain('<span class="tag">電子賀卡</span> <a href="/my/messages/' + id + '">電子賀卡：榮陞誌喜</a>');
      const page = await m.agent.get(`/my/messages/${id}`);
      expectZhPage(page, 200);
      expect(page.text).toMatch(new RegExp(`<svg class="ecard"[^>]*role="img" aria-labelledby="card-message-${id}-title card-message-${id}-desc"`));
      expect(page.text).toContain(`<desc id="card-message-${id}-desc">${DESIGNS.promotion.alt}</desc>`);
      expect(page.text).toContain('恭喜榮陞，前程似錦！');
      expect(unreadBadge(page.text)).toBeNull();
    }
  });

  it('a card from a person can be answered (回覆), though the sender is neither a contact nor of the agency; a birthday card cannot', async () => {
    const sender = await person({ agencyCode: '376470000A' });
    const r = await person();
    await post(sender, '/my/contacts', { personId: String(r.personId) });
    const id = idOf(await post(sender, '/my/ecards', { design: 'retirement', greeting: '退休快樂', to: String(r.personId), action: 'send' }));
    const page = await r.agent.get(`/my/messages/${id}`);
    expect(page.text).toContain(`href="/my/messages/new?reply=${id}">回覆</a>`);
    const form = await r.agent.get(`/my/messages/new?reply=${id}`);
    expectZhPage(form, 200);
    expect(form.text).toMatch(new RegExp(`name="to" value="${sender.personId}" checked`));
    let reply = r.agent.post(`/my/messages/new?_csrf=${encodeURIComponent(r.csrf)}`);
    for (const [k, v] of Object.entries({ to: String(sender.personId), subject: 'RE: 電子賀卡：榮退快樂', body: '謝謝！', replyTo: String(id) })) reply = reply.field(k, v);
    expect((await reply).status).toBe(303);
    expect((await inboxOf(sender.personId)).map((m) => m.body)).toContain('謝謝！');
  });

  it('a date of today sends now; a later date waits for the job, which sends it on the day once', async () => {
    const sender = await person();
    const r = await person();
    const later = await person();
    await post(sender, '/my/contacts', { personId: String(r.personId) });
    await post(sender, '/my/contacts', { personId: String(later.personId) });
    const now = await post(sender, '/my/ecards', { design: 'newyear', greeting: '新年快樂', to: String(r.personId), sendOn: rocShort(today()), action: 'send' });
    expect(now.status).toBe(303);
    expect(now.headers.location).toMatch(/^\/my\/messages\/sent\/\d+$/);
    expect(await inboxOf(r.personId)).toHaveLength(1);

    const day = addDays(today(), 3);
    const res = await post(sender, '/my/ecards', { design: 'newyear', greeting: '預祝新年快樂', to: [String(r.personId), String(later.personId)], sendOn: day, action: 'send' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my/ecards#scheduled');
    const page = await sender.agent.get('/my/ecards');
    expect(page.text).toContain(`賀卡已預約於 ${rocShort(day)} 寄送，共 2 位收件人。`);
    expect(page.text).toMatch(new RegExp(`<td>${rocShort(day)}</td>\\s*<td>新年</td>`));
    const scheduled = await t.db('card_schedule').where({ sender_person_id: sender.personId }).first();
    expect(scheduled).toMatchObject({ send_on: day, sent_at: null, person_ids: [r.personId, later.personId] });
    expect((await lastAudit(t.db, 'card.schedule')).target_id).toBe(String(scheduled.id));
    expect(await inboxOf(r.personId)).toHaveLength(1);

    // The day before: nothing. Meanwhile `later` stops accepting e公務 messages.
    await t.services.cards.sendScheduled(taipeiMorning(addDays(day, -1)));
    expect(await inboxOf(r.personId)).toHaveLength(1);
    await t.db('account').where({ id: later.accountId }).update({ egov_opt_in: false });
    // On the day, twice (a retry, or a second instance): one card.
    const [a, b] = await Promise.all([t.services.cards.sendScheduled(taipeiMorning(day)), t.services.cards.sendScheduled(taipeiMorning(day))]);
    expect(a.sent + b.sent).toBeGreaterThanOrEqual(1);
    await t.services.cards.sendScheduled(taipeiMorning(day));
    const inbox = await inboxOf(r.personId);
    expect(inbox).toHaveLength(2);
    expect(inbox.filter((m) => m.body === '預祝新年快樂')).toHaveLength(1);
    expect(await inboxOf(later.personId)).toHaveLength(0);
    const done = await t.db('card_schedule').where({ id: scheduled.id }).first();
    expect(done.sent_at).not.toBeNull();
    expect(done.message_id).toBe(inbox.find((m) => m.body === '預祝新年快樂')!.id);
    expect((await sender.agent.get('/my/ecards')).text).toContain('目前沒有預約寄送的賀卡。');
  });

  it('leaves out who does not accept e公務 messages and tells the sender; if nobody does, nothing is sent', async () => {
    const sender = await person();
    const yes = await person();
    const no = await person({ optIn: false });
    const gid = await groupOf(sender, [yes, no]);
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: '生日快樂', groups: String(gid), action: 'send' });
    expect(res.status).toBe(303);
    const page = await sender.agent.get(res.headers.location!);
    expect(page.text).toContain('賀卡已送出，共 1 位收件人。');
    expect(page.text).toContain(`下列人員未開放e公務接收訊息，不會收到此賀卡：${no.name}`);
    expect(await inboxOf(no.personId)).toHaveLength(0);
    const before = await count('message');
    const none = await post(sender, '/my/ecards', { design: 'birthday', greeting: '生日快樂', to: String(no.personId), action: 'send' });
    expectZhPage(none, 400);
    expect(formErrors(none.text)).toEqual([`收件人（${no.name}）未開放e公務接收訊息，賀卡未送出`]);
    expect(await count('message')).toBe(before);
  });

  it('cancels one’s own card waiting for its date; someone else’s: 404 and an audit entry', async () => {
    const sender = await person();
    const r = await person();
    await post(sender, '/my/contacts', { personId: String(r.personId) });
    await post(sender, '/my/ecards', { design: 'retirement', greeting: '退休快樂', to: String(r.personId), sendOn: addDays(today(), 10), action: 'send' });
    const row = await t.db('card_schedule').where({ sender_person_id: sender.personId }).first('id');
    const other = await person();
    const denied = await post(other, `/my/ecards/scheduled/${row.id}/delete`);
    expectZhPage(denied, 404);
    expect(await lastAudit(t.db, 'card.schedule.denied')).toMatchObject({ actor_account_id: other.accountId, target_id: String(row.id), outcome: 'denied' });
    expect(await t.db('card_schedule').where({ id: row.id }).first()).toBeDefined();
    const res = await post(sender, `/my/ecards/scheduled/${row.id}/delete`);
    expect(res.status).toBe(303);
    expect(await t.db('card_schedule').where({ id: row.id }).first()).toBeUndefined();
  });

  it('a new card counts in the mail digest like any message', async () => {
    const sender = await person();
    const r = await person();
    await post(r, '/my/messages/settings', { mailDigest: 'on' });
    await post(sender, '/my/contacts', { personId: String(r.personId) });
    await post(sender, '/my/ecards', { design: 'birthday', greeting: '生日快樂', to: String(r.personId), action: 'send' });
    await t.services.messages.sendDigests(new Date(Date.now() + 1000));
    const mail = await t.db('mail_outbox').where({ to_address: r.email }).first();
    expect(mail.subject).toContain('1 則新訊息');
  });
});

describe('電子賀卡: bad input (the form again, what was typed kept, nothing saved)', () => {
  async function setup() {
    const sender = await person();
    const r = await person();
    await post(sender, '/my/contacts', { personId: String(r.personId) });
    return { sender, r, before: { message: await count('message'), schedule: await count('card_schedule') } };
  }
  const nothingSaved = async (before: { message: number; schedule: number }) => {
    expect(await count('message')).toBe(before.message);
    expect(await count('card_schedule')).toBe(before.schedule);
  };

  it('a date in the past', async () => {
    const { sender, r, before } = await setup();
    const yesterday = rocShort(addDays(today(), -1));
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: '遲來的祝福', to: String(r.personId), sendOn: yesterday, action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual([`寄送日期不可早於今天（${rocShort(today())}）`]);
    expect(res.text).toMatch(new RegExp(`id="sendOn" name="sendOn" type="text"\\s*value="${yesterday}"`));
    expect(res.text).toContain('>遲來的祝福</textarea>');
    expect(res.text).toMatch(new RegExp(`value="${r.personId}" checked`));
    await nothingSaved(before);
  });

  it('no recipients', async () => {
    const { sender, before } = await setup();
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: '祝福', action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請選擇至少一位收件人或一個群組']);
    expect(res.text).toContain('>祝福</textarea>');
    await nothingSaved(before);
  });

  it('a greeting too long (501 characters)', async () => {
    const { sender, r, before } = await setup();
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: long(501), to: String(r.personId), action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['祝福語不可超過 500 個字']);
    expect(res.text).toContain(`>${long(501)}</textarea>`);
    await nothingSaved(before);
    expect((await post(sender, '/my/ecards', { design: 'birthday', greeting: long(500), to: String(r.personId), action: 'send' })).status).toBe(303);
  });

  it('an unknown design', async () => {
    const { sender, r, before } = await setup();
    const res = await post(sender, '/my/ecards', { design: 'halloween', greeting: '不給糖就搗蛋', to: String(r.personId), action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請選擇賀卡樣式']);
    expect(res.text).toContain('>不給糖就搗蛋</textarea>');
    await nothingSaved(before);
  });

  it('a recipient from another agency’s private group: refused, with an audit entry', async () => {
    const { sender, before } = await setup();
    const owner = await person({ agencyCode: '376470000A' });
    const member = await person({ agencyCode: '376470000A' });
    const gid = await groupOf(owner, [member]);
    const beforeAll = { message: await count('message'), schedule: before.schedule };
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: '祝福', groups: String(gid), action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['查無此群組，只能選擇您自己設定的群組']);
    expect(await lastAudit(t.db, 'message.group.denied')).toMatchObject({ actor_account_id: sender.accountId, target_id: String(gid), outcome: 'denied' });
    await nothingSaved(beforeAll);
    expect(await inboxOf(member.personId)).toHaveLength(0);
  });

  it('a recipient neither a contact nor of one’s agency', async () => {
    const { sender, before } = await setup();
    const stranger = await person({ agencyCode: '376470000A' });
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: '祝福', to: String(stranger.personId), action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['收件人須為您通訊錄中的聯絡人或本機關人員']);
    await nothingSaved(before);
  });

  it('201 recipients outside a group', async () => {
    const { sender, before } = await setup();
    const ids = Array.from({ length: 201 }, (_, i) => String(900000 + i));
    const res = await post(sender, '/my/ecards', { design: 'birthday', greeting: '祝福', to: ids, action: 'send' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['個別收件人最多 200 位，人數較多時請使用群組']);
    await nothingSaved(before);
  });

  it('reading or deleting someone else’s card: 404 and an audit entry', async () => {
    const { sender, r } = await setup();
    const sent = await post(sender, '/my/ecards', { design: 'birthday', greeting: '只給你', to: String(r.personId), action: 'send' });
    const id = idOf(sent);
    const other = await person();
    const read = await other.agent.get(`/my/messages/${id}`);
    expectZhPage(read, 404);
    expect(read.text).not.toContain('只給你');
    expect(await lastAudit(t.db, 'message.read.denied')).toMatchObject({ actor_account_id: other.accountId, target_id: String(id), outcome: 'denied' });
    const del = await post(other, `/my/messages/${id}/delete`);
    expectZhPage(del, 404);
    expect(await lastAudit(t.db, 'message.delete.denied')).toMatchObject({ actor_account_id: other.accountId, target_id: String(id) });
    expect(await inboxOf(r.personId)).toHaveLength(1);
  });
});

describe('生日賀卡 (人事人員)', () => {
  const setting = (s: Session, body: Record<string, string>) => post(s, '/my/ecards/birthday', body);

  it('only 人事人員 set it: anyone else gets 403 and an audit entry', async () => {
    const p = await person();
    expectZhPage(await p.agent.get('/my/ecards/birthday'), 403);
    const res = await setting(p, { enabled: 'on', design: 'birthday', greeting: '生日快樂' });
    expectZhPage(res, 403);
    expect(await lastAudit(t.db, 'card.birthday.denied')).toMatchObject({ actor_account_id: p.accountId, outcome: 'denied' });
    expect(await t.db('card_birthday_setting').where({ agency_id: p.agencyId }).first()).toBeUndefined();
    expect((await p.agent.get('/my/ecards')).text).not.toContain('生日賀卡設定');
  });

  it('bad input: an unknown design, a greeting too long; nothing saved', async () => {
    const hr = await person({ roles: ['hr_staff'], agencyCode: '376470000A' });
    const bad = await setting(hr, { enabled: 'on', design: 'xmas', greeting: '生日快樂' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)).toEqual(['請選擇賀卡樣式']);
    const tooLong = await setting(hr, { enabled: 'on', design: 'birthday', greeting: long(501) });
    expectZhPage(tooLong, 400);
    expect(formErrors(tooLong.text)).toEqual(['祝福語不可超過 500 個字']);
    expect(tooLong.text).toContain(`>${long(501)}</textarea>`);
    expect(await t.db('card_birthday_setting').where({ agency_id: hr.agencyId }).first()).toBeUndefined();
  });

  it('sends the agency’s card on each person’s birthday, once a year even when the job runs twice or at once on two instances', async () => {
    const hr = await person({ roles: ['hr_staff'] });
    const page = await hr.agent.get('/my/ecards/birthday');
    expectZhPage(page, 200);
    const res = await setting(hr, { enabled: 'on', design: 'birthday', greeting: '祝您生日快樂，平安喜樂！' });
    expect(res.status).toBe(303);
    expect((await lastAudit(t.db, 'card.birthday.setting')).target_id).toBe(String(hr.agencyId));
    const star = await person({ optIn: false });
    const notToday = await person();
    const elsewhere = await person({ agencyCode: '376470000A' });
    await t.db('person').whereIn('id', [star.personId, elsewhere.personId]).update({ birth_date: '1988-07-14' });
    await t.db('person').where({ id: notToday.personId }).update({ birth_date: '1988-07-15' });

    const day = taipeiMorning('2030-07-14');
    const [a, b] = await Promise.all([t.services.cards.sendBirthdays(day), t.services.cards.sendBirthdays(day)]);
    expect(a.people + b.people).toBeGreaterThanOrEqual(1);
    const again = await t.services.cards.sendBirthdays(new Date(day.getTime() + 3600_000));
    expect(again.people).toBe(0);
    const inbox = await inboxOf(star.personId);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ kind: 'card', card_design: 'birthday', subject: '生日賀卡：祝您生日快樂', body: '祝您生日快樂，平安喜樂！', sender_name: '人事室', sender_person_id: null });
    expect(await t.db('card_birthday_sent').where({ person_id: star.personId })).toEqual([{ person_id: star.personId, year: 2030, message_id: inbox[0]!.id }]);
    expect(await inboxOf(notToday.personId)).toHaveLength(0);
    expect(await inboxOf(elsewhere.personId)).toHaveLength(0);
    // One message for the agency's people of the day, no empty one left by the losing run.
    expect(await t.db('message').where({ kind: 'card', notice_agency_id: hr.agencyId, created_at: day })).toHaveLength(1);
    expect(await t.db('message').where({ kind: 'card', notice_agency_id: hr.agencyId }).whereNotExists(t.db('message_recipient as r').whereRaw('r.message_id = message.id'))).toHaveLength(0);

    const read = await star.agent.get(`/my/messages/${inbox[0]!.id}`);
    expectZhPage(read, 200);
    expect(read.text).toContain('<title id="card-message-' + inbox[0]!.id + '-title">生日快樂</title>');
    expect(read.text).toContain('祝您生日快樂，平安喜樂！');
    expect(read.text).not.toContain('>回覆</a>');
    // The next year, again once.
    await t.services.cards.sendBirthdays(taipeiMorning('2031-07-14'));
    expect(await inboxOf(star.personId)).toHaveLength(2);
    // Switched off: none.
    await setting(hr, { design: 'birthday', greeting: '祝您生日快樂' });
    await t.services.cards.sendBirthdays(taipeiMorning('2032-07-14'));
    expect(await inboxOf(star.personId)).toHaveLength(2);
  });

  it('29 February birthdays: on 28 February in a common year, on 29 February in a leap year', async () => {
    const hr = await person({ roles: ['hr_staff'] });
    await setting(hr, { enabled: 'on', design: 'birthday', greeting: '生日快樂' });
    const leapling = await person();
    await t.db('person').where({ id: leapling.personId }).update({ birth_date: '1984-02-29' });
    await t.services.cards.sendBirthdays(taipeiMorning('2033-02-28'));
    expect(await inboxOf(leapling.personId)).toHaveLength(1);
    await t.services.cards.sendBirthdays(taipeiMorning('2033-03-01'));
    expect(await inboxOf(leapling.personId)).toHaveLength(1);
    await t.services.cards.sendBirthdays(taipeiMorning('2036-02-28'));
    expect(await inboxOf(leapling.personId)).toHaveLength(1);
    await t.services.cards.sendBirthdays(taipeiMorning('2036-02-29'));
    expect(await inboxOf(leapling.personId)).toHaveLength(2);
  });

  it('the day is Taipei’s: 16:30 UTC on 13 July is already 14 July', async () => {
    const hr = await person({ roles: ['hr_staff'] });
    await setting(hr, { enabled: 'on', design: 'birthday', greeting: '生日快樂' });
    const p = await person();
    await t.db('person').where({ id: p.personId }).update({ birth_date: '1991-07-14' });
    await t.services.cards.sendBirthdays(new Date('2034-07-13T15:30:00Z'));
    expect(await inboxOf(p.personId)).toHaveLength(0);
    await t.services.cards.sendBirthdays(new Date('2034-07-13T16:30:00Z'));
    expect(await inboxOf(p.personId)).toHaveLength(1);
  });
});

describe('電子賀卡 designs (unit)', () => {
  it('each design is drawn with its headline and text alternative, with no image, link or remote font', async () => {
    const ejs = await import('ejs');
    const path = await import('node:path');
    for (const [k, d] of Object.entries(DESIGNS)) {
      const svg = await ejs.renderFile(path.resolve(import.meta.dirname, '../../views/portal/cards/_svg.ejs'), { design: k, uid: 'u' });
      expect(svg).toContain(`<title id="card-u-title">${d.headline}</title>`);
      expect(svg).toContain(`<desc id="card-u-desc">${d.alt}</desc>`);
      expect(svg).toMatch(/role="img" aria-labelledby="card-u-title card-u-desc"/);
      expect(svg.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|<image|href=|@font-face|<script|<foreignObject/i);
      const deco = await ejs.renderFile(path.resolve(import.meta.dirname, '../../views/portal/cards/_svg.ejs'), { design: k, uid: 'p', decorative: true });
      expect(deco).toMatch(/aria-hidden="true"/);
      expect(deco).not.toContain('role="img"');
    }
  });

  it('birthdays of a day: 29 February ones on 28 February of a common year only', async () => {
    const { birthdaysOn } = await import('../../src/portal/cards/designs');
    expect(birthdaysOn('2027-02-28')).toEqual({ year: 2027, month: 2, day: 28, leapDayToo: true });
    expect(birthdaysOn('2028-02-28')).toEqual({ year: 2028, month: 2, day: 28, leapDayToo: false });
    expect(birthdaysOn('2100-02-28').leapDayToo).toBe(true);
    expect(birthdaysOn('2000-02-28').leapDayToo).toBe(false);
    expect(birthdaysOn('2027-03-01').leapDayToo).toBe(false);
  });
});

describe('電子賀卡: a crafted request', () => {
  it('a file sent with a card: 400, nothing saved', async () => {
    const sender = await person();
    const r = await person();
    await post(sender, '/my/contacts', { personId: String(r.personId) });
    const before = await count('message');
    const res = await sender.agent
      .post(`/my/ecards?_csrf=${encodeURIComponent(sender.csrf)}`)
      .field('design', 'birthday')
      .field('greeting', '附檔')
      .field('to', String(r.personId))
      .attach('files', Buffer.from('%PDF-1.4\n%%EOF\n'), 'a.pdf');
    expectZhPage(res, 400);
    expect(res.text).toContain('電子賀卡不可附加檔案。');
    expect(await count('message')).toBe(before);
  });
});

describe('the 電子賀卡 migration', () => {
  it('goes down (refusing while cards are stored) and up again', async () => {
    const owner = knex({ client: 'pg', connection: inject('ownerDatabaseUrl'), pool: { min: 0, max: 1 } });
    const rollback = new Error('rollback');
    const exists = async (trx: knex.Knex.Transaction, table: string) => (await trx.raw('SELECT to_regclass(?) AS t', [table])).rows[0].t !== null;
    try {
      await expect(
        owner.transaction(async (trx) => {
          const cards = Number((await trx('message').where({ kind: 'card' }).count({ n: '*' }))[0]!.n);
          if (cards) {
            await trx.raw('SAVEPOINT before_down');
            await expect(cardsMigration.down(trx)).rejects.toThrow(/message_kind/);
            await trx.raw('ROLLBACK TO SAVEPOINT before_down');
            await trx('message').where({ kind: 'card' }).delete();
          }
          await cardsMigration.down(trx);
          for (const table of ['card_schedule', 'card_birthday_setting', 'card_birthday_sent']) expect(await exists(trx, table), table).toBe(false);
          expect(await trx.schema.hasColumn('message', 'card_design')).toBe(false);
          await cardsMigration.up(trx);
          for (const table of ['card_schedule', 'card_birthday_setting', 'card_birthday_sent']) expect(await exists(trx, table), table).toBe(true);
          await expect(trx.raw("INSERT INTO message (kind, sender_name, sender_agency_name, subject, body) VALUES ('card', 'x', 'y', 'z', 'w')")).rejects.toThrow(/message_card_has_design/);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
    } finally {
      await owner.destroy();
    }
  });
});
