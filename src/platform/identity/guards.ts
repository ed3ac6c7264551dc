import type { NextFunction, Request, Response } from 'express';
import type { AuditService } from '../audit';
import { ForbiddenError } from '../errors';
import { actorOf } from './actor';
import { hasRole, type SessionUser } from './sessionUser';
import { ctxOf, type RequestContext } from './context';

/** A refusal inside a service, where no request is at hand: who, from where, and what was refused. */
export interface DeniedCall {
  user: SessionUser;
  ctx: RequestContext;
  target: { type: string; id: string | number };
}

/**
 * The one audit entry of a refused page: action `access.denied` (or the area's own
 * action), the path as target, the signed-in user as actor. A service's refusal
 * (a DeniedCall) names its own target.
 */
export function recordAccessDenied(audit: AuditService, by: Request | DeniedCall, details: Record<string, unknown>, action = 'access.denied') {
  if ('ctx' in by) {
    return audit.record({ actor: actorOf(by.user), action, outcome: 'denied', target: by.target, ip: by.ctx.ip, requestId: by.ctx.requestId, details });
  }
  const req = by;
  return audit.record({
    actor: req.user ? actorOf(req.user) : null,
    action,
    outcome: 'denied',
    target: { type: 'path', id: req.originalUrl.slice(0, 100) },
    ip: req.ip ?? null,
    requestId: req.id,
    details,
  });
}

/** A local path to come back to after signing in; anything else becomes '/my'. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7E]{0,500}$/.test(value) ? value : '/my';
}

/**
 * The signed-in user of a request, straight from its session: what Passport's session
 * strategy does when users are stored whole (serializeUser and deserializeUser are the
 * identity). Passport itself runs only where people sign in and out (req.logIn, req.logOut).
 */
export function userFromSession(req: Request, _res: Response, next: NextFunction) {
  const user = req.session?.passport?.user;
  if (user) req.user = user;
  next();
}

export function requireUser(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next();
  if (req.method === 'GET') {
    // Say why on the sign-in page when this request found the session timed out.
    const timeout = res.locals.sessionEnded === true ? '&timeout=1' : '';
    return res.redirect(`/login?returnTo=${encodeURIComponent(req.originalUrl)}${timeout}`);
  }
  return res.status(401).render('errors/error', { title: '請先登入', message: '請先登入後再使用此功能。', status: 401 });
}

/** Paths open while the profile or the password still has to be completed. */
const COMPLETION_PATHS = ['/my/profile', '/my/password', '/logout'];

/**
 * Until a signed-in user has set a custom account and email, and replaced a
 * temporary password, every other page sends them to that form first.
 */
export function enforceAccountCompletion(req: Request, res: Response, next: NextFunction) {
  const u = req.user;
  if (!u) return next();
  const path = req.path;
  // An agency certificate session has no personal pages; it may reset its people's passwords.
  if (u.kind === 'agency' && (path === '/my' || path.startsWith('/my/')) && !path.startsWith('/my/password-reset')) return res.redirect(303, '/agency');
  if (COMPLETION_PATHS.includes(path)) return next();
  if (u.profileIncomplete) return res.redirect(303, '/my/profile');
  if (u.mustChangePassword) return res.redirect(303, '/my/password');
  next();
}

export function requireRole(audit: AuditService, ...roles: string[]) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return requireUser(req, _res, next);
    if (roles.some((r) => hasRole(req.user, r))) return next();
    await recordAccessDenied(audit, req, { required: roles });
    next(new ForbiddenError());
  };
}

/**
 * Pages of a person's own data: an agency certificate session has none. Refusals are
 * audited like any other.
 */
export function requirePerson(audit: AuditService, message = '機關憑證無個人資料，請以個人帳號或自然人憑證登入。') {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!req.user) return requireUser(req, res, next);
    if (req.user.kind === 'person') return next();
    await recordAccessDenied(audit, req, { required: 'person', kind: req.user.kind });
    next(new ForbiddenError(message));
  };
}

/**
 * A service's own permission check as a route guard: the request goes on once `check` passes
 * for the signed-in user; its refusal (audited by the service) goes to the error handler.
 */
export function requireCheck(check: (u: SessionUser, ctx: RequestContext) => Promise<void>) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    await check(req.user!, ctxOf(req));
    next();
  };
}
