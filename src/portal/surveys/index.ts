import type { Db } from '../../platform/database';
import type { AuditService } from '../../platform/audit';
import { createQuestionnaireRepository } from './repository';
import { createQuestionnaireService } from './service';
import { createPollRepository } from './pollRepository';
import { createPollService } from './pollService';

/**
 * 問卷 and 主題投票: the people's side (待辦事項, answering, voting; routes.ts) and the
 * administrators' (問卷管理, 投票管理; adminRoutes.ts), on one pair of services.
 */
export function createSurveyServices(deps: { db: Db; audit: AuditService; clock?: () => Date }) {
  return {
    questionnaires: createQuestionnaireService({ repo: createQuestionnaireRepository(deps.db), audit: deps.audit, clock: deps.clock }),
    polls: createPollService({ repo: createPollRepository(deps.db), audit: deps.audit, clock: deps.clock }),
  };
}

export type SurveyServices = ReturnType<typeof createSurveyServices>;
