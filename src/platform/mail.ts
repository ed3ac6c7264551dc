import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from './database';
import type { Logger } from './logger';
import { createMailRepository, type OutboxMessage } from './mailRepository';
import type { JobQueue } from './queue';
import type { AuditService } from './audit';
import { FormError, NotFoundError } from './errors';
import type { RequestContext } from './identity/context';

export interface Mail {
  to: string;
  subject: string;
  /** The message; each secret appears in it as `{{name}}`. */
  text: string;
  /**
   * What only the addressee may read (a temporary password, a confirmation link): never
   * stored in clear, never shown on the outbox page outside the development outbox.
   */
  secrets?: Record<string, string>;
}

/** What the mail log shows in place of a secret. */
export const MASKED = '（已遮蔽）';

/** Attempts after which a message is given up (a dead letter, its secrets dropped), by default. */
export const MAX_ATTEMPTS = 10;

const placeholder = (name: string) => `{{${name}}}`;

/** The message as stored (secrets masked) and as delivered (secrets in place). */
export function renderMail(mail: Mail): { masked: string; delivered: string } {
  let masked = mail.text;
  let delivered = mail.text;
  for (const [name, value] of Object.entries(mail.secrets ?? {})) {
    if (!/^\w+$/.test(name) || !mail.text.includes(placeholder(name))) throw new Error(`mail secret ${name} is not in the text`);
    if (!value) throw new Error(`mail secret ${name} is empty`);
    masked = masked.split(placeholder(name)).join(MASKED);
    delivered = delivered.split(placeholder(name)).join(value);
  }
  for (const value of Object.values(mail.secrets ?? {})) {
    if (masked.includes(value)) throw new Error('a mail secret appears in the text outside its placeholder');
  }
  return { masked, delivered };
}

/** AES-256-GCM, bound to the addressee: `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function sealText(key: Buffer, to: string, text: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(to.toLowerCase(), 'utf8'));
  const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function openText(key: Buffer, to: string, box: string): string {
  const [v, iv, tag, ct] = box.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown secret box format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(to.toLowerCase(), 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}


/** The queue mail is sent from. */
export const MAIL_QUEUE = 'mail.send';

export interface MailServiceOptions {
  smtpUrl?: string;
  from: string;
  logger: Logger;
  secretKey: Buffer;
  developmentOutbox: boolean;
  /** The job queue the messages go through (SMTP configured). */
  queue: JobQueue;
  audit: AuditService;
  /** Attempts before a message becomes a dead letter (MAIL_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Seconds before the first retry, doubled at each further one (MAIL_RETRY_DELAY_SECONDS). */
  retryDelaySeconds?: number;
  /** SMTP connections kept open by each instance (SMTP_POOL_SIZE). */
  poolSize?: number;
  /** Connect, greeting and socket timeout in ms (SMTP_TIMEOUT_MS): well under nginx's 60 s. */
  timeoutMs?: number;
}

/**
 * Every message is written to the outbox table first, its secrets masked; a message with
 * secrets also keeps its delivered text encrypted (`secret_box`) until the SMTP server has
 * taken it. With SMTP, the same transaction puts a job on the `mail.send` queue; a worker
 * sends it through one pooled SMTP transport. Without SMTP outside production (the
 * development outbox) the page shows the messages as delivered; production without SMTP
 * sends nothing and keeps no secret.
 */
export function createMailService(db: Db, opts: MailServiceOptions) {
  const timeout = opts.timeoutMs ?? 15_000;
  const transport: Transporter | null = opts.smtpUrl
    ? nodemailer.createTransport({
        url: opts.smtpUrl,
        pool: true,
        maxConnections: opts.poolSize ?? 2,
        maxMessages: 100,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      })
    : null;
  const keepSecrets = transport !== null || opts.developmentOutbox;
  if (opts.secretKey.length !== 32) throw new Error('the mail secret key must be 32 bytes');
  const maxAttempts = opts.maxAttempts ?? MAX_ATTEMPTS;

  const outbox = createMailRepository(db);
  const delivered = (row: OutboxMessage) => (row.secretBox ? openText(opts.secretKey, row.toAddress, row.secretBox) : row.bodyText);
  /** For reading only: a box the key cannot open shows the masked text. */
  const readable = (row: OutboxMessage) => {
    try {
      return delivered(row);
    } catch {
      return row.bodyText;
    }
  };

  /**
   * Sends one message of the outbox, at most once per commit: the row is locked (NOWAIT: a
   * message another worker is sending right now is retried later), a row already sent or
   * given up is left alone, and `sent_at` is committed in the same transaction right after
   * the SMTP server took the message. Only a crash between the server's acceptance and that
   * commit sends it twice (docs/OPERATIONS.md).
   */
  async function deliver(id: number, lastAttempt: boolean): Promise<'sent' | 'done' | 'failed' | 'dead'> {
    if (!transport) throw new Error('no SMTP server configured (SMTP_URL)');
    return outbox.withLocked(id, async (row, trx) => {
      if (!row || row.sentAt || row.deadAt) return 'done';
      let text: string;
      try {
        text = delivered(row);
      } catch (err) {
        // A key changed under a waiting message: it can never be sent as written.
        opts.logger.error({ err, mailId: id }, 'mail secrets cannot be decrypted; giving the message up');
        await outbox.giveUp(id, '無法解密（金鑰已更換），已停止寄送', trx);
        return 'dead';
      }
      try {
        await transport.sendMail({ from: opts.from, to: row.toAddress, subject: row.subject, text });
      } catch (err) {
        opts.logger.error({ err: (err as Error).message, mailId: id, lastAttempt }, 'mail delivery failed');
        // The last attempt makes it a dead letter and drops what only the addressee could read.
        await outbox.markFailed(id, String((err as Error).message).slice(0, 500), lastAttempt, trx);
        return lastAttempt ? 'dead' : 'failed';
      }
      await outbox.markSent(id, trx);
      return 'sent';
    });
  }

  opts.queue.define<{ mailId: number }>(
    MAIL_QUEUE,
    { retryLimit: maxAttempts - 1, retryDelay: opts.retryDelaySeconds ?? 30, expireInSeconds: Math.ceil((3 * timeout) / 1000) + 10 },
    async (job) => {
      const outcome = await deliver(job.data.mailId, job.retryCount >= job.retryLimit);
      // Thrown, the queue tries again after its backoff (or records the job as failed).
      if (outcome === 'failed' || outcome === 'dead') throw new Error(`mail ${job.data.mailId} ${outcome === 'dead' ? 'given up' : 'not taken by the SMTP server'}`);
      return outcome;
    },
  );

  return {
    smtpConfigured: transport !== null,
    developmentOutbox: opts.developmentOutbox,
    /**
     * Writes the message to the outbox and, with SMTP, puts it on the mail queue: both in
     * the caller's transaction, so a request that rolls back sends nothing. The request
     * never waits for the SMTP server.
     */
    async queue(mail: Mail, trx?: Db): Promise<number> {
      const { masked, delivered: text } = renderMail(mail);
      const hasSecrets = Object.keys(mail.secrets ?? {}).length > 0;
      const write = async (t: Db) => {
        const id = await outbox.insert({ toAddress: mail.to, subject: mail.subject, bodyText: masked, secretBox: hasSecrets && keepSecrets ? sealText(opts.secretKey, mail.to, text) : null, hadSecrets: hasSecrets }, t);
        if (transport) await opts.queue.send(MAIL_QUEUE, { mailId: id }, { trx: t });
        return id;
      };
      return trx ? write(trx) : db.transaction(write);
    },
    /** The mail queue's worker for one message (tests call it to play a given instance). */
    deliver,
    /**
     * 重新寄送: a dead letter goes back on the queue with its attempts counted afresh. A
     * message whose secrets were dropped cannot be sent again (the addressee asks anew).
     */
    async resend(id: number, actor: { accountId: number; label: string }, ctx: Pick<RequestContext, 'ip' | 'requestId'>): Promise<void> {
      if (!transport) throw new FormError({ mail: '系統未設定 SMTP 伺服器，無法重新寄送' });
      await db.transaction(async (trx) => {
        const row = await outbox.findForUpdate(id, trx);
        if (!row) throw new NotFoundError('找不到這封郵件');
        if (row.sentAt || !row.deadAt) throw new FormError({ mail: '這封郵件不是寄送失敗的郵件，無需重新寄送' });
        if (row.hadSecrets && !row.secretBox) throw new FormError({ mail: '這封郵件含密碼或確認連結等機密內容，已於放棄寄送時刪除，無法重新寄送；請收件者重新申請' });
        await outbox.revive(id, trx);
        await opts.queue.send(MAIL_QUEUE, { mailId: id }, { trx });
        await opts.audit.record({ actor, action: 'mail.resend', target: { type: 'mail', id }, ip: ctx.ip, requestId: ctx.requestId, details: { to: row.toAddress, subject: row.subject, error: row.error } }, trx);
      });
    },
    /**
     * The mail log: `text` is the message with its secrets masked, except in the development
     * outbox, where it is the message as its addressee would get it.
     */
    async list(limit = 50, offset = 0) {
      const rows = await outbox.list(limit, offset);
      return rows.map(({ secretBox, ...row }) => ({
        ...row,
        masked: secretBox !== null,
        /** A dead letter 重新寄送 may put back on the queue. */
        resendable: transport !== null && row.deadAt !== null && row.sentAt === null && !(row.hadSecrets && secretBox === null),
        text: opts.developmentOutbox ? readable({ ...row, secretBox }) : row.bodyText,
      }));
    },
    /** Development outbox only: the messages to this address as delivered, newest first. */
    async developmentCopies(to: string): Promise<{ id: number; subject: string; text: string }[]> {
      if (!opts.developmentOutbox) throw new Error('the development outbox is off (SMTP configured or production)');
      const rows = await outbox.listTo(to);
      return rows.map((r) => ({ id: r.id, subject: r.subject, text: readable(r) }));
    },
    /** Closes the pooled SMTP connections (shutdown). */
    close() {
      transport?.close();
    },
  };
}

export type MailService = ReturnType<typeof createMailService>;
