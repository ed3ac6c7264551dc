import type { Db } from '../platform/database';
import type { AuditEntry, AuditService } from '../platform/audit';
import type { Mail, MailService } from '../platform/mail';
import { DomainError, FormError, ForbiddenError, NotFoundError } from '../platform/errors';
import { rocLong } from '../platform/dates';
import { TEMP_PASSWORD_HOURS } from '../platform/identity/accountRules';
import type { RequestContext } from '../platform/identity/context';
import { hashPassword, verifyPassword } from '../platform/identity/hashing';
import { checkNewPassword, generateTemporaryPassword } from '../platform/identity/passwordPolicy';
import type { AccountRepository, AccountRow } from './repository';
import { resetScope, type LoginMethod, type SessionUser } from '../platform/identity/sessionUser';
import { toSessionUser } from './sessionUser';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
export const LOGIN_FAILED_MESSAGE = `登入失敗：帳號或密碼錯誤。連續錯誤 ${MAX_FAILED_LOGINS} 次將暫停登入 ${LOCK_MINUTES} 分鐘。`;
/** One answer for no such person and a person outside the actor's agency (no probing who exists). */
export const ASSISTED_RESET_NOT_FOUND = '查無此人員，或此人員不屬於您的機關，請確認身分證字號或自訂帳號';
export const ASSISTED_RESET_NO_ACCOUNT = '查無此人員。';
export const ASSISTED_RESET_OWN = '不得為您本人設定密碼；請以「修改密碼」變更，或使用「忘記密碼」。';
export const PROFILE_FIRST_MESSAGE = '為增進個人資料之安全性，請先設定自訂帳號後才能使用本系統其他服務。';


export function createAuthService(deps: {
  db: Db;
  accounts: AccountRepository;
  audit: AuditService;
  mail: MailService;
  clock?: () => Date;
}) {
  const { db, accounts, audit, mail } = deps;
  const clock = deps.clock ?? (() => new Date());

  async function sessionUserFor(a: AccountRow, method: LoginMethod, now: Date): Promise<SessionUser> {
    return toSessionUser(a, await accounts.roles(a.id), method, now);
  }

  /** The temporary password is a secret of the mail: only its addressee ever reads it. */
  function resetMail(a: AccountRow, temp: string, now: Date, to: string): Mail {
    return {
      to,
      secrets: { password: temp },
      subject: '人事服務網 會員密碼重設說明',
      text: [
        `${a.name} 您好：`,
        '',
        '這封信是由 行政院人事行政總處 人事服務網 發出的會員密碼重設說明。',
        `您是人事服務網會員（帳號：${a.username ?? '尚未設定自訂帳號，請以身分證字號登入'}），請連結至人事服務網登入。`,
        '',
        '您的新密碼如下：',
        '{{password}}',
        '',
        `（請在新密碼登入後立即修改密碼；此密碼於 ${TEMP_PASSWORD_HOURS} 小時內有效）`,
        '如仍有疑問請洽 人事資訊系統客服專線 02-23979108（上午 09:00-12:00、下午 14:00-17:00）',
        '',
        '感謝您的使用，行政院人事行政總處 敬上',
        rocLong(now),
      ].join('\n'),
    };
  }

  /** An audit entry about an account (its target), from the request `ctx`. */
  const onAccount = (accountId: number, entry: Pick<AuditEntry, 'actor' | 'action' | 'outcome' | 'details'>, ctx: RequestContext, trx?: Db) =>
    audit.record({ ...entry, target: { type: 'account', id: accountId }, ip: ctx.ip, requestId: ctx.requestId }, trx);

  /** Sets a temporary password, mails it and records who asked, in one transaction. */
  async function issueTemporaryPassword(
    a: AccountRow,
    to: string,
    why: { action: string; actor: SessionUser | null; ctx: RequestContext },
  ) {
    const now = clock();
    const temp = generateTemporaryPassword();
    const hash = await hashPassword(temp);
    const expires = new Date(now.getTime() + TEMP_PASSWORD_HOURS * 3_600_000);
    await db.transaction(async (trx) => {
      await accounts.setTemporaryPassword(a.id, hash, expires, trx);
      await accounts.endSessions(a.id, undefined, trx);
      const id = await mail.queue(resetMail(a, temp, now, to), trx);
      await onAccount(
        a.id,
        {
          actor: why.actor ? { accountId: why.actor.accountId, label: why.actor.name } : { accountId: a.id, label: a.name },
          action: why.action,
          details: { mailedTo: to, expiresAt: expires.toISOString() },
        },
        why.ctx,
        trx,
      );
      return id;
    });
    return { mailedTo: to, expiresAt: expires };
  }

  /**
   * The account an assisted reset may act on: undefined when there is none or it is outside
   * the actor's scope (audited, answered like none); the actor's own account is refused.
   */
  async function assistedResetTarget(actor: SessionUser, a: AccountRow | undefined, ctx: RequestContext): Promise<AccountRow | undefined> {
    const scope = resetScope(actor);
    if (scope !== 'all' && scope.length === 0) throw new ForbiddenError();
    if (!a) return undefined;
    const deny = (reason: string) =>
      onAccount(a.id, { actor: { accountId: actor.accountId, label: actor.name }, action: 'auth.password_reset_assisted', outcome: 'denied', details: { reason } }, ctx);
    if (scope !== 'all' && !scope.includes(a.agencyId)) {
      await deny('other_agency');
      return undefined;
    }
    if (a.id === actor.accountId || (!!actor.personId && a.personId === actor.personId)) {
      await deny('own_account');
      throw new ForbiddenError(ASSISTED_RESET_OWN);
    }
    return a;
  }

  return {
    clock,

    async login(login: string, password: string, ctx: RequestContext): Promise<SessionUser> {
      const now = clock();
      const a = login ? await accounts.findByLogin(login) : undefined;
      const ok = await verifyPassword(a?.passwordHash ?? null, password);
      const fail = async (reason: string, message = LOGIN_FAILED_MESSAGE): Promise<never> => {
        // No account behind it: an anonymous refusal, counted once per source and minute.
        if (!a) {
          await audit.recordRefusal({ action: 'auth.login', outcome: 'failed', target: { type: 'login', id: login.slice(0, 100) }, ip: ctx.ip, requestId: ctx.requestId, details: { reason }, reason });
          throw new DomainError('login_failed', message, 400);
        }
        await onAccount(a.id, { actor: { accountId: a.id, label: a.name }, action: 'auth.login', outcome: 'failed', details: { reason } }, ctx);
        throw new DomainError('login_failed', message, 400);
      };
      if (!a) return fail('unknown_account');
      if (a.lockedUntil && new Date(a.lockedUntil) > now) return fail('locked');
      if (!ok) {
        const { locked } = await accounts.recordFailure(a.id, MAX_FAILED_LOGINS, new Date(now.getTime() + LOCK_MINUTES * 60_000));
        if (locked) {
          await onAccount(a.id, { actor: null, action: 'auth.lockout', details: { minutes: LOCK_MINUTES } }, ctx);
        }
        return fail('wrong_password');
      }
      if (a.status !== '在職')
        return fail('retired', '此帳號之人事資料為卸職狀態，無法登入；若有問題請先洽機關所屬人事部門。');
      if (a.mustChangePassword && a.tempPasswordExpiresAt && new Date(a.tempPasswordExpiresAt) < now)
        return fail('temp_expired', '臨時密碼已逾有效期限，請重新使用「忘記密碼」或洽人事人員重設。');
      await accounts.recordSuccess(a.id, now, 'password', ctx.ip);
      await onAccount(a.id, { actor: { accountId: a.id, label: a.name }, action: 'auth.login', details: { method: 'password' } }, ctx);
      return sessionUserFor(a, 'password', now);
    },

    /** Re-reads the account after a change, keeping how the user signed in. */
    async refresh(user: SessionUser): Promise<SessionUser> {
      const a = await accounts.findById(user.accountId);
      if (!a) throw new NotFoundError();
      const fresh = await sessionUserFor(a, user.method, new Date(user.currentLoginAt));
      return { ...fresh, lastLoginAt: user.lastLoginAt, certificate: user.certificate };
    },

    async account(accountId: number) {
      const a = await accounts.findById(accountId);
      if (!a) throw new NotFoundError();
      return a;
    },

    /** The fields 個人資料修改 shows and edits. */
    async profile(accountId: number) {
      const a = await accounts.profile(accountId);
      if (!a) throw new NotFoundError();
      return a;
    },

    async changePassword(
      user: SessionUser,
      input: { currentPassword?: string; newPassword: string; confirmPassword: string },
      ctx: RequestContext & { sid?: string },
    ): Promise<void> {
      const a = await accounts.findById(user.accountId);
      if (!a) throw new NotFoundError();
      const errors: Record<string, string> = {};
      if (!a.mustChangePassword) {
        if (!input.currentPassword) errors.currentPassword = '請輸入目前密碼';
        else if (!(await verifyPassword(a.passwordHash, input.currentPassword))) errors.currentPassword = '目前密碼不正確';
      }
      Object.assign(errors, checkNewPassword(input.newPassword, input.confirmPassword, a));
      if (!errors.newPassword && (await verifyPassword(a.passwordHash, input.newPassword)))
        errors.newPassword = '新密碼不可與目前密碼相同';
      if (Object.keys(errors).length) throw new FormError(errors);
      const hash = await hashPassword(input.newPassword);
      await db.transaction(async (trx) => {
        await accounts.setPassword(a.id, hash, clock(), trx);
        await accounts.endSessions(a.id, ctx.sid, trx);
        await onAccount(a.id, { actor: { accountId: a.id, label: a.name }, action: 'auth.password_change', details: { forced: a.mustChangePassword } }, ctx, trx);
      });
    },

    async updateProfile(
      user: SessionUser,
      input: { username: string; email: string; phone: string; egovOptIn: boolean },
      ctx: RequestContext,
    ): Promise<void> {
      const a = await accounts.findById(user.accountId);
      if (!a) throw new NotFoundError();
      if (await accounts.usernameTaken(input.username, a.id))
        throw new DomainError('username_taken', '此自訂帳號已有人使用，請改用其他帳號', 400, 'username');
      await accounts.updateProfile(a.id, input);
      await onAccount(
        a.id,
        { actor: { accountId: a.id, label: a.name }, action: 'account.profile_update', details: { usernameChanged: a.username !== input.username, emailChanged: a.email !== input.email } },
        ctx,
      );
    },

    /** 忘記密碼: succeeds silently when account and email do not match. */
    async forgotPassword(login: string, email: string, ctx: RequestContext): Promise<void> {
      const a = await accounts.findByLogin(login);
      if (!a || !a.email || a.email.toLowerCase() !== email.toLowerCase() || a.status !== '在職') {
        // An anonymous refusal: counted once per source and minute.
        await audit.recordRefusal({
          action: 'auth.password_reset_request',
          outcome: 'failed',
          target: { type: 'login', id: login.slice(0, 100) },
          ip: ctx.ip,
          requestId: ctx.requestId,
          reason: 'no_match',
        });
        return;
      }
      await issueTemporaryPassword(a, a.email, { action: 'auth.password_reset_self', actor: null, ctx });
    },

    /**
     * Finds a person's account for an assisted reset, within the actor's scope. No such person
     * and a person of another agency get one answer (the other agency audited); the actor's
     * own account is refused (403, audited): 協助設定密碼 would skip their current password.
     */
    async findForAssistedReset(actor: SessionUser, nationalIdOrAccount: string, ctx: RequestContext) {
      const a = await assistedResetTarget(actor, await accounts.findByLogin(nationalIdOrAccount), ctx);
      if (!a) throw new FormError({ query: ASSISTED_RESET_NOT_FOUND });
      return a;
    },

    async assistedReset(actor: SessionUser, accountId: number, ctx: RequestContext) {
      const a = await assistedResetTarget(actor, await accounts.findById(accountId), ctx);
      if (!a) throw new NotFoundError(ASSISTED_RESET_NO_ACCOUNT);
      if (a.status !== '在職') throw new DomainError('retired', '此人員為卸職狀態，無法設定密碼', 409);
      const me = await accounts.findById(actor.accountId);
      const to = a.email ?? me?.email;
      if (!to) throw new DomainError('no_email', '此人員及您本人皆未設定電子郵件，無法寄送新密碼', 409);
      const role = resetScope(actor) === 'all' ? 'cs_agent' : 'hr';
      return issueTemporaryPassword(a, to, { action: `auth.password_reset_by_${role}`, actor, ctx });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
