import type { NextFunction, Request, Response } from 'express';
import { AGENCY_NOT_AUTHORIZED } from '../platform/identity/accountRules';
import { hasRole } from '../platform/identity/sessionUser';
import type { Identity } from '../platform/identity';

export const CLOUD_CARD_ONLY = '人事雲端服務平台限以機關憑證登入後使用，請插入機關憑證IC卡並以「憑證登入」登入。';

/**
 * The platform's agency pages: an agency certificate session whose agency is granted the
 * cloud area. Signed out → card login; any other session → the manual's permission
 * message (seed 002 常見問題 3), audited.
 */
export function requireCloudAgency(core: { identity: Identity }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const u = req.user;
    if (!u) return res.redirect(`/login/certificate?returnTo=${encodeURIComponent(req.originalUrl)}`);
    const allowed = u.kind === 'agency' && u.method === 'gca' && (await core.identity.hasAreaGrant(u.agencyId, 'cloud'));
    if (allowed) return next();
    await core.identity.accessDenied(req, { area: 'cloud', kind: u.kind, method: u.method });
    res.status(403).render('errors/error', {
      title: '無使用權限',
      status: 403,
      message: u.kind === 'agency' ? AGENCY_NOT_AUTHORIZED : CLOUD_CARD_ONLY,
    });
  };
}

/** The Ministry's administrators (銓敘部管理者): a person session with platform_admin. */
export function isCloudAdmin(req: Request): boolean {
  return Boolean(req.user && req.user.kind === 'person' && hasRole(req.user, 'platform_admin'));
}
