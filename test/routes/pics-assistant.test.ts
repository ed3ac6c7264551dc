import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, csrfFrom, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, freshIp, long } from '../support/routes';
import type { SessionUser } from '../../src/platform/identity/sessionUser';
import { NotFoundError } from '../../src/platform/errors';
import { taipeiToday } from '../../src/platform/dates';
import { normalizeQuestion, questionGrams } from '../../src/pics/assistant/grams';

const t = buildApp();
afterAll(() => t.close());

const today = () => taipeiToday(t.services.clock());
/**
 * A made-up word no content holds (letters only, so its grams are its own): ten of the 22
 * 天干地支 in random order, so two such words share about 0.2 of their 11 grams on average and
 * one never answers another (an answer needs half of the question's grams).
 */
const nonsense = () => `雲豹${[...'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥'].sort(() => Math.random() - 0.5).slice(0, 10).join('')}`;
const ask = (q: string, agent = request(t.app)) => agent.get(`/pics/assistant?q=${encodeURIComponent(q)}`);
/** The answers' links of a page, best first. */
const answerLinks = (html: string) => [...(/<ol class="assistant-list">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '').matchAll(/<h3><a href="([^"]+)">/g)].map((m) => m[1]!);
/** Asks what nothing answers: the page must say so (a different answer fails here, not later). */
async function askUnanswered(q: string) {
  const res = await ask(q);
  expectZhPage(res, 200);
  expect(res.text).toContain('很抱歉，找不到符合您問題的答案');
  return res;
}
const unansweredRow = (q: string) => t.db('pics_assistant_unanswered').where({ normalized: normalizeQuestion(q) }).first();
const faqCount = async () => Number((await t.db('content_item').where({ kind: 'pics.faq' }).count<{ n: string }[]>({ n: '*' }))[0]!.n);

async function session(roles: string[]) {
  const a = await makeAccount(t.db, { roles });
  return { a, ...(await signIn(t.app, a.login)) };
}

describe('智慧客服 matching (unit)', () => {
  it('matches by two-character grams without those of question words', () => {
    expect(questionGrams('請問忘記密碼怎麼辦？')).toEqual(['問忘', '忘記', '記密', '密碼', '碼怎']);
    expect(normalizeQuestion(' 忘記 密碼，怎麼辦？ ')).toBe(normalizeQuestion('忘記密碼怎麼辦'));
    expect(normalizeQuestion('ＡＢＣ　１２３')).toBe('abc123');
  });
});

describe('智慧客服: answers', () => {
  it('answers a question from PICS 常見問題, with the entry first and its link', async () => {
    const faq = await t.db('content_item').where({ kind: 'pics.faq', question: '忘記人事服務網密碼怎麼辦？' }).first('id');
    const res = await ask('請問我忘記密碼怎麼辦？');
    expectZhPage(res, 200);
    const links = answerLinks(res.text);
    expect(links.length).toBeGreaterThan(0);
    expect(links.length).toBeLessThanOrEqual(3);
    expect(links[0]).toBe(`/pics/faq#faq-${faq.id}`);
    expect(res.text).toContain('來源：PICS 常見問題');
  });

  it('answers from the portal announcements, PICS announcements and the cloud FAQ, each with its link', async () => {
    const word = nonsense();
    const day = today();
    const [portal] = await t.db('content_item').insert({ kind: 'portal.announcements', title: `${word}公告`, body: '人事服務網公告內容', category: '系統公告', publish_on: day }).returning('id');
    const [pics] = await t.db('content_item').insert({ kind: 'pics.announcements', title: `PICS ${word}說明`, body: '客服網公告內容', publish_on: day }).returning('id');
    const [cloud] = await t.db('content_item').insert({ kind: 'cloud.faq', question: `${word}如何申請？`, answer: '請於人事雲端服務平台申請。', sort_order: 1 }).returning('id');
    const res = await ask(word);
    expectZhPage(res, 200);
    expect(answerLinks(res.text).sort()).toEqual([`/announcements/${portal.id}`, `/pics/announcements/${pics.id}`, `/cloud/faq#faq-${cloud.id}`].sort());
    expect(res.text).toContain('來源：人事服務網最新公告');
    expect(res.text).toContain('來源：人事雲端服務平台常見問題');
  });

  it('ranks the entry holding more of the question first, and shows at most 3', async () => {
    const word = nonsense();
    const ids: number[] = [];
    for (const [i, q] of [`${word}`, `${word}考績`, `${word}考績清冊`, `${word}考績清冊報送`].entries()) {
      const [r] = await t.db('content_item').insert({ kind: 'pics.faq', category: '測試', question: q, answer: '答案', sort_order: 9000 + i }).returning('id');
      ids.push(r.id);
    }
    const res = await ask(`${word}考績清冊報送`);
    const links = answerLinks(res.text);
    expect(links).toHaveLength(3);
    expect(links[0]).toBe(`/pics/faq#faq-${ids[3]}`);
    expect(links[1]).toBe(`/pics/faq#faq-${ids[2]}`);
  });

  it('answers from the help pages', async () => {
    const res = await ask('PKCS#11 模組要如何安裝？');
    expectZhPage(res, 200);
    expect(answerLinks(res.text)).toContain('/help/components');
    expect(res.text).toContain('來源：說明頁面');
  });

  it('does not answer from an announcement not yet published', async () => {
    const word = nonsense();
    await t.db('content_item').insert({ kind: 'pics.announcements', title: `${word}預告`, body: '內容', publish_on: '2099-01-01' });
    const res = await ask(word);
    expect(answerLinks(res.text)).toEqual([]);
  });

  it('works for a visitor not signed in, and from the eCPA home and the chat side panel', async () => {
    const home = await request(t.app).get('/');
    expect(home.text).toMatch(/<form action="\/pics\/assistant" method="get"/);
    expect(home.text).toContain('智慧客服');
    const { agent } = await session([]);
    const chat = await agent.get('/pics/chat');
    expect(chat.text).toMatch(/<form action="\/pics\/assistant" method="get"/);
    expect(chat.text).toMatch(/<a href="\/pics\/assistant">智能客服<\/a>/);
    expectZhPage(await request(t.app).get('/pics/assistant'), 200);
  });
});

describe('智慧客服: nothing fits', () => {
  it('offers 文字客服 and 線上掛號 with the question, and counts it once per normalised wording', async () => {
    const q = `${nonsense()}補助怎麼申請？`;
    const res = await ask(q);
    expectZhPage(res, 200);
    expect(res.text).toContain('找不到符合您問題的答案');
    expect(res.text).toContain(`href="/pics/tickets/new?q=${encodeURIComponent(q)}"`);
    expect(res.text).toContain(`href="/pics/chat?q=${encodeURIComponent(q)}"`);
    expect((await unansweredRow(q)).hits).toBe(1);
    await ask(` ${q.replace('？', '?')}  `);
    const row = await unansweredRow(q);
    expect(row.hits).toBe(2);
  });

  it('the 線上掛號 form takes the question: first line as 主旨, all as 問題說明', async () => {
    const { agent } = await session([]);
    const res = await agent.get(`/pics/tickets/new?q=${encodeURIComponent('薪資單查不到\n第二行說明')}`);
    expectZhPage(res, 200);
    expect(res.text).toMatch(/name="subject"[^>]*value="薪資單查不到"/);
    expect(res.text).toMatch(/<textarea[^>]*name="description"[^>]*>薪資單查不到\n第二行說明<\/textarea>/);
  });

  it('文字客服 carries the question into the chat message box', async () => {
    const { agent } = await session([]);
    const start = await agent.get(`/pics/chat?q=${encodeURIComponent('薪資單查不到')}`);
    expectZhPage(start, 200);
    if (start.text.includes('開始對話')) {
      expect(start.text).toContain('<input type="hidden" name="q" value="薪資單查不到">');
      const post = await agent.post('/pics/chat').type('form').send({ _csrf: csrfFrom(start.text), q: '薪資單查不到' });
      expect(post.status).toBe(303);
      expect(post.headers.location).toMatch(/^\/pics\/chat\/\d+\?q=%E8%96%AA/);
      const page = await agent.get(String(post.headers.location));
      expect(page.text).toMatch(/name="body"[^>]*value="薪資單查不到"/);
    } else {
      expect(start.text).toContain(`/pics/tickets/new?q=${encodeURIComponent('薪資單查不到')}`);
    }
  });
});

describe('智慧客服: bad input', () => {
  it('a question of 1,001 characters: the form again with a message and what was typed, nothing counted', async () => {
    const before = Number((await t.db('pics_assistant_unanswered').count<{ n: string }[]>({ n: '*' }))[0]!.n);
    const q = long(1001, '薪');
    const res = await ask(q);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['問題不可超過 1000 個字']);
    expect(res.text).toContain(`>${q}</textarea>`);
    expect(res.text).toContain('<title>錯誤：');
    expect(Number((await t.db('pics_assistant_unanswered').count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('a question of only punctuation: the form again with a message and what was typed', async () => {
    const q = '？？！。…，,.!';
    const res = await ask(q);
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['問題須包含文字或數字，不可只有標點符號']);
    expect(res.text).toContain(`>${q}</textarea>`);
    expect(await unansweredRow(q)).toBeUndefined();
  });

  it('an empty question asks for one; a question sent twice is refused', async () => {
    const empty = await ask('   ');
    expectZhPage(empty, 400);
    expect(formErrors(empty.text)).toEqual(['請輸入問題']);
    const twice = await request(t.app).get('/pics/assistant?q=a&q=b');
    expectZhPage(twice, 400);
    expect(formErrors(twice.text)).toEqual(['問題格式錯誤']);
  });
});

describe('智慧客服: the 客服主管 turns unanswered questions into 常見問題', () => {
  it('lists the most asked first; only supervisors see it', async () => {
    const often = `${nonsense()}加班費`;
    const once = `${nonsense()}請假`;
    for (let i = 0; i < 3; i++) await ask(often);
    await ask(once);
    const { agent } = await session(['cs_agent', 'cs_supervisor']);
    const res = await agent.get('/pics/desk/assistant');
    expectZhPage(res, 200);
    expect(res.text.indexOf(often)).toBeGreaterThan(0);
    expect(res.text.indexOf(often)).toBeLessThan(res.text.indexOf(once) === -1 ? Infinity : res.text.indexOf(once));

    const plain = await session(['cs_agent']);
    expect((await plain.agent.get('/pics/desk/assistant')).status).toBe(403);
    const person = await session([]);
    expect((await person.agent.get('/pics/desk/assistant')).status).toBe(403);
    const anon = await request(t.app).get('/pics/desk/assistant');
    expect([302, 303, 401]).toContain(anon.status);
  });

  it('turns one into a FAQ entry that then answers the question, and the question leaves the list', async () => {
    const q = `${nonsense()}出差旅費`;
    await askUnanswered(q);
    const row = await unansweredRow(q);
    const { agent } = await session(['cs_agent', 'cs_supervisor']);
    const form = await agent.get(`/pics/desk/assistant/${row.id}/faq`);
    expectZhPage(form, 200);
    expect(form.text).toMatch(new RegExp(`name="question"[^>]*value="${q}"`));
    const res = await agent.post(`/pics/desk/assistant/${row.id}/faq`).type('form').send({ _csrf: csrfFrom(form.text), category: '差勤', question: q, answer: '請依出差旅費報支要點辦理。', sortOrder: '500' });
    expect(res.status).toBe(303);
    const faq = await t.db('content_item').where({ kind: 'pics.faq', question: q }).first('id');
    expect((await unansweredRow(q)).faq_id).toBe(faq.id);
    expect((await lastAudit(t.db, 'pics.assistant.to_faq')).target_id).toBe(String(row.id));
    expect((await agent.get('/pics/desk/assistant')).text).not.toContain(`<td>${q}</td>`);
    expect(answerLinks((await ask(q)).text)[0]).toBe(`/pics/faq#faq-${faq.id}`);
    // Answered: no longer open.
    expect((await agent.get(`/pics/desk/assistant/${row.id}/faq`)).status).toBe(404);
  });

  it('a FAQ form without an answer: the form again with what was typed, nothing saved', async () => {
    const q = `${nonsense()}退休金`;
    await askUnanswered(q);
    const row = await unansweredRow(q);
    const { agent } = await session(['cs_agent', 'cs_supervisor']);
    const form = await agent.get(`/pics/desk/assistant/${row.id}/faq`);
    const before = await faqCount();
    const res = await agent.post(`/pics/desk/assistant/${row.id}/faq`).type('form').send({ _csrf: csrfFrom(form.text), category: '退休', question: q, answer: '', sortOrder: '1' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['請輸入答案']);
    expect(res.text).toMatch(/name="category"[^>]*value="退休"/);
    expect(await faqCount()).toBe(before);
    expect((await unansweredRow(q)).faq_id).toBeNull();
  });

  it('an unknown question id: 404 and an audit entry', async () => {
    const { agent, csrf } = await session(['cs_agent', 'cs_supervisor']);
    expectZhPage(await agent.get('/pics/desk/assistant/999999999/faq'), 404);
    const res = await agent.post('/pics/desk/assistant/999999999/faq').type('form').send({ _csrf: csrf, category: 'x', question: 'y', answer: 'z', sortOrder: '1' });
    expectZhPage(res, 404);
    const audit = await lastAudit(t.db, 'pics.assistant.not_found');
    expect(audit.target_id).toBe('999999999');
    expect(audit.outcome).toBe('failed');
  });
});

describe('智慧客服: one transaction for 轉為常見問題', () => {
  it('a question answered meanwhile (the second step fails): no FAQ entry is kept, no audit entry', async () => {
    const q = `${nonsense()}加班費`;
    await askUnanswered(q);
    const row = await unansweredRow(q);
    const a = await makeAccount(t.db, { roles: ['cs_agent', 'cs_supervisor'] });
    const user = { kind: 'person', accountId: a.accountId, personId: a.personId, name: '客服主管', roles: [{ role: 'cs_agent', agencyId: null }, { role: 'cs_supervisor', agencyId: null }] } as unknown as SessionUser;
    // Another supervisor turned it into a FAQ entry after this one opened the form.
    const other = await t.db('content_item').where({ kind: 'pics.faq' }).first('id');
    await t.db('pics_assistant_unanswered').where({ id: row.id }).update({ faq_id: other.id, answered_at: t.db.fn.now() });
    const before = await faqCount();
    const requestId = `race-${Date.now()}`;
    await expect(
      t.services.pics.assistant.toFaq(user, row.id, { category: '差勤', question: q, answer: '依規定辦理。', sortOrder: '1' }, { ip: '203.0.113.7', requestId }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await faqCount()).toBe(before);
    expect(await t.db('content_item').where({ kind: 'pics.faq', question: q }).first()).toBeUndefined();
    expect(await t.db('audit_event').where({ request_id: requestId })).toHaveLength(0);
    expect((await unansweredRow(q)).faq_id).toBe(other.id);
  });
});

describe('智慧客服: questions are rate-limited per client', () => {
  const limited = buildApp({ ASSISTANT_RATE_LIMIT_PER_15MIN: '3' });
  afterAll(() => limited.close());

  it('past the limit: the same page with a zh-TW message and the question kept, 429, nothing counted', async () => {
    const ip = freshIp();
    const askFrom = (q: string, from = ip) => request(limited.app).get(`/pics/assistant?q=${encodeURIComponent(q)}`).set('X-Forwarded-For', from);
    // The page itself (no question) is not counted.
    for (let i = 0; i < 5; i++) expect((await request(limited.app).get('/pics/assistant').set('X-Forwarded-For', ip)).status).toBe(200);
    const asked = [];
    for (let i = 0; i < 3; i++) {
      const q = nonsense();
      asked.push(q);
      expectZhPage(await askFrom(q), 200);
    }
    for (const q of asked) expect((await unansweredRow(q)).hits).toBe(1);
    const flood = nonsense();
    const res = await askFrom(flood);
    expectZhPage(res, 429);
    expect(formErrors(res.text)).toEqual(['您詢問的次數過多，請稍候 15 分鐘再試，或改用文字客服、線上掛號。']);
    expect(res.text).toContain(flood);
    expect(await unansweredRow(flood)).toBeUndefined();
    // Asking again what was counted does not count it again.
    expectZhPage(await askFrom(asked[0]!), 429);
    expect((await unansweredRow(asked[0]!)).hits).toBe(1);
    // Another client is not held back.
    expectZhPage(await askFrom(flood, freshIp()), 200);
    expect((await unansweredRow(flood)).hits).toBe(1);
  });
});
