import { insertReturningId, type Db } from './database';

/** One audit row as the services write it (camelCase; `details` already JSON). */
export interface AuditRow {
  actorAccountId: number | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  details: string;
}

/** An audit row as the admin pages read it, with how many refusals its window counted. */
export interface AuditEvent extends Omit<AuditRow, 'details'> {
  id: number;
  details: Record<string, unknown>;
  at: Date;
  repeated: number;
}

export interface RefusalWindowKey {
  action: string;
  ip: string;
  reason: string;
  minute: Date;
}

const toColumns = (r: AuditRow) => ({
  actor_account_id: r.actorAccountId,
  actor_label: r.actorLabel,
  action: r.action,
  target_type: r.targetType,
  target_id: r.targetId,
  outcome: r.outcome,
  ip: r.ip,
  request_id: r.requestId,
  details: r.details,
});

/** The audit trail (`audit_event`, append-only) and the anonymous refusals' windows. */
export function createAuditRepository(db: Db) {
  return {
    async insert(rows: AuditRow[], trx: Db = db): Promise<void> {
      await trx('audit_event').insert(rows.map(toColumns));
    },
    async insertReturningId(trx: Db, r: AuditRow): Promise<number> {
      return insertReturningId(trx, 'audit_event', toColumns(r));
    },
    /** Opens the window when it is new: its id, or null when another request opened it first. */
    async openRefusalWindow(trx: Db, key: RefusalWindowKey): Promise<number | null> {
      const won = await trx('audit_refusal_window').insert({ ...key, count: 1 }).onConflict(['action', 'ip', 'reason', 'minute']).ignore().returning('id');
      return won.length ? (won[0] as { id: number }).id : null;
    },
    async countRefusal(trx: Db, key: RefusalWindowKey): Promise<void> {
      await trx('audit_refusal_window').where(key).increment('count', 1);
    },
    async linkRefusalWindow(trx: Db, windowId: number, auditEventId: number): Promise<void> {
      await trx('audit_refusal_window').where({ id: windowId }).update({ audit_event_id: auditEventId });
    },
    async pruneRefusalWindows(before: Date): Promise<number> {
      return db('audit_refusal_window').where('minute', '<', before).andWhere('count', '<=', 1).delete();
    },
    async list(filter: { action?: string; limit: number; offset: number }): Promise<AuditEvent[]> {
      const q = db('audit_event as e')
        .leftJoin('audit_refusal_window as w', 'w.audit_event_id', 'e.id')
        .select('e.*', db.raw('coalesce(w.count, 1) as repeated'))
        .orderBy('e.id', 'desc')
        .limit(filter.limit)
        .offset(filter.offset);
      if (filter.action) q.where('e.action', filter.action);
      const rows: Record<string, unknown>[] = await q;
      return rows.map((r) => ({
        id: r.id as number,
        at: r.at as Date,
        actorAccountId: r.actor_account_id as number | null,
        actorLabel: r.actor_label as string | null,
        action: r.action as string,
        targetType: r.target_type as string | null,
        targetId: r.target_id as string | null,
        outcome: r.outcome as string,
        ip: r.ip as string | null,
        requestId: r.request_id as string | null,
        details: (typeof r.details === 'string' ? JSON.parse(r.details) : (r.details ?? {})) as Record<string, unknown>,
        repeated: Number(r.repeated),
      }));
    },
  };
}
