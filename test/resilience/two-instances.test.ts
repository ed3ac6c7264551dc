import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/platform/database';
import { Client, startDatabase, startInstance, startSmtpSink, waitFor, type Instance, type TestDatabase } from './harness';
import { parseMessage, tempPasswordIn } from '../support/smtp';

// Two app processes on different ports over one PostgreSQL, as behind a load balancer.
let database: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let a: Instance;
let b: Instance;
let db: Db;

beforeAll(async () => {
  database = await startDatabase();
  smtp = await startSmtpSink();
  const env = { SMTP_URL: smtp.url, MAIL_RETRY_DELAY_SECONDS: '1', QUEUE_POLL_SECONDS: '0.5' };
  [a, b] = await Promise.all([startInstance('a', database, env), startInstance('b', database, env)]);
  db = createDb(database.url, 2);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.destroy();
  await smtp?.down();
  await database?.destroy();
});

describe('two instances over one database', () => {
  it('a session made on A works on B, and signing out on B ends it on A', async () => {
    const c = new Client();
    await c.signIn(a.baseURL, 'wang.xiaoming');
    const onB = await c.get(`${b.baseURL}/my`);
    expect(onB.status).toBe(200);
    expect(onB.text).toContain('王小明');
    await c.postForm(`${b.baseURL}/logout`, {});
    const onA = await c.get(`${a.baseURL}/my`);
    expect(onA.status).toBe(302);
    expect(onA.location).toMatch(/^\/login/);
  });

  it('a form token issued by A is accepted by B', async () => {
    const c = new Client();
    await c.signIn(a.baseURL, 'chen.meiling');
    await c.get(`${a.baseURL}/my/profile`);
    const res = await c.postForm(`${b.baseURL}/my/profile`, { username: 'chen.meiling', email: 'chen.meiling@moi.gov.tw', phone: '02-23565000' });
    // Whatever the form says about the values, the token was good (a bad one is a 403).
    expect(res.status).not.toBe(403);
    expect(res.status).toBeLessThan(500);
  });

  it('mail the SMTP server refused waits in the outbox and goes later, once, although both instances run mail workers', async () => {
    await smtp.down();
    const c = new Client();
    await c.get(`${a.baseURL}/forgot-password`);
    const asked = await c.postForm(`${a.baseURL}/forgot-password`, { account: 'wang.xiaoming', email: 'wang.xiaoming@ntunhs.edu.tw' });
    expect(asked.status).toBeLessThan(500);
    const row = await waitFor('the reset mail in the outbox', async () =>
      db('mail_outbox').where('to_address', 'like', 'wang.xiaoming%').whereNull('sent_at').orderBy('id', 'desc').first(),
    );
    expect(row.sent_at).toBeNull();
    // While it waits, the temporary password is only in the encrypted copy.
    expect(row.body_text).toContain('您的新密碼如下：\n（已遮蔽）\n');
    expect(row.secret_box).toMatch(/^v1\./);
    const before = smtp.messages.length;
    await smtp.up();
    await waitFor('the retry to send it', async () => (await db('mail_outbox').where({ id: row.id }).first())?.sent_at, 150_000, 1000);
    // Both instances poll the mail queue twice a second; one of them took each attempt.
    await new Promise((r) => setTimeout(r, 3000));
    const copies = smtp.messages.slice(before).filter((m) => m.includes('wang.xiaoming@ntunhs.edu.tw'));
    expect(copies).toHaveLength(1);
    // The addressee's copy holds the password; once sent, the database holds it nowhere.
    const temp = tempPasswordIn(parseMessage(copies[0]!, []).text);
    const sent = await db('mail_outbox').where({ id: row.id }).first();
    expect(sent.secret_box).toBeNull();
    expect(JSON.stringify(sent)).not.toContain(temp);
    const c2 = new Client();
    await c2.signIn(b.baseURL, 'wang.xiaoming', temp);
    // One job for the message (retried while the relay was down), completed.
    const jobs = await db.withSchema('pgboss').from('job').where({ name: 'mail.send' }).whereRaw("data->>'mailId' = ?", [String(row.id)]).select('state');
    expect(jobs).toEqual([{ state: 'completed' }]);
  }, 200_000);
});
