import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import type { Knex } from 'knex';
import { buildApp, signIn } from '../support/app';
import { expectZhPage } from '../support/routes';
import { GRADES } from '../../src/jobs/codes';
import { createSearchRepository as createJobsRepository, keywordsOf, weekOf, SEARCH_COUNT_CAP, type PublicFilter } from '../../src/jobs/search/repository';
import { addDays, today } from './jobs-helpers';

let t: ReturnType<typeof buildApp>;

beforeAll(() => {
  t = buildApp();
});
afterAll(() => t.close());

const filter = (f: Partial<PublicFilter>): PublicFilter => ({ q: '', agency: '', series: '', grade: '', county: '', kind: '', date: '', ...f });

/** The public search written out plainly, column by column (what search_tokens must agree with). */
async function reference(db: Knex, f: PublicFilter, day: string, offset = 0, limit = SEARCH_COUNT_CAP + 1): Promise<number[]> {
  const q = db('jobs_vacancy').whereNull('deleted_at').where({ status: 'approved' }).where('date_from', '<=', f.date || day).where('date_to', '>=', f.date || day);
  for (const word of keywordsOf(f.q)) q.whereRaw('strpos(search_doc, ?) > 0', [word]);
  if (f.agency) {
    if (/^[A-Z0-9]{10}$/i.test(f.agency)) q.where('org_id', f.agency.toUpperCase());
    else q.whereRaw('strpos(org_name, ?) > 0', [f.agency]);
  }
  if (f.series) q.where('series_code', f.series);
  if (f.kind) q.where('person_kind', f.kind);
  if (f.county) q.whereRaw('work_places @> ARRAY[?]::text[]', [f.county]);
  if (f.grade) {
    const g = GRADES.find((x) => x.code === f.grade)!;
    q.where('rank_from', '<=', g.to).where('rank_to', '>=', g.from);
  }
  const rows = await q.orderBy('date_from', 'desc').orderBy('id', 'desc').offset(offset).limit(limit).select('id');
  return rows.map((r: { id: number }) => r.id);
}

async function searchIds(db: Knex, f: PublicFilter, day: string, page: number, size: number) {
  const r = await createJobsRepository(db).search(f, { page, size, today: day });
  return { ...r, ids: r.rows.map((v) => v.id) };
}

describe('查詢職缺資料 through the token index', () => {
  it('answers an anonymous search without making a session (no cookie), and a signed-in one as before', async () => {
    const res = await request(t.app).get('/jobs').query({ q: '行政', county: '10', grade: '薦任' });
    expectZhPage(res, 200);
    expect(res.headers['set-cookie']).toBeUndefined();
    const user = await signIn(t.app, 'wang.xiaoming');
    const mine = await user.agent.get('/jobs').query({ q: '行政' });
    expectZhPage(mine, 200);
    expect(mine.text).toContain('登出');
    // The signed-in session still carries its CSRF token: a form posts after the search.
    expect(mine.text).toContain(`value="${user.csrf}"`);
  });

  it('a kept broad result’s form and table are rendered once for signed-in visitors, each page with its visitor’s own header', async () => {
    const search = t.services.jobs.search;
    const real = await search.search(filter({ q: '行政' }), 1, 20);
    // A broad result as the service keeps it (over the count cap): the same object for a while.
    let current = { ...real, capped: true, total: 4321 };
    const spy = vi.spyOn(search, 'search').mockImplementation(async () => current);
    try {
      const [wang, agent] = [await signIn(t.app, 'wang.xiaoming'), await signIn(t.app, 'cs.agent')];
      const first = await wang.agent.get('/jobs').query({ q: '行政' });
      expectZhPage(first, 200);
      expect(first.text).toContain('超過 4,321 筆');
      expect(first.text).toContain(`value="${wang.csrf}"`);
      // The same kept result: its body is not rendered again (a change to the object would not show).
      current.total = 9876;
      const again = await agent.agent.get('/jobs').query({ q: '行政' });
      expect(again.text).toContain('超過 4,321 筆');
      expect(again.text).toContain(`value="${agent.csrf}"`);
      expect(again.text).not.toContain(wang.csrf);
      // Another URL of the same result has its own body (the form shows what was asked).
      const other = await wang.agent.get('/jobs').query({ q: '行政', size: '50' });
      expect(other.text).toContain('超過 9,876 筆');
      // A new result (the service read again) is rendered anew.
      current = { ...real, capped: true, total: 5555 };
      expect((await wang.agent.get('/jobs').query({ q: '行政' })).text).toContain('超過 5,555 筆');
    } finally {
      spy.mockRestore();
    }
  });

  it('finds the same vacancies as the plain column filters, in the same order', async () => {
    const day = today();
    // One snapshot for both sides, whatever other test files write meanwhile.
    const trx = await t.db.transaction({ isolationLevel: 'repeatable read' });
    try {
    const some = await trx('jobs_vacancy').whereNull('deleted_at').where({ status: 'approved' }).where('date_to', '>=', day).where('date_from', '<=', day).first('org_id', 'series_code', 'person_kind', 'work_places');
    expect(some).toBeTruthy();
    const filters: Partial<PublicFilter>[] = [
      {},
      { q: '行政' },
      { q: '政' },
      { q: '人事行政' },
      { q: '行政　資訊' },
      { q: 'ZZ不存在的字' },
      { county: some.work_places[0] },
      { grade: '委任' },
      { grade: '薦任', county: some.work_places[0] },
      { grade: '簡任', q: '行政' },
      { series: some.series_code ?? '0101', kind: some.person_kind },
      { agency: some.org_id },
      { agency: some.org_id.toLowerCase(), q: '業務' },
      { agency: '國立' },
      { date: addDays(day, -40) },
    ];
    for (const f of filters) {
      const want = await reference(trx, filter(f), day);
      const got = await searchIds(trx, filter(f), day, 1, 100);
      expect(got.total, JSON.stringify(f)).toBe(Math.min(want.length, SEARCH_COUNT_CAP));
      expect(got.ids, JSON.stringify(f)).toEqual(want.slice(0, 100));
    }
    } finally {
      await trx.rollback();
    }
  });

  it('pages a broad match (over the count cap) exactly as the full ordering, week windows or not', async () => {
    // 1,300 matching vacancies published over the last 300 days, all still open; rolled back.
    const day = today();
    const trx = await t.db.transaction();
    try {
      const src = await trx('jobs_vacancy').whereNull('deleted_at').where({ status: 'approved' }).first('id');
      await trx.raw(
        `INSERT INTO jobs_vacancy (work_id, agency_id, org_id, org_name, agency_address, filler_name, filler_phone, person_kind, rank_from, rank_to, rank_text,
           title_code, title, series_code, series_name, work_places, date_from, date_to, work_quality, work_item, work_address, contact_method, status, approved_at, source)
         SELECT 98000000 + i, agency_id, org_id, org_name, agency_address, filler_name, filler_phone, person_kind, 6, 8, rank_text,
           title_code, title, series_code, series_name, ARRAY['98'], ?::date - (i * 7919) % 300, ?::date + 100, '窗格測試資格', work_item, work_address, contact_method, 'approved', now(), 'test'
         FROM jobs_vacancy, generate_series(1, 1300) AS i WHERE id = ?`,
        [day, day, src.id],
      );
      const cases: [Partial<PublicFilter>, number, number][] = [
        [{ q: '窗格測試', county: '98' }, 1, 20],
        [{ q: '窗格測試', county: '98' }, 1, 100],
        [{ q: '窗格測試', county: '98' }, 2, 50],
        [{ q: '窗格測試', county: '98' }, 4, 100],
        [{ q: '窗格測試', county: '98', grade: '薦任' }, 2, 20],
        [{ q: '格測', county: '98' }, 10, 100],
        [{ q: '窗格測試', county: '98' }, 49, 20],
        [{ q: '窗格測試', county: '98', date: addDays(day, -30) }, 1, 20],
        [{ q: '窗格測試', county: '98', date: addDays(day, -30) }, 3, 20],
      ];
      for (const [f, page, size] of cases) {
        const got = await searchIds(trx, filter(f), day, page, size);
        expect(got.capped, JSON.stringify(f)).toBe(true);
        expect(got.page).toBe(page);
        expect(got.ids, `${JSON.stringify(f)} page ${page}`).toEqual(await reference(trx, filter(f), day, (page - 1) * size, size));
      }
    } finally {
      await trx.rollback();
    }
  });

  it('counts weeks as the database does', async () => {
    for (const d of ['2000-01-02', '2000-01-03', '2000-01-09', '2000-01-10', '1999-12-20', '2026-11-22', '2026-11-23', '2030-02-28']) {
      const r = await t.db.raw("SELECT ((?::date - DATE '2000-01-03') / 7)::int AS w", [d]);
      expect(weekOf(d), d).toBe(r.rows[0].w);
    }
  });
});
