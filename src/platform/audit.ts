import type { Db } from './database';
import { createBatcher } from './batcher';
import { actorOf } from './identity/actor';
import type { SessionUser } from './identity/sessionUser';
import type { RequestContext } from './identity/context';
import { createAuditRepository, type AuditEvent, type AuditRow } from './auditRepository';

export interface AuditEntry {
  actor?: { accountId: number | null; label?: string } | null;
  action: string;
  target?: { type: string; id: string | number } | null;
  outcome?: 'ok' | 'denied' | 'failed';
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

/** Who did it and from where: the common part of an audit entry for a signed-in user's request. */
export function auditSource(user: SessionUser, ctx: RequestContext): Pick<AuditEntry, 'actor' | 'ip' | 'requestId'> {
  return { actor: actorOf(user), ip: ctx.ip, requestId: ctx.requestId };
}

function row(e: AuditEntry): AuditRow {
  return {
    actorAccountId: e.actor?.accountId || null,
    actorLabel: e.actor?.label?.slice(0, 100) ?? null,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target ? String(e.target.id).slice(0, 100) : null,
    outcome: e.outcome ?? 'ok',
    ip: e.ip?.slice(0, 45) ?? null,
    requestId: e.requestId ?? null,
    details: JSON.stringify(e.details ?? {}),
  };
}

/** Append-only record of security-relevant events. */
export function createAuditService(db: Db) {
  const repo = createAuditRepository(db);
  // Entries outside a transaction are written in groups under load (each caller still
  // waits until its entry is committed); inside a transaction they go with it.
  const append = createBatcher(async (rows: AuditRow[]) => {
    await repo.insert(rows);
    return rows.map(() => undefined);
  });
  return {
    async record(e: AuditEntry, trx: Db = db): Promise<void> {
      if (trx === db) await append(row(e));
      else await repo.insert([row(e)], trx);
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
        const windowId = await repo.openRefusalWindow(trx, key);
        if (windowId === null) {
          await repo.countRefusal(trx, key);
          return 'counted';
        }
        const eventId = await repo.insertReturningId(trx, row({ outcome: 'denied', ...e }));
        await repo.linkRefusalWindow(trx, windowId, eventId);
        return 'recorded';
      });
    },
    /** Windows that counted one refusal say nothing more than their audit row: dropped after a day. */
    async pruneRefusalWindows(now: Date = new Date()): Promise<number> {
      return repo.pruneRefusalWindows(new Date(now.getTime() - 24 * 3600_000));
    },
    /** Audit rows, newest first, each with `repeated`: how many refusals its window counted (1 for a plain entry). */
    async list(filter: { action?: string; limit?: number; offset?: number } = {}): Promise<AuditEvent[]> {
      return repo.list({ action: filter.action, limit: filter.limit ?? 50, offset: filter.offset ?? 0 });
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
