import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue } from '../support/routes';
import { importFeed } from '../../src/jobs/opendata/importer';
import { feed } from '../fixtures/jobs/legacyFeed';

let t: ReturnType<typeof buildApp>;
let admin: Awaited<ReturnType<typeof signIn>>;
beforeAll(async () => {
  t = buildApp();
  admin = await signIn(t.app, 'portal.admin');
});
afterAll(() => t.close());

/** Imports vacancies of an agency the directory does not know; its new id. */
async function importedAgency(name: string, workIds: number[], orgId?: string): Promise<number> {
  const r = await importFeed(t.db, feed(workIds.map((workId) => ({ workId, orgName: name, orgId }))));
  expect(r.errors).toEqual([]);
  return (await t.db('agency').where({ name }).first()).id as number;
}
const decide = (a: typeof admin, id: number, form: Record<string, string>) => a.agent.post(`/jobs/imports/agencies/${id}`).type('form').send({ _csrf: a.csrf, ...form });
const vacanciesOf = (agencyId: number) => t.db('jobs_vacancy').where({ agency_id: agencyId }).orderBy('work_id').pluck('work_id');

describe('匯入機關確認: the list', () => {
  it('lists the agencies feeds added as 「匯入」 with their vacancies, linked from the jobs navigation', async () => {
    await importedAgency('南投縣仁愛鄉公所', [9910001, 9910002]);
    const res = await admin.agent.get('/jobs/imports/agencies');
    expectZhPage(res, 200);
    expect(res.text).toContain('<h1>匯入機關確認</h1>');
    expect(res.text).toMatch(/南投縣仁愛鄉公所 <span class="tag">匯入<\/span><\/td>\s*<td>（未提供）<\/td>\s*<td>[^<]+<\/td>\s*<td>2<\/td>/);
    expect(res.text).toContain('href="/jobs/imports/agencies" aria-current="page">匯入機關確認</a>');
    const page = await admin.agent.get(`/jobs/imports/agencies/${(await t.db('agency').where({ name: '南投縣仁愛鄉公所' }).first()).id}`);
    expectZhPage(page, 200);
    expect(page.text).toContain('匯入機關：南投縣仁愛鄉公所');
  });

  it('is refused to anyone but an administrator, and the refusal is audited', async () => {
    for (const account of ['jobs.reviewer', 'hr.chief', 'wang.xiaoming']) {
      const s = await signIn(t.app, account);
      const res = await s.agent.get('/jobs/imports/agencies');
      expectZhPage(res, 403);
      expect(res.text).not.toContain('匯入機關確認</h1>');
      const entry = await lastAudit(t.db, 'access.denied');
      expect([entry.target_id, entry.outcome]).toEqual(['/jobs/imports/agencies', 'denied']);
      expect((await s.agent.get('/jobs')).text).not.toContain('/jobs/imports/agencies');
    }
    const anonymous = await (await import('supertest')).default(t.app).get('/jobs/imports/agencies');
    expect(anonymous.status).toBe(302);
  });

  it('a non-administrator cannot confirm or merge: 403, audited, nothing changed', async () => {
    const id = await importedAgency('南投縣信義鄉公所', [9910011]);
    const s = await signIn(t.app, 'jobs.reviewer');
    const res = await decide(s, id, { decision: 'merge', target: '301000000A' });
    expectZhPage(res, 403);
    expect((await lastAudit(t.db, 'access.denied')).target_id).toBe(`/jobs/imports/agencies/${id}`);
    expect(await vacanciesOf(id)).toEqual([9910011]);
    const a = await t.db('agency').where({ id }).first();
    expect([a.confirmed_at, a.merged_into]).toEqual([null, null]);
  });

  it('an unknown or malformed id is a 404', async () => {
    expectZhPage(await admin.agent.get('/jobs/imports/agencies/987654321'), 404);
    expectZhPage(await admin.agent.get('/jobs/imports/agencies/abc'), 404);
    expectZhPage(await decide(admin, 987654321, { decision: 'confirm' }), 404);
    // A directory agency is not an imported one.
    const moi = await t.db('agency').where({ code: '301000000A' }).first();
    expectZhPage(await admin.agent.get(`/jobs/imports/agencies/${moi.id}`), 404);
  });
});

describe('匯入機關確認: confirm or merge', () => {
  it('confirms an imported agency: it leaves the list, audited', async () => {
    const id = await importedAgency('嘉義縣阿里山鄉公所', [9920001], 'Q000000001');
    const res = await decide(admin, id, { decision: 'confirm' });
    expect([res.status, res.headers.location]).toEqual([303, '/jobs/imports/agencies']);
    const a = await t.db('agency').where({ id }).first();
    expect([a.confirmed_at !== null, a.merged_into, a.active, a.code]).toEqual([true, null, true, 'Q000000001']);
    const list = await admin.agent.get('/jobs/imports/agencies');
    expect(list.text).toContain('已確認「嘉義縣阿里山鄉公所」為新機關。');
    expect(list.text).not.toContain('確認或併入 嘉義縣阿里山鄉公所');
    const entry = await lastAudit(t.db, 'jobs.agency.confirm');
    expect([entry.target_id, entry.details.name, entry.details.vacancies]).toEqual(['Q000000001', '嘉義縣阿里山鄉公所', 1]);
    // Decided once: a second decision is refused.
    expectZhPage(await decide(admin, id, { decision: 'merge', target: '301000000A' }), 409);
    expect(await vacanciesOf(id)).toEqual([9920001]);
  });

  it('merges an imported agency into an existing one: its vacancies move, audited, and a later feed naming it finds the agency it became', async () => {
    const id = await importedAgency('内政部　戶政司', [9920011, 9920012]);
    const moiHousehold = await t.db('agency').where({ name: '內政部戶政司' }).first();
    const page = await admin.agent.get(`/jobs/imports/agencies/${id}`);
    expect(page.text).toContain(moiHousehold.code);
    const res = await decide(admin, id, { decision: 'merge', target: moiHousehold.code.toLowerCase() });
    expect([res.status, res.headers.location]).toEqual([303, '/jobs/imports/agencies']);
    expect(await vacanciesOf(id)).toEqual([]);
    expect(await vacanciesOf(moiHousehold.id)).toEqual(expect.arrayContaining([9920011, 9920012]));
    const moved = await t.db('jobs_vacancy').whereIn('work_id', [9920011, 9920012]);
    expect(moved.map((v) => [v.org_id, v.agency_address])).toEqual([
      [moiHousehold.code, moiHousehold.address],
      [moiHousehold.code, moiHousehold.address],
    ]);
    const a = await t.db('agency').where({ id }).first();
    expect([a.merged_into, a.active]).toEqual([moiHousehold.id, false]);
    const entry = await lastAudit(t.db, 'jobs.agency.merge');
    expect([entry.details.into, entry.details.vacancies, entry.details.name]).toEqual([moiHousehold.code, 2, '内政部　戶政司']);
    // The same feed again: the vacancies stay with the agency they were merged into, no new agency.
    const again = await importFeed(t.db, feed([9920011, 9920012, 9920013].map((workId) => ({ workId, orgName: '内政部　戶政司' }))));
    expect([again.inserted, again.updated, again.unchanged, again.agencies]).toEqual([1, 0, 2, []]);
    expect(await vacanciesOf(moiHousehold.id)).toEqual(expect.arrayContaining([9920011, 9920012, 9920013]));
  });

  it('bad input: no decision, merge without a code, a malformed code, an unknown code, itself — the form again with the message and what was typed, nothing changed', async () => {
    const id = await importedAgency('臺東縣延平鄉公所', [9920021]);
    const code = (await t.db('agency').where({ id }).first()).code as string;
    const pending = await t.db('agency').where({ origin: 'import' }).whereNull('confirmed_at').whereNull('merged_into').whereNot({ id }).first();
    const cases: [Record<string, string>, string, string][] = [
      [{}, 'decision', '請選擇確認為新機關或併入既有機關'],
      [{ decision: 'merge', target: '' }, 'target', '併入既有機關時請輸入該機關的機關代碼'],
      [{ decision: 'merge', target: '12<3>' }, 'target', '機關代碼為 10 碼英數字，例如 301000000A'],
      [{ decision: 'merge', target: 'Z123456789' }, 'target', '機關名錄中查無可併入的機關代碼 Z123456789（須為已確認的機關）'],
      [{ decision: 'merge', target: code }, 'target', `機關名錄中查無可併入的機關代碼 ${code}（須為已確認的機關）`],
      // Another agency still awaiting confirmation cannot receive a merge.
      [{ decision: 'merge', target: pending.code }, 'target', `機關名錄中查無可併入的機關代碼 ${pending.code}（須為已確認的機關）`],
      [{ decision: 'delete' }, 'decision', '請選擇確認為新機關或併入既有機關'],
    ];
    for (const [form, field, message] of cases) {
      const res = await decide(admin, id, form);
      expectZhPage(res, 400);
      expect(res.text).toContain('<title>錯誤：');
      expect(formErrors(res.text)).toEqual([message]);
      expect(res.text).toContain(`href="#${field}"`);
      if (form.target) expect(inputValue(res.text, 'target')).toBe(form.target.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    expect(await vacanciesOf(id)).toEqual([9920021]);
    const a = await t.db('agency').where({ id }).first();
    expect([a.confirmed_at, a.merged_into]).toEqual([null, null]);
  });

  it('refuses a POST without the CSRF token', async () => {
    const id = await importedAgency('臺東縣海端鄉公所', [9920031]);
    const res = await admin.agent.post(`/jobs/imports/agencies/${id}`).type('form').send({ decision: 'confirm' });
    expect(res.status).toBe(403);
    expect((await t.db('agency').where({ id }).first()).confirmed_at).toBeNull();
  });
});
