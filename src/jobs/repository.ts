import type { Knex } from 'knex';
import type { Db } from '../platform/database';
import { GRADES } from './codes';

export interface VacancyRow {
  id: number;
  workId: number;
  agencyId: number;
  orgId: string;
  orgName: string;
  agencyAddress: string;
  fillerName: string;
  fillerPhone: string;
  fillerExt: string;
  fillerEmail: string;
  personKind: string;
  rankFrom: number | null;
  rankTo: number | null;
  rankText: string;
  titleCode: string | null;
  title: string;
  seriesCode: string | null;
  seriesName: string;
  numberOf: number | null;
  reserveNum: number;
  gender: 'M' | 'F' | 'A';
  genderReason: string;
  workPlaces: string[];
  dateFrom: string;
  dateTo: string;
  workQuality: string;
  workItem: string;
  workAddress: string;
  contactMethod: string;
  urlLink: string;
  isHandicap: boolean;
  isOriginal: boolean;
  isLocalOriginal: boolean;
  isTraining: boolean;
  transferOnly: boolean;
  needsConsent: boolean;
  hideContact: boolean;
  status: 'pending' | 'approved' | 'returned';
  reviewReason: string;
  reviewedAt: Date | null;
  approvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a vacancy is written with (the row minus what the database decides). */
export type VacancyData = Omit<VacancyRow, 'id' | 'workId' | 'status' | 'reviewReason' | 'reviewedAt' | 'approvedAt' | 'createdAt' | 'updatedAt'>;

const COLUMNS: Record<string, string> = {
  id: 'id', workId: 'work_id', agencyId: 'agency_id', orgId: 'org_id', orgName: 'org_name', agencyAddress: 'agency_address',
  fillerName: 'filler_name', fillerPhone: 'filler_phone', fillerExt: 'filler_ext', fillerEmail: 'filler_email',
  personKind: 'person_kind', rankFrom: 'rank_from', rankTo: 'rank_to', rankText: 'rank_text', titleCode: 'title_code', title: 'title',
  seriesCode: 'series_code', seriesName: 'series_name', numberOf: 'number_of', reserveNum: 'reserve_num', gender: 'gender',
  genderReason: 'gender_reason', workPlaces: 'work_places', dateFrom: 'date_from', dateTo: 'date_to', workQuality: 'work_quality',
  workItem: 'work_item', workAddress: 'work_address', contactMethod: 'contact_method', urlLink: 'url_link', isHandicap: 'is_handicap',
  isOriginal: 'is_original', isLocalOriginal: 'is_local_original', isTraining: 'is_training', transferOnly: 'transfer_only',
  needsConsent: 'needs_consent', hideContact: 'hide_contact', status: 'status', reviewReason: 'review_reason', reviewedAt: 'reviewed_at',
  approvedAt: 'approved_at', createdAt: 'created_at', updatedAt: 'updated_at',
};
const SELECT = Object.entries(COLUMNS).map(([k, c]) => (c === 'date_from' || c === 'date_to' ? `v.${c}::text as "${k}"` : `v.${c} as "${k}"`));
export const SELECT_SQL = SELECT.join(', ');

export function toColumns(d: Partial<VacancyData>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (COLUMNS[k] && k !== 'id') out[COLUMNS[k]!] = v;
  return out;
}

function fix(row: Record<string, unknown> | undefined): VacancyRow | undefined {
  if (!row) return undefined;
  row.workId = Number(row.workId);
  return row as unknown as VacancyRow;
}

/** The most matches a search counts. */
export const SEARCH_COUNT_CAP = 1000;

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

export function createJobsRepository(db: Db) {
  /** Bumped by every vacancy write through this repository (what the search cache keys on). */
  let writes = 0;
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
    db,
    generation: () => writes,
    async nextWorkId(trx: Db = db): Promise<number> {
      const r = await trx.raw("SELECT nextval('jobs_work_id_seq') AS n");
      return Number(r.rows[0].n);
    },
    async insert(data: VacancyData & { workId: number; status?: string; approvedAt?: Date | null; source?: string }, trx: Db = db): Promise<number> {
      const { workId, status, approvedAt, source, ...rest } = data;
      writes++;
      const [row] = await trx('jobs_vacancy')
        .insert({ ...toColumns(rest), work_id: workId, status: status ?? 'pending', approved_at: approvedAt ?? null, source: source ?? 'form' })
        .returning('id');
      return (row as { id: number }).id;
    },
    async update(id: number, data: Partial<VacancyData> & Record<string, unknown>, trx: Db = db) {
      const extra: Record<string, unknown> = {};
      for (const k of ['status', 'review_reason', 'reviewed_at', 'approved_at', 'reviewed_by_account_id', 'deleted_at']) {
        if (k in data) {
          extra[k] = data[k];
          delete data[k];
        }
      }
      writes++;
      await trx('jobs_vacancy').where({ id }).update({ ...toColumns(data as Partial<VacancyData>), ...extra, updated_at: trx.fn.now() });
    },
    async byId(id: number, trx: Db = db): Promise<VacancyRow | undefined> {
      return fix(await trx('jobs_vacancy as v').whereNull('v.deleted_at').where('v.id', id).first(db.raw(SELECT_SQL)));
    },
    async byWorkId(workId: number, trx: Db = db): Promise<VacancyRow | undefined> {
      return fix(await trx('jobs_vacancy as v').whereNull('v.deleted_at').where('v.work_id', workId).first(db.raw(SELECT_SQL)));
    },
    async idByWorkIdAny(workId: number, trx: Db = db): Promise<{ id: number; deleted: boolean } | undefined> {
      const r = await trx('jobs_vacancy').where({ work_id: workId }).first('id', 'deleted_at');
      return r ? { id: r.id, deleted: r.deleted_at !== null } : undefined;
    },
    /** The agency's vacancies for 機關徵才登錄 (current or 歷史職缺). */
    async agencyList(agencyId: number, opts: { workId: string; history: boolean; page: number; size: number; today: string }) {
      const q = vacancies().where('v.agency_id', agencyId);
      if (opts.workId) q.where('v.work_id', Number(opts.workId));
      else if (opts.history) q.where('v.date_to', '<', opts.today);
      else q.where('v.date_to', '>=', opts.today);
      const counted = (await q.clone().count({ n: '*' })) as { n: string }[];
      const total = Number(counted[0]?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / opts.size));
      const page = Math.min(opts.page, pages);
      const rows = await q
        .clone()
        .select(db.raw(SELECT_SQL))
        .select(db.raw('(SELECT count(*) FROM jobs_application a WHERE a.vacancy_id = v.id)::int AS "applicants"'))
        .orderBy('v.created_at', 'desc')
        .orderBy('v.id', 'desc')
        .limit(opts.size)
        .offset((page - 1) * opts.size);
      return { rows: rows.map((r) => fix(r)!) as (VacancyRow & { applicants: number })[], total, pages, page, size: opts.size };
    },
    /**
     * 查詢職缺資料. Counting stops at SEARCH_COUNT_CAP matches (a common word can match most
     * vacancies; the page then says 「超過 N 筆」), so a search costs about the same for any word.
     */
    async search(f: PublicFilter, opts: { page: number; size: number; today: string }) {
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
      return { rows: found.map((r) => fix(r)!), total, capped, pages, page, size: opts.size };
    },
    /** Current public vacancies (open data), in work_id order, as a stream of rows. */
    publicQuery(today: string, opts: { history?: boolean } = {}) {
      const q = vacancies().where('v.status', 'approved');
      if (opts.history) q.where('v.date_to', '<', today);
      else q.where('v.date_from', '<=', today).where('v.date_to', '>=', today);
      return q.select(db.raw(SELECT_SQL)).orderBy('v.work_id');
    },
    fix,
    async pending() {
      return (await vacancies().where('v.status', 'pending').select(db.raw(SELECT_SQL)).orderBy('v.created_at').limit(200)).map((r) => fix(r)!);
    },
    async attachments(vacancyId: number) {
      return db('jobs_attachment').where({ vacancy_id: vacancyId }).orderBy('id').select('id', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size');
    },
    async attachment(vacancyId: number, id: number) {
      return db('jobs_attachment').where({ vacancy_id: vacancyId, id }).first('id', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size');
    },
    async applicationsOf(vacancyId: number) {
      return db('jobs_application').where({ vacancy_id: vacancyId }).orderBy('id').select('*');
    },
    async application(id: number) {
      return db('jobs_application').where({ id }).first();
    },
    async applicationsOfPerson(personId: number) {
      return db('jobs_application as a')
        .join('jobs_vacancy as v', 'v.id', 'a.vacancy_id')
        .where('a.person_id', personId)
        .orderBy('a.id', 'desc')
        .select('a.id', 'a.created_at', 'a.consented_at', 'a.serving', 'v.needs_consent', 'v.title', 'v.org_name', 'v.work_id', db.raw('v.date_to::text as date_to'));
    },
    /** New approved vacancies per ISO week, by 官等 and by county (dashboard). */
    async weeklyStats(since: string) {
      const byGrade = await db.raw(
        `SELECT to_char(date_trunc('week', date_from), 'YYYY-MM-DD') AS week,
                CASE WHEN rank_from IS NULL THEN '未定' WHEN rank_from <= 5 THEN '委任' WHEN rank_from <= 9 THEN '薦任' ELSE '簡任' END AS grade,
                count(*)::int AS n
           FROM jobs_vacancy WHERE deleted_at IS NULL AND status = 'approved' AND date_from >= ?
          GROUP BY 1, 2 ORDER BY 1`,
        [since],
      );
      const byCounty = await db.raw(
        `SELECT to_char(date_trunc('week', date_from), 'YYYY-MM-DD') AS week, p AS county, count(*)::int AS n
           FROM jobs_vacancy, unnest(work_places) AS p
          WHERE deleted_at IS NULL AND status = 'approved' AND date_from >= ?
          GROUP BY 1, 2 ORDER BY 1`,
        [since],
      );
      return { byGrade: byGrade.rows as { week: string; grade: string; n: number }[], byCounty: byCounty.rows as { week: string; county: string; n: number }[] };
    },
  };
}

export type JobsRepository = ReturnType<typeof createJobsRepository>;
