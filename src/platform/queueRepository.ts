import type pg from 'pg';
import type { Db } from './database';

/** What pg-boss runs its SQL through. */
export interface QueueSql {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * pg-boss's own SQL, run on a connection of the portal's knex pool, or on the connection of
 * a knex transaction (`trx`): a job sent that way is committed or rolled back with the
 * business rows of that transaction.
 */
export function queueSql(db: Db): QueueSql {
  const client = db.client as { acquireConnection(): Promise<pg.PoolClient>; releaseConnection(c: pg.PoolClient): Promise<unknown> };
  return {
    async executeSql(text, values) {
      const conn = await client.acquireConnection();
      try {
        return await conn.query(text, values);
      } finally {
        await client.releaseConnection(conn);
      }
    },
  };
}

export interface QueueFigures {
  queue: string;
  /** Jobs waiting (created, or waiting for a retry). */
  waiting: number;
  /** Seconds since the oldest waiting job became due (0 when none is due). */
  lagSeconds: number;
  /** Seconds since the oldest running job started (0 when none runs). */
  activeSeconds: number;
  /** Jobs that failed for good (their last attempt failed or they expired too often). */
  failed: number;
}

/** The queue's figures for /metrics: one aggregate over the jobs not yet archived. */
export function createQueueRepository(db: Db) {
  return {
    async figures(): Promise<QueueFigures[]> {
      const rows: Record<string, unknown>[] = await db
        .withSchema('pgboss')
        .from('job')
        .whereNot('name', 'like', '\\_\\_pgboss\\_\\_%')
        .groupBy('name')
        .select(
          'name',
          db.raw("count(*) filter (where state < 'active') as waiting"),
          db.raw("coalesce(extract(epoch from now() - min(start_after) filter (where state < 'active' and start_after < now())), 0) as lag"),
          db.raw("coalesce(extract(epoch from now() - min(started_on) filter (where state = 'active')), 0) as active"),
          db.raw("count(*) filter (where state = 'failed') as failed"),
        );
      return rows.map((r) => ({
        queue: String(r.name),
        waiting: Number(r.waiting),
        lagSeconds: Math.max(0, Number(r.lag)),
        activeSeconds: Math.max(0, Number(r.active)),
        failed: Number(r.failed),
      }));
    },
  };
}
