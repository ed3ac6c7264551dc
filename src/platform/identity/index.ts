import type { Request } from 'express';
import type { Db } from '../database';
import type { AuditService } from '../audit';
import { createAreaGrantRepository } from './areaGrantRepository';
import { recordAccessDenied } from './guards';

/**
 * Who may enter which area: the area grants of agency certificates and the one audit entry
 * of a refused page. Every area that checks access receives this, not the database.
 */
export function createIdentity(deps: { db: Db; audit: AuditService }) {
  const grants = createAreaGrantRepository(deps.db);
  return {
    /** Whether the agency's certificate may enter `area` (agency_area_grant). */
    hasAreaGrant: (agencyId: number, area: string) => grants.isGranted(agencyId, area),
    /** The active agency with this code, if its certificate may enter `area`. */
    agencyAllowedIn: (code: string, area: string) => grants.agencyAllowedIn(code, area),
    accessDenied: (req: Request, details: Record<string, unknown>, action?: string) => recordAccessDenied(deps.audit, req, details, action),
  };
}

export type Identity = ReturnType<typeof createIdentity>;
