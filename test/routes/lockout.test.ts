import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, makeAccount, PASSWORD } from '../support/app';
import { createAuthService, LOCK_MINUTES, LOGIN_FAILED_MESSAGE, MAX_FAILED_LOGINS } from '../../src/auth/service';
import { createAccountRepository } from '../../src/auth/repository';

const t = buildApp();
afterAll(() => t.close());

const ctx = { ip: '192.0.2.1', requestId: null };

/** The auth service on the test database with a clock the test moves. */
function clocked(start = new Date('2026-11-24T01:00:00Z')) {
  const clock = { now: start };
  const auth = createAuthService({ db: t.db, accounts: createAccountRepository(t.db), audit: t.services.audit, mail: t.services.mail, clock: () => clock.now });
  const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));
  return { auth, clock, advance };
}

const attempt = (auth: ReturnType<typeof createAuthService>, login: string, password: string) =>
  auth.login(login, password, ctx).then(
    () => 'ok',
    (err: Error) => err.message,
  );

describe('lockout (injected clock)', () => {
  it(`locks after ${MAX_FAILED_LOGINS} consecutive failures for exactly ${LOCK_MINUTES} minutes`, async () => {
    const { auth, advance, clock } = clocked();
    const a = await makeAccount(t.db);
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      expect(await attempt(auth, a.username!, 'Wrong#123')).toBe(LOGIN_FAILED_MESSAGE);
      expect((await t.db('account').where({ id: a.accountId }).first()).failed_logins).toBe(i);
    }
    expect(await attempt(auth, a.username!, 'Wrong#123')).toBe(LOGIN_FAILED_MESSAGE);
    const row = await t.db('account').where({ id: a.accountId }).first();
    expect(new Date(row.locked_until).getTime()).toBe(clock.now.getTime() + LOCK_MINUTES * 60_000);
    const lockout = await t.db('audit_event').where({ action: 'auth.lockout', target_id: String(a.accountId) });
    expect(lockout).toHaveLength(1);

    // Locked: the right password is refused with the same generic message, and attempts do not extend the lock.
    expect(await attempt(auth, a.username!, PASSWORD)).toBe(LOGIN_FAILED_MESSAGE);
    advance(LOCK_MINUTES * 60_000 - 1000);
    expect(await attempt(auth, a.username!, 'Wrong#123')).toBe(LOGIN_FAILED_MESSAGE);
    expect(await attempt(auth, a.username!, PASSWORD)).toBe(LOGIN_FAILED_MESSAGE);
    expect(new Date((await t.db('account').where({ id: a.accountId }).first()).locked_until).getTime()).toBe(row.locked_until.getTime());
    const reasons = await t.db('audit_event').where({ action: 'auth.login', target_id: String(a.accountId) }).orderBy('id').pluck('details');
    expect(reasons.slice(-3).map((d: { reason: string }) => d.reason)).toEqual(['locked', 'locked', 'locked']);

    advance(1000);
    expect(await attempt(auth, a.username!, PASSWORD)).toBe('ok');
    const after = await t.db('account').where({ id: a.accountId }).first();
    expect(after).toMatchObject({ failed_logins: 0, locked_until: null });
  });

  it('resets the count after a success, so failures must be consecutive', async () => {
    const { auth } = clocked();
    const a = await makeAccount(t.db);
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) await attempt(auth, a.username!, 'Wrong#123');
    expect(await attempt(auth, a.username!, PASSWORD)).toBe('ok');
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) await attempt(auth, a.username!, 'Wrong#123');
    expect(await attempt(auth, a.username!, PASSWORD)).toBe('ok');
    expect((await t.db('account').where({ id: a.accountId }).first()).locked_until).toBeNull();
  });

  it('locks the account whether it is named by custom account or national ID', async () => {
    const { auth } = clocked();
    const a = await makeAccount(t.db);
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await attempt(auth, i % 2 ? a.nationalId : a.username!.toUpperCase(), 'Wrong#123');
    expect(await attempt(auth, a.nationalId, PASSWORD)).toBe(LOGIN_FAILED_MESSAGE);
  });

  it('records the sign-in time from the clock and keeps the previous one as 上次登入時間', async () => {
    const { auth, advance, clock } = clocked(new Date('2026-11-20T00:00:00Z'));
    const a = await makeAccount(t.db);
    const first = await auth.login(a.username!, PASSWORD, ctx);
    expect(first.lastLoginAt).toBeNull();
    expect(first.currentLoginAt).toBe('2026-11-20T00:00:00.000Z');
    advance(86_400_000);
    const second = await auth.login(a.username!, PASSWORD, ctx);
    expect(second.lastLoginAt).toBe('2026-11-20T00:00:00.000Z');
    expect(second.currentLoginAt).toBe(clock.now.toISOString());
    const events = await t.db('login_event').where({ account_id: a.accountId }).orderBy('id');
    expect(events.map((e: { at: Date; method: string; ip: string }) => [e.at.toISOString(), e.method, e.ip])).toEqual([
      ['2026-11-20T00:00:00.000Z', 'password', '192.0.2.1'],
      ['2026-11-21T00:00:00.000Z', 'password', '192.0.2.1'],
    ]);
  });

  it('does not tell an unknown account from a wrong password', async () => {
    const { auth } = clocked();
    expect(await attempt(auth, 'nobody.at.all', 'Wrong#123')).toBe(LOGIN_FAILED_MESSAGE);
    expect(await attempt(auth, '', 'Wrong#123')).toBe(LOGIN_FAILED_MESSAGE);
  });
});
