import type { Db } from '../../platform/database';
import { SELECT_SQL, toVacancy, type VacancyRepository, type VacancyRow } from '../vacancyRepository';

/** The reviewer's queue and the weekly figures of the dashboard. */
export function createReviewRepository(db: Db, vacancies: VacancyRepository) {
  return {
    /** Vacancies waiting for review, oldest first (at most 200). */
    async pending(): Promise<VacancyRow[]> {
      return (await vacancies.vacancies().where('v.status', 'pending').select(db.raw(SELECT_SQL)).orderBy('v.created_at').limit(200)).map((r: Record<string, unknown>) => toVacancy(r)!);
    },
    /** Published vacancies not yet past their 有效期間, newest first (at most 50), or the one with this 職缺編號. */
    async published(workId: number | null, today: string): Promise<VacancyRow[]> {
      const q = vacancies.vacancies().where('v.status', 'approved');
      if (workId !== null) q.where('v.work_id', workId);
      else q.where('v.date_to', '>=', today);
      return (await q.select(db.raw(SELECT_SQL)).orderBy('v.approved_at', 'desc').orderBy('v.id', 'desc').limit(50)).map((r: Record<string, unknown>) => toVacancy(r)!);
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

export type ReviewRepository = ReturnType<typeof createReviewRepository>;
