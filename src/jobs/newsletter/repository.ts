import type { Db } from '../../platform/database';
import { toVacancy, type VacancyRepository, type VacancyRow } from '../vacancyRepository';

/** A confirmed subscription to the e-newsletter. */
export interface Subscription {
  id: number;
  email: string;
  keyword: string;
  county: string;
  seriesCode: string;
  confirmedAt: Date | null;
  lastDigestAt: Date | null;
}

const SUBSCRIPTION = ['id', 'email', 'keyword', 'county', 'series_code as seriesCode', 'confirmed_at as confirmedAt', 'last_digest_at as lastDigestAt'];

/** jobs_subscription, and the new vacancies of a digest. */
export function createNewsletterRepository(db: Db, vacancies: VacancyRepository) {
  const open = (trx: Db = db) => trx('jobs_subscription').whereNull('cancelled_at');
  return {
    async byId(id: number): Promise<{ id: number; email: string } | undefined> {
      return db('jobs_subscription').where({ id }).first('id', 'email');
    },
    async insert(s: { email: string; keyword: string; county: string; seriesCode: string }, trx: Db = db): Promise<number> {
      const [row] = await trx('jobs_subscription').insert({ email: s.email, keyword: s.keyword, county: s.county, series_code: s.seriesCode }).returning('id');
      return (row as { id: number }).id;
    },
    /** Confirms a subscription not cancelled (the first confirmation counts); how many rows changed. */
    async confirm(id: number, now: Date): Promise<number> {
      return open().where({ id }).update({ confirmed_at: db.raw('coalesce(confirmed_at, ?)', [now]), last_digest_at: db.raw('coalesce(last_digest_at, ?)', [now]) });
    },
    async cancel(id: number, now: Date): Promise<number> {
      return open().where({ id }).update({ cancelled_at: now });
    },
    /** The subscriptions of an address (any case), not cancelled. */
    async activeOf(email: string): Promise<{ id: number; email: string }[]> {
      return open().whereRaw('lower(email) = lower(?)', [email]).select('id', 'email');
    },
    /** The ids of the confirmed subscriptions still running, in order. */
    async confirmedIds(): Promise<number[]> {
      return (await db('jobs_subscription').whereNotNull('confirmed_at').whereNull('cancelled_at').orderBy('id').select('id')).map((r: { id: number }) => r.id);
    },
    /** Those of these subscriptions that are still confirmed and running. */
    async confirmedAmong(ids: number[]): Promise<Subscription[]> {
      return db('jobs_subscription').whereIn('id', ids).whereNotNull('confirmed_at').whereNull('cancelled_at').orderBy('id').select(SUBSCRIPTION);
    },
    /** The public vacancies of `today` matching a subscription, approved since its last digest and up to `now` (at most 50). */
    async newVacancies(s: Subscription, today: string, now: Date): Promise<VacancyRow[]> {
      const q = vacancies
        .publicQuery(today)
        .where('v.approved_at', '>', s.lastDigestAt ?? s.confirmedAt)
        .where('v.approved_at', '<=', now)
        .limit(50);
      if (s.keyword) q.whereRaw('strpos(v.search_doc, lower(?)) > 0', [s.keyword]);
      if (s.county) q.whereRaw('v.work_places @> ARRAY[?]::text[]', [s.county]);
      if (s.seriesCode) q.where('v.series_code', s.seriesCode);
      return (await q).map((r: Record<string, unknown>) => toVacancy(r)!);
    },
    async digested(id: number, now: Date, trx: Db = db) {
      await trx('jobs_subscription').where({ id }).update({ last_digest_at: now });
    },
  };
}

export type NewsletterRepository = ReturnType<typeof createNewsletterRepository>;
