import type { AccountRow } from './repository';
import type { LoginMethod, RoleGrant, SessionCertificate, SessionUser } from '../platform/identity/sessionUser';

export function toSessionUser(
  a: AccountRow,
  roles: RoleGrant[],
  method: LoginMethod,
  now: Date,
  certificate: SessionCertificate | null = null,
): SessionUser {
  return {
    kind: 'person',
    accountId: a.id,
    personId: a.personId,
    name: a.name,
    username: a.username,
    agencyId: a.agencyId,
    agencyCode: a.agencyCode,
    agencyName: a.agencyName,
    roles,
    method,
    mustChangePassword: a.mustChangePassword,
    profileIncomplete: !a.username || !a.email,
    lastLoginAt: a.currentLoginAt ? new Date(a.currentLoginAt).toISOString() : null,
    currentLoginAt: now.toISOString(),
    certificate,
  };
}

/** An agency signed in with its 機關憑證: it may reset its own people's passwords. */
export function agencySessionUser(agency: { id: number; code: string; name: string }, certificate: SessionCertificate, now: Date): SessionUser {
  return {
    kind: 'agency',
    accountId: 0,
    personId: 0,
    name: agency.name,
    username: null,
    agencyId: agency.id,
    agencyCode: agency.code,
    agencyName: agency.name,
    roles: [{ role: 'hr_password_reset', agencyId: agency.id }],
    method: 'gca',
    mustChangePassword: false,
    profileIncomplete: false,
    lastLoginAt: null,
    currentLoginAt: now.toISOString(),
    certificate,
  };
}

