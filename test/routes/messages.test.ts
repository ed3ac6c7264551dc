import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { taipeiToday } from '../../src/platform/dates';
import { expectZhPage, formErrors, idOf, inputValue, long, unreadBadge, type Agent } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

type Session = { agent: Agent; csrf: string };
type Person = Awaited<ReturnType<typeof makeAccount>> & Session & { name: string };

/** A signed-in civil servant; `optIn` is the profile's 「是否允許e公務接收訊息」. */
async function person(opts: { agencyCode?: string; optIn?: boolean; roles?: string[] } = {}): Promise<Person> {
  const a = await makeAccount(t.db, { agencyCode: opts.agencyCode, roles: opts.roles });
  await t.db('account').where({ id: a.accountId }).update({ egov_opt_in: opts.optIn ?? true });
  const { name } = await t.db('person').where({ id: a.personId }).first('name');
  return { ...a, name: name as string, ...(await signIn(t.app, a.login)) };
}

/** A POST of the compose form, as the browser sends it (multipart). */
function compose(s: Session, fields: Record<string, string | string[]>, files: Array<[Buffer, string]> = []) {
  let req = s.agent.post(`/my/messages/new?_csrf=${encodeURIComponent(s.csrf)}`);
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) req = req.field(k, x);
  for (const [buf, name] of files) req = req.attach('files', buf, name);
  return req;
}
const post = (s: Session, url: string, body: Record<string, string | string[]> = {}) => s.agent.post(url).type('form').send({ _csrf: s.csrf, ...body });

const inboxOf = (personId: number) => t.db('message_recipient').where({ person_id: personId }).whereNull('deleted_at');
const messageCount = async () => Number((await t.db('message').count({ n: '*' }))[0]!.n);

describe('網頁訊息 (e公務)', () => {
  it('sends a visitor to sign in', async () => {
    const res = await request(t.app).get('/my/messages');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fmy%2Fmessages');
  });

  it('sends to a colleague of the same agency, with the signature; the badge counts it; reading marks it read', async () => {
    const sender = await person();
    const reader = await person();
    await post(sender, '/my/signature', { signature: '人事室 王小明\n分機 1234', action: 'save' });
    const res = await compose(sender, { to: String(reader.personId), subject: '會議通知', body: '明天上午開會。' }, [[PDF, '議程.pdf']]);
    expect(res.status).toBe(303);
    const id = idOf(res);
    const row = await t.db('message').where({ id }).first();
    expect(row.body).toBe('明天上午開會。\n\n-- \n人事室 王小明\n分機 1234');
    expect(await t.db('message_attachment').where({ message_id: id }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect((await lastAudit(t.db, 'message.send')).target_id).toBe(String(id));

    const home = await reader.agent.get('/my');
    expect(unreadBadge(home.text)).toBe('1');
    const list = await reader.agent.get('/my/messages');
    expectZhPage(list, 200);
    expect(list.text).toContain('會議通知');
    const page = await reader.agent.get(`/my/messages/${id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('明天上午開會。');
    expect(page.text).toContain('分機 1234');
    expect(page.text).toContain('議程.pdf');
    expect(unreadBadge(page.text)).toBeNull();
    const att = await t.db('message_attachment').where({ message_id: id }).first('id');
    const file = await reader.agent.get(`/my/messages/attachments/${att.id}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/attachment/);
  });

  it('replies to the sender and forwards to a colleague', async () => {
    const a = await person({ agencyCode: '376470000A' });
    const b = await person();
    const c = await person();
    // a (another agency) has b as a contact.
    await post(a, '/my/contacts', { personId: String(b.personId) });
    const sent = await compose(a, { to: String(b.personId), subject: '跨機關詢問', body: '請問進度？' });
    expect(sent.status).toBe(303);
    const id = idOf(sent);
    const form = await b.agent.get(`/my/messages/new?reply=${id}`);
    expectZhPage(form, 200);
    expect(inputValue(form.text, 'subject')).toBe('RE: 跨機關詢問');
    // b may answer a, though a is neither a contact nor of b's agency.
    const reply = await compose(b, { to: String(a.personId), subject: 'RE: 跨機關詢問', body: '已處理。', replyTo: String(id) });
    expect(reply.status).toBe(303);
    expect(await inboxOf(a.personId).count({ n: '*' })).toEqual([{ n: 1 }]);
    // Without replying, a is out of b's reach.
    const cold = await compose(b, { to: String(a.personId), subject: '再次聯絡', body: '你好' });
    expect(cold.status).toBe(400);
    expect(formErrors(cold.text)).toEqual(['收件人須為您通訊錄中的聯絡人或本機關人員']);

    const fw = await b.agent.get(`/my/messages/new?forward=${id}`);
    expect(inputValue(fw.text, 'subject')).toBe('FW: 跨機關詢問');
    // The forwarded message's files count toward the 3 attachments.
    const withFiles = await compose(a, { to: String(b.personId), subject: '附件三個', body: '見附件' }, [[PDF, '1.pdf'], [PDF, '2.pdf'], [PDF, '3.pdf']]);
    const tooMany = await compose(b, { to: String(c.personId), subject: 'FW: 附件三個', body: '再加一個', forwardOf: String(idOf(withFiles)) }, [[PDF, '4.pdf']]);
    expectZhPage(tooMany, 400);
    expect(formErrors(tooMany.text)).toEqual(['附件最多 3 個（含轉寄訊息原有的附件）']);
    const forwardFiles = await compose(b, { to: String(c.personId), subject: 'FW: 附件三個', body: '請參考', forwardOf: String(idOf(withFiles)) });
    expect(forwardFiles.status).toBe(303);
    expect(await t.db('message_attachment').where({ message_id: idOf(forwardFiles) }).count({ n: '*' })).toEqual([{ n: 3 }]);
    const forward = await compose(b, { to: String(c.personId), subject: 'FW: 跨機關詢問', body: '請參考', forwardOf: String(id) });
    expect(forward.status).toBe(303);
    expect(await inboxOf(c.personId).count({ n: '*' })).toEqual([{ n: 2 }]);
  });

  it('searches the inbox by sender, subject and date', async () => {
    const s1 = await person();
    const r = await person();
    await compose(s1, { to: String(r.personId), subject: '年終考績作業', body: '說明' });
    await compose(s1, { to: String(r.personId), subject: '休假提醒', body: '說明' });
    const bySubject = await r.agent.get('/my/messages').query({ subject: '考績' });
    expect(bySubject.text).toContain('年終考績作業');
    expect(bySubject.text).not.toContain('休假提醒');
    const bySender = await r.agent.get('/my/messages').query({ sender: '不存在的人' });
    expect(bySender.text).toContain('查無符合條件的訊息');
    const today = taipeiToday();
    const byDate = await r.agent.get('/my/messages').query({ from: today, to: today });
    expect(byDate.text).toContain('休假提醒');
    const past = await r.agent.get('/my/messages').query({ to: '100/01/01' });
    expect(past.text).toContain('查無符合條件的訊息');
    const bad = await r.agent.get('/my/messages').query({ from: '115/13/45' });
    expectZhPage(bad, 400);
    expect(formErrors(bad.text)[0]).toContain('起日格式錯誤');
    expect(bad.text).toContain('value="115/13/45"');
  });

  it('leaves out people who do not accept e公務 messages and tells the sender', async () => {
    const s = await person();
    const yes = await person();
    const no = await person({ optIn: false });
    const res = await compose(s, { to: [String(yes.personId), String(no.personId)], subject: '通知', body: '內容' });
    expect(res.status).toBe(303);
    const page = await s.agent.get(res.headers.location!);
    expect(page.text).toContain(`下列人員未開放e公務接收訊息，未收到此訊息：${no.name}`);
    expect(await inboxOf(no.personId).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await inboxOf(yes.personId).count({ n: '*' })).toEqual([{ n: 1 }]);
    // Nobody left: nothing sent, the form again.
    const before = await messageCount();
    const none = await compose(s, { to: String(no.personId), subject: '通知', body: '內容' });
    expect(none.status).toBe(400);
    expect(formErrors(none.text)[0]).toContain('未開放e公務接收訊息，訊息未送出');
    expect(await messageCount()).toBe(before);
  });

  describe('bad input: the form again, what was typed kept, nothing saved', () => {
    it('a message to nobody', async () => {
      const s = await person();
      const before = await messageCount();
      const res = await compose(s, { subject: '沒有收件人', body: '內容' });
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual(['請選擇至少一位收件人或一個群組']);
      expect(inputValue(res.text, 'subject')).toBe('沒有收件人');
      expect(await messageCount()).toBe(before);
    });

    it('201 recipients outside a group', async () => {
      const s = await person();
      const r = await person();
      const ids = Array.from({ length: 201 }, (_, i) => String(i === 0 ? r.personId : 900000 + i));
      const before = await messageCount();
      const res = await compose(s, { to: ids, subject: '太多人', body: '內容' });
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual(['個別收件人最多 200 位，人數較多時請使用群組']);
      expect(inputValue(res.text, 'subject')).toBe('太多人');
      expect(await messageCount()).toBe(before);
    });

    it('a subject of 101 characters', async () => {
      const s = await person();
      const r = await person();
      const res = await compose(s, { to: String(r.personId), subject: long(101), body: '內容' });
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual(['主旨不可超過 100 個字']);
      expect(inputValue(res.text, 'subject')).toBe(long(101));
      expect(await inboxOf(r.personId).count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('a body of 5,001 characters', async () => {
      const s = await person();
      const r = await person();
      const res = await compose(s, { to: String(r.personId), subject: '長文', body: long(5001) }, [[PDF, 'a.pdf']]);
      expectZhPage(res, 400);
      // The attachment sent with the refused form is not kept: the form says so.
      expect(formErrors(res.text)).toEqual(['內容不可超過 5000 個字', '附件尚未儲存，請重新選擇檔案。']);
      expect(res.text).toContain(long(5001));
      expect(await inboxOf(r.personId).count({ n: '*' })).toEqual([{ n: 0 }]);
    });

    it('a recipient from another agency’s private group', async () => {
      const owner = await person({ agencyCode: '376470000A' });
      const member = await person();
      await post(owner, '/my/contacts', { personId: String(member.personId) });
      await post(owner, '/my/groups', { name: '專案小組' });
      const group = await t.db('message_group').where({ owner_person_id: owner.personId }).first('id');
      await post(owner, `/my/groups/${group.id}/members`, { members: String(member.personId) });
      const intruder = await person();
      const before = await messageCount();
      const res = await compose(intruder, { groups: String(group.id), subject: '借用群組', body: '內容' });
      expectZhPage(res, 400);
      expect(formErrors(res.text)).toEqual(['查無此群組，只能選擇您自己設定的群組']);
      expect(inputValue(res.text, 'subject')).toBe('借用群組');
      expect(await messageCount()).toBe(before);
      const audit = await lastAudit(t.db, 'message.group.denied');
      expect(audit.outcome).toBe('denied');
      expect(audit.target_id).toBe(String(group.id));
      // Nor can the intruder open or change it.
      expect((await intruder.agent.get(`/my/groups/${group.id}`)).status).toBe(404);
      expect((await post(intruder, `/my/groups/${group.id}/delete`)).status).toBe(404);
    });

    it('reading or deleting another person’s message: 404 and an audit entry', async () => {
      const s = await person();
      const r = await person();
      const other = await person();
      const res = await compose(s, { to: String(r.personId), subject: '私人訊息', body: '只給你' }, [[PDF, 'secret.pdf']]);
      const id = idOf(res);
      const read = await other.agent.get(`/my/messages/${id}`);
      expectZhPage(read, 404);
      expect(read.text).not.toContain('只給你');
      const a1 = await lastAudit(t.db, 'message.read.denied');
      expect([a1.outcome, a1.target_id, a1.actor_account_id]).toEqual(['denied', String(id), other.accountId]);
      const del = await post(other, `/my/messages/${id}/delete`);
      expect(del.status).toBe(404);
      const a2 = await lastAudit(t.db, 'message.delete.denied');
      expect([a2.outcome, a2.target_id, a2.actor_account_id]).toEqual(['denied', String(id), other.accountId]);
      const att = await t.db('message_attachment').where({ message_id: id }).first('id');
      expect((await other.agent.get(`/my/messages/attachments/${att.id}`)).status).toBe(404);
      expect((await other.agent.get(`/my/messages/sent/${id}`)).status).toBe(404);
      expect(await inboxOf(r.personId).count({ n: '*' })).toEqual([{ n: 1 }]);
      // The recipient deletes it: gone from the inbox, the attachment with it.
      expect((await post(r, `/my/messages/${id}/delete`)).status).toBe(303);
      expect(await inboxOf(r.personId).count({ n: '*' })).toEqual([{ n: 0 }]);
      expect((await r.agent.get(`/my/messages/${id}`)).status).toBe(404);
      expect((await r.agent.get(`/my/messages/attachments/${att.id}`)).status).toBe(404);
      // The sender's copy stays.
      expect((await s.agent.get(`/my/messages/sent/${id}`)).status).toBe(200);
    });
  });

  describe('機關通知 (HR)', () => {
    it('is one message row that everyone in service of the agency reads, whatever their e公務 choice', async () => {
      const hr = await person({ roles: ['hr_staff'] });
      const declined = await person({ optIn: false });
      const elsewhere = await person({ agencyCode: '376470000A' });
      const inService = Number((await t.db('person').where({ agency_id: hr.agencyId, status: '在職' }).count({ n: '*' }))[0]!.n);
      const before = await messageCount();
      const res = await post(hr, '/my/messages/notice', { scope: 'all', subject: '年終尾牙', body: '12 月 20 日舉行。' });
      expect(res.status).toBe(303);
      expect(await messageCount()).toBe(before + 1);
      const id = idOf(res);
      expect(await t.db('message_recipient').where({ message_id: id }).count({ n: '*' })).toEqual([{ n: inService }]);
      expect((await declined.agent.get(`/my/messages/${id}`)).status).toBe(200);
      expect((await elsewhere.agent.get(`/my/messages/${id}`)).status).toBe(404);
      expect((await lastAudit(t.db, 'message.notice')).target_id).toBe(String(id));
    });

    it('goes to one unit only when asked, and checks the unit', async () => {
      const hr = await person({ roles: ['hr_staff'] });
      const unit = '人事室';
      const res = await post(hr, '/my/messages/notice', { scope: 'unit', unit, subject: '單位通知', body: '內容' });
      expect(res.status).toBe(303);
      const id = idOf(res);
      const outside = await t.db('message_recipient as r').join('person as p', 'p.id', 'r.person_id').where('r.message_id', id).whereNot('p.unit', unit).count({ n: '*' });
      expect(outside).toEqual([{ n: 0 }]);
      const bad = await post(hr, '/my/messages/notice', { scope: 'unit', unit: '不存在的單位', subject: '單位通知', body: '內容' });
      expectZhPage(bad, 400);
      expect(formErrors(bad.text)).toEqual(['請選擇本機關的單位']);
      expect(inputValue(bad.text, 'subject')).toBe('單位通知');
    });

    it('is refused to anyone but HR (403 and an audit entry)', async () => {
      const p = await person();
      const before = await messageCount();
      expect((await p.agent.get('/my/messages/notice')).status).toBe(403);
      const res = await post(p, '/my/messages/notice', { scope: 'all', subject: '冒充', body: '內容' });
      expect(res.status).toBe(403);
      expect(await messageCount()).toBe(before);
      expect((await lastAudit(t.db, 'message.notice.denied')).actor_account_id).toBe(p.accountId);
    });
  });

  describe('new-message mail', () => {
    it('mails a digest when asked, at most one an hour', async () => {
      const s = await person();
      const r = await person();
      expect((await post(r, '/my/messages/settings', { mailDigest: 'on' })).status).toBe(303);
      await compose(s, { to: String(r.personId), subject: '第一封', body: '內容' });
      const mailsTo = async () => Number((await t.db('mail_outbox').where({ to_address: r.email }).count({ n: '*' }))[0]!.n);
      const now = new Date();
      await t.services.messages.sendDigests(now);
      expect(await mailsTo()).toBe(1);
      const mail = await t.db('mail_outbox').where({ to_address: r.email }).orderBy('id', 'desc').first();
      expect(mail.subject).toContain('1 則新訊息');
      expect(mail.body_text).not.toContain('第一封');
      await compose(s, { to: String(r.personId), subject: '第二封', body: '內容' });
      await t.services.messages.sendDigests(new Date(now.getTime() + 30 * 60_000));
      expect(await mailsTo()).toBe(1);
      await t.services.messages.sendDigests(new Date(now.getTime() + 61 * 60_000));
      expect(await mailsTo()).toBe(2);
      // Nothing new: no mail.
      await t.services.messages.sendDigests(new Date(now.getTime() + 130 * 60_000));
      expect(await mailsTo()).toBe(2);
    });
  });
});

describe('簽名檔設定', () => {
  it('previews without saving, then saves', async () => {
    const p = await person();
    const preview = await post(p, '/my/signature', { signature: '王小明\n人事室', action: 'preview' });
    expectZhPage(preview, 200);
    expect(preview.text).toContain('（訊息內容）\n\n-- \n王小明\n人事室');
    expect((await t.services.messages.setting({ personId: p.personId } as never)).signature).toBe('');
    expect((await post(p, '/my/signature', { signature: '王小明\n人事室', action: 'save' })).status).toBe(303);
    const page = await p.agent.get('/my/signature');
    expect(page.text).toContain('王小明\n人事室</textarea>');
  });

  it('shows the saved message on the next page rendered, once; a missing page in between does not take it', async () => {
    const p = await person();
    const SAVED = '簽名檔已儲存';
    expect((await post(p, '/my/signature', { signature: '王小明', action: 'save' })).status).toBe(303);
    const stray = await p.agent.get('/my/no-such-page');
    expectZhPage(stray, 404);
    expect(stray.text).not.toContain(SAVED);
    const next = await p.agent.get('/my/signature');
    expect(next.text).toContain(SAVED);
    expect(next.text).toMatch(/class="notice notice-success" role="status">簽名檔已儲存/);
    expect((await p.agent.get('/my/signature')).text).not.toContain(SAVED);
  });

  it('refuses a signature of 6 lines, keeping it on the form', async () => {
    const p = await person();
    const six = '1\n2\n3\n4\n5\n6';
    const res = await post(p, '/my/signature', { signature: six, action: 'save' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['簽名檔最多 5 行']);
    expect(res.text).toContain(`${six}</textarea>`);
    expect((await t.services.messages.setting({ personId: p.personId } as never)).signature).toBe('');
    const tooLong = await post(p, '/my/signature', { signature: long(501), action: 'save' });
    expect(formErrors(tooLong.text)).toEqual(['簽名檔不可超過 500 個字']);
  });
});

describe('通訊錄', () => {
  it('finds people in the directory, adds them with a note, searches and removes them', async () => {
    const p = await person();
    const other = await person({ agencyCode: '376470000A' });
    const found = await p.agent.get('/my/contacts').query({ dq: other.name });
    expectZhPage(found, 200);
    expect(found.text).toContain(`加入「${other.name}」`);
    const add = await post(p, '/my/contacts', { personId: String(other.personId), note: '專案窗口' });
    expect(add.status).toBe(303);
    const list = await p.agent.get('/my/contacts');
    expect(list.text).toContain('專案窗口');
    expect(list.text).toContain(other.email!);
    const search = await p.agent.get('/my/contacts').query({ q: '專案' });
    expect(search.text).toContain(other.email!);
    const none = await p.agent.get('/my/contacts').query({ q: '查無此人' });
    expect(none.text).toContain('通訊錄中查無符合的聯絡人');
    const again = await post(p, '/my/contacts', { personId: String(other.personId) });
    expectZhPage(again, 400);
    expect(formErrors(again.text)).toEqual([`${other.name} 已在您的通訊錄中`]);
    expect((await post(p, `/my/contacts/${other.personId}/delete`)).status).toBe(303);
    expect(await t.db('message_contact').where({ owner_person_id: p.personId }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect((await post(p, `/my/contacts/${other.personId}/delete`)).status).toBe(404);
  });
});

describe('群組設定', () => {
  it('a group can be a message’s recipient', async () => {
    const p = await person();
    const m1 = await person({ agencyCode: '376470000A' });
    const m2 = await person();
    for (const m of [m1, m2]) await post(p, '/my/contacts', { personId: String(m.personId) });
    const created = await post(p, '/my/groups', { name: '讀書會' });
    expect(created.status).toBe(303);
    const gid = idOf(created);
    expect((await post(p, `/my/groups/${gid}/members`, { members: [String(m1.personId), String(m2.personId)] })).status).toBe(303);
    const dup = await post(p, '/my/groups', { name: '讀書會' });
    expect(formErrors(dup.text)).toEqual(['已有名為「讀書會」的群組']);
    const res = await compose(p, { groups: String(gid), subject: '讀書會通知', body: '週五見' });
    expect(res.status).toBe(303);
    for (const m of [m1, m2]) expect(await inboxOf(m.personId).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect((await post(p, `/my/groups/${gid}/members/${m1.personId}/delete`)).status).toBe(303);
    const page = await p.agent.get(`/my/groups/${gid}`);
    expect(page.text).toContain('成員 1 位');
  });

  it('refuses a group of 201, adding no one', async () => {
    const p = await person();
    const gid = idOf(await post(p, '/my/groups', { name: '大群組' }));
    // 201 contacts: the people of the demo data.
    const people: number[] = await t.db('person').whereNot('id', p.personId).orderBy('id').limit(201).pluck('id');
    expect(people.length).toBe(201);
    await t.db('message_contact').insert(people.map((id) => ({ owner_person_id: p.personId, person_id: id })));
    expect((await post(p, `/my/groups/${gid}/members`, { members: people.slice(0, 150).map(String) })).status).toBe(303);
    const res = await post(p, `/my/groups/${gid}/members`, { members: people.slice(150).map(String) });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['群組成員最多 200 位（目前 150 位），請減少勾選的人數']);
    expect(await t.db('message_group_member').where({ group_id: gid }).count({ n: '*' })).toEqual([{ n: 150 }]);
    expect((await post(p, `/my/groups/${gid}/members`, { members: people.slice(150, 200).map(String) })).status).toBe(303);
    expect(await t.db('message_group_member').where({ group_id: gid }).count({ n: '*' })).toEqual([{ n: 200 }]);
  });

  it('takes only contacts as members', async () => {
    const p = await person();
    const stranger = await person();
    const gid = idOf(await post(p, '/my/groups', { name: '小組' }));
    await post(p, '/my/contacts', { personId: String(stranger.personId) });
    await post(p, `/my/contacts/${stranger.personId}/delete`);
    const res = await post(p, `/my/groups/${gid}/members`, { members: String(stranger.personId) });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['群組成員須為您通訊錄中的聯絡人']);
  });
});

describe('我的專區 個人功能 tabs', () => {
  const TABS = ['個人資料修改', '修改密碼', '簽名檔設定', '通訊錄', '群組設定', '自然人憑證上傳', '現職資料', '待遇資料'];
  /** The 個人功能 tab bar of a page, and the label of the tab marked as the current page. */
  const tabBar = (html: string) => {
    const nav = /<nav class="tabs" aria-label="個人功能">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
    return { labels: [...nav.matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1]!), current: [...nav.matchAll(/aria-current="page"\s*>([^<>]+)<\/a>/g)].map((m) => m[1]!) };
  };
  it('shows the tab bar on each of those pages, with the current tab marked aria-current="page"', async () => {
    const p = await person();
    const pages: [string, string][] = [
      ['/my/profile', '個人資料修改'],
      ['/my/password', '修改密碼'],
      ['/my/signature', '簽名檔設定'],
      ['/my/contacts', '通訊錄'],
      ['/my/groups', '群組設定'],
      ['/my/cards', '自然人憑證上傳'],
      ['/my/job', '現職資料'],
      ['/mydata/pay', '待遇資料'],
      ['/my/messages', '網頁訊息'],
      ['/my/messages/new', '網頁訊息'],
      ['/my/messages/sent', '網頁訊息'],
      ['/my/messages/settings', '網頁訊息'],
    ];
    for (const [url, tab] of pages) {
      const res = await p.agent.get(url);
      expectZhPage(res, 200);
      const bar = tabBar(res.text);
      for (const label of TABS) expect(bar.labels, `${url} ${label}`).toContain(label);
      expect(bar.current, url).toEqual([tab]);
    }
  });
});
