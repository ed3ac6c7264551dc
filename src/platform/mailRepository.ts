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
  /** Whether the message had secrets (dropped once sent or given up). */
  hadSecrets: boolean;
  createdAt: Date;
  sentAt: Date | null;
  /** When its last attempt failed: a dead letter. */
  deadAt: Date | null;
  error: string | null;
  attempts: number;
}

const toMessage = (r: Record<string, unknown>) => camelCased<OutboxMessage>(r);

/** The outbox (`mail_outbox`): every message is written here first. */
export function createMailRepository(db: Db) {
  return {
    async insert(m: { toAddress: string; subject: string; bodyText: string; secretBox: string | null; hadSecrets: boolean }, trx: Db = db): Promise<number> {
      return insertReturningId(trx, 'mail_outbox', { to_address: m.toAddress, subject: m.subject, body_text: m.bodyText, secret_box: m.secretBox, had_secrets: m.hadSecrets });
    },
    async find(id: number): Promise<OutboxMessage | null> {
      const row = await db('mail_outbox').where({ id }).first();
      return row ? toMessage(row) : null;
    },
    async findForUpdate(id: number, trx: Db): Promise<OutboxMessage | null> {
      const row = await trx('mail_outbox').where({ id }).forUpdate().first();
      return row ? toMessage(row) : null;
    },
    /**
     * Runs `fn` in a transaction holding the message's row lock, taken without waiting: a
     * message another worker is sending makes this throw (its job is retried later).
     */
    async withLocked<T>(id: number, fn: (row: OutboxMessage | null, trx: Db) => Promise<T>): Promise<T> {
      return db.transaction(async (trx) => {
        const row = await trx('mail_outbox').where({ id }).forUpdate().noWait().first();
        return fn(row ? toMessage(row) : null, trx);
      });
    },
    /** A message that can never be sent as written: a dead letter, nothing secret kept. */
    async giveUp(id: number, error: string, trx: Db = db): Promise<void> {
      await trx('mail_outbox').where({ id }).update({ error, attempts: db.raw('attempts + 1'), dead_at: db.fn.now(), secret_box: null });
    },
    async markSent(id: number, trx: Db = db): Promise<void> {
      await trx('mail_outbox').where({ id }).update({ sent_at: db.fn.now(), error: null, secret_box: null });
    },
    /** Counts a failed attempt; the last one makes a dead letter and drops what only the addressee could have read. */
    async markFailed(id: number, error: string, last: boolean, trx: Db = db): Promise<void> {
      await trx('mail_outbox')
        .where({ id })
        .update({ error, attempts: db.raw('attempts + 1'), ...(last ? { dead_at: db.fn.now(), secret_box: null } : {}) });
    },
    /** A dead letter back on its way (重新寄送): attempts counted afresh. */
    async revive(id: number, trx: Db): Promise<void> {
      await trx('mail_outbox').where({ id }).update({ dead_at: null, attempts: 0 });
    },
    async list(limit: number, offset: number): Promise<OutboxMessage[]> {
      return (await db('mail_outbox').orderBy('id', 'desc').limit(limit).offset(offset)).map(toMessage);
    },
    async listTo(to: string): Promise<OutboxMessage[]> {
      return (await db('mail_outbox').where({ to_address: to }).orderBy('id', 'desc')).map(toMessage);
    },
  };
}
