import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/platform/database';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue, long, type Agent } from '../support/routes';
import { up as moveOldQuestionnaires } from '../../migrations/20261208040100_survey_builder_move';
import { down as restoreOldColumns } from '../../migrations/20261208040200_survey_builder_drop_old';

/** 問卷管理: building, publishing and closing a questionnaire; answering it; its results. */
const t = buildApp();
afterAll(() => t.close());

let admin: { agent: Agent; csrf: string };
let adminId: number;
beforeAll(async () => {
  admin = await signIn(t.app, 'portal.admin');
  adminId = (await t.db('account').where({ username: 'portal.admin' }).first('id')).id;
});

/** A form body where a field may repeat (checkboxes), as a browser sends it. */
type Fields = Record<string, string | readonly string[] | undefined>;
function form(fields: Fields): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of v === undefined ? [] : typeof v === 'string' ? [v] : v) p.append(k, x);
  return p.toString();
}
const post = (who: { agent: Agent; csrf: string }, url: string, fields: Fields = {}) =>
  who.agent.post(url).type('form').send(form({ _csrf: who.csrf, ...fields }));

const SETTINGS = { title: '', intro: '請撥冗填答。', openFrom: '2026-01-01', openTo: '2099-12-31' };
let n = 0;
const title = (what: string) => `${what} ${++n} ${Date.now()}`;

async function create(fields: Fields = {}) {
  const name = title('測試問卷');
  const res = await post(admin, '/admin/questionnaires', { ...SETTINGS, title: name, ...fields });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  const id = Number(/\/admin\/questionnaires\/(\d+)$/.exec(String(res.headers.location))![1]);
  return { id, name };
}
const questionsOf = (id: number) => t.db('questionnaire_question').where({ questionnaire_id: id }).orderBy('position');
const rowOf = (id: number) => t.db('questionnaire').where({ id }).first();
const count = async (table: string) => Number((await t.db(table).count({ n: '*' }).first())!.n);

/** A questionnaire with one question of each kind, published. */
async function published(fields: Fields = {}) {
  const q = await create(fields);
  for (const body of [
    { kind: 'single', text: '整體滿意度', required: 'on', options: '滿意\n普通\n不滿意' },
    { kind: 'multiple', text: '常用功能', required: 'on', options: '公告\n應用系統\nMyData' },
    { kind: 'short', text: '服務機關簡稱', options: '' },
    { kind: 'long', text: '其他建議', options: '' },
    { kind: 'scale', text: '推薦程度', required: 'on', options: '' },
  ]) {
    expect((await post(admin, `/admin/questionnaires/${q.id}/questions`, body)).status).toBe(303);
  }
  expect((await post(admin, `/admin/questionnaires/${q.id}/publish`)).status).toBe(303);
  const ids = (await questionsOf(q.id)).map((x: { id: number }) => `q_${x.id}`);
  return { ...q, f: ids as [string, string, string, string, string] };
}

async function person(opts: Parameters<typeof makeAccount>[1] = {}) {
  const a = await makeAccount(t.db, opts);
  return { a, ...(await signIn(t.app, a.login)) };
}

describe('問卷管理: building', () => {
  it('creates a draft, adds each kind of question, edits, reorders, deletes, previews and publishes it, every step audited', async () => {
    const list = await admin.agent.get('/admin/questionnaires');
    expect(list.status).toBe(200);
    expect(list.text).toContain('href="/admin/questionnaires/new"');
    const { id, name } = await create({ anonymous: 'on', audienceRoles: ['hr_staff', 'cs_agent'], audienceAgencies: 'a096c0000q' });
    const row = await rowOf(id);
    expect(row).toMatchObject({ title: name, status: 'draft', anonymous: true, open_from: '2026-01-01', open_to: '2099-12-31', created_by_account_id: adminId });
    expect(await t.db('questionnaire_audience_role').where({ questionnaire_id: id }).orderBy('role').pluck('role')).toEqual(['cs_agent', 'hr_staff']);
    expect(await t.db('questionnaire_audience_agency as a').join('agency as g', 'g.id', 'a.agency_id').where('a.questionnaire_id', id).pluck('g.code')).toEqual(['A096C0000Q']);
    expect(await lastAudit(t.db, 'questionnaire.create')).toMatchObject({ actor_account_id: adminId, target_id: String(id) });

    for (const body of [
      { kind: 'single', text: '甲題', required: 'on', options: '是\n否' },
      { kind: 'multiple', text: '乙題', required: 'on', options: 'A\nB\nC' },
      { kind: 'short', text: '丙題', options: '' },
      { kind: 'long', text: '丁題', options: '忽略' },
      { kind: 'scale', text: '戊題', required: 'on' },
    ]) {
      const res = await post(admin, `/admin/questionnaires/${id}/questions`, body);
      expect(res.status, formErrors(res.text).join()).toBe(303);
    }
    let qs = await questionsOf(id);
    expect(qs.map((x: { text: string; kind: string; required: boolean; options: string[]; position: number }) => [x.position, x.text, x.kind, x.required, x.options])).toEqual([
      [1, '甲題', 'single', true, ['是', '否']],
      [2, '乙題', 'multiple', true, ['A', 'B', 'C']],
      [3, '丙題', 'short', false, []],
      [4, '丁題', 'long', false, []],
      [5, '戊題', 'scale', true, []],
    ]);
    // Reorder: 戊 up, 甲 down.
    expect((await post(admin, `/admin/questionnaires/${id}/questions/${qs[4].id}/move`, { direction: 'up' })).status).toBe(303);
    expect((await post(admin, `/admin/questionnaires/${id}/questions/${qs[0].id}/move`, { direction: 'down' })).status).toBe(303);
    // At the top, up leaves it where it is.
    expect((await post(admin, `/admin/questionnaires/${id}/questions/${qs[1].id}/move`, { direction: 'up' })).status).toBe(303);
    expect((await questionsOf(id)).map((x: { text: string }) => x.text)).toEqual(['乙題', '甲題', '丙題', '戊題', '丁題']);
    expect(await lastAudit(t.db, 'questionnaire.question.move')).toMatchObject({ target_id: String(id) });
    // Edit and delete.
    const edit = await admin.agent.get(`/admin/questionnaires/${id}/questions/${qs[2].id}/edit`);
    expect(inputValue(edit.text, 'text')).toBe('丙題');
    expect((await post(admin, `/admin/questionnaires/${id}/questions/${qs[2].id}`, { kind: 'short', text: '丙題（改）', required: 'on' })).status).toBe(303);
    expect((await post(admin, `/admin/questionnaires/${id}/questions/${qs[3].id}/delete`)).status).toBe(303);
    qs = await questionsOf(id);
    expect(qs.map((x: { text: string; position: number }) => `${x.position}${x.text}`)).toEqual(['1乙題', '2甲題', '3丙題（改）', '4戊題']);
    expect(qs[2]).toMatchObject({ required: true });

    const preview = await admin.agent.get(`/admin/questionnaires/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('預覽');
    for (const x of qs) expect(preview.text).toContain(`name="q_${x.id}"`);
    expect(preview.text).toContain(`type="checkbox" name="q_${qs[0].id}"`);
    expect(preview.text).toContain('5 分');
    expect(preview.text).not.toContain('action="/my/questionnaires');

    const overview = await admin.agent.get(`/admin/questionnaires/${id}`);
    expect(overview.text).toContain('草稿');
    expect(overview.text).toContain(`action="/admin/questionnaires/${id}/publish"`);
    expect((await post(admin, `/admin/questionnaires/${id}/publish`)).status).toBe(303);
    expect(await rowOf(id)).toMatchObject({ status: 'published' });
    expect((await rowOf(id)).published_at).toBeTruthy();
    expect(await lastAudit(t.db, 'questionnaire.publish')).toMatchObject({ actor_account_id: adminId, target_id: String(id) });
    const after = await admin.agent.get(`/admin/questionnaires/${id}`);
    expect(after.text).toContain('已發布');
    expect(after.text).not.toContain(`/questions/${qs[0].id}/delete`);
    expect(after.text).toContain(`action="/admin/questionnaires/${id}/close"`);
  });

  it('freezes the questions once published: adding, changing, moving or deleting one is refused and changes nothing', async () => {
    const q = await published();
    const before = await questionsOf(q.id);
    const [first] = before;
    for (const [url, body] of [
      [`/admin/questionnaires/${q.id}/questions`, { kind: 'short', text: '新題' }],
      [`/admin/questionnaires/${q.id}/questions/${first.id}`, { kind: 'short', text: '改題' }],
      [`/admin/questionnaires/${q.id}/questions/${first.id}/move`, { direction: 'down' }],
      [`/admin/questionnaires/${q.id}/questions/${first.id}/delete`, {}],
      [`/admin/questionnaires/${q.id}/publish`, {}],
    ] as const) {
      const res = await post(admin, url, body);
      expectZhPage(res, 409);
      expect(res.text).toContain('問卷已發布，題目不可再修改');
    }
    expect(await questionsOf(q.id)).toEqual(before);
  });

  it('refuses a questionnaire with no question: the page again with the message, still a draft', async () => {
    const { id } = await create();
    const res = await post(admin, `/admin/questionnaires/${id}/publish`);
    expectZhPage(res, 422);
    expect(formErrors(res.text)).toEqual(['問卷至少需要一個題目才能發布']);
    expect(res.text).toContain('id="questions"');
    expect(await rowOf(id)).toMatchObject({ status: 'draft', published_at: null });
  });

  it('refuses a title of 201 characters, keeping what was typed, saving nothing', async () => {
    const before = await count('questionnaire');
    const res = await post(admin, '/admin/questionnaires', { ...SETTINGS, title: long(201), intro: '說明保留' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['問卷名稱不可超過 200 個字']);
    expect(inputValue(res.text, 'title')).toBe(long(201));
    expect(res.text).toContain('說明保留');
    expect(await count('questionnaire')).toBe(before);
    // 200 is fine.
    expect((await post(admin, '/admin/questionnaires', { ...SETTINGS, title: long(200) })).status).toBe(303);
  });

  it('refuses a close date before the open date, keeping what was typed, saving nothing', async () => {
    const before = await count('questionnaire');
    const res = await post(admin, '/admin/questionnaires', { ...SETTINGS, title: '日期錯誤問卷', openFrom: '115/12/31', openTo: '115/12/01' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['截止日期不可早於開始日期']);
    expect(inputValue(res.text, 'openFrom')).toBe('115/12/31');
    expect(inputValue(res.text, 'title')).toBe('日期錯誤問卷');
    expect(await count('questionnaire')).toBe(before);
    const { id } = await create();
    const edit = await post(admin, `/admin/questionnaires/${id}`, { ...SETTINGS, title: '改', openFrom: '2027-02-01', openTo: '2027-01-01' });
    expectZhPage(edit, 400);
    expect(formErrors(edit.text)).toEqual(['截止日期不可早於開始日期']);
    expect(await rowOf(id)).toMatchObject({ open_from: '2026-01-01', open_to: '2099-12-31' });
  });

  it('refuses an unknown agency code or role of the audience, and bad dates', async () => {
    const before = await count('questionnaire');
    for (const [fields, message] of [
      [{ audienceAgencies: 'ZZZZZZZZZZ' }, '查無機關代碼：ZZZZZZZZZZ'],
      [{ audienceAgencies: 'A096' }, '機關代碼為 10 碼英文字母或數字，多個代碼以逗號或換行分隔'],
      [{ audienceRoles: ['hr_staff', 'superuser'] }, '請從清單中選擇對象身分'],
      [{ openFrom: '2026-02-30' }, '開始日期格式錯誤，請輸入如 115/11/22 或 2026-11-22'],
      [{ anonymous: 'yes' }, '「匿名填答」格式錯誤'],
    ] as const) {
      const res = await post(admin, '/admin/questionnaires', { ...SETTINGS, title: '對象錯誤問卷', ...fields });
      expectZhPage(res, 400);
      expect(formErrors(res.text), JSON.stringify(fields)).toEqual([message]);
    }
    expect(await count('questionnaire')).toBe(before);
  });

  it('refuses a question of 201 options, a choice question without options, a bad kind; 200 options are fine', async () => {
    const { id } = await create();
    const options = (k: number) => Array.from({ length: k }, (_, i) => `選項${i + 1}`).join('\n');
    for (const [body, message] of [
      [{ kind: 'single', text: '太多選項', options: options(201) }, '選項最多 200 個（目前 201 個）'],
      [{ kind: 'multiple', text: '沒有選項', options: '' }, '單選題及複選題請輸入至少 2 個選項，一行一個'],
      [{ kind: 'single', text: '一個選項', options: '只有一個' }, '請輸入至少 2 個選項，一行一個'],
      [{ kind: 'single', text: '重複選項', options: '是\n是' }, '選項不可重複'],
      [{ kind: 'single', text: '長選項', options: `${long(101)}\n短` }, '每個選項不可超過 100 個字'],
      [{ kind: 'ranking', text: '不存在的題型' }, '請選擇題型'],
      [{ kind: 'short', text: long(501) }, '題目不可超過 500 個字'],
    ] as const) {
      const res = await post(admin, `/admin/questionnaires/${id}/questions`, body);
      expectZhPage(res, 400);
      expect(formErrors(res.text), body.text).toEqual([message]);
      expect(res.text).toContain(body.text.slice(0, 20));
    }
    expect(await questionsOf(id)).toEqual([]);
    expect((await post(admin, `/admin/questionnaires/${id}/questions`, { kind: 'single', text: '兩百個選項', options: options(200) })).status).toBe(303);
    expect((await questionsOf(id))[0].options).toHaveLength(200);
  });

  it('closes a published questionnaire early; a draft cannot be closed', async () => {
    const q = await published();
    expect((await post(admin, `/admin/questionnaires/${q.id}/close`)).status).toBe(303);
    expect(await rowOf(q.id)).toMatchObject({ status: 'closed' });
    expect(await lastAudit(t.db, 'questionnaire.close')).toMatchObject({ target_id: String(q.id) });
    expectZhPage(await post(admin, `/admin/questionnaires/${q.id}/close`), 409);
    const d = await create();
    const res = await post(admin, `/admin/questionnaires/${d.id}/close`);
    expectZhPage(res, 409);
    expect(res.text).toContain('問卷尚未發布');
  });

  it('answers 404 for an unknown questionnaire or question', async () => {
    const { id } = await create();
    for (const url of ['/admin/questionnaires/999999999', '/admin/questionnaires/abc', '/admin/questionnaires/999999999/results', `/admin/questionnaires/${id}/questions/999999999/edit`]) {
      expectZhPage(await admin.agent.get(url), 404);
    }
    expectZhPage(await post(admin, `/admin/questionnaires/${id}/questions/999999999/delete`), 404);
  });
});

describe('問卷: answering from 待辦事項', () => {
  it('shows (未作答) to the audience until they answer each kind of question, once', async () => {
    const q = await published();
    const p = await person();
    const todo = await p.agent.get('/my/todo');
    expect(todo.text).toContain(`<a href="/my/questionnaires/${q.id}">${q.name}</a>(未作答)`);
    const page = await p.agent.get(`/my/questionnaires/${q.id}`);
    expect(page.status).toBe(200);
    const [single, multiple, short, longText, scale] = q.f;
    // Required ones missing: a message each, the answers typed kept.
    const missing = await post(p, `/my/questionnaires/${q.id}`, { [short]: '人事總處', [longText]: '多行\n建議' });
    expectZhPage(missing, 400);
    expect(formErrors(missing.text)).toEqual(['請回答「整體滿意度」', '請回答「常用功能」', '請回答「推薦程度」']);
    expect(inputValue(missing.text, short)).toBe('人事總處');
    for (const [bad, message] of [
      [{ [multiple]: ['公告', '不存在'] }, '請回答「常用功能」'],
      [{ [scale]: '6' }, '請就「推薦程度」選擇 1 到 5 分'],
      [{ [short]: long(201) }, '「服務機關簡稱」的回答不可超過 200 個字'],
      [{ [longText]: long(2001) }, '「其他建議」的回答不可超過 2000 個字'],
    ] as const) {
      const res = await post(p, `/my/questionnaires/${q.id}`, { [single]: '滿意', [multiple]: ['公告'], [scale]: '4', ...bad });
      expectZhPage(res, 400);
      expect(formErrors(res.text), message).toEqual([message]);
    }
    expect(await t.db('questionnaire_response').where({ questionnaire_id: q.id })).toEqual([]);
    const ok = await post(p, `/my/questionnaires/${q.id}`, { [single]: '普通', [multiple]: ['MyData', '公告'], [short]: '人事總處', [scale]: '5' });
    expect(ok.status).toBe(303);
    const answers = await t.db('questionnaire_answer as a').join('questionnaire_submission as s', 's.id', 'a.submission_id').where('s.questionnaire_id', q.id).orderBy('a.question_id').select('a.choices', 'a.text_value', 'a.scale', 's.account_id');
    expect(answers).toEqual([
      { choices: ['普通'], text_value: null, scale: null, account_id: p.a.accountId },
      { choices: ['公告', 'MyData'], text_value: null, scale: null, account_id: p.a.accountId },
      { choices: null, text_value: '人事總處', scale: null, account_id: p.a.accountId },
      { choices: null, text_value: null, scale: 5, account_id: p.a.accountId },
    ]);
    expect((await p.agent.get('/my/todo')).text).not.toContain(`href="/my/questionnaires/${q.id}"`);
    // Answering twice.
    const again = await post(p, `/my/questionnaires/${q.id}`, { [single]: '滿意', [multiple]: ['公告'], [scale]: '1' });
    expectZhPage(again, 409);
    expect(again.text).toContain('您已填寫過此問卷');
    expect(await t.db('questionnaire_submission').where({ questionnaire_id: q.id })).toHaveLength(1);
  });

  it('refuses an answer after the questionnaire was closed early, and takes it off 待辦事項', async () => {
    const q = await published();
    const p = await person();
    expect((await post(admin, `/admin/questionnaires/${q.id}/close`)).status).toBe(303);
    expect((await p.agent.get('/my/todo')).text).not.toContain(`href="/my/questionnaires/${q.id}"`);
    const res = await post(p, `/my/questionnaires/${q.id}`, { [q.f[0]]: '滿意', [q.f[1]]: ['公告'], [q.f[4]]: '3' });
    expectZhPage(res, 409);
    expect(res.text).toContain('此問卷不在填答期間');
    expect(await t.db('questionnaire_response').where({ questionnaire_id: q.id })).toEqual([]);
  });

  it('keeps a questionnaire to its audience: others do not see it, and opening or answering it is a 403, audited', async () => {
    const q = await published({ audienceAgencies: 'A096C0000Q', audienceRoles: ['hr_staff'] });
    const inside = await person({ roles: ['hr_staff'] });
    const otherAgency = await person({ agencyCode: (await t.db('agency').whereNot({ code: 'A096C0000Q' }).orderBy('id').first('code')).code, roles: ['hr_staff'] });
    const noRole = await person();
    expect((await inside.agent.get('/my/todo')).text).toContain(`href="/my/questionnaires/${q.id}"`);
    for (const outsider of [otherAgency, noRole]) {
      expect((await outsider.agent.get('/my/todo')).text).not.toContain(`href="/my/questionnaires/${q.id}"`);
      const page = await outsider.agent.get(`/my/questionnaires/${q.id}`);
      expectZhPage(page, 403);
      expect(page.text).toContain('此問卷不是以您為填答對象');
      const res = await post(outsider, `/my/questionnaires/${q.id}`, { [q.f[0]]: '滿意', [q.f[1]]: ['公告'], [q.f[4]]: '3' });
      expectZhPage(res, 403);
      const denied = await t.db('audit_event').where({ action: 'questionnaire.answer', outcome: 'denied', actor_account_id: outsider.a.accountId, request_id: String(res.headers['x-request-id']) }).first();
      expect(denied).toMatchObject({ target_id: String(q.id) });
    }
    expect(await t.db('questionnaire_response').where({ questionnaire_id: q.id })).toEqual([]);
    expect((await post(inside, `/my/questionnaires/${q.id}`, { [q.f[0]]: '滿意', [q.f[1]]: ['公告'], [q.f[4]]: '3' })).status).toBe(303);
  });

  it('does not show a draft to anyone but the administrators', async () => {
    const { id } = await create();
    await post(admin, `/admin/questionnaires/${id}/questions`, { kind: 'short', text: '草稿題' });
    const p = await person();
    expect((await p.agent.get('/my/todo')).text).not.toContain(`href="/my/questionnaires/${id}"`);
    expectZhPage(await p.agent.get(`/my/questionnaires/${id}`), 404);
    expectZhPage(await post(p, `/my/questionnaires/${id}`, {}), 404);
  });
});

describe('問卷: results', () => {
  async function answered(anonymous: boolean) {
    const q = await published(anonymous ? { anonymous: 'on' } : {});
    const people = [await person(), await person(), await person()];
    const bodies = [
      { [q.f[0]]: '滿意', [q.f[1]]: ['公告', 'MyData'], [q.f[2]]: '=HYPERLINK("x")', [q.f[3]]: '第一位的建議', [q.f[4]]: '5' },
      { [q.f[0]]: '滿意', [q.f[1]]: ['公告'], [q.f[3]]: '第二位, "引號"', [q.f[4]]: '4' },
      { [q.f[0]]: '不滿意', [q.f[1]]: ['應用系統'], [q.f[4]]: '4' },
    ];
    for (const [i, p] of people.entries()) expect((await post(p, `/my/questionnaires/${q.id}`, bodies[i]!)).status).toBe(303);
    return { q, people };
  }

  it('shows counts with a server-drawn chart per question, the text answers with who wrote them, and a CSV with a BOM', async () => {
    const { q, people } = await answered(false);
    const res = await admin.agent.get(`/admin/questionnaires/${q.id}/results`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('共 <strong>3</strong> 人填答');
    expect(res.text.match(/<svg [^>]*role="img"/g)).toHaveLength(3);
    expect(res.text).toContain('<title id="chart-q');
    expect(res.text).toContain('滿意：2 人；普通：0 人；不滿意：1 人（共 3 人）');
    expect(res.text).toMatch(/<td>4 分<\/td><td>2<\/td><td>66.7%<\/td>/);
    expect(res.text).toContain('平均 4.33 分');
    expect(res.text).toContain('第一位的建議');
    const name = (await t.db('person').where({ id: people[0]!.a.personId }).first('name')).name;
    expect(res.text).toContain(`${name}（A096C0000Q）`);

    const csv = await admin.agent.get(`/admin/questionnaires/${q.id}/results.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain(`questionnaire-${q.id}.csv`);
    const body = Buffer.from(csv.text, 'utf8');
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('填答時間,帳號,姓名,機關代碼,1. 整體滿意度,2. 常用功能,3. 服務機關簡稱,4. 其他建議,5. 推薦程度');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`,${name},A096C0000Q,滿意,公告；MyData,"'=HYPERLINK(""x"")",第一位的建議,5`);
    expect(lines[2]).toContain('"第二位, ""引號"""');
    expect(await lastAudit(t.db, 'questionnaire.export')).toMatchObject({ actor_account_id: adminId, target_id: String(q.id) });
  });

  it('never shows who answered an anonymous questionnaire: not in the results, the CSV, the database rows of answers or the audit', async () => {
    const { q, people } = await answered(true);
    const names = await t.db('person').whereIn('id', people.map((p) => p.a.personId)).pluck('name');
    const usernames = people.map((p) => p.a.login);
    const res = await admin.agent.get(`/admin/questionnaires/${q.id}/results`);
    expect(res.text).toContain('共 <strong>3</strong> 人填答');
    expect(res.text).toContain('第一位的建議');
    const csv = await admin.agent.get(`/admin/questionnaires/${q.id}/results.csv`);
    expect(csv.text.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('1. 整體滿意度,2. 常用功能,3. 服務機關簡稱,4. 其他建議,5. 推薦程度');
    for (const who of [...names, ...usernames]) {
      expect(res.text).not.toContain(who);
      expect(csv.text).not.toContain(who);
    }
    expect(await t.db('questionnaire_submission').where({ questionnaire_id: q.id }).whereNotNull('account_id')).toEqual([]);
    expect(await t.db('questionnaire_submission').where({ questionnaire_id: q.id }).whereNotNull('submitted_at')).toEqual([]);
    const audits = await t.db('audit_event').where({ target_type: 'questionnaire', target_id: String(q.id) });
    for (const a of audits) for (const who of [...names, ...usernames, ...people.map((p) => String(p.a.accountId))]) expect(JSON.stringify(a.details)).not.toContain(who);
  });
});

describe('問卷管理: only portal administrators', () => {
  it('refuses everyone else with a 403, audited, saving nothing', async () => {
    const q = await published();
    const p = await person({ roles: ['hr_supervisor'] });
    for (const url of ['/admin/questionnaires', `/admin/questionnaires/${q.id}`, `/admin/questionnaires/${q.id}/results`, `/admin/questionnaires/${q.id}/results.csv`]) {
      const res = await p.agent.get(url);
      expect(res.status, url).toBe(403);
      expect(await t.db('audit_event').where({ outcome: 'denied', request_id: String(res.headers['x-request-id']) }).first(), url).toBeTruthy();
    }
    const before = await count('questionnaire');
    const res = await post(p, '/admin/questionnaires', { ...SETTINGS, title: '越權問卷' });
    expectZhPage(res, 403);
    expect(await count('questionnaire')).toBe(before);
    expectZhPage(await post(p, `/admin/questionnaires/${q.id}/close`), 403);
    expect(await rowOf(q.id)).toMatchObject({ status: 'published' });
  });
});

describe('moving the questionnaires written before 問卷管理 (migration 20261208040100)', () => {
  it('makes each old question a required single-choice row and each old response a submission with its answers', async () => {
    const p = await makeAccount(t.db);
    const rollback = new Error('rollback');
    // The schema owner's login (migrations change tables the app's login does not own).
    const owner = createDb(inject('ownerDatabaseUrl'), 1);
    await expect(
      owner.transaction(async (trx) => {
        // The old columns back (as before 20261208040200), an old questionnaire and its answer in them.
        await restoreOldColumns(trx);
        const [row] = await trx('questionnaire')
          .insert({
            title: '舊問卷',
            open_from: '2026-01-01',
            open_to: '2099-12-31',
            questions: JSON.stringify([
              { id: 'q1', text: '舊題一', options: ['是', '否'] },
              { id: 'q2', text: '舊題二', options: ['每天', '每週'] },
            ]),
          })
          .returning('id');
        const id = (row as { id: number }).id;
        await trx('questionnaire_response').insert({ questionnaire_id: id, account_id: p.accountId, answers: JSON.stringify({ q1: '否', q2: '每週' }) });
        await moveOldQuestionnaires(trx);
        const questions = await trx('questionnaire_question').where({ questionnaire_id: id }).orderBy('position');
        expect(questions.map((x: { position: number; kind: string; text: string; required: boolean; options: string[] }) => [x.position, x.kind, x.text, x.required, x.options])).toEqual([
          [1, 'single', '舊題一', true, ['是', '否']],
          [2, 'single', '舊題二', true, ['每天', '每週']],
        ]);
        expect(await trx('questionnaire').where({ id }).first('status', 'anonymous')).toEqual({ status: 'published', anonymous: false });
        const answers = await trx('questionnaire_answer as a').join('questionnaire_submission as s', 's.id', 'a.submission_id').where('s.questionnaire_id', id).orderBy('a.question_id').select('s.account_id', 'a.question_id', 'a.choices');
        expect(answers).toEqual([
          { account_id: p.accountId, question_id: questions[0].id, choices: ['否'] },
          { account_id: p.accountId, question_id: questions[1].id, choices: ['每週'] },
        ]);
        throw rollback;
      }),
    ).rejects.toBe(rollback).finally(() => owner.destroy());
    expect(await t.db('questionnaire').where({ title: '舊問卷' })).toEqual([]);
  });
});
