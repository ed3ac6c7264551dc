import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { SMTPServer } from 'smtp-server';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { startSmtpServer, tempPasswordIn } from '../support/smtp';

// Issue 18, item 1: mail goes through the job queue. Queued in the business transaction,
// sent by a worker through one pooled SMTP transport, retried with backoff, a dead letter an
// administrator sees and may send again.

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let t: ReturnType<typeof buildApp>;
const ctx = { ip: null, requestId: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = buildApp({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** The jobs of this app's mail queue. */
const mailJobs = (app: ReturnType<typeof buildApp>) => t.db.withSchema('pgboss').from('job').where({ name: app.services.scheduler.queueName('mail.send') });

/** A message that failed for good on an app whose SMTP server is away: its outbox id. */
async function deadLetter(opts: { secret?: boolean } = {}): Promise<{ id: number; to: string }> {
  const down = buildApp({ SMTP_URL: 'smtp://127.0.0.1:9', MAIL_MAX_ATTEMPTS: '2', MAIL_RETRY_DELAY_SECONDS: '1' });
  try {
    const a = await makeAccount(t.db);
    const id = await down.services.mail.queue(
      opts.secret ? { to: a.email!, subject: '含密碼', text: '密碼：{{password}}', secrets: { password: 'R7T8Y9U0' } } : { to: a.email!, subject: '一般通知', text: '您好' },
    );
    expect(await down.services.scheduler.drain()).toBe(0);
    expect(await t.db('mail_outbox').where({ id }).first()).toMatchObject({ attempts: 1, dead_at: null });
    // The retry waits for its backoff (1 s here), then the last attempt fails too.
    await sleep(2500);
    await down.services.scheduler.drain();
    const row = await t.db('mail_outbox').where({ id }).first();
    expect(row).toMatchObject({ attempts: 2, sent_at: null, secret_box: null });
    expect(row.dead_at).not.toBeNull();
    expect((await mailJobs(down).select('state')).map((j) => j.state)).toEqual(['failed']);
    return { id, to: a.email! };
  } finally {
    await down.close();
  }
}

describe('mail through the queue', () => {
  it('a request only queues its mail: nothing reaches the SMTP server until a worker sends it', async () => {
    const a = await makeAccount(t.db);
    await t.services.auth.forgotPassword(a.username!, a.email!, ctx);
    const row = await t.db('mail_outbox').where({ to_address: a.email }).first();
    expect(row).toMatchObject({ sent_at: null, attempts: 0 });
    expect(await mailJobs(t).whereRaw("data->>'mailId' = ?", [String(row.id)]).select('state')).toEqual([{ state: 'created' }]);
    expect(smtp.to(a.email!)).toEqual([]);
    await t.services.scheduler.drain();
    expect(smtp.to(a.email!)).toHaveLength(1);
    expect(tempPasswordIn(smtp.to(a.email!)[0]!.text)).toMatch(/^[A-Z0-9]{8}$/);
    expect((await t.db('mail_outbox').where({ id: row.id }).first()).sent_at).not.toBeNull();
  });

  it('a rolled-back transaction leaves neither the message nor its job', async () => {
    const to = `rollback${process.pid}@example.gov.tw`;
    const before = Number((await mailJobs(t).count<{ count: number }[]>('* as count'))[0]!.count);
    await expect(
      t.db.transaction(async (trx) => {
        await t.services.mail.queue({ to, subject: '不該寄出', text: '內容' }, trx);
        throw new Error('the business write failed');
      }),
    ).rejects.toThrow('the business write failed');
    expect(await t.db('mail_outbox').where({ to_address: to })).toEqual([]);
    expect(Number((await mailJobs(t).count<{ count: number }[]>('* as count'))[0]!.count)).toBe(before);
    await t.services.scheduler.drain();
    expect(smtp.to(to)).toEqual([]);
  });

  it('sends each message once: a job delivered again finds it sent', async () => {
    const to = `once${process.pid}@example.gov.tw`;
    const id = await t.services.mail.queue({ to, subject: '只寄一次', text: '內容' });
    await t.services.scheduler.drain();
    expect(await t.services.mail.deliver(id, false)).toBe('done');
    expect(await t.services.mail.deliver(id, true)).toBe('done');
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('sends through a pool of at most SMTP_POOL_SIZE connections', async () => {
    let connections = 0;
    let received = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect(_session, cb) {
        connections++;
        cb();
      },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => {
          received++;
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const pooled = buildApp({ SMTP_URL: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, SMTP_POOL_SIZE: '2' });
    try {
      const ids: number[] = [];
      for (let i = 0; i < 8; i++) ids.push(await pooled.services.mail.queue({ to: `pool${i}@example.gov.tw`, subject: `第 ${i} 封`, text: '內容' }));
      // Eight sends at once, as eight workers would run them.
      expect(await Promise.all(ids.map((id) => pooled.services.mail.deliver(id, false)))).toEqual(ids.map(() => 'sent'));
      expect(received).toBe(8);
      expect(connections).toBeGreaterThanOrEqual(1);
      expect(connections).toBeLessThanOrEqual(2);
    } finally {
      await pooled.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('dead letters on 郵件寄送紀錄', () => {
  let admin: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    const a = await makeAccount(t.db, { roles: ['portal_admin'] });
    admin = await signIn(t.app, a.login);
  });

  it('shows a dead letter and 重新寄送 puts it back on the queue: delivered once, audited', async () => {
    const { id, to } = await deadLetter();
    const page = await admin.agent.get('/admin/outbox');
    expect(page.status).toBe(200);
    expect(page.text).toContain('寄送失敗（已停止重試，共 2 次）');
    expect(page.text).toContain(`action="/admin/outbox/${id}/resend"`);
    const res = await admin.agent.post(`/admin/outbox/${id}/resend`).type('form').send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(await t.db('mail_outbox').where({ id }).first()).toMatchObject({ dead_at: null, attempts: 0, sent_at: null });
    const audit = await lastAudit(t.db, 'mail.resend');
    expect(audit).toMatchObject({ target_type: 'mail', target_id: String(id), outcome: 'ok' });
    expect(audit.details).toMatchObject({ to, subject: '一般通知' });
    await t.services.scheduler.drain();
    expect(smtp.to(to)).toHaveLength(1);
    expect((await t.db('mail_outbox').where({ id }).first()).sent_at).not.toBeNull();
    // Sent now: a second 重新寄送 is refused and sends nothing.
    await admin.agent.post(`/admin/outbox/${id}/resend`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect((await admin.agent.get('/admin/outbox')).text).toContain('不是寄送失敗的郵件');
    await t.services.scheduler.drain();
    expect(smtp.to(to)).toHaveLength(1);
  });

  it('refuses to send again a dead letter whose secrets were dropped', async () => {
    const { id, to } = await deadLetter({ secret: true });
    const page = await admin.agent.get('/admin/outbox');
    expect(page.text).not.toContain(`action="/admin/outbox/${id}/resend"`);
    await admin.agent.post(`/admin/outbox/${id}/resend`).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect((await admin.agent.get('/admin/outbox')).text).toContain('無法重新寄送；請收件者重新申請');
    expect((await t.db('mail_outbox').where({ id }).first()).dead_at).not.toBeNull();
    await t.services.scheduler.drain();
    expect(smtp.to(to)).toEqual([]);
  });

  it('answers 404 for a message that does not exist', async () => {
    expect((await admin.agent.post('/admin/outbox/987654321/resend').type('form').send({ _csrf: admin.csrf })).status).toBe(404);
    expect((await admin.agent.post('/admin/outbox/abc/resend').type('form').send({ _csrf: admin.csrf })).status).toBe(404);
  });

  it('refuses a form without its CSRF token', async () => {
    const { id } = await deadLetter();
    expect((await admin.agent.post(`/admin/outbox/${id}/resend`).type('form').send({})).status).toBe(403);
    expect((await t.db('mail_outbox').where({ id }).first()).dead_at).not.toBeNull();
  });

  it('refuses anyone but a portal administrator: 403, audited, nothing queued', async () => {
    const { id } = await deadLetter();
    const clerk = await makeAccount(t.db, { roles: ['hr_staff'] });
    const me = await signIn(t.app, clerk.login);
    const res = await me.agent.post(`/admin/outbox/${id}/resend`).type('form').send({ _csrf: me.csrf });
    expect(res.status).toBe(403);
    const denied = await t.db('audit_event').where({ actor_account_id: clerk.accountId, outcome: 'denied' }).orderBy('id', 'desc').first();
    expect(denied).toBeTruthy();
    expect((await t.db('mail_outbox').where({ id }).first()).dead_at).not.toBeNull();
    expect((await request(t.app).post(`/admin/outbox/${id}/resend`).type('form').send({})).status).toBeGreaterThanOrEqual(300);
  });
});
