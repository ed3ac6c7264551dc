import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from './database';
import type { Logger } from './logger';
import { createMailRepository, type OutboxMessage } from './mailRepository';

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

/** Attempts after which a message is given up (and its secrets dropped). */
export const MAX_ATTEMPTS = 20;

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


/**
 * Every message is written to the outbox table first, its secrets masked; a message with
 * secrets also keeps its delivered text encrypted (`secret_box`) until the SMTP server has
 * taken it. Without SMTP outside production (the development outbox) the page shows the
 * messages as delivered; production without SMTP sends nothing and keeps no secret.
 */
export function createMailService(
  db: Db,
  opts: { smtpUrl?: string; from: string; logger: Logger; secretKey: Buffer; developmentOutbox: boolean },
) {
  const transport: Transporter | null = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  const keepSecrets = transport !== null || opts.developmentOutbox;
  if (opts.secretKey.length !== 32) throw new Error('the mail secret key must be 32 bytes');

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

  return {
    smtpConfigured: transport !== null,
    developmentOutbox: opts.developmentOutbox,
    /** Queue inside the caller's transaction; call `flush` after commit. */
    async queue(mail: Mail, trx: Db = db): Promise<number> {
      const { masked, delivered: text } = renderMail(mail);
      const hasSecrets = Object.keys(mail.secrets ?? {}).length > 0;
      return outbox.insert(
        { toAddress: mail.to, subject: mail.subject, bodyText: masked, secretBox: hasSecrets && keepSecrets ? sealText(opts.secretKey, mail.to, text) : null },
        trx,
      );
    },
    async flush(id: number): Promise<void> {
      if (!transport) return;
      const row = await outbox.find(id);
      if (!row || row.sentAt) return;
      let text: string;
      try {
        text = delivered(row);
      } catch (err) {
        // A key changed under a waiting message: it can never be sent as written.
        opts.logger.error({ err, mailId: id }, 'mail secrets cannot be decrypted; giving the message up');
        await outbox.giveUp(id, '無法解密（金鑰已更換），已停止寄送', MAX_ATTEMPTS);
        return;
      }
      try {
        await transport.sendMail({ from: opts.from, to: row.toAddress, subject: row.subject, text });
        await outbox.markSent(id);
      } catch (err) {
        opts.logger.error({ err, mailId: id }, 'mail delivery failed');
        // The last attempt drops what only the addressee could have read.
        await outbox.markFailed(id, String((err as Error).message).slice(0, 500), MAX_ATTEMPTS);
      }
    },
    /** Sends what is still waiting (the mail server was down); the scheduler calls this. */
    async retryPending(limit = 200): Promise<{ tried: number; sent: number }> {
      if (!transport) return { tried: 0, sent: 0 };
      const ids = await outbox.pendingIds(MAX_ATTEMPTS, limit);
      for (const id of ids) await this.flush(id);
      return { tried: ids.length, sent: await outbox.countSent(ids) };
    },
    async send(mail: Mail): Promise<number> {
      const id = await this.queue(mail);
      await this.flush(id);
      return id;
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
        text: opts.developmentOutbox ? readable({ ...row, secretBox }) : row.bodyText,
      }));
    },
    /** Development outbox only: the messages to this address as delivered, newest first. */
    async developmentCopies(to: string): Promise<{ id: number; subject: string; text: string }[]> {
      if (!opts.developmentOutbox) throw new Error('the development outbox is off (SMTP configured or production)');
      const rows = await outbox.listTo(to);
      return rows.map((r) => ({ id: r.id, subject: r.subject, text: readable(r) }));
    },
  };
}

export type MailService = ReturnType<typeof createMailService>;
