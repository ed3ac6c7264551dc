import type { AuditService } from '../../platform/audit';
import { FormError, NotFoundError } from '../../platform/errors';
import type { RequestContext } from '../../platform/identity/context';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { AppEntry, PortalRepository } from '../repository';

/** Portal administration: the app catalog, every change audited (announcements are the content module's). */
export function createAdminService(deps: { portal: PortalRepository; audit: AuditService }) {
  const { portal, audit } = deps;
  const record = (user: SessionUser, action: string, target: { type: string; id: string | number }, ctx: RequestContext, details = {}) =>
    audit.record({ actor: { accountId: user.accountId, label: user.name }, action, target, ip: ctx.ip, requestId: ctx.requestId, details });

  return {
    apps: () => portal.apps(true),
    async app(code: string) {
      const a = await portal.app(code);
      if (!a) throw new NotFoundError('查無此應用系統');
      return a;
    },
    async createApp(user: SessionUser, input: AppEntry, ctx: RequestContext) {
      if (await portal.app(input.code)) throw new FormError({ code: '此系統代碼已存在' });
      await portal.insertApp(input);
      await record(user, 'app.create', { type: 'app', id: input.code }, ctx, { name: input.name });
    },
    async updateApp(user: SessionUser, code: string, input: Omit<AppEntry, 'code'>, ctx: RequestContext) {
      if (!(await portal.updateApp(code, input))) throw new NotFoundError('查無此應用系統');
      await record(user, 'app.update', { type: 'app', id: code }, ctx, { name: input.name, active: input.active });
    },
    async deleteApp(user: SessionUser, code: string, ctx: RequestContext) {
      if (!(await portal.deleteApp(code))) throw new NotFoundError('查無此應用系統');
      await record(user, 'app.delete', { type: 'app', id: code }, ctx);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
