import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, csrfFrom, lastAudit, makeAccount } from '../support/app';
import { certThumbprint, signAs } from '../support/cards';
import { ACTIVATION_ERRORS, ACTIVATION_TOO_MANY, IDENTITY_CHECK_ERRORS } from '../../src/auth/cardLogin';
import { AGENCY_NOT_AUTHORIZED } from '../../src/platform/identity/accountRules';
import { CERT_ERRORS } from '../../src/platform/pki/verify';
import { issueDemoCard } from '../../seeds/demoPki';
import { ASSISTED_RESET_NOT_FOUND } from '../../src/auth/service';

const t = buildApp();
afterAll(() => t.close());

type Agent = ReturnType<typeof request.agent>;

async function challenge(agent: Agent, csrf: string, url = '/login/certificate/challenge'): Promise<string> {
  const res = await agent.post(url).set('x-csrf-token', csrf).set('accept', 'application/json');
  expect(res.status).toBe(200);
  return res.body.tbs as string;
}

async function cardLogin(card: string, opts: { tamper?: (tbs: string) => string; keyOf?: string } = {}) {
  const { agent, csrf } = await agentFor(t.app);
  const tbs = await challenge(agent, csrf);
  const signed = signAs(card, opts.tamper ? opts.tamper(tbs) : tbs, { keyOf: opts.keyOf });
  const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...signed });
  return { agent, csrf, res, tbs, signed };
}

describe('the challenge', () => {
  it('names the purpose, this origin, a 32-byte nonce and the time, and is stored server side', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const tbs = await challenge(agent, csrf);
    const lines = tbs.split('\n');
    expect(lines[0]).toBe('ecpa-login');
    expect(lines[1]).toBe('origin=http://portal.test');
    const nonce = lines[2]!.replace('nonce=', '');
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(32);
    expect(Math.abs(Date.parse(lines[3]!.replace('time=', '')) - Date.now())).toBeLessThan(60_000);
    const row = await t.db('login_challenge').where({ nonce }).first();
    expect(row.tbs).toBe(tbs);
    expect(new Date(row.expires_at).getTime() - Date.parse(lines[3]!.replace('time=', ''))).toBe(5 * 60_000);
  });

  it('needs the CSRF token', async () => {
    const res = await request(t.app).post('/login/certificate/challenge').set('accept', 'application/json');
    expect(res.status).toBe(403);
  });

  it('is rate limited per IP', async () => {
    const limited = buildApp({ CHALLENGE_RATE_LIMIT_PER_15MIN: '2' });
    try {
      const { agent, csrf } = await agentFor(limited.app);
      const ip = `10.8.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await agent.post('/login/certificate/challenge').set('X-Forwarded-For', ip).set('x-csrf-token', csrf)).status);
      expect(codes).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('refusals, each with its own message and an audit entry', () => {
  const refused = async (r: { res: request.Response }, message: string, reason: string) => {
    expect(r.res.status).toBe(400);
    expect(r.res.text).toContain(message);
    expect(await lastAudit(t.db, 'auth.certificate')).toMatchObject({ outcome: 'failed' });
    const rows = await t.db('audit_event').where({ action: 'auth.certificate' }).orderBy('id', 'desc').limit(20);
    expect(rows.map((x: { details: { reason: string } }) => x.details.reason)).toContain(reason);
  };

  it('a replayed tbs', async () => {
    const first = await cardLogin('agency-ntunhs');
    expect(first.res.status).toBe(303);
    const { agent, csrf } = await agentFor(t.app);
    const again = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...first.signed });
    await refused({ res: again }, '此登入驗證資料已使用過', 'tbs_used');
  });

  it('a tbs for another origin', async () => {
    await refused(await cardLogin('wang-xiaoming', { tamper: (tbs) => tbs.replace('origin=http://portal.test', 'origin=http://evil.test') }), '登入驗證資料格式錯誤', 'tbs_malformed');
    // A tbs another portal issued (stored with that origin) is refused as foreign.
    const nonce = Buffer.alloc(32, 7).toString('base64url');
    const tbs = ['ecpa-login', 'origin=http://evil.test', `nonce=${nonce}`, `time=${new Date().toISOString()}`].join('\n');
    await t.db('login_challenge').insert({ nonce, purpose: 'login', origin: 'http://evil.test', tbs, expires_at: new Date(Date.now() + 60_000) });
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...signAs('wang-xiaoming', tbs) });
    await refused({ res }, '登入驗證資料不屬於本網站', 'tbs_origin');
  });

  it('a login tbs fetched by another browser session, spent once presented', async () => {
    // The victim's browser asks for the challenge; someone else posts the signed answer.
    const victim = await agentFor(t.app);
    const tbs = await challenge(victim.agent, victim.csrf);
    const other = await agentFor(t.app);
    const res = await other.agent.post('/login/certificate').type('form').send({ _csrf: other.csrf, ...signAs('agency-ntunhs', tbs) });
    await refused({ res }, '登入驗證資料不是由此瀏覽器取得', 'tbs_session');
    // Spent: the asking session cannot use it either.
    const late = await victim.agent.post('/login/certificate').type('form').send({ _csrf: victim.csrf, ...signAs('agency-ntunhs', tbs) });
    await refused({ res: late }, '此登入驗證資料已使用過', 'tbs_used');
    // The session that asked signs in.
    const own = await cardLogin('agency-ntunhs');
    expect(own.res.status).toBe(303);
  });

  it('an expired tbs (older than 5 minutes)', async () => {
    let now = new Date();
    const clocked = buildApp({}, { clock: () => now });
    try {
      const { agent, csrf } = await agentFor(clocked.app);
      const tbs = await challenge(agent, csrf);
      now = new Date(now.getTime() + 5 * 60_000 + 1000);
      const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...signAs('wang-xiaoming', tbs) });
      expect(res.status).toBe(400);
      expect(res.text).toContain('登入驗證已逾時');
    } finally {
      await clocked.close();
    }
  });

  it('an unknown tbs', async () => {
    const nonce = Buffer.alloc(32, 9).toString('base64url');
    const tbs = ['ecpa-login', 'origin=http://portal.test', `nonce=${nonce}`, `time=${new Date().toISOString()}`].join('\n');
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...signAs('wang-xiaoming', tbs) });
    await refused({ res }, '登入驗證資料不存在', 'tbs_unknown');
  });

  it('a signature made by another card', async () => {
    await refused(await cardLogin('wang-xiaoming', { keyOf: 'hr-chief' }), CERT_ERRORS.signature_invalid, 'signature_invalid');
  });

  it('a garbage certificate', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const tbs = await challenge(agent, csrf);
    const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, tbs, signature: 'AAAA', certb64: Buffer.from('not a certificate').toString('base64') });
    await refused({ res }, CERT_ERRORS.cert_malformed, 'cert_malformed');
  });

  it('a certificate from the untrusted CA', async () => {
    await refused(await cardLogin('untrusted'), CERT_ERRORS.cert_untrusted, 'cert_untrusted');
  });

  it('an expired certificate', async () => {
    await refused(await cardLogin('expired'), CERT_ERRORS.cert_expired, 'cert_expired');
  });

  it('a revoked certificate', async () => {
    await refused(await cardLogin('revoked'), CERT_ERRORS.cert_revoked, 'cert_revoked');
  });

  it('a certificate that may not sign', async () => {
    await refused(await cardLogin('no-signature-usage'), CERT_ERRORS.cert_key_usage, 'cert_key_usage');
  });

  it('an incomplete or malformed form', async () => {
    const { agent, csrf } = await agentFor(t.app);
    const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, tbs: 'x', signature: '<script>', certb64: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('憑證登入資料不完整');
    expect(res.text).not.toContain('<script>');
  });
});

describe('first-time activation of a natural-person card (seed 004 (三)(四))', () => {
  async function startActivation(card: string) {
    const r = await cardLogin(card);
    expect(r.res.status).toBe(303);
    expect(r.res.headers.location).toBe('/login/certificate/activate');
    const page = await r.agent.get('/login/certificate/activate');
    expect(page.text).toContain('自訂帳號或身分證字號');
    return { agent: r.agent, csrf: csrfFrom(page.text) };
  }

  it('refuses someone not in the personnel master', async () => {
    const { agent, csrf } = await startActivation('not-in-master');
    const res = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'K121212126' });
    expect(res.status).toBe(400);
    expect(res.text).toContain(ACTIVATION_ERRORS.not_in_master);
    expect(res.text).toContain('上一步');
    expect(res.text).toContain('回首頁');
  });

  it('refuses a retired (卸職) person with 「此身份證字號已停用…」', async () => {
    const { agent, csrf } = await startActivation('retired');
    const res = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'B120112236' });
    expect(res.status).toBe(400);
    expect(res.text).toContain(ACTIVATION_ERRORS.retired);
  });

  it('refuses an ID that is not the card holder, and 上一步 keeps the card', async () => {
    const { agent, csrf } = await startActivation('wang-xiaoming');
    const res = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'chen.meiling' });
    expect(res.status).toBe(400);
    expect(res.text).toContain(ACTIVATION_ERRORS.not_holder);
    expect((await agent.get('/login/certificate/activate')).status).toBe(200);
    expect(await t.db('card_binding').where({ thumbprint: certThumbprint('wang-xiaoming') }).first()).toBeUndefined();
  });

  it('asks for the account or ID with a zh-TW message', async () => {
    const { agent, csrf } = await startActivation('wang-xiaoming');
    const res = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('請輸入自訂帳號或身分證字號');
    // Even an empty attempt is audited (and counted).
    expect(await lastAudit(t.db, 'auth.card_activate')).toMatchObject({ outcome: 'failed', details: { reason: 'invalid_input', thumbprint: certThumbprint('wang-xiaoming') } });
  });

  it('binds the card of a person without an account, then forces 個人資料修改 and 修改密碼; later only the PIN', async () => {
    // 許雅婷 (F223456786) has a temporary password but no custom account.
    const { agent, csrf } = await startActivation('first-login');
    const ok = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'f223456786' });
    expect(ok.status).toBe(303);
    const binding = await t.db('card_binding').where({ thumbprint: certThumbprint('first-login') }).first();
    expect(binding).toMatchObject({ card_type: 'moica', card_number: 'TP03000000000003' });
    expect(await lastAudit(t.db, 'auth.card_bind')).toMatchObject({ outcome: 'ok' });
    const next = await agent.get('/my');
    expect(next.headers.location).toBe('/my/profile');
    expect((await agent.get('/my/profile')).text).toContain('為增進個人資料之安全性，請先設定自訂帳號後才能使用本系統其他服務。');

    // Later: the card alone signs in, with the session recording the card.
    const again = await cardLogin('first-login');
    expect(again.res.status).toBe(303);
    expect(again.res.headers.location).toBe('/my');
    const sess = await t.db('session').whereRaw("sess->'passport'->'user'->'certificate'->>'thumbprint' = ?", [certThumbprint('first-login')]).first();
    expect(sess.sess.passport.user).toMatchObject({ method: 'moica', certificate: { cardType: 'moica', cardNumber: 'TP03000000000003' } });
  });

  it('activates by custom account (any case) and links the card to the existing account', async () => {
    const person = await t.db('person').where({ name: '王小明' }).first();
    const { agent, csrf } = await startActivation('wang-xiaoming');
    const ok = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'WANG.XIAOMING' });
    expect(ok.status).toBe(303);
    const my = await agent.get('/my');
    expect(my.status).toBe(200);
    expect(my.text).toContain('王小明');
    const binding = await t.db('card_binding').where({ thumbprint: certThumbprint('wang-xiaoming') }).first();
    const account = await t.db('account').where({ person_id: person.id }).first();
    expect(binding.account_id).toBe(account.id);
  });
});

describe('NHI card', () => {
  it('activates with the full national ID carried by the card', async () => {
    const r = await cardLogin('chen-meiling-nhi');
    expect(r.res.headers.location).toBe('/login/certificate/activate');
    const csrf = csrfFrom((await r.agent.get('/login/certificate/activate')).text);
    const wrong = await r.agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'A123456789' });
    expect(wrong.text).toContain(ACTIVATION_ERRORS.not_holder);
    const ok = await r.agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'B220012340' });
    expect(ok.status).toBe(303);
    const again = await cardLogin('chen-meiling-nhi');
    expect(again.res.headers.location).toBe('/my');
  });
});

describe('agency card (機關憑證)', () => {
  it('maps the agency code and may reset passwords of its own people only', async () => {
    const r = await cardLogin('agency-ntunhs');
    expect(r.res.status).toBe(303);
    expect(r.res.headers.location).toBe('/agency');
    const landing = await r.agent.get('/agency');
    expect(landing.text).toContain('國立臺北護理健康大學');
    expect((await r.agent.get('/my/apps')).headers.location).toBe('/agency');
    const page = await r.agent.get('/my/password-reset');
    expect(page.status).toBe(200);
    const csrf = csrfFrom(page.text);
    const own = await makeAccount(t.db, { agencyCode: 'A096C0000Q' });
    const other = await makeAccount(t.db, { agencyCode: '301000000A' });
    const found = await r.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: csrf, query: own.nationalId });
    expect(found.status).toBe(200);
    const reset = await r.agent.post(`/my/password-reset/${own.accountId}`).type('form').send({ _csrf: csrf });
    expect(reset.status).toBe(200);
    const audit = await t.db('audit_event').where({ action: 'auth.password_reset_by_hr', target_id: String(own.accountId) }).first();
    expect(audit.actor_label).toBe('國立臺北護理健康大學');
    // Another agency's person is answered as no such person (no probing who exists), and audited.
    const refused = await r.agent.post('/my/password-reset/lookup').type('form').send({ _csrf: csrf, query: other.nationalId });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(ASSISTED_RESET_NOT_FOUND);
    expect(await t.db('audit_event').where({ action: 'auth.password_reset_assisted', outcome: 'denied', target_id: String(other.accountId) }).first()).toBeTruthy();
  });

  it('refuses an agency not in the directory or not authorized: 「此憑證尚未分配權限，請洽系統管理員」', async () => {
    const unknown = await cardLogin('agency-unknown');
    expect(unknown.res.status).toBe(400);
    expect(unknown.res.text).toContain(AGENCY_NOT_AUTHORIZED);
    const dgpa = await t.db('agency').where({ code: '376470000A' }).first();
    await t.db('agency_area_grant').where({ agency_id: dgpa.id, area: 'portal' }).delete();
    try {
      const refused = await cardLogin('agency-dgpa');
      expect(refused.res.status).toBe(400);
      expect(refused.res.text).toContain(AGENCY_NOT_AUTHORIZED);
    } finally {
      await t.db('agency_area_grant').insert({ agency_id: dgpa.id, area: 'portal' });
    }
  });
});

describe('the signing service for other areas', () => {
  it('verifies a document signature only with the login card', async () => {
    const digest = 'a'.repeat(64);
    const r = await cardLogin('agency-dgpa');
    expect(r.res.status).toBe(303);
    const sessionRow = await t.db('session').whereRaw("sess->'passport'->'user'->'certificate'->>'thumbprint' = ?", [certThumbprint('agency-dgpa')]).orderBy('expire', 'desc').first();
    const user = sessionRow.sess.passport.user;
    const ctx = { ip: null, requestId: null };
    const { tbs } = await t.services.cardLogin.signChallenge(user, digest);
    expect(tbs).toContain(`digest=${digest}`);
    const ok = await t.services.cardLogin.verifyDocumentSignature(user, signAs('agency-dgpa', tbs), digest, ctx);
    expect(ok.thumbprint).toBe(certThumbprint('agency-dgpa'));
    const other = await t.services.cardLogin.signChallenge(user, digest);
    await expect(t.services.cardLogin.verifyDocumentSignature(user, signAs('agency-ntunhs', other.tbs), digest, ctx)).rejects.toThrow('請使用與登入時相同的憑證簽章');
    const third = await t.services.cardLogin.signChallenge(user, digest);
    await expect(t.services.cardLogin.verifyDocumentSignature(user, signAs('agency-dgpa', third.tbs), 'b'.repeat(64), ctx)).rejects.toThrow('簽章內容與文件不符');
  });

  it('needs a certificate login', async () => {
    const a = await makeAccount(t.db);
    const user = { ...(await t.services.auth.login(a.username!, 'Ecpa#2026', { ip: null, requestId: null })) };
    await expect(t.services.cardLogin.signChallenge(user, 'a'.repeat(64))).rejects.toThrow('限使用憑證登入');
  });
});

describe('a serving person of the master who never had an account', () => {
  it('gets an account at activation, without a password, and must complete the profile and set one', async () => {
    // 趙大同 was not in the master (see above); HR has now reported him.
    const agency = await t.db('agency').where({ code: '301000000A' }).first();
    const [person] = await t
      .db('person')
      .insert({ national_id: 'K121212126', name: '趙大同', agency_id: agency.id, status: '在職', title: '科員', rank: '委任第五職等', series: '一般行政', unit: '第一科', personnel_kind: '簡薦委公務人員', appointed_on: '2024-01-01', birth_date: '1995-05-05', gender: 'M' })
      .returning('id');
    const r = await cardLogin('not-in-master');
    const csrf = csrfFrom((await r.agent.get('/login/certificate/activate')).text);
    const ok = await r.agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'K121212126' });
    expect(ok.status).toBe(303);
    const account = await t.db('account').where({ person_id: person.id }).first();
    expect(account).toMatchObject({ username: null, password_hash: null, must_change_password: true });
    expect((await r.agent.get('/my/apps')).headers.location).toBe('/my/profile');
  });
});

describe('first activation needs the certificate authority’s word that the card is the person’s', () => {
  it('refuses a namesake’s genuine card with the same name and last 4 ID digits, and binds nothing', async () => {
    // 許雅婷 F223456786 is in the master; another 許雅婷 (P223456786) holds a genuine MOICA card.
    const { thumbprint } = issueDemoCard(inject('pkiDir'), { name: 'namesake', ca: 'moica', holderName: '許雅婷', nationalId: 'P223456786', cardNumber: 'TP03000000000099' });
    const r = await cardLogin('namesake');
    expect(r.res.headers.location).toBe('/login/certificate/activate');
    const csrf = csrfFrom((await r.agent.get('/login/certificate/activate')).text);
    const res = await r.agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: 'F223456786' });
    expect(res.status).toBe(400);
    expect(res.text).toContain(ACTIVATION_ERRORS.not_holder);
    expect(await t.db('card_binding').where({ thumbprint }).first()).toBeUndefined();
    const audit = await cardAudit(thumbprint);
    expect(audit.map((a) => [a.outcome, a.details.reason, a.details.typed])).toEqual([['failed', 'not_holder', 'F2*****786']]);
  });

  it('asks the CA’s service (HTTP) with the full national ID of the master, whatever was typed; down, slow or garbage binds nothing', async () => {
    const seen: Record<string, unknown>[] = [];
    let answer: (body: Record<string, unknown>, res: http.ServerResponse) => void = () => {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        seen.push(body);
        answer(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const h = buildApp({ IDENTITY_CHECK: 'http', MOICA_ID_CHECK_URL: `http://127.0.0.1:${port}/idcheck`, MOICA_ID_CHECK_TIMEOUT_MS: '300' });
    try {
      const person = await makeAccount(t.db);
      const { name } = await t.db('person').where({ id: person.personId }).first();
      const { thumbprint, serialHex } = issueDemoCard(inject('pkiDir'), { name: 'http-checked', ca: 'moica', holderName: name, nationalId: person.nationalId, cardNumber: 'TP03000000000098' });
      const { attempt } = await activationFrom('http-checked', '203.0.113.31', h.app);
      const bound = () => t.db('card_binding').where({ thumbprint }).first();

      answer = (_b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>維護中</html>');
      const garbage = await attempt(person.username!);
      expect(garbage.status).toBe(400);
      expect(garbage.text).toContain(IDENTITY_CHECK_ERRORS.unavailable);
      answer = () => {}; // never answers
      const slow = await attempt(person.username!);
      expect(slow.text).toContain(IDENTITY_CHECK_ERRORS.unavailable);
      expect(await bound()).toBeUndefined();

      answer = (b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ match: b.nationalId === person.nationalId }));
      const ok = await attempt(person.username!);
      expect(ok.status).toBe(303);
      expect(await bound()).toMatchObject({ account_id: person.accountId });
      expect(seen.at(-1)).toMatchObject({ nationalId: person.nationalId, serialNumber: serialHex, issuer: expect.stringContaining('內政部憑證管理中心') });
      expect(String(seen.at(-1)!.certificate)).toMatch(/^MII/);

      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      const { thumbprint: other } = issueDemoCard(inject('pkiDir'), { name: 'http-down', ca: 'moica', holderName: '王小明', nationalId: person.nationalId, cardNumber: 'TP03000000000096' });
      const down = await (await activationFrom('http-down', '203.0.113.32', h.app)).attempt(person.nationalId);
      expect(down.text).toContain(IDENTITY_CHECK_ERRORS.unavailable);
      expect(await t.db('card_binding').where({ thumbprint: other }).first()).toBeUndefined();

      expect((await cardAudit(thumbprint)).map((a) => [a.outcome, a.details.reason ?? 'bound'])).toEqual([
        ['failed', 'identity_check_unavailable'],
        ['failed', 'identity_check_unavailable'],
        ['ok', 'bound'],
      ]);
    } finally {
      server.closeAllConnections();
      server.close();
      await h.close();
    }
  });
});

describe('production without the CA’s identity check service', () => {
  it('binds no natural-person card and says why (demo records are never used)', async () => {
    const prod = buildApp({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), SECURE_COOKIES: 'false', IDENTITY_CHECK: 'demo' });
    try {
      expect(prod.config.identityCheck.kind).toBe('off');
      const { thumbprint } = issueDemoCard(inject('pkiDir'), { name: 'prod-card', ca: 'moica', holderName: '王小明', nationalId: 'A123456789', cardNumber: 'TP03000000000091' });
      const res = await (await activationFrom('prod-card', '203.0.113.41', prod.app)).attempt('A123456789');
      expect(res.status).toBe(400);
      expect(res.text).toContain(IDENTITY_CHECK_ERRORS.off);
      expect(await t.db('card_binding').where({ thumbprint }).first()).toBeUndefined();
      expect((await cardAudit(thumbprint)).map((a) => a.details.reason)).toEqual(['identity_check_off']);
    } finally {
      await prod.close();
    }
  });
});

/** The activation audit entries of one card, oldest first. */
async function cardAudit(thumbprint: string) {
  return t.db('audit_event').where({ action: 'auth.card_activate' }).whereRaw("details->>'thumbprint' = ?", [thumbprint]).orderBy('id');
}

/** A pending card from a given address (X-Forwarded-For through the trusted loopback proxy). */
async function activationFrom(card: string, ip: string, app = t.app) {
  const agent = request.agent(app);
  const page = await agent.get('/login/certificate').set('x-forwarded-for', ip);
  const csrf = csrfFrom(page.text);
  const ch = await agent.post('/login/certificate/challenge').set('x-forwarded-for', ip).set('x-csrf-token', csrf).set('accept', 'application/json');
  const res = await agent.post('/login/certificate').set('x-forwarded-for', ip).type('form').send({ _csrf: csrf, ...signAs(card, ch.body.tbs) });
  expect(res.headers.location).toBe('/login/certificate/activate');
  const form = csrfFrom((await agent.get('/login/certificate/activate').set('x-forwarded-for', ip)).text);
  const attempt = (accountOrId: string) => agent.post('/login/certificate/activate').set('x-forwarded-for', ip).type('form').send({ _csrf: form, accountOrId });
  const stillPending = async () => (await agent.get('/login/certificate/activate').set('x-forwarded-for', ip)).status === 200;
  return { agent, attempt, stillPending };
}

describe('activation attempts are limited per card and per address, and each is audited', () => {
  it('5 an hour per card: then 「嘗試次數過多」, the pending card is dropped, and signing again elsewhere still counts', async () => {
    const { thumbprint } = issueDemoCard(inject('pkiDir'), { name: 'limit-card', ca: 'moica', holderName: '周建國', nationalId: 'E187654321', cardNumber: 'TP03000000000097' });
    const first = await activationFrom('limit-card', '203.0.113.11');
    for (const typed of ['nobody.here', 'A987654321', 'nobody.here', 'A987654321', 'nobody.here']) {
      const res = await first.attempt(typed);
      expect(res.status).toBe(400);
      expect(res.text).toContain(ACTIVATION_ERRORS.not_in_master);
    }
    const sixth = await first.attempt('nobody.here');
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain(ACTIVATION_TOO_MANY);
    expect(await first.stillPending()).toBe(false);

    const second = await activationFrom('limit-card', '203.0.113.12');
    const again = await second.attempt('nobody.here');
    expect(again.status).toBe(429);
    expect(await second.stillPending()).toBe(false);

    const audit = await cardAudit(thumbprint);
    expect(audit.map((a) => a.details.reason)).toEqual([...Array(5).fill('not_in_master'), 'rate_limited_card', 'rate_limited_card']);
    expect(audit.every((a) => a.outcome === 'failed' && a.details.cardType === 'moica')).toBe(true);
    expect(audit.map((a) => a.ip)).toEqual([...Array(6).fill('203.0.113.11'), '203.0.113.12']);
    // The typed national ID is kept masked only.
    expect(audit[1].details.typed).toBe('A9*****321');
    expect(JSON.stringify(audit)).not.toContain('A987654321');
  });

  it('per address: past the limit every pending card there is refused and dropped', async () => {
    const limited = buildApp({ CARD_ACTIVATION_PER_IP_PER_HOUR: '3' });
    try {
      issueDemoCard(inject('pkiDir'), { name: 'ip-card-a', ca: 'moica', holderName: '吳大維', nationalId: 'H123450001', cardNumber: 'TP03000000000095' });
      issueDemoCard(inject('pkiDir'), { name: 'ip-card-b', ca: 'moica', holderName: '吳小維', nationalId: 'H123450002', cardNumber: 'TP03000000000094' });
      const a = await activationFrom('ip-card-a', '203.0.113.21', limited.app);
      const b = await activationFrom('ip-card-b', '203.0.113.21', limited.app);
      expect((await a.attempt('nobody.here')).status).toBe(400);
      expect((await a.attempt('nobody.here')).status).toBe(400);
      expect((await b.attempt('nobody.here')).status).toBe(400);
      const refused = await b.attempt('nobody.here');
      expect(refused.status).toBe(429);
      expect(refused.text).toContain(ACTIVATION_TOO_MANY);
      expect(await b.stillPending()).toBe(false);
      expect((await a.attempt('nobody.here')).status).toBe(429);
      expect(await a.stillPending()).toBe(false);
      // Another address is not affected.
      const c = await activationFrom('ip-card-b', '203.0.113.22', limited.app);
      expect((await c.attempt('nobody.here')).status).toBe(400);
      expect(await lastAudit(t.db, 'auth.card_activate')).toMatchObject({ outcome: 'failed', ip: '203.0.113.22' });
    } finally {
      await limited.close();
    }
  });
});
