import type { SessionUser } from './sessionUser';

/**
 * The one label of a signed-in user in the audit trail: a person by name, an agency
 * certificate session by the agency's name and code (an agency has no account: null).
 */
export function actorOf(u: SessionUser): { accountId: number | null; label: string } {
  return { accountId: u.accountId || null, label: u.kind === 'agency' ? `${u.agencyName}（${u.agencyCode}）` : u.name };
}
