import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, makeAccount, signIn } from '../support/app';
import { startSmtpServer, tempPasswordIn } from '../support/smtp';
import { freshIp } from '../support/routes';
import { agencySessionUser } from '../../src/auth/sessionUser';
import { loadConfig } from '../../src/config';
import { up as maskOldSecrets } from '../../migrations/20261206100100_mail_outbox_mask_old_secrets';

// Issue 13, item 1: a secret a mail carries (temporary password, confirmation or
// unsubscribe link) reaches its addressee and nobody else: the mail log keeps the
// message masked, and what waits for the SMTP server is encrypted until delivered.

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let t: ReturnType<typeof buildApp>;
let admin: Awaited<ReturnType<typeof signIn>>;
const ctx = { ip: null, requestId: null };

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = buildApp({ SMTP_URL: smtp.url });
  const a = await makeAccount(t.db, { roles: ['portal_admin'] });
  admin = await signIn(t.app, a.login);
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

/** Every text column of every outbox row, as one string per row. */
async function outboxText(): Promise<string[]> {
  const rows = await t.db('mail_outbox').select('*');
  return rows.map((r) => JSON.stringify(r));
}

async function expectNowhereButTheMail(secret: string) {
  expect(secret.length).toBeGreaterThanOrEqual(8);
  for (const row of await outboxText()) expect(row).not.toContain(secret);
  for (let page = 1; page <= 3; page++) {
    const res = await admin.agent.get(`/admin/outbox?page=${page}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(secret);
  }
}

async function canSignIn(login: string, password: string) {
  const { agent, csrf } = await agentFor(t.app);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: login, password });
  return res.status === 303;
}

/** The newest message the SMTP server accepted for this address, once the app's queue has run. */
async function lastDelivered(to: string) {
  await t.services.scheduler.drain();
  const m = smtp.to(to).at(-1);
  if (!m) throw new Error(`nothing delivered to ${to}`);
  return m;
}

describe('temporary passwords reach only their addressee', () => {
  it('忘記密碼: the delivered mail holds a password that signs in; the outbox rows and /admin/outbox never hold it', async () => {
    const a = await makeAccount(t.db);
    const { agent, csrf } = await agentFor(t.app);
    await agent.post('/forgot-password').set('X-Forwarded-For', freshIp()).type('form').send({ _csrf: csrf, account: a.username, email: a.email }).expect(200);
    const mail = await lastDelivered(a.email!);
    expect(mail.subject).toBe('人事服務網 會員密碼重設說明');
    const temp = tempPasswordIn(mail.text);
    expect(await canSignIn(a.login, temp)).toBe(true);
    await expectNowhereButTheMail(temp);
    const [row] = await t.db('mail_outbox').where({ to_address: a.email });
    expect(row.body_text).toContain('您的新密碼如下：\n（已遮蔽）\n');
    expect(row.sent_at).not.toBeNull();
    expect(row.secret_box).toBeNull();
    const page = await admin.agent.get('/admin/outbox');
    expect(page.text).toContain('（已遮蔽）');
  });

  it.each([
    ['an HR supervisor', ['hr_supervisor'], '376470000A'],
    ['customer service', ['cs_agent'], '376470000A'],
  ])('a reset by %s is delivered and kept masked', async (_label, roles, agencyCode) => {
    const actor = await makeAccount(t.db, { roles, agencyCode });
    const s = await signIn(t.app, actor.login);
    const target = await makeAccount(t.db, { agencyCode });
    await s.agent.post(`/my/password-reset/${target.accountId}`).type('form').send({ _csrf: s.csrf }).expect(200);
    const temp = tempPasswordIn((await lastDelivered(target.email!)).text);
    expect(await canSignIn(target.login, temp)).toBe(true);
    await expectNowhereButTheMail(temp);
  });

  it('a reset by an agency with its 機關憑證 is delivered and kept masked', async () => {
    const target = await makeAccount(t.db);
    const agency = await t.db('agency').where({ id: target.agencyId }).first();
    const user = agencySessionUser({ id: agency.id, code: agency.code, name: agency.name }, { serial: '01', subject: agency.name } as never, new Date());
    await t.services.auth.assistedReset(user, target.accountId, ctx);
    const temp = tempPasswordIn((await lastDelivered(target.email!)).text);
    expect(await canSignIn(target.login, temp)).toBe(true);
    await expectNowhereButTheMail(temp);
  });

  it('a reset the SMTP server refused waits encrypted, then is delivered and its secret dropped', async () => {
    const down = buildApp({ SMTP_URL: 'smtp://127.0.0.1:9' });
    try {
      const a = await makeAccount(t.db);
      await down.services.auth.forgotPassword(a.username!, a.email!, ctx);
      // The request only queued it: the worker's attempt fails and the job waits for its retry.
      expect(await t.db('mail_outbox').where({ to_address: a.email }).first()).toMatchObject({ sent_at: null, attempts: 0 });
      await down.services.scheduler.drain();
      const [waiting] = await t.db('mail_outbox').where({ to_address: a.email });
      expect(waiting.sent_at).toBeNull();
      expect(waiting.attempts).toBe(1);
      expect(waiting.secret_box).toMatch(/^v1\./);
      expect(smtp.to(a.email!)).toEqual([]);
      // The instance whose SMTP server answers sends it (same key from the configuration).
      expect(await t.services.mail.deliver(waiting.id, false)).toBe('sent');
      // Sent once: a redelivered job finds it sent and leaves it alone.
      expect(await t.services.mail.deliver(waiting.id, false)).toBe('done');
      expect(smtp.to(a.email!)).toHaveLength(1);
      const temp = tempPasswordIn((await lastDelivered(a.email!)).text);
      expect(await canSignIn(a.login, temp)).toBe(true);
      const [sent] = await t.db('mail_outbox').where({ id: waiting.id });
      expect(sent.sent_at).not.toBeNull();
      expect(sent.secret_box).toBeNull();
      await expectNowhereButTheMail(temp);
    } finally {
      await down.close();
    }
  });

  it('a waiting message cannot be read with another key', async () => {
    const other = buildApp({ SMTP_URL: smtp.url, MAIL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    try {
      const a = await makeAccount(t.db);
      const id = await t.services.mail.queue({ to: a.email!, subject: '測試', text: '密碼：{{password}}', secrets: { password: 'Q2W3E4R5' } });
      expect(await other.services.mail.deliver(id, false)).toBe('dead');
      expect(smtp.to(a.email!)).toEqual([]);
      const row = await t.db('mail_outbox').where({ id }).first();
      expect(row).toMatchObject({ sent_at: null, secret_box: null, attempts: 1, had_secrets: true });
      expect(row.dead_at).not.toBeNull();
    } finally {
      await other.close();
    }
  });
});

describe('newsletter links reach only their addressee', () => {
  const tokenIn = (text: string, path: string) => new RegExp(`${path.replace(/[?/]/g, '\\$&')}\\?token=([\\w.-]+)`).exec(text)?.[1];

  it('subscription confirmation, unsubscribe confirmation and the digest keep their links masked', async () => {
    const email = `secret-sub${process.pid}@example.com`;
    const { agent, csrf } = await agentFor(t.app);
    await agent.post('/jobs/subscribe').type('form').send({ _csrf: csrf, email, keyword: '', county: '', seriesCode: '' }).expect(200);
    const confirm = tokenIn((await lastDelivered(email)).text, '/jobs/subscribe/confirm');
    expect(confirm).toBeTruthy();
    await expectNowhereButTheMail(confirm!);
    // The subscription's row keeps no link either: the token is its id and an HMAC.
    const row = await t.db('jobs_subscription').where({ email }).first();
    expect(JSON.stringify(row)).not.toContain(confirm!.split('.')[1]);
    // A confirmation link does not unsubscribe, and a link for another subscription does not confirm this one.
    expect((await request(t.app).get(`/jobs/unsubscribe/confirm?token=${confirm}`)).status).toBe(404);
    expect((await request(t.app).get(`/jobs/subscribe/confirm?token=${row.id + 1}.${confirm!.split('.')[1]}`)).status).toBe(404);
    expect((await request(t.app).get(`/jobs/subscribe/confirm?token=${confirm}`)).status).toBe(200);

    // The digest: every public vacancy is new to a subscription last served long ago.
    await t.db('jobs_subscription').where({ email }).update({ last_digest_at: new Date('2000-01-01T00:00:00Z') });
    await t.services.jobs.sendDigests(new Date(), 'http://portal.test');
    const digest = await lastDelivered(email);
    expect(digest.subject).toContain('職缺電子報');
    const unsubscribe = tokenIn(digest.text, '/jobs/unsubscribe/confirm');
    expect(unsubscribe).toBeTruthy();
    await expectNowhereButTheMail(unsubscribe!);

    await agent.post('/jobs/unsubscribe').type('form').send({ _csrf: csrf, email }).expect(200);
    const cancel = await lastDelivered(email);
    expect(cancel.subject).toContain('取消確認');
    const cancelToken = tokenIn(cancel.text, '/jobs/unsubscribe/confirm');
    await expectNowhereButTheMail(cancelToken!);
    expect((await request(t.app).get(`/jobs/unsubscribe/confirm?token=${cancelToken}`)).status).toBe(200);
  });
});

describe('the development outbox', () => {
  it('without SMTP outside production shows the mail as delivered, and says so', async () => {
    const dev = buildApp();
    try {
      const a = await makeAccount(dev.db);
      const boss = await makeAccount(dev.db, { roles: ['portal_admin'] });
      await dev.services.auth.forgotPassword(a.username!, a.email!, ctx);
      const copy = (await dev.services.mail.developmentCopies(a.email!))[0]!;
      const temp = tempPasswordIn(copy.text);
      const s = await signIn(dev.app, boss.login);
      const page = await s.agent.get('/admin/outbox');
      expect(page.text).toContain('開發模式');
      expect(page.text).toContain(temp);
      // Still masked in the database.
      for (const row of await outboxText()) expect(row).not.toContain(temp);
      // A message sealed under another key shows masked, and the page still answers.
      const other = buildApp({ MAIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') });
      try {
        await other.services.mail.queue({ to: a.email!, subject: '另一把金鑰', text: '密碼：{{password}}', secrets: { password: 'H4J5K6L7' } });
      } finally {
        await other.close();
      }
      const again = await s.agent.get('/admin/outbox');
      expect(again.status).toBe(200);
      expect(again.text).not.toContain('H4J5K6L7');
      expect((await dev.services.mail.developmentCopies(a.email!))[0]!.text).toBe('密碼：（已遮蔽）');
    } finally {
      await dev.close();
    }
  });

  it('is off with SMTP: the reader refuses and the page says secrets are masked', async () => {
    await expect(t.services.mail.developmentCopies('x@example.gov.tw')).rejects.toThrow();
    const page = await admin.agent.get('/admin/outbox');
    expect(page.text).not.toContain('開發模式');
    expect(page.text).toContain('密碼及確認連結等機密內容以「（已遮蔽）」顯示');
  });

  it('does not exist in production: without SMTP nothing secret is kept; with SMTP a key is required', async () => {
    const prod = { NODE_ENV: 'production', SESSION_SECRET: 'p'.repeat(40) };
    expect(loadConfig(prod).developmentOutbox).toBe(false);
    expect(() => loadConfig({ ...prod, SMTP_URL: smtp.url })).toThrow(/MAIL_SECRET_KEY: required in production/);
    expect(() => loadConfig({ ...prod, SMTP_URL: smtp.url, MAIL_SECRET_KEY: 'c2hvcnQ=' })).toThrow(/MAIL_SECRET_KEY/);
    const p = buildApp(prod);
    try {
      const a = await makeAccount(t.db);
      const id = await p.services.mail.queue({ to: a.email!, subject: '測試', text: '密碼：{{password}}', secrets: { password: 'Z9Y8X7W6' } });
      expect(await t.db('mail_outbox').where({ id }).first()).toMatchObject({ body_text: '密碼：（已遮蔽）', secret_box: null });
      await expect(p.services.mail.developmentCopies(a.email!)).rejects.toThrow();
    } finally {
      await p.close();
    }
  });
});

describe('mail written before this change', () => {
  it('has its temporary passwords and tokens masked by the migration', async () => {
    const tag = `old${process.pid}@example.gov.tw`;
    const [reset] = await t.db('mail_outbox').insert({ to_address: tag, subject: '人事服務網 會員密碼重設說明', body_text: '您好：\n\n您的新密碼如下：\nK5L6H5W8\n\n（請在新密碼登入後立即修改密碼）' }).returning('id');
    const [link] = await t.db('mail_outbox').insert({ to_address: tag, subject: '電子報', body_text: '連結：\nhttp://x/jobs/subscribe/confirm?token=abc_DEF-123\n取消：http://x/jobs/unsubscribe/confirm?token=zzz' }).returning('id');
    await maskOldSecrets(t.db);
    expect((await t.db('mail_outbox').where({ id: reset.id }).first()).body_text).toBe('您好：\n\n您的新密碼如下：\n（已遮蔽）\n\n（請在新密碼登入後立即修改密碼）');
    expect((await t.db('mail_outbox').where({ id: link.id }).first()).body_text).toBe('連結：\nhttp://x/jobs/subscribe/confirm?token=（已遮蔽）\n取消：http://x/jobs/unsubscribe/confirm?token=（已遮蔽）');
  });
});
