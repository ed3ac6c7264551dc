import type { JobsDeps } from './deps';
import type { SessionUser } from '../platform/identity/sessionUser';
import type { RequestContext } from '../platform/identity/context';
import { actorOf } from '../platform/identity/actor';
import { NotFoundError } from '../platform/errors';
import { taipeiToday } from '../platform/dates';
import type { VacancyRepository } from './vacancyRepository';

/** What every journey of 事求人 shares: the day, the public vacancy and the refusal audit. */
export function createVacancies(core: Pick<JobsDeps, 'clock' | 'audit'>, repo: VacancyRepository) {
  const today = () => taipeiToday(core.clock());
  return {
    today,
    /** The files attached to a vacancy, in upload order. */
    attachments: (vacancyId: number) => repo.attachments(vacancyId),
    attachment: (vacancyId: number, id: number) => repo.attachment(vacancyId, id),
    /** A vacancy as the public sees it: approved and inside 有效期間. */
    async publicVacancy(workId: number) {
      const v = await repo.byWorkId(workId);
      const t = today();
      if (!v || v.status !== 'approved' || v.dateFrom > t || v.dateTo < t) throw new NotFoundError('查無此職缺，或職缺已過有效期間');
      return v;
    },
    /** Records a refused access to a vacancy or an application. */
    async denied(u: SessionUser | undefined, action: string, target: { type: string; id: string | number }, ctx: RequestContext, why: string) {
      await core.audit.record({ actor: u ? actorOf(u) : null, action, outcome: 'denied', target, ip: ctx.ip, requestId: ctx.requestId, details: { why } });
    },
  };
}

export type Vacancies = ReturnType<typeof createVacancies>;
