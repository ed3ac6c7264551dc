import type { Db } from './database';
import { createBatcher } from './batcher';

export interface AuditEntry {
  actor?: { accountId: number | null; label?: string } | null;
  action: string;
  target?: { type: string; id: string | number } | null;
  outcome?: 'ok' | 'denied' | 'failed';
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

function row(e: AuditEntry) {
  return {
    actor_account_id: e.actor?.accountId || null,
    actor_label: e.actor?.label?.slice(0, 100) ?? null,
    action: e.action,
    target_type: e.target?.type ?? null,
    target_id: e.target ? String(e.target.id).slice(0, 100) : null,
    outcome: e.outcome ?? 'ok',
    ip: e.ip?.slice(0, 45) ?? null,
    request_id: e.requestId ?? null,
    details: JSON.stringify(e.details ?? {}),
  };
}

/** Append-only record of security-relevant events. */
export function createAuditService(db: Db) {
  // Entries outside a transaction are written in groups under load (each caller still
  // waits until its entry is committed); inside a transaction they go with it.
  const append = createBatcher(async (rows: ReturnType<typeof row>[]) => {
    await db('audit_event').insert(rows);
    return rows.map(() => undefined);
  });
  return {
    async record(e: AuditEntry, trx: Db = db): Promise<void> {
      if (trx === db) await append(row(e));
      else await trx('audit_event').insert(row(e));
    },
    /**
     * An anonymous refusal (no account behind it), counted once per source, action, reason
     * and minute: the first of a window writes the audit row, the later ones only raise the
     * window's count (audit_event itself stays append-only). Works across instances: the
     * unique window key decides which request writes the row.
     */
    async recordRefusal(e: AuditEntry & { reason: string }): Promise<'recorded' | 'counted'> {
      const at = new Date();
      const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
      const key = { action: e.action, ip: (e.ip ?? '').slice(0, 45), reason: e.reason.slice(0, 60), minute };
      return db.transaction(async (trx) => {
        const won = await trx('audit_refusal_window').insert({ ...key, count: 1 }).onConflict(['action', 'ip', 'reason', 'minute']).ignore().returning('id');
        if (!won.length) {
          await trx('audit_refusal_window').where(key).increment('count', 1);
          return 'counted';
        }
        const [event] = await trx('audit_event').insert(row({ outcome: 'denied', ...e })).returning('id');
        await trx('audit_refusal_window').where({ id: won[0]!.id }).update({ audit_event_id: event!.id });
        return 'recorded';
      });
    },
    /** Windows that counted one refusal say nothing more than their audit row: dropped after a day. */
    async pruneRefusalWindows(now: Date = new Date()): Promise<number> {
      return db('audit_refusal_window')
        .where('minute', '<', new Date(now.getTime() - 24 * 3600_000))
        .andWhere('count', '<=', 1)
        .delete();
    },
    /** Audit rows, newest first, each with `repeated`: how many refusals its window counted (1 for a plain entry). */
    async list(filter: { action?: string; limit?: number; offset?: number } = {}) {
      const q = db('audit_event as e')
        .leftJoin('audit_refusal_window as w', 'w.audit_event_id', 'e.id')
        .select('e.*', db.raw('coalesce(w.count, 1) as repeated'))
        .orderBy('e.id', 'desc')
        .limit(filter.limit ?? 50)
        .offset(filter.offset ?? 0);
      if (filter.action) q.where('e.action', filter.action);
      return q;
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
