import type { AuditService } from '../platform/audit';
import { actorOf } from '../platform/identity/actor';
import type { RequestContext } from '../platform/identity/context';
import type { SessionUser } from '../platform/identity/sessionUser';

/** Four eyes: nobody handles a correction of their own record or issues a document to themselves. */
export const OWN_CORRECTION_MESSAGE = '這是您本人的更正申請，須由本機關其他人事人員或人事主管處理。';
export const OWN_DOCUMENT_MESSAGE = '不得核發文件予您本人，請由本機關其他人事人員或人事主管辦理。';
export const OWN_DOCUMENT_PRINT_MESSAGE = '這是核發予您本人的文件，須由本機關其他人事人員列印送達。';

/** The agencies whose people this user handles as HR staff or supervisor. */
export function hrAgencies(u: SessionUser): number[] {
  return [...new Set(u.roles.filter((r) => r.role === 'hr_staff' || r.role === 'hr_supervisor').map((r) => r.agencyId ?? u.agencyId))];
}

/** Whether the user handles anybody's record as HR (the 人事人員 pages). */
export const isHr = (u: SessionUser | undefined) => !!u && hrAgencies(u).length > 0;

/** Whether a row (a correction, a document) is about the user's own record. */
export const isOwn = (u: SessionUser, row: { personId: number }) => !!u.personId && row.personId === u.personId;

/** Records a refusal of MyData (a 404 or a four-eyes 403) in the audit log. */
export function deniedRecorder(audit: AuditService) {
  return async (u: SessionUser, action: string, target: { type: string; id: string | number }, ctx: RequestContext, details: Record<string, unknown> = {}) => {
    await audit.record({ actor: actorOf(u), action, outcome: 'denied', target, ip: ctx.ip, requestId: ctx.requestId, details });
  };
}

export type Denied = ReturnType<typeof deniedRecorder>;
