import type { Store, Options, IncrementResponse } from 'express-rate-limit';
import type { Db } from '../database';

/** express-rate-limit counters shared by every app instance through PostgreSQL. */
export class PgRateLimitStore implements Store {
  localKeys = false;
  prefix: string;
  private windowMs = 60_000;

  constructor(
    private readonly db: Db,
    prefix: string,
  ) {
    this.prefix = prefix;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const k = `${this.prefix}:${key}`.slice(0, 200);
    const { rows } = await this.db.raw(
      `INSERT INTO rate_limit_hit (key, hits, reset_at) VALUES (?, 1, now() + ? * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_hit.reset_at <= now() THEN 1 ELSE rate_limit_hit.hits + 1 END,
         reset_at = CASE WHEN rate_limit_hit.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit_hit.reset_at END
       RETURNING hits, reset_at`,
      [k, this.windowMs],
    );
    return { totalHits: rows[0].hits as number, resetTime: rows[0].reset_at as Date };
  }

  async decrement(key: string): Promise<void> {
    await this.db('rate_limit_hit').where({ key: `${this.prefix}:${key}`.slice(0, 200) }).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db('rate_limit_hit').where({ key: `${this.prefix}:${key}`.slice(0, 200) }).delete();
  }
}
