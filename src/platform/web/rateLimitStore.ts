import type { Store, Options, IncrementResponse } from 'express-rate-limit';
import type { Db } from '../database';
import { createRateLimitRepository, type RateLimitRepository } from './rateLimitRepository';

/** express-rate-limit counters shared by every app instance through PostgreSQL. */
export class PgRateLimitStore implements Store {
  localKeys = false;
  prefix: string;
  private windowMs = 60_000;
  private readonly counters: RateLimitRepository;

  constructor(db: Db, prefix: string) {
    this.prefix = prefix;
    this.counters = createRateLimitRepository(db);
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { hits, resetAt } = await this.counters.hit(this.keyOf(key), this.windowMs);
    return { totalHits: hits, resetTime: resetAt };
  }

  async decrement(key: string): Promise<void> {
    await this.counters.unhit(this.keyOf(key));
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.reset(this.keyOf(key));
  }

  private keyOf(key: string): string {
    return `${this.prefix}:${key}`.slice(0, 200);
  }
}
