import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, postRaw, rawForm } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const TITLE = '本(115)年系統服務情形-網際網路版「人力資源管理資訊系統」(WebHR)意見調查表';
const Q1 = '請回答「您對 WebHR 系統整體操作之滿意度」';
const Q2 = '請回答「您使用 WebHR 的頻率」';

async function seeded() {
  const q = await t.db('questionnaire').where({ title: TITLE }).first();
  return q.id as number;
}

async function person() {
  const a = await makeAccount(t.db);
  return { a, ...(await signIn(t.app, a.login)) };
}

const responsesOf = (qid: number, accountId: number) => t.db('questionnaire_response').where({ questionnaire_id: qid, account_id: accountId });

describe('待辦事項 and 問卷', () => {
  it('lists an unanswered open questionnaire, and answering removes it', async () => {
    const qid = await seeded();
    const { a, agent, csrf } = await person();
    for (const path of ['/my/todo', '/my']) {
      const page = await agent.get(path);
      expect(page.text).toContain(`href="/my/questionnaires/${qid}"`);
      expect(page.text).toContain('未作答');
    }
    const form = await agent.get(`/my/questionnaires/${qid}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="q_q1"');
    const res = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, q_q1: '滿意', q_q2: '每週', extra: 'ignored', account_id: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my/todo');
    const [row, ...more] = await responsesOf(qid, a.accountId);
    expect(more).toEqual([]);
    expect(row.answers).toEqual({ q1: '滿意', q2: '每週' });
    const todo = await agent.get('/my/todo');
    expect(todo.text).toContain('問卷已送出，感謝您的填答。');
    expect(todo.text).not.toContain(`href="/my/questionnaires/${qid}"`);
    expect((await agent.get('/my')).text).not.toContain(`href="/my/questionnaires/${qid}"`);
  });

  it('gives a message per unanswered question, keeping the answers given', async () => {
    const qid = await seeded();
    const { a, agent, csrf } = await person();
    const none = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf });
    expectZhPage(none, 400);
    expect(formErrors(none.text)).toEqual([Q1, Q2]);
    expect(none.text).toContain('id="q_q1-error"');
    expect(none.text).toContain('id="q_q2-error"');
    const half = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, q_q1: '普通' });
    expect(formErrors(half.text)).toEqual([Q2]);
    expect(half.text).toMatch(/value="普通"\s+checked/);
    expect(await responsesOf(qid, a.accountId)).toEqual([]);
  });

  it('refuses answers that are not among the options, of the wrong type or undecodable', async () => {
    const qid = await seeded();
    const { a, agent, csrf } = await person();
    for (const body of [
      { q_q1: '超級滿意', q_q2: '每週' },
      { q_q1: ['滿意', '普通'], q_q2: '每週' },
      { q_q1: "滿意'; DROP TABLE questionnaire_response;--", q_q2: '每週' },
      { q_q1: '<script>alert(1)</script>', q_q2: '每週' },
      { q_q1: '滿意 ', q_q2: '每週' },
    ]) {
      const res = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, ...body });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(body)).toEqual([Q1]);
      expect(res.text).not.toContain('<script>alert(1)</script>');
    }
    const json = await agent.post(`/my/questionnaires/${qid}`).set('content-type', 'application/json').send(JSON.stringify({ _csrf: csrf, q_q1: { $ne: '' }, q_q2: 1 }));
    expect(formErrors(json.text)).toEqual([Q1, Q2]);
    const raw = await postRaw(agent, `/my/questionnaires/${qid}`, rawForm(`_csrf=${encodeURIComponent(csrf)}&q_q2=%E6%AF%8F%E9%80%B1&q_q1=%FF`));
    expect(formErrors(raw.text)).toEqual([Q1]);
    const big = await agent.post(`/my/questionnaires/${qid}`).type('form').send(`_csrf=${encodeURIComponent(csrf)}&q_q1=${'a'.repeat(10 * 1024 * 1024)}`);
    expectZhPage(big, 413);
    expect(await responsesOf(qid, a.accountId)).toEqual([]);
  });

  it('takes one answer per person', async () => {
    const qid = await seeded();
    const { a, agent, csrf } = await person();
    await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, q_q1: '滿意', q_q2: '每週' }).expect(303);
    const again = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, q_q1: '不滿意', q_q2: '每天' });
    expectZhPage(again, 409);
    expect(again.text).toContain('您已填寫過此問卷');
    expect((await responsesOf(qid, a.accountId)).map((r: { answers: unknown }) => r.answers)).toEqual([{ q1: '滿意', q2: '每週' }]);
  });

  it('does not list or accept a closed or future questionnaire', async () => {
    const { a, agent, csrf } = await person();
    const questions = JSON.stringify([{ id: 'q1', text: '題目', options: ['是', '否'] }]);
    const ids = (
      await t.db('questionnaire')
        .insert([
          { title: `已截止問卷 ${a.accountId}`, questions, open_from: '2020-01-01', open_to: '2020-12-31' },
          { title: `未開始問卷 ${a.accountId}`, questions, open_from: '2098-01-01', open_to: '2099-12-31' },
        ])
        .returning('id')
    ).map((r: { id: number }) => r.id);
    try {
      const todo = await agent.get('/my/todo');
      for (const id of ids) {
        expect(todo.text).not.toContain(`href="/my/questionnaires/${id}"`);
        const res = await agent.post(`/my/questionnaires/${id}`).type('form').send({ _csrf: csrf, q_q1: '是' });
        expectZhPage(res, 409);
        expect(res.text).toContain('此問卷不在填答期間');
      }
      expect(await t.db('questionnaire_response').whereIn('questionnaire_id', ids)).toEqual([]);
    } finally {
      await t.db('questionnaire').whereIn('id', ids).delete();
    }
  });

  it('answers 404 for an unknown or malformed questionnaire', async () => {
    const { agent, csrf } = await person();
    expectZhPage(await agent.get('/my/questionnaires/999999999'), 404);
    expectZhPage(await agent.get('/my/questionnaires/abc'), 404);
    expectZhPage(await agent.post('/my/questionnaires/999999999').type('form').send({ _csrf: csrf, q_q1: 'x' }), 404);
    expectZhPage(await agent.post('/my/questionnaires/abc').type('form').send({ _csrf: csrf }), 404);
  });

  it('needs a signed-in user and the CSRF token', async () => {
    const qid = await seeded();
    expect((await request(t.app).get(`/my/questionnaires/${qid}`)).status).toBe(302);
    const { a, agent } = await person();
    expectZhPage(await agent.post(`/my/questionnaires/${qid}`).type('form').send({ q_q1: '滿意', q_q2: '每週' }), 403);
    expect(await responsesOf(qid, a.accountId)).toEqual([]);
  });
});
