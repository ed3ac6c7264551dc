import type { Knex } from 'knex';
import type { Db } from '../../platform/database';
import { keptRead } from '../../platform/readCache';
import { GRADES } from '../codes';
import { SELECT_SQL, toVacancy, type VacancyRow } from '../vacancyRepository';

/** The most matches a search counts. */
export const SEARCH_COUNT_CAP = 1000;
/** Different searches each instance keeps at most (a page of results is 10–100 vacancies). */
const KEPT_SEARCHES = 500;

export interface PublicFilter {
  q: string;
  agency: string;
  series: string;
  grade: string;
  county: string;
  kind: string;
  date: string;
}

/** Splits a keyword query into words; each is matched as a substring (lower-cased). */
export function keywordsOf(q: string): string[] {
  return q
    .toLowerCase()
    .split(/[\s\u3000,，]+/)
    .filter(Boolean)
    .slice(0, 5);
}

export function bigramsOf(word: string): string[] {
  const chars = [...word];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  return [...out];
}

/** The week of a day as in the f: tokens of search_tokens: whole weeks from Monday 2000-01-03, truncated as PostgreSQL's integer division. */
export function weekOf(day: string): number {
  return Math.trunc((Date.parse(`${day}T00:00:00Z`) - Date.UTC(2000, 0, 3)) / (7 * 86_400_000)) + 0;
}

/** The search_tokens a public filter asks for (empty: the filter cannot use the token index). */
export function searchTokensOf(f: PublicFilter): string[] {
  const tokens = new Set<string>();
  for (const word of keywordsOf(f.q)) for (const g of bigramsOf(word)) tokens.add(g);
  if (f.agency && /^[A-Z0-9]{10}$/i.test(f.agency)) tokens.add(`a:${f.agency.toUpperCase()}`);
  if (f.series) tokens.add(`s:${f.series}`);
  if (f.kind) tokens.add(`k:${f.kind}`);
  if (f.county) tokens.add(`c:${f.county}`);
  const g = f.grade ? GRADES.find((x) => x.code === f.grade) : undefined;
  if (g) tokens.add(`g:${g.code}`);
  return [...tokens];
}
const hasTokens = (f: PublicFilter) => searchTokensOf(f).length > 0;

export function createSearchRepository(db: Db) {
  const vacancies = () => db('jobs_vacancy as v').whereNull('v.deleted_at');

  /**
   * The public filter as one GIN lookup on search_tokens (see migration 20261125300100): the
   * grams of each keyword plus c:/g:/s:/k:/a: tokens of the filters. A two-character word is
   * matched exactly by its gram; a longer one also needs the substring check, a one-character
   * one only that. The partial index holds approved, not deleted vacancies; the dates are
   * checked on the rows found.
   */
  function applyPublic(q: Knex.QueryBuilder, f: PublicFilter, today: string) {
    const day = f.date || today;
    // status as a literal, so the planner matches the partial indexes whatever the binding.
    q.whereRaw("v.status = 'approved'").where('v.date_to', '>=', day).where('v.date_from', '<=', day);
    for (const word of keywordsOf(f.q)) if ([...word].length !== 2) q.whereRaw('strpos(v.search_doc, ?) > 0', [word]);
    if (f.agency && !/^[A-Z0-9]{10}$/i.test(f.agency)) q.whereRaw('strpos(v.org_name, ?) > 0', [f.agency]);
    const tokens = searchTokensOf(f);
    if (tokens.length) q.whereRaw('v.search_tokens @> ?::text[]', [tokens]);
    return q;
  }

  return {
    /**
     * 查詢職缺資料. Counting stops at SEARCH_COUNT_CAP matches (a common word can match most
     * vacancies; the page then says 「超過 N 筆」), so a search costs about the same for any word.
     * Each page is kept by each instance (platform/readCache.ts) until any vacancy changes; at
     * most KEPT_SEARCHES different searches at a time. Identical searches asked at the same time
     * share one read, unless a vacancy changed since it began (platform/readCache.ts).
     */
    search(f: PublicFilter, opts: { page: number; size: number; today: string }): Promise<SearchResult> {
      const key = `jobs.search:${JSON.stringify([f.q, f.agency, f.series, f.grade, f.county, f.kind, f.date, opts.today, opts.page, opts.size])}`;
      return keptRead(db, key, ['jobs_vacancy'], () => readPage(f, opts), { group: { name: 'jobs.search', max: KEPT_SEARCHES } });
    },
  };

  async function readPage(f: PublicFilter, opts: { page: number; size: number; today: string }): Promise<SearchResult> {
    const base = applyPublic(vacancies(), f, opts.today);
    const counted = (await db.count({ n: '*' }).from(base.clone().select(db.raw('1')).limit(SEARCH_COUNT_CAP + 1).as('s'))) as { n: string }[];
    const n = Number(counted[0]?.n ?? 0);
    const capped = n > SEARCH_COUNT_CAP;
    const total = Math.min(n, SEARCH_COUNT_CAP);
    const pages = Math.max(1, Math.ceil(total / opts.size));
    const page = Math.min(opts.page, pages);
    const rowsOf = (weeks: string[] | null) => {
      const q = base.clone();
      if (weeks) q.whereRaw('v.search_tokens && ?::text[]', [weeks]);
      return q.select(db.raw(SELECT_SQL)).orderBy('v.date_from', 'desc').orderBy('v.id', 'desc').limit(opts.size).offset((page - 1) * opts.size);
    };
    let rows: Record<string, unknown>[] | null = null;
    // A broad match found through the token index: rather than sorting thousands of
    // matches (or walking the date order past them), look among those published in the
    // this and last week, then 8, then 26 weeks. The rows of a window are the newest of all matches,
    // so a full page inside it is the page; a short one means: look wider.
    if (capped && hasTokens(f)) {
      const week = weekOf(f.date || opts.today);
      for (const span of [2, 8, 26]) {
        const found = await rowsOf(Array.from({ length: span }, (_, i) => `f:${week - i}`));
        if (found.length === opts.size) {
          rows = found;
          break;
        }
      }
    }
    const found: Record<string, unknown>[] = rows ?? (await rowsOf(null));
    return { rows: found.map((r) => toVacancy(r)!), total, capped, pages, page, size: opts.size };
  }
}

export type SearchResult = { rows: VacancyRow[]; total: number; capped: boolean; pages: number; page: number; size: number };
export type SearchRepository = ReturnType<typeof createSearchRepository>;
