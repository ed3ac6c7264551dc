import type { JobsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { actorOf } from '../../platform/identity/actor';
import { NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { COUNTY_NAME } from '../codes';
import type { Vacancies } from '../vacancies';
import type { VacancyRepository } from '../vacancyRepository';
import type { ReviewRepository } from './repository';
import { reviewSchema } from './schemas';

const GRADE_NAMES = ['委任', '薦任', '簡任', '未定'];

/** 職缺審核 (the reviewer's queue and decision) and 職缺統計. */
export function createReviewService(core: Pick<JobsDeps, 'db' | 'clock' | 'audit'>, vacancies: Vacancies, vacancyRepo: VacancyRepository, repo: ReviewRepository) {
  const { audit, db } = core;
  return {
    async pending() {
      return repo.pending();
    },
    /** A vacancy under review, with its attachments. */
    async vacancy(id: number) {
      const v = await vacancyRepo.byId(id);
      if (!v) throw new NotFoundError('查無此職缺');
      return { v, attachments: await vacancies.attachments(v.id) };
    },
    async review(u: SessionUser, id: number, body: unknown, ctx: RequestContext) {
      const v = await vacancyRepo.byId(id);
      if (!v) throw new NotFoundError('查無此職缺');
      const { decision, reason } = parseForm(reviewSchema, body);
      await db.transaction(async (trx) => {
        const now = core.clock();
        await vacancyRepo.update(
          id,
          decision === 'approve'
            ? { status: 'approved', reviewReason: '', reviewedAt: now, approvedAt: now, reviewedByAccountId: u.accountId }
            : { status: 'returned', reviewReason: reason, reviewedAt: now, approvedAt: null, reviewedByAccountId: u.accountId },
          trx,
        );
        await audit.record({ actor: actorOf(u), action: `jobs.vacancy.${decision}`, target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId, details: { reason } }, trx);
      });
      return { vacancy: v, decision };
    },
    /** New vacancies of the last 12 weeks: per week by 官等, and for the 6 counties with most. */
    async weeklyFigures() {
      const now = core.clock();
      const since = new Date(now.getTime() - 12 * 7 * 86_400_000).toISOString().slice(0, 10);
      const stats = await repo.weeklyStats(since);
      const weeks = [...new Set([...stats.byGrade.map((r) => r.week), ...stats.byCounty.map((r) => r.week)])].sort();
      const gradeSeries = GRADE_NAMES.map((g) => ({ name: g, values: weeks.map((w) => stats.byGrade.find((r) => r.week === w && r.grade === g)?.n ?? 0) }));
      const countyTotals = new Map<string, number>();
      for (const r of stats.byCounty) countyTotals.set(r.county, (countyTotals.get(r.county) ?? 0) + r.n);
      const topCounties = [...countyTotals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c]) => c);
      const countySeries = topCounties.map((c) => ({ name: COUNTY_NAME.get(c) ?? c, values: weeks.map((w) => stats.byCounty.find((r) => r.week === w && r.county === c)?.n ?? 0) }));
      return { weeks, gradeSeries, countySeries };
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
