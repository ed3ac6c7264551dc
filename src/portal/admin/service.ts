import type { AuditService } from '../../platform/audit';
import type { Db } from '../../platform/database';
import { FormError, NotFoundError } from '../../platform/errors';
import type { RequestContext } from '../../platform/identity/context';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { AppEntry, PortalRepository } from '../repository';

/** Portal administration: the app catalog, every change audited (announcements are the content module's). */
export function createAdminService(deps: { portal: PortalRepository; audit: AuditService }) {
  const { portal, audit } = deps;
  const record = (user: SessionUser, action: string, target: { type: string; id: string | number }, ctx: RequestContext, details: Record<string, unknown>, trx?: Db) =>
    audit.record({ actor: { accountId: user.accountId, label: user.name }, action, target, ip: ctx.ip, requestId: ctx.requestId, details }, trx);
  const detailsOf = (a: Omit<AppEntry, 'code'>) => ({ name: a.name, url: a.url, requiredRole: a.requiredRole, agencies: a.agencies, showCode: a.showCode, active: a.active });
  /** The agencies an entry is limited to; a code not in 機關代碼 is the form's error. */
  async function agencyIdsOf(codes: string[]): Promise<number[]> {
    if (!codes.length) return [];
    const { ids, unknown } = await portal.agencyIds(codes);
    if (unknown.length) throw new FormError({ agencies: `查無機關代碼 ${unknown.slice(0, 5).join('、')}` });
    return ids;
  }

  return {
    apps: () => portal.apps(true),
    async app(code: string) {
      const a = await portal.app(code);
      if (!a) throw new NotFoundError('查無此應用系統');
      return a;
    },
    async createApp(user: SessionUser, input: AppEntry, ctx: RequestContext) {
      const agencyIds = await agencyIdsOf(input.agencies);
      await portal.transaction(async (trx) => {
        if (!(await portal.insertApp(trx, input, agencyIds))) throw new FormError({ code: '此系統代碼已存在' });
        await record(user, 'app.create', { type: 'app', id: input.code }, ctx, detailsOf(input), trx);
      });
    },
    async updateApp(user: SessionUser, code: string, input: Omit<AppEntry, 'code'>, ctx: RequestContext) {
      const agencyIds = await agencyIdsOf(input.agencies);
      await portal.transaction(async (trx) => {
        if (!(await portal.updateApp(trx, code, input, agencyIds))) throw new NotFoundError('查無此應用系統');
        await record(user, 'app.update', { type: 'app', id: code }, ctx, detailsOf(input), trx);
      });
    },
    async deleteApp(user: SessionUser, code: string, ctx: RequestContext) {
      await portal.transaction(async (trx) => {
        if (!(await portal.deleteApp(trx, code))) throw new NotFoundError('查無此應用系統');
        await record(user, 'app.delete', { type: 'app', id: code }, ctx, {}, trx);
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
