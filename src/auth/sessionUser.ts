import type { AccountRow, RoleGrant } from './repository';

export type LoginMethod = 'password' | 'moica' | 'gca' | 'nhi';

/** What the session keeps about the signed-in user (no DB read per request). */
export interface SessionUser {
  accountId: number;
  personId: number;
  name: string;
  username: string | null;
  agencyId: number;
  agencyCode: string;
  agencyName: string;
  roles: RoleGrant[];
  method: LoginMethod;
  mustChangePassword: boolean;
  profileIncomplete: boolean;
  lastLoginAt: string | null;
  currentLoginAt: string;
}

export const HR_ROLES = ['hr_staff', 'hr_supervisor', 'hr_password_reset'];

export function toSessionUser(a: AccountRow, roles: RoleGrant[], method: LoginMethod, now: Date): SessionUser {
  return {
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
  };
}

/** `hr_staff` is held by every HR role; the others only by their own grant. */
export function hasRole(user: SessionUser | undefined | null, role: string): boolean {
  if (!user) return false;
  if (role === 'hr_staff') return user.roles.some((r) => HR_ROLES.includes(r.role));
  return user.roles.some((r) => r.role === role);
}

/** Agencies whose people this user may reset passwords for; 'all' for customer service. */
export function resetScope(user: SessionUser): 'all' | number[] {
  if (hasRole(user, 'cs_agent')) return 'all';
  return user.roles
    .filter((r) => r.role === 'hr_supervisor' || r.role === 'hr_password_reset')
    .map((r) => r.agencyId ?? user.agencyId);
}
