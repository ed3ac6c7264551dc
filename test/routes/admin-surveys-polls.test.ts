import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, formErrors, inputValue, long, type Agent } from '../support/routes';

/** 投票管理: a poll created as a draft, opened, voted on, closed; its results. */
const t = buildApp();
afterAll(() => t.close());

let admin: { agent: Agent; csrf: string };
let adminId: number;
beforeAll(async () => {
  admin = await signIn(t.app, 'portal.admin');
  adminId = (await t.db('account').where({ username: 'portal.admin' }).first('id')).id;
});

const post = (who: { agent: Agent; csrf: string }, url: string, fields: Record<string, string> = {}) => who.agent.post(url).type('form').send({ _csrf: who.csrf, ...fields });
const FIELDS = { title: '', description: '請選擇一項。', openFrom: '2026-01-01', openTo: '2099-12-31', options: '甲案\n乙案\n丙案' };
let n = 0;

async function create(fields: Record<string, string> = {}) {
  const title = `測試投票 ${++n} ${Date.now()}`;
  const res = await post(admin, '/admin/polls', { ...FIELDS, title, ...fields });
  expect(res.status, formErrors(res.text).join()).toBe(303);
  return { id: Number(/\/admin\/polls\/(\d+)$/.exec(String(res.headers.location))![1]), title };
}
const pollRow = (id: number) => t.db('poll').where({ id }).first();
const optionsOf = (id: number) => t.db('poll_option').where({ poll_id: id }).orderBy('sort_order');
const count = async (table: string) => Number((await t.db(table).count({ n: '*' }).first())!.n);

async function voter() {
  const a = await makeAccount(t.db);
  return { a, ...(await signIn(t.app, a.login)) };
}

describe('投票管理', () => {
  it('creates a draft nobody else sees, opens it, takes votes, shows the chart, and closes it: a vote after closing is refused', async () => {
    const { id, title } = await create();
    expect(await pollRow(id)).toMatchObject({ title, status: 'draft', created_by_account_id: adminId });
    expect((await optionsOf(id)).map((o: { label: string }) => o.label)).toEqual(['甲案', '乙案', '丙案']);
    expect(await lastAudit(t.db, 'poll.create')).toMatchObject({ actor_account_id: adminId, target_id: String(id) });
    expect((await request(t.app).get('/polls')).text).not.toContain(title);
    expectZhPage(await request(t.app).get(`/polls/${id}`), 404);
    const early = await voter();
    expectZhPage(await post(early, `/polls/${id}`, { optionId: String((await optionsOf(id))[0].id) }), 404);

    // Still a draft: its options can change.
    expect((await post(admin, `/admin/polls/${id}`, { ...FIELDS, title, options: '甲案\n乙案' })).status).toBe(303);
    const options = await optionsOf(id);
    expect(options.map((o: { label: string }) => o.label)).toEqual(['甲案', '乙案']);

    expect((await post(admin, `/admin/polls/${id}/open`)).status).toBe(303);
    expect(await pollRow(id)).toMatchObject({ status: 'open' });
    expect(await lastAudit(t.db, 'poll.open')).toMatchObject({ target_id: String(id) });
    expect((await request(t.app).get('/polls')).text).toContain(title);
    const frozen = await post(admin, `/admin/polls/${id}`, { ...FIELDS, title, options: '丁案\n戊案' });
    expectZhPage(frozen, 409);
    expect(frozen.text).toContain('投票已開始，不可再修改');

    const voters = [await voter(), await voter(), await voter()];
    for (const [i, v] of voters.entries()) expect((await post(v, `/polls/${id}`, { optionId: String(options[i === 2 ? 1 : 0].id) })).status).toBe(303);
    const page = await admin.agent.get(`/admin/polls/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<svg [^>]*role="img"/);
    expect(page.text).toContain('甲案：2 票；乙案：1 票（共 3 票）');
    expect(page.text).toContain('共 3 票');

    expect((await post(admin, `/admin/polls/${id}/close`)).status).toBe(303);
    expect(await pollRow(id)).toMatchObject({ status: 'closed' });
    expect((await pollRow(id)).closed_at).toBeTruthy();
    expect(await lastAudit(t.db, 'poll.close')).toMatchObject({ target_id: String(id), details: { votes: 3 } });
    const late = await voter();
    const res = await post(late, `/polls/${id}`, { optionId: String(options[0].id) });
    expectZhPage(res, 409);
    expect(res.text).toContain('此投票不在開放期間');
    expect(await t.db('poll_vote').where({ poll_id: id })).toHaveLength(3);
    const pub = await request(t.app).get(`/polls/${id}`);
    expect(pub.text).toContain('已結束');
    expect(pub.text).not.toContain(`action="/polls/${id}"`);
    expectZhPage(await post(admin, `/admin/polls/${id}/close`), 409);
    expectZhPage(await post(admin, `/admin/polls/${id}/open`), 409);
  });

  it('refuses 201 options, one option, the same option twice, a title of 201 characters and a close date before the open date, saving nothing', async () => {
    const before = await count('poll');
    const options = (k: number) => Array.from({ length: k }, (_, i) => `選項${i + 1}`).join('\n');
    for (const [fields, message] of [
      [{ options: options(201) }, '選項最多 200 個（目前 201 個）'],
      [{ options: '只有一個' }, '請輸入至少 2 個選項，一行一個'],
      [{ options: '甲\n甲' }, '選項不可重複'],
      [{ title: long(201) }, '投票主題不可超過 200 個字'],
      [{ openFrom: '115/12/31', openTo: '115/12/01' }, '截止日期不可早於開始日期'],
    ] as const) {
      const res = await post(admin, '/admin/polls', { ...FIELDS, title: '錯誤的投票', ...fields });
      expectZhPage(res, 400);
      expect(formErrors(res.text), message).toEqual([message]);
      expect(inputValue(res.text, 'title')).toBe('title' in fields ? fields.title : '錯誤的投票');
    }
    expect(await count('poll')).toBe(before);
    const { id } = await create({ options: options(200) });
    expect(await optionsOf(id)).toHaveLength(200);
  });

  it('refuses to open a poll whose close date has passed, saying so on its page', async () => {
    const { id } = await create({ openFrom: '2020-01-01', openTo: '2020-12-31' });
    const res = await post(admin, `/admin/polls/${id}/open`);
    expectZhPage(res, 422);
    expect(formErrors(res.text)).toEqual(['截止日期已過，請先修改投票的截止日期']);
    expect(await pollRow(id)).toMatchObject({ status: 'draft' });
  });

  it('refuses a vote from an agency card session with a 403, audited', async () => {
    const { id } = await create();
    expect((await post(admin, `/admin/polls/${id}/open`)).status).toBe(303);
    const card = await cardSignIn(t.app, 'agency-ntunhs');
    const res = await post(card, `/polls/${id}`, { optionId: String((await optionsOf(id))[0].id) });
    expectZhPage(res, 403);
    expect(await t.db('audit_event').where({ action: 'poll.vote', outcome: 'denied', request_id: String(res.headers['x-request-id']) }).first()).toBeTruthy();
    expect(await t.db('poll_vote').where({ poll_id: id })).toEqual([]);
  });

  it('refuses everyone but portal administrators with a 403, audited, saving nothing', async () => {
    const { id } = await create();
    const v = await voter();
    for (const url of ['/admin/polls', `/admin/polls/${id}`, '/admin/polls/new']) {
      const res = await v.agent.get(url);
      expect(res.status, url).toBe(403);
      expect(await t.db('audit_event').where({ outcome: 'denied', request_id: String(res.headers['x-request-id']) }).first(), url).toBeTruthy();
    }
    const before = await count('poll');
    expectZhPage(await post(v, '/admin/polls', { ...FIELDS, title: '越權投票' }), 403);
    expectZhPage(await post(v, `/admin/polls/${id}/open`), 403);
    expect(await count('poll')).toBe(before);
    expect(await pollRow(id)).toMatchObject({ status: 'draft' });
  });
});
