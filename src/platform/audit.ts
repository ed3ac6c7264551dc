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
    async list(filter: { action?: string; limit?: number; offset?: number } = {}) {
      const q = db('audit_event').orderBy('id', 'desc').limit(filter.limit ?? 50).offset(filter.offset ?? 0);
      if (filter.action) q.where('action', filter.action);
      return q;
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
