import type { Db } from '../database';

/** The rate limiter's counters (`rate_limit_hit`), shared by every app instance. */
export function createRateLimitRepository(db: Db) {
  return {
    /** Counts a hit in the key's window (a new window when the last one ended). */
    async hit(key: string, windowMs: number): Promise<{ hits: number; resetAt: Date }> {
      const { rows } = await db.raw(
        `INSERT INTO rate_limit_hit (key, hits, reset_at) VALUES (?, 1, now() + ? * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN rate_limit_hit.reset_at <= now() THEN 1 ELSE rate_limit_hit.hits + 1 END,
           reset_at = CASE WHEN rate_limit_hit.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit_hit.reset_at END
         RETURNING hits, reset_at`,
        [key, windowMs],
      );
      return { hits: rows[0].hits as number, resetAt: rows[0].reset_at as Date };
    },
    async unhit(key: string): Promise<void> {
      await db('rate_limit_hit').where({ key }).decrement('hits', 1);
    },
    async reset(key: string): Promise<void> {
      await db('rate_limit_hit').where({ key }).delete();
    },
    /** Removes the counters whose window ended before `before` (the nightly prune). */
    async pruneEnded(before: Date): Promise<number> {
      return db('rate_limit_hit').where('reset_at', '<', before).delete();
    },
  };
}

export type RateLimitRepository = ReturnType<typeof createRateLimitRepository>;
