import { insertReturningId, type Db } from './database';
import { camelCased } from './rows';

/** A message of the outbox as the mail service reads it. */
export interface OutboxMessage {
  id: number;
  toAddress: string;
  subject: string;
  /** The text with its secrets masked. */
  bodyText: string;
  /** The delivered text, encrypted, until the SMTP server has taken it. */
  secretBox: string | null;
  createdAt: Date;
  sentAt: Date | null;
  error: string | null;
  attempts: number;
}

const toMessage = (r: Record<string, unknown>) => camelCased<OutboxMessage>(r);

/** The outbox (`mail_outbox`): every message is written here first. */
export function createMailRepository(db: Db) {
  return {
    async insert(m: { toAddress: string; subject: string; bodyText: string; secretBox: string | null }, trx: Db = db): Promise<number> {
      return insertReturningId(trx, 'mail_outbox', { to_address: m.toAddress, subject: m.subject, body_text: m.bodyText, secret_box: m.secretBox });
    },
    async find(id: number): Promise<OutboxMessage | null> {
      const row = await db('mail_outbox').where({ id }).first();
      return row ? toMessage(row) : null;
    },
    /** A message that can never be sent as written: no more attempts, nothing secret kept. */
    async giveUp(id: number, error: string, attempts: number): Promise<void> {
      await db('mail_outbox').where({ id }).update({ error, attempts, secret_box: null });
    },
    async markSent(id: number): Promise<void> {
      await db('mail_outbox').where({ id }).update({ sent_at: db.fn.now(), error: null, secret_box: null });
    },
    /** Counts a failed attempt; the last one drops what only the addressee could have read. */
    async markFailed(id: number, error: string, maxAttempts: number): Promise<void> {
      await db('mail_outbox')
        .where({ id })
        .update({
          error,
          attempts: db.raw('attempts + 1'),
          secret_box: db.raw('CASE WHEN attempts + 1 >= ? THEN NULL ELSE secret_box END', [maxAttempts]),
        });
    },
    async pendingIds(maxAttempts: number, limit: number): Promise<number[]> {
      const rows: { id: number }[] = await db('mail_outbox').whereNull('sent_at').where('attempts', '<', maxAttempts).orderBy('id').limit(limit).select('id');
      return rows.map((r) => r.id);
    },
    async countSent(ids: number[]): Promise<number> {
      const sent = await db('mail_outbox').whereIn('id', ids).whereNotNull('sent_at').count<{ count: string }[]>('id as count');
      return Number(sent[0]?.count ?? 0);
    },
    async list(limit: number, offset: number): Promise<OutboxMessage[]> {
      return (await db('mail_outbox').orderBy('id', 'desc').limit(limit).offset(offset)).map(toMessage);
    },
    async listTo(to: string): Promise<OutboxMessage[]> {
      return (await db('mail_outbox').where({ to_address: to }).orderBy('id', 'desc')).map(toMessage);
    },
  };
}
