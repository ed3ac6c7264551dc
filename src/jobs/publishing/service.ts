import type { JobsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { actorOf } from '../../platform/identity/actor';
import { NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import type { Db } from '../../platform/database';
import type { PublishingRepository } from './repository';
import { publishingSchema } from './schemas';

/**
 * 刊登方式: seed 004 says 送出 publishes a vacancy for its 有效期間 at once; an administrator
 * may have an agency's vacancies reviewed first (職缺審核) instead.
 */
export function createPublishingService(core: Pick<JobsDeps, 'audit'>, repo: PublishingRepository) {
  return {
    settings: () => repo.settings(),
    /** Whether a new or changed vacancy of this agency waits for a reviewer. */
    reviewBeforePublish: (agencyId: number, trx?: Db) => repo.reviewBeforePublish(agencyId, trx),
    async set(u: SessionUser, agencyCode: string, body: unknown, ctx: RequestContext) {
      const agency = await repo.agencyByCode(agencyCode);
      if (!agency) throw new NotFoundError('查無此機關');
      const { reviewBeforePublish } = parseForm(publishingSchema, body);
      await repo.transaction(async (trx) => {
        const before = await repo.reviewBeforePublish(agency.id, trx);
        await repo.set(trx, agency.id, reviewBeforePublish, u.accountId || null);
        await core.audit.record(
          { actor: actorOf(u), action: 'jobs.publishing.update', target: { type: 'agency', id: agency.code }, ip: ctx.ip, requestId: ctx.requestId, details: { reviewBeforePublish, before } },
          trx,
        );
      });
      return { agency, reviewBeforePublish };
    },
  };
}

export type PublishingService = ReturnType<typeof createPublishingService>;
