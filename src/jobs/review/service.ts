import type { JobsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { actorOf } from '../../platform/identity/actor';
import { DomainError, NotFoundError } from '../../platform/errors';
import { rocShort } from '../../platform/dates';
import { parseForm } from '../../platform/validation';
import { COUNTY_NAME } from '../codes';
import type { Vacancies } from '../vacancies';
import type { VacancyRepository } from '../vacancyRepository';
import type { ReviewRepository } from './repository';
import { reviewSchema, withdrawSchema } from './schemas';

const GRADE_NAMES = ['委任', '薦任', '簡任', '未定'];

/** 職缺審核 (the reviewer's queue and decision) and 職缺統計. */
export function createReviewService(core: Pick<JobsDeps, 'db' | 'clock' | 'audit' | 'mail'>, vacancies: Vacancies, vacancyRepo: VacancyRepository, repo: ReviewRepository) {
  const { audit, db } = core;
  return {
    async pending() {
      return repo.pending();
    },
    /** Published vacancies (current ones, newest first), or the one with this 職缺編號. */
    async published(workId: number | null) {
      return repo.published(workId, vacancies.today());
    },
    /**
     * 下架: takes a published vacancy down with a reason, audited, and mails the reason to the
     * agency's contact for the vacancy (the mail is queued in the same transaction).
     */
    async withdraw(u: SessionUser, id: number, body: unknown, ctx: RequestContext) {
      const v = await vacancyRepo.byId(id);
      if (!v) throw new NotFoundError('查無此職缺');
      const { reason } = parseForm(withdrawSchema, body);
      if (v.status !== 'approved') throw new DomainError('not_published', '此職缺目前未刊登，無須下架。', 409);
      await db.transaction(async (trx) => {
        const now = core.clock();
        await vacancyRepo.update(id, { status: 'withdrawn', reviewReason: reason, reviewedAt: now, approvedAt: null, reviewedByAccountId: u.accountId }, trx);
        await audit.record({ actor: actorOf(u), action: 'jobs.vacancy.withdraw', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId, details: { reason, agency: v.orgId } }, trx);
        if (!v.fillerEmail) return null;
        return core.mail.queue(
          {
            to: v.fillerEmail,
            subject: `【事求人機關徵才系統】職缺編號 ${v.workId} 已下架`,
            text: [
              `${v.orgName} ${v.fillerName} 您好：`,
              '',
              `貴機關於事求人機關徵才系統刊登之職缺（職缺編號 ${v.workId}，${v.title}，有效期間 ${rocShort(v.dateFrom)}～${rocShort(v.dateTo)}）已由審核人員下架，不再公告。`,
              '',
              `下架理由：${reason}`,
              '',
              '如需重新刊登，請至「機關徵才登錄」修改此職缺後送出，經審核通過後再行公告。',
              '',
              '事求人機關徵才系統',
            ].join('\n'),
          },
          trx,
        );
      });
      return v;
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
