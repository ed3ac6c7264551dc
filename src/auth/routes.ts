import express, { type RequestHandler } from 'express';
import type { Passport } from 'passport';
import type { AuthRouteDeps } from './deps';
import { ctxOf } from '../platform/identity/context';
import { flash, idParam, submitForm } from '../platform/http';
import { parseForm } from '../platform/validation';
import { FormError } from '../platform/errors';
import { requireRole, requireUser, safeReturnTo } from '../platform/identity/guards';
import { changePasswordSchema, forgotSchema, loginSchema, profileSchema, resetLookupSchema } from './schemas';
import { ASSISTED_RESET_NO_ACCOUNT, PROFILE_FIRST_MESSAGE } from './service';
import { resetScope, type SessionUser } from '../platform/identity/sessionUser';
import { under, type GatedRouter } from '../platform/web/under';

export function authRoutes(services: AuthRouteDeps, passport: InstanceType<typeof Passport>, limits: { loginLimiter: RequestHandler; resetLimiter: RequestHandler }): GatedRouter {
  const { auth, audit } = services;
  const router = express.Router();

  // --- 帳號登入 ---
  router.get('/login', (req, res) => {
    if (req.user) return res.redirect('/my');
    res.render('auth/login', {
      title: '帳號登入',
      values: { returnTo: safeReturnTo(req.query.returnTo) },
      timedOut: res.locals.sessionEnded === true || req.query.timeout === '1',
    });
  });

  router.post('/login', limits.loginLimiter, (req, res, next) => {
    const values = { account: typeof req.body?.account === 'string' ? req.body.account : '', returnTo: safeReturnTo(req.body?.returnTo) };
    try {
      parseForm(loginSchema, req.body);
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('auth/login', { title: '帳號登入', values, errors: err.errors });
      return next(err);
    }
    passport.authenticate('local', (err: unknown, user: SessionUser | false, info?: { message?: string }) => {
      if (err) return next(err);
      if (!user) {
        return res
          .status(400)
          .render('auth/login', { title: '帳號登入', values, errors: { password: info?.message ?? '登入失敗' } });
      }
      // passport regenerates the session id here (no fixation).
      req.logIn(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        req.session.createdAt = Date.now();
        req.session.lastSeenAt = Date.now();
        services.forgetCaches();
        res.redirect(303, values.returnTo);
      });
    })(req, res, next);
  });

  router.post('/logout', (req, res, next) => {
    const user = req.user;
    req.logOut((err) => {
      if (err) return next(err);
      req.session.destroy(async () => {
        res.clearCookie('ecpa.sid');
        if (user) {
          await audit.record({ actor: { accountId: user.accountId, label: user.name }, action: 'auth.logout', ip: req.ip ?? null, requestId: req.id });
        }
        services.forgetCaches();
        res.redirect(303, '/');
      });
    });
  });

  // --- 忘記密碼 ---
  router.get('/forgot-password', (_req, res) => res.render('auth/forgot', { title: '忘記密碼' }));
  router.post('/forgot-password', limits.resetLimiter, async (req, res) => {
    await submitForm(req, res, 'auth/forgot', { title: '忘記密碼' }, async () => {
      const input = parseForm(forgotSchema, req.body);
      await auth.forgotPassword(input.account, input.email, ctxOf(req));
      res.render('auth/forgot-sent', { title: '忘記密碼' });
    });
  });

  // --- 個人資料修改 (also the first sign-in completion) ---
  const profileView = async (user: SessionUser) => {
    const a = await auth.profile(user.accountId);
    return {
      title: '個人資料修改',
      account: a,
      firstTime: user.profileIncomplete,
      notice: user.profileIncomplete ? PROFILE_FIRST_MESSAGE : null,
    };
  };
  router.get('/my/profile', requireUser, async (req, res) => {
    const locals = await profileView(req.user!);
    const a = locals.account;
    res.render('auth/profile', {
      ...locals,
      values: { username: a.username ?? '', email: a.email ?? '', phone: a.phone ?? '', egovOptIn: a.egovOptIn ? 'yes' : 'no' },
    });
  });
  router.post('/my/profile', requireUser, async (req, res) => {
    await submitForm(req, res, 'auth/profile', await profileView(req.user!), async () => {
      const input = parseForm(profileSchema, req.body);
      await auth.updateProfile(req.user!, input, ctxOf(req));
      await refreshSession(req);
      flash(req, 'success', '個人資料已更新。');
      res.redirect(303, req.user!.mustChangePassword ? '/my/password' : '/my/profile');
    });
  });

  // --- 修改密碼 ---
  const passwordView = (user: SessionUser) => ({ title: '修改密碼', forced: user.mustChangePassword });
  router.get('/my/password', requireUser, (req, res) => res.render('auth/password', passwordView(req.user!)));
  router.post('/my/password', requireUser, async (req, res) => {
    await submitForm(
      req,
      res,
      'auth/password',
      passwordView(req.user!),
      async () => {
        const input = parseForm(changePasswordSchema, req.body);
        await auth.changePassword(req.user!, input, ctxOf(req));
        await refreshSession(req);
        flash(req, 'success', '密碼已變更，下次登入請使用新密碼。');
        res.redirect(303, '/my');
      },
      ['currentPassword', 'newPassword', 'confirmPassword'],
    );
  });

  // --- 協助設定密碼 (HR supervisor / authorized HR staff / customer service) ---
  const resetGuard = requireRole(audit, 'hr_supervisor', 'hr_password_reset', 'cs_agent');
  const resetView = (user: SessionUser) => ({
    title: '協助設定密碼',
    scopeAll: resetScope(user) === 'all',
  });
  router.get('/my/password-reset', resetGuard, (req, res) => res.render('auth/assisted-reset', resetView(req.user!)));
  router.post('/my/password-reset/lookup', resetGuard, async (req, res) => {
    await submitForm(req, res, 'auth/assisted-reset', resetView(req.user!), async () => {
      const { query } = parseForm(resetLookupSchema, req.body);
      const target = await auth.findForAssistedReset(req.user!, query, ctxOf(req));
      res.render('auth/assisted-reset', { ...resetView(req.user!), values: { query }, target });
    });
  });
  router.post('/my/password-reset/:accountId', resetGuard, async (req, res) => {
    const id = idParam(req.params.accountId);
    if (id === null) return res.status(404).render('errors/error', { title: '找不到網頁', status: 404, message: ASSISTED_RESET_NO_ACCOUNT });
    const result = await auth.assistedReset(req.user!, id, ctxOf(req));
    const target = await auth.account(id);
    res.render('auth/assisted-reset-done', { title: '協助設定密碼', target, result });
  });

  async function refreshSession(req: express.Request) {
    const fresh = await auth.refresh(req.user!);
    await new Promise<void>((resolve, reject) => {
      req.session.passport = { user: fresh };
      req.user = fresh;
      req.session.save((err) => (err ? reject(err) : resolve()));
    });
  }

  return under({ prefixes: ['/login', '/logout', '/forgot-password', '/my/profile', '/my/password', '/my/password-reset'] }, router);
}
