import type { JobsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { actorOf } from '../../platform/identity/actor';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { isStandInCode } from '../opendata/format';
import type { ImportedAgency, ImportsRepository } from './repository';
import { agencyDecisionSchema } from './schemas';

/**
 * 匯入機關確認: the agencies vacancy feeds added to the directory as 「匯入」, which an
 * administrator confirms as new agencies or merges into an agency already there (its
 * vacancies move with it). Each decision is one transaction with its audit entry.
 */
export function createImportsService(core: Pick<JobsDeps, 'db' | 'clock' | 'audit'>, repo: ImportsRepository) {
  const { db, audit } = core;
  const shown = (a: ImportedAgency) => ({ ...a, codeGiven: !isStandInCode(a.code) });
  return {
    async pending() {
      return (await repo.pending()).map(shown);
    },
    /** One imported agency (any state) with the directory agencies whose names are like its own. */
    async agency(id: number) {
      const a = await repo.byId(id);
      if (!a) throw new NotFoundError('查無此匯入機關');
      return { agency: shown(a), similar: a.confirmedAt || a.mergedInto ? [] : await repo.similar(a.name, a.id) };
    },
    async decide(u: SessionUser, id: number, body: unknown, ctx: RequestContext): Promise<{ decision: 'confirm' | 'merge'; name: string; into?: { code: string; name: string }; moved: number }> {
      const { decision, target } = parseForm(agencyDecisionSchema, body);
      return db.transaction(async (trx) => {
        const a = await repo.byId(id, trx, { lock: true });
        if (!a) throw new NotFoundError('查無此匯入機關');
        if (a.confirmedAt || a.mergedInto) throw new DomainError('already_decided', '此機關已確認或已併入其他機關', 409);
        const now = core.clock();
        const actor = actorOf(u);
        const record = (action: string, details: Record<string, unknown>) =>
          audit.record({ actor, action, target: { type: 'agency', id: a.code }, ip: ctx.ip, requestId: ctx.requestId, details: { name: a.name, ...details } }, trx);
        if (decision === 'confirm') {
          await repo.confirm(trx, a.id, now);
          await record('jobs.agency.confirm', { vacancies: a.vacancies });
          return { decision, name: a.name, moved: 0 };
        }
        const into = await repo.mergeTarget(trx, target);
        if (!into || into.id === a.id) throw new FormError({ target: `機關名錄中查無可併入的機關代碼 ${target}（須為已確認的機關）` });
        const moved = await repo.merge(trx, a.id, into, now);
        await record('jobs.agency.merge', { into: into.code, intoName: into.name, vacancies: moved });
        return { decision, name: a.name, into: { code: into.code, name: into.name }, moved };
      });
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;
