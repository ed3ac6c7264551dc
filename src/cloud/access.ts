import type { NextFunction, Request, Response } from 'express';
import { AGENCY_NOT_AUTHORIZED } from '../auth/cardLogin';
import { hasRole } from '../auth/sessionUser';
import type { CoreServices } from '../services';

export const CLOUD_CARD_ONLY = '人事雲端服務平台限以機關憑證登入後使用，請插入機關憑證IC卡並以「憑證登入」登入。';

/**
 * The platform's agency pages: an agency certificate session whose agency is granted the
 * cloud area. Signed out → card login; any other session → the manual's permission
 * message (seed 002 常見問題 3), audited.
 */
export function requireCloudAgency(core: Pick<CoreServices, 'db' | 'audit'>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const u = req.user;
    if (!u) return res.redirect(`/login/certificate?returnTo=${encodeURIComponent(req.originalUrl)}`);
    const allowed =
      u.kind === 'agency' && u.method === 'gca' && (await core.db('agency_area_grant').where({ agency_id: u.agencyId, area: 'cloud' }).first());
    if (allowed) return next();
    await core.audit.record({
      actor: { accountId: u.accountId || null, label: u.name },
      action: 'access.denied',
      outcome: 'denied',
      target: { type: 'path', id: req.originalUrl.slice(0, 100) },
      ip: req.ip ?? null,
      requestId: req.id,
      details: { area: 'cloud', kind: u.kind, method: u.method },
    });
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
