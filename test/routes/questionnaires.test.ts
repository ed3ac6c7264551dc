import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, postRaw, rawForm } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const TITLE = '本(115)年系統服務情形-網際網路版「人力資源管理資訊系統」(WebHR)意見調查表';
const Q1 = '請回答「您對 WebHR 系統整體操作之滿意度」';
const Q2 = '請回答「您使用 WebHR 的頻率」';

/** The seeded WebHR questionnaire: its id and the form names of its two questions. */
async function seeded() {
  const q = await t.db('questionnaire').where({ title: TITLE }).first();
  const [q1, q2] = (await t.db('questionnaire_question').where({ questionnaire_id: q.id }).orderBy('position').pluck('id')) as number[];
  return { qid: q.id as number, f1: `q_${q1}`, f2: `q_${q2}`, q1: q1!, q2: q2! };
}

/** What the account answered, per question id. */
async function answersOf(qid: number, accountId: number) {
  const rows = await t.db('questionnaire_answer as a').join('questionnaire_submission as s', 's.id', 'a.submission_id').where({ 's.questionnaire_id': qid, 's.account_id': accountId }).select('a.question_id', 'a.choices');
  return Object.fromEntries(rows.map((r: { question_id: number; choices: string[] }) => [r.question_id, r.choices]));
}

async function person() {
  const a = await makeAccount(t.db);
  return { a, ...(await signIn(t.app, a.login)) };
}

const responsesOf = (qid: number, accountId: number) => t.db('questionnaire_response').where({ questionnaire_id: qid, account_id: accountId });

describe('待辦事項 and 問卷', () => {
  it('lists an unanswered open questionnaire, and answering removes it', async () => {
    const { qid, f1, f2, q1, q2 } = await seeded();
    const { a, agent, csrf } = await person();
    for (const path of ['/my/todo', '/my']) {
      const page = await agent.get(path);
      expect(page.text).toContain(`href="/my/questionnaires/${qid}"`);
      expect(page.text).toContain('(未作答)');
    }
    const form = await agent.get(`/my/questionnaires/${qid}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`name="${f1}"`);
    const res = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, [f1]: '滿意', [f2]: '每週', extra: 'ignored', account_id: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/my/todo');
    const [row, ...more] = await responsesOf(qid, a.accountId);
    expect(more).toEqual([]);
    expect(row.account_id).toBe(a.accountId);
    expect(await answersOf(qid, a.accountId)).toEqual({ [q1]: ['滿意'], [q2]: ['每週'] });
    const todo = await agent.get('/my/todo');
    expect(todo.text).toContain('問卷已送出，感謝您的填答。');
    expect(todo.text).not.toContain(`href="/my/questionnaires/${qid}"`);
    expect((await agent.get('/my')).text).not.toContain(`href="/my/questionnaires/${qid}"`);
  });

  it('gives a message per unanswered question, keeping the answers given', async () => {
    const { qid, f1, f2 } = await seeded();
    const { a, agent, csrf } = await person();
    const none = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf });
    expectZhPage(none, 400);
    expect(formErrors(none.text)).toEqual([Q1, Q2]);
    expect(none.text).toContain(`id="${f1}-error"`);
    expect(none.text).toContain(`id="${f2}-error"`);
    const half = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, [f1]: '普通' });
    expect(formErrors(half.text)).toEqual([Q2]);
    expect(half.text).toMatch(/value="普通"\s+checked/);
    expect(await responsesOf(qid, a.accountId)).toEqual([]);
  });

  it('refuses answers that are not among the options, of the wrong type or undecodable', async () => {
    const { qid, f1, f2 } = await seeded();
    const { a, agent, csrf } = await person();
    for (const body of [
      { [f1]: '超級滿意', [f2]: '每週' },
      { [f1]: ['滿意', '普通'], [f2]: '每週' },
      { [f1]: "滿意'; DROP TABLE questionnaire_response;--", [f2]: '每週' },
      { [f1]: '<script>alert(1)</script>', [f2]: '每週' },
      { [f1]: '滿意 ', [f2]: '每週' },
    ]) {
      const res = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, ...body });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(body)).toEqual([Q1]);
      expect(res.text).not.toContain('<script>alert(1)</script>');
    }
    const json = await agent.post(`/my/questionnaires/${qid}`).set('content-type', 'application/json').send(JSON.stringify({ _csrf: csrf, [f1]: { $ne: '' }, [f2]: 1 }));
    expect(formErrors(json.text)).toEqual([Q1, Q2]);
    const raw = await postRaw(agent, `/my/questionnaires/${qid}`, rawForm(`_csrf=${encodeURIComponent(csrf)}&${f2}=%E6%AF%8F%E9%80%B1&${f1}=%FF`));
    expect(formErrors(raw.text)).toEqual([Q1]);
    const big = await agent.post(`/my/questionnaires/${qid}`).type('form').send(`_csrf=${encodeURIComponent(csrf)}&${f1}=${'a'.repeat(10 * 1024 * 1024)}`);
    expectZhPage(big, 413);
    expect(await responsesOf(qid, a.accountId)).toEqual([]);
  });

  it('takes one answer per person', async () => {
    const { qid, f1, f2, q1, q2 } = await seeded();
    const { a, agent, csrf } = await person();
    await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, [f1]: '滿意', [f2]: '每週' }).expect(303);
    const again = await agent.post(`/my/questionnaires/${qid}`).type('form').send({ _csrf: csrf, [f1]: '不滿意', [f2]: '每天' });
    expectZhPage(again, 409);
    expect(again.text).toContain('您已填寫過此問卷');
    expect(await responsesOf(qid, a.accountId)).toHaveLength(1);
    expect(await answersOf(qid, a.accountId)).toEqual({ [q1]: ['滿意'], [q2]: ['每週'] });
    expect((await agent.get(`/my/questionnaires/${qid}`)).text).toContain('您已填寫過此問卷');
  });

  it('does not list or accept a closed or future questionnaire', async () => {
    const { a, agent, csrf } = await person();
    const ids = (
      await t.db('questionnaire')
        .insert([
          { title: `已截止問卷 ${a.accountId}`, open_from: '2020-01-01', open_to: '2020-12-31' },
          { title: `未開始問卷 ${a.accountId}`, open_from: '2098-01-01', open_to: '2099-12-31' },
        ])
        .returning('id')
    ).map((r: { id: number }) => r.id);
    const fields = (await t.db('questionnaire_question')
      .insert(ids.map((id) => ({ questionnaire_id: id, position: 1, kind: 'single', text: '題目', options: JSON.stringify(['是', '否']) })))
      .returning('id')).map((r: { id: number }) => `q_${r.id}`);
    try {
      const todo = await agent.get('/my/todo');
      for (const [i, id] of ids.entries()) {
        expect(todo.text).not.toContain(`href="/my/questionnaires/${id}"`);
        const res = await agent.post(`/my/questionnaires/${id}`).type('form').send({ _csrf: csrf, [fields[i]!]: '是' });
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
    const { qid, f1, f2 } = await seeded();
    expect((await request(t.app).get(`/my/questionnaires/${qid}`)).status).toBe(302);
    const { a, agent } = await person();
    expectZhPage(await agent.post(`/my/questionnaires/${qid}`).type('form').send({ [f1]: '滿意', [f2]: '每週' }), 403);
    expect(await responsesOf(qid, a.accountId)).toEqual([]);
  });
});
