/** A role held by an account, for its own agency or (agencyId set) another. */
export interface RoleGrant {
  role: string;
  agencyId: number | null;
}

export type LoginMethod = 'password' | 'moica' | 'gca' | 'nhi';

/** The card behind a certificate login, so areas can require one. */
export interface SessionCertificate {
  thumbprint: string;
  cardType: 'moica' | 'gca' | 'nhi';
  cardNumber: string | null;
  serialHex: string;
}

/** What the session keeps about the signed-in user (no DB read per request). */
export interface SessionUser {
  /** A person's account, or an agency signed in with its agency certificate (accountId 0). */
  kind: 'person' | 'agency';
  accountId: number;
  personId: number;
  name: string;
  username: string | null;
  agencyId: number;
  agencyCode: string;
  agencyName: string;
  roles: RoleGrant[];
  /**
   * The account's roles version these roles were read at (account.roles_version); the session
   * read replaces the roles when the account's version differs (platform/web/setUpSession.ts).
   */
  rolesVersion?: number;
  method: LoginMethod;
  mustChangePassword: boolean;
  profileIncomplete: boolean;
  lastLoginAt: string | null;
  currentLoginAt: string;
  certificate: SessionCertificate | null;
}

export const HR_ROLES = ['hr_staff', 'hr_supervisor', 'hr_password_reset'];

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
