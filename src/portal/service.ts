import { auditSource, type AuditService } from '../platform/audit';
import { startOfTaipeiDay } from '../platform/dates';
import { ForbiddenError, NotFoundError } from '../platform/errors';
import { hasRole, type SessionUser } from '../platform/identity/sessionUser';
import type { RequestContext } from '../platform/identity/context';
import { APP_CATEGORIES, PAGE_SIZE } from './catalog';
import type { AppEntry, PortalRepository } from './repository';
import { isSafeAppLink } from './schemas';
import type { ContentService } from '../platform/content';
import { PORTAL_ANNOUNCEMENTS } from './contentKinds';

export interface Page<T> {
  rows: T[];
  page: number;
  pages: number;
  total: number;
}

function paged<T>(r: { rows: T[]; total: number }, page: number, size = PAGE_SIZE): Page<T> {
  return { rows: r.rows, total: r.total, page, pages: Math.max(1, Math.ceil(r.total / size)) };
}

/**
 * A value shared by every visitor, kept for `ttlMs`. Concurrent misses share one load
 * (no stampede of identical queries when it expires under load); `forget()` also drops
 * a load already under way, so nothing read before a change is kept after it.
 */
function sharedCache<T>(ttlMs: number, clock: () => Date, load: (now: Date) => Promise<T>) {
  let entry: { at: number; value: T } | null = null;
  let pending: Promise<T> | null = null;
  let generation = 0;
  return {
    get(): Promise<T> {
      const now = clock();
      if (entry && now.getTime() - entry.at < ttlMs) return Promise.resolve(entry.value);
      if (pending) return pending;
      const started = generation;
      const p = load(now)
        .then((value) => {
          if (started === generation) entry = { at: now.getTime(), value };
          return value;
        })
        .finally(() => {
          if (pending === p) pending = null;
        });
      pending = p;
      return p;
    },
    forget() {
      entry = null;
      pending = null;
      generation++;
    },
  };
}

export function createPortalService(deps: { portal: PortalRepository; content: ContentService; audit: AuditService; clock?: () => Date; countersTtlMs?: number }) {
  const { portal, content, audit } = deps;
  const clock = deps.clock ?? (() => new Date());
  const ttl = deps.countersTtlMs ?? 5_000;
  const counterCache = sharedCache(ttl, clock, (now) => portal.counters(startOfTaipeiDay(now)));
  const latestCache = sharedCache(ttl, clock, () => content.latest(PORTAL_ANNOUNCEMENTS, { limit: 5 }));

  /** Who may see an entry: its role (if any), and its agencies (if limited to some). */
  const canUse = (user: SessionUser | undefined, app: AppEntry) =>
    (!app.requiredRole || hasRole(user, app.requiredRole)) && (app.agencies.length === 0 || (user !== undefined && app.agencies.includes(user.agencyCode)));

  return {
    /** 目前線上人數 / 今日總計人數 / 累積上線人數, recomputed at most every few seconds. */
    async counters() {
      return counterCache.get();
    },

    async latestAnnouncements() {
      return latestCache.get();
    },

    forgetCaches() {
      counterCache.forget();
      latestCache.forget();
    },

    announcements: (page: number) => content.published(PORTAL_ANNOUNCEMENTS, { page, size: PAGE_SIZE }),

    /** A published announcement, or a 404. */
    announcement: (id: number | null) => content.publishedItem(PORTAL_ANNOUNCEMENTS, id),

    /** The catalog grouped by category, with what this user may open and has pinned. */
    async appMenu(user: SessionUser) {
      const [apps, favorites] = await Promise.all([portal.apps(), portal.favorites(user.accountId)]);
      const usable = apps.filter((a) => canUse(user, a));
      return {
        categories: APP_CATEGORIES.map((c) => ({ ...c, apps: usable.filter((a) => a.category === c.code) })),
        favorites: favorites.map((code) => usable.find((a) => a.code === code)).filter((a): a is AppEntry => Boolean(a)),
        favoriteCodes: new Set(favorites),
      };
    },

    async usableApp(user: SessionUser, code: string, ctx: RequestContext): Promise<AppEntry> {
      const app = await portal.app(code);
      // A link that is not http(s) or of this site is never followed (the form refuses them).
      if (!app || !app.active || !isSafeAppLink(app.url)) throw new NotFoundError('查無此應用系統');
      if (!canUse(user, app)) {
        // Agency sessions never reach /my/ (enforceAccountCompletion): the actor is a person.
        await audit.record({ ...auditSource(user, ctx), action: 'app.open', outcome: 'denied', target: { type: 'app', id: code } });
        throw new ForbiddenError('您沒有使用此應用系統的權限');
      }
      return app;
    },

    async setFavorite(user: SessionUser, code: string, pinned: boolean, ctx: RequestContext) {
      await this.usableApp(user, code, ctx);
      if (pinned) await portal.addFavorite(user.accountId, code);
      else await portal.removeFavorite(user.accountId, code);
    },

    async agencies(q: string, page: number) {
      return paged(await portal.searchAgencies(q, PAGE_SIZE, (page - 1) * PAGE_SIZE), page);
    },

    async currentJob(user: SessionUser) {
      const job = await portal.currentJob(user.personId);
      if (!job) throw new NotFoundError();
      return job;
    },
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
