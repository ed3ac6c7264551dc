import type { Db } from '../database';
import { keptRead } from '../readCache';

/** agency_area_grant: which agencies' certificates may enter which area (portal, cloud, jobs). */
export function createAreaGrantRepository(db: Db) {
  return {
    /** Kept between requests until a grant changes: a withdrawal applies on the next request of every instance. */
    isGranted(agencyId: number, area: string): Promise<boolean> {
      return keptRead(db, `grants:${agencyId}:${area}`, ['agency_area_grant'], async () => Boolean(await db('agency_area_grant').where({ agency_id: agencyId, area }).first('agency_id')));
    },
    /** The active agency with this code, if its certificate may enter `area`. */
    async agencyAllowedIn(code: string, area: string): Promise<{ id: number; code: string; name: string } | undefined> {
      return db('agency as g')
        .join('agency_area_grant as r', (j) => j.on('r.agency_id', 'g.id').andOnVal('r.area', area))
        .where({ 'g.code': code, 'g.active': true })
        .first('g.id', 'g.code', 'g.name');
    },
  };
}

export type AreaGrantRepository = ReturnType<typeof createAreaGrantRepository>;
