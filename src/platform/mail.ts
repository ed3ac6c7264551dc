import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from './database';
import type { Logger } from './logger';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Every message is written to the outbox table first. With SMTP configured it is
 * then sent and marked; without, the outbox is what admins read in development.
 */
export function createMailService(db: Db, opts: { smtpUrl?: string; from: string; logger: Logger }) {
  const transport: Transporter | null = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  return {
    smtpConfigured: transport !== null,
    /** Queue inside the caller's transaction; call `flush` after commit. */
    async queue(mail: Mail, trx: Db = db): Promise<number> {
      const [row] = await trx('mail_outbox')
        .insert({ to_address: mail.to, subject: mail.subject, body_text: mail.text })
        .returning('id');
      return (row as { id: number }).id;
    },
    async flush(id: number): Promise<void> {
      if (!transport) return;
      const row = await db('mail_outbox').where({ id }).first();
      if (!row || row.sent_at) return;
      try {
        await transport.sendMail({ from: opts.from, to: row.to_address, subject: row.subject, text: row.body_text });
        await db('mail_outbox').where({ id }).update({ sent_at: db.fn.now(), error: null });
      } catch (err) {
        opts.logger.error({ err, mailId: id }, 'mail delivery failed');
        await db('mail_outbox').where({ id }).update({ error: String((err as Error).message).slice(0, 500), attempts: db.raw('attempts + 1') });
      }
    },
    /** Sends what is still waiting (the mail server was down); the scheduler calls this. */
    async retryPending(limit = 200): Promise<{ tried: number; sent: number }> {
      if (!transport) return { tried: 0, sent: 0 };
      const rows: { id: number }[] = await db('mail_outbox').whereNull('sent_at').where('attempts', '<', 20).orderBy('id').limit(limit).select('id');
      for (const r of rows) await this.flush(r.id);
      const sent = await db('mail_outbox').whereIn('id', rows.map((r) => r.id)).whereNotNull('sent_at').count<{ count: string }[]>('id as count');
      return { tried: rows.length, sent: Number(sent[0]?.count ?? 0) };
    },
    async send(mail: Mail): Promise<number> {
      const id = await this.queue(mail);
      await this.flush(id);
      return id;
    },
    async list(limit = 50, offset = 0) {
      return db('mail_outbox').orderBy('id', 'desc').limit(limit).offset(offset);
    },
  };
}

export type MailService = ReturnType<typeof createMailService>;
