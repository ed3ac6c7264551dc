import type { Db } from '../database';

/** The session table (`session`, connect-pg-simple's shape), as the scheduled prune sees it. */
export function createSessionRepository(db: Db) {
  return {
    /** Removes the sessions whose idle expiry passed before `before`; returns how many. */
    async pruneExpired(before: Date): Promise<number> {
      return db('session').where('expire', '<', before).delete();
    },
  };
}
