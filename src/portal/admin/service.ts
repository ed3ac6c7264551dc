import type { AuditService } from '../../platform/audit';
import { FormError, NotFoundError } from '../../platform/errors';
import type { RequestContext } from '../../platform/identity/context';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { AppEntry, PortalRepository } from '../repository';
import type { PortalService } from '../service';

type AnnouncementInput = { title: string; body: string; category: string; publishOn: string; unpublishOn: string | null };

/** Portal administration: announcements and the app catalog, every change audited. */
export function createAdminService(deps: { portal: PortalRepository; portalService: PortalService; audit: AuditService }) {
  const { portal, portalService, audit } = deps;
  const record = (user: SessionUser, action: string, target: { type: string; id: string | number }, ctx: RequestContext, details = {}) =>
    audit.record({ actor: { accountId: user.accountId, label: user.name }, action, target, ip: ctx.ip, requestId: ctx.requestId, details });

  return {
    async announcements(page: number) {
      const size = 20;
      const r = await portal.announcements({ today: '', limit: size, offset: (page - 1) * size, all: true });
      return { ...r, page, pages: Math.max(1, Math.ceil(r.total / size)) };
    },
    async createAnnouncement(user: SessionUser, input: AnnouncementInput, ctx: RequestContext) {
      const id = await portal.insertAnnouncement(input, user.accountId);
      await record(user, 'announcement.create', { type: 'announcement', id }, ctx, { title: input.title });
      portalService.forgetCaches();
      return id;
    },
    async updateAnnouncement(user: SessionUser, id: number, input: AnnouncementInput, ctx: RequestContext) {
      if (!(await portal.updateAnnouncement(id, input))) throw new NotFoundError('查無此公告');
      await record(user, 'announcement.update', { type: 'announcement', id }, ctx, { title: input.title });
      portalService.forgetCaches();
    },
    async deleteAnnouncement(user: SessionUser, id: number, ctx: RequestContext) {
      if (!(await portal.deleteAnnouncement(id))) throw new NotFoundError('查無此公告');
      await record(user, 'announcement.delete', { type: 'announcement', id }, ctx);
      portalService.forgetCaches();
    },

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
