import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, postRaw, rawForm } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

/** A poll of this test's own (deleted afterwards), open unless dates are given. */
async function withPoll(fn: (p: { id: number; options: number[] }) => Promise<void>, dates = { open_from: '2020-01-01', open_to: '2099-12-31' }) {
  const [row] = await t.db('poll').insert({ title: `測試投票 ${Math.random()}`, description: '說明', ...dates }).returning('id');
  const id = (row as { id: number }).id;
  const options = (await t.db('poll_option').insert(['甲', '乙', '丙'].map((label, i) => ({ poll_id: id, label, sort_order: i }))).returning('id')).map(
    (o: { id: number }) => o.id,
  );
  try {
    await fn({ id, options });
  } finally {
    await t.db('poll').where({ id }).delete();
  }
}

const votesOf = (pollId: number) => t.db('poll_vote').where({ poll_id: pollId });

async function voter() {
  const a = await makeAccount(t.db);
  return { a, ...(await signIn(t.app, a.login)) };
}

describe('主題投票', () => {
  it('lists the polls with their state', async () => {
    const res = await request(t.app).get('/polls');
    expect(res.status).toBe(200);
    expect(res.text).toContain('您認為人事服務網最需要優先改善的功能？');
    expect(res.text).toContain('進行中');
    expect(res.text).toContain('已結束');
  });

  it('shows the results to a visitor with a link to sign in', () =>
    withPoll(async (p) => {
      const res = await request(t.app).get(`/polls/${p.id}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`href="/login?returnTo=/polls/${p.id}"`);
      expect(res.text).toContain('共 0 票');
    }));

  it('takes one vote, records it and shows the result', () =>
    withPoll(async (p) => {
      const { a, agent, csrf } = await voter();
      const res = await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(p.options[1]) });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/polls/${p.id}`);
      expect(await votesOf(p.id)).toMatchObject([{ account_id: a.accountId, option_id: p.options[1] }]);
      expect(await lastAudit(t.db, 'poll.vote')).toMatchObject({ actor_account_id: a.accountId, target_id: String(p.id) });
      const page = await agent.get(`/polls/${p.id}`);
      expect(page.text).toContain('投票完成，感謝您的參與。');
      expect(page.text).toContain('您已投票，每人限投一次。');
      expect(page.text).toContain('乙（您的選擇）');
      expect(page.text).toContain('共 1 票');
      expect(page.text).not.toContain(`action="/polls/${p.id}"`);
    }));

  it('refuses a second vote with its message; the database keeps one row', () =>
    withPoll(async (p) => {
      const { a, agent, csrf } = await voter();
      await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(p.options[0]) }).expect(303);
      const again = await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(p.options[2]) });
      expectZhPage(again, 409);
      expect(again.text).toContain('您已投過票，每人限投一次');
      expect(await votesOf(p.id)).toMatchObject([{ account_id: a.accountId, option_id: p.options[0] }]);
    }));

  it('counts one vote when two arrive at once', () =>
    withPoll(async (p) => {
      const { agent, csrf } = await voter();
      const send = (o: number) => agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(o) });
      const codes = (await Promise.all([send(p.options[0]!), send(p.options[1]!), send(p.options[2]!)])).map((r) => r.status).sort();
      expect(codes).toEqual([303, 409, 409]);
      expect(await votesOf(p.id)).toHaveLength(1);
    }));

  it('refuses a vote on a closed or not yet open poll', async () => {
    for (const dates of [
      { open_from: '2020-01-01', open_to: '2020-12-31' },
      { open_from: '2098-01-01', open_to: '2099-12-31' },
    ]) {
      await withPoll(async (p) => {
        const { agent, csrf } = await voter();
        const page = await agent.get(`/polls/${p.id}`);
        expect(page.text).toContain('已結束');
        expect(page.text).not.toContain(`action="/polls/${p.id}"`);
        const res = await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(p.options[0]) });
        expectZhPage(res, 409);
        expect(res.text).toContain('此投票不在開放期間');
        expect(await votesOf(p.id)).toEqual([]);
      }, dates);
    }
  });

  it('refuses bad choices on the same form, saving nothing', () =>
    withPoll(async (p) => {
      const { agent, csrf } = await voter();
      const other = await t.db('poll_option').whereNot({ poll_id: p.id }).first();
      for (const body of [
        {},
        { optionId: '' },
        { optionId: 'abc' },
        { optionId: '-1' },
        { optionId: '1e3' },
        { optionId: String(other.id) },
        { optionId: '9999999999' },
        { optionId: [String(p.options[0]), String(p.options[1])] },
        { optionId: "1'; DROP TABLE poll_vote;--" },
        { optionId: '<script>alert(1)</script>' },
      ]) {
        const res = await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, ...body });
        expectZhPage(res, 400);
        expect(formErrors(res.text), JSON.stringify(body)).toEqual(['請選擇一個選項']);
        expect(res.text).toContain(`action="/polls/${p.id}"`);
        expect(res.text).not.toContain('<script>alert(1)</script>');
      }
      const json = await agent.post(`/polls/${p.id}`).set('content-type', 'application/json').send(JSON.stringify({ _csrf: csrf, optionId: p.options[0] }));
      expectZhPage(json, 400);
      expect(formErrors(json.text)).toEqual(['請選擇一個選項']);
      const raw = await postRaw(agent, `/polls/${p.id}`, rawForm(`_csrf=${encodeURIComponent(csrf)}&optionId=%FF%FE`));
      expectZhPage(raw, 400);
      const big = await agent.post(`/polls/${p.id}`).type('form').send(`_csrf=${encodeURIComponent(csrf)}&optionId=${'1'.repeat(10 * 1024 * 1024)}`);
      expectZhPage(big, 413);
      expect(await votesOf(p.id)).toEqual([]);
    }));

  it('ignores extra fields such as account_id', () =>
    withPoll(async (p) => {
      const { a, agent, csrf } = await voter();
      const other = await makeAccount(t.db);
      await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(p.options[0]), account_id: String(other.accountId), poll_id: '1' }).expect(303);
      expect(await votesOf(p.id)).toMatchObject([{ account_id: a.accountId }]);
    }));

  it('needs a signed-in user and the CSRF token', () =>
    withPoll(async (p) => {
      const { agent, csrf } = await agentFor(t.app);
      expectZhPage(await agent.post(`/polls/${p.id}`).type('form').send({ _csrf: csrf, optionId: String(p.options[0]) }), 401);
      const v = await voter();
      expectZhPage(await v.agent.post(`/polls/${p.id}`).type('form').send({ optionId: String(p.options[0]) }), 403);
      expect(await votesOf(p.id)).toEqual([]);
    }));

  it('answers 404 for an unknown or malformed poll', async () => {
    expectZhPage(await request(t.app).get('/polls/999999999'), 404);
    expectZhPage(await request(t.app).get('/polls/abc'), 404);
    expectZhPage(await request(t.app).get('/polls/1.5'), 404);
    const { agent, csrf } = await voter();
    expectZhPage(await agent.post('/polls/999999999').type('form').send({ _csrf: csrf, optionId: '1' }), 404);
    expectZhPage(await agent.post('/polls/abc').type('form').send({ _csrf: csrf, optionId: '1' }), 404);
  });
});
