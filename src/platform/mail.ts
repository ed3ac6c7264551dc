import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from './database';
import type { Logger } from './logger';

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

interface OutboxRow {
  id: number;
  to_address: string;
  subject: string;
  body_text: string;
  secret_box: string | null;
  created_at: Date;
  sent_at: Date | null;
  error: string | null;
  attempts: number;
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

  const delivered = (row: OutboxRow) => (row.secret_box ? openText(opts.secretKey, row.to_address, row.secret_box) : row.body_text);
  /** For reading only: a box the key cannot open shows the masked text. */
  const readable = (row: OutboxRow) => {
    try {
      return delivered(row);
    } catch {
      return row.body_text;
    }
  };

  return {
    smtpConfigured: transport !== null,
    developmentOutbox: opts.developmentOutbox,
    /** Queue inside the caller's transaction; call `flush` after commit. */
    async queue(mail: Mail, trx: Db = db): Promise<number> {
      const { masked, delivered: text } = renderMail(mail);
      const hasSecrets = Object.keys(mail.secrets ?? {}).length > 0;
      const [row] = await trx('mail_outbox')
        .insert({
          to_address: mail.to,
          subject: mail.subject,
          body_text: masked,
          secret_box: hasSecrets && keepSecrets ? sealText(opts.secretKey, mail.to, text) : null,
        })
        .returning('id');
      return (row as { id: number }).id;
    },
    async flush(id: number): Promise<void> {
      if (!transport) return;
      const row: OutboxRow | undefined = await db('mail_outbox').where({ id }).first();
      if (!row || row.sent_at) return;
      let text: string;
      try {
        text = delivered(row);
      } catch (err) {
        // A key changed under a waiting message: it can never be sent as written.
        opts.logger.error({ err, mailId: id }, 'mail secrets cannot be decrypted; giving the message up');
        await db('mail_outbox').where({ id }).update({ error: '無法解密（金鑰已更換），已停止寄送', attempts: MAX_ATTEMPTS, secret_box: null });
        return;
      }
      try {
        await transport.sendMail({ from: opts.from, to: row.to_address, subject: row.subject, text });
        await db('mail_outbox').where({ id }).update({ sent_at: db.fn.now(), error: null, secret_box: null });
      } catch (err) {
        opts.logger.error({ err, mailId: id }, 'mail delivery failed');
        await db('mail_outbox')
          .where({ id })
          .update({
            error: String((err as Error).message).slice(0, 500),
            attempts: db.raw('attempts + 1'),
            // The last attempt drops what only the addressee could have read.
            secret_box: db.raw('CASE WHEN attempts + 1 >= ? THEN NULL ELSE secret_box END', [MAX_ATTEMPTS]),
          });
      }
    },
    /** Sends what is still waiting (the mail server was down); the scheduler calls this. */
    async retryPending(limit = 200): Promise<{ tried: number; sent: number }> {
      if (!transport) return { tried: 0, sent: 0 };
      const rows: { id: number }[] = await db('mail_outbox').whereNull('sent_at').where('attempts', '<', MAX_ATTEMPTS).orderBy('id').limit(limit).select('id');
      for (const r of rows) await this.flush(r.id);
      const sent = await db('mail_outbox').whereIn('id', rows.map((r) => r.id)).whereNotNull('sent_at').count<{ count: string }[]>('id as count');
      return { tried: rows.length, sent: Number(sent[0]?.count ?? 0) };
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
      const rows: OutboxRow[] = await db('mail_outbox').orderBy('id', 'desc').limit(limit).offset(offset);
      return rows.map(({ secret_box, ...row }) => ({
        ...row,
        masked: secret_box !== null,
        text: opts.developmentOutbox ? readable({ ...row, secret_box }) : row.body_text,
      }));
    },
    /** Development outbox only: the messages to this address as delivered, newest first. */
    async developmentCopies(to: string): Promise<{ id: number; subject: string; text: string }[]> {
      if (!opts.developmentOutbox) throw new Error('the development outbox is off (SMTP configured or production)');
      const rows: OutboxRow[] = await db('mail_outbox').where({ to_address: to }).orderBy('id', 'desc');
      return rows.map((r) => ({ id: r.id, subject: r.subject, text: readable(r) }));
    },
  };
}

export type MailService = ReturnType<typeof createMailService>;
