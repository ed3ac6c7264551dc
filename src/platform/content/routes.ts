import express, { type Request, type Router } from 'express';
import { flash, idParam, submitForm } from '../http';
import { ctxOf } from '../identity/context';
import { pageNumber } from '../validation';
import { taipeiToday } from '../dates';
import type { ContentKind } from './kinds';
import type { ContentService } from './service';

type Verb = '新增' | '更新' | '刪除';

export interface ContentAdminOptions {
  content: ContentService;
  kinds: readonly ContentKind[];
  /** The URL the router is mounted at, e.g. /pics/desk/content. */
  base: string;
  clock: () => Date;
  /** The list and form views of this site's layout (both take the same locals). */
  views: { list: string; form: string };
  /** What this site's pages need besides (menus, labels, stylesheets). */
  locals?: (kind: ContentKind) => Record<string, unknown>;
  /** The success message after a change. */
  done: (kind: ContentKind, verb: Verb, title: string) => string;
}

/**
 * The management pages of content kinds, one set of routes per kind at <base>/<slug>: the
 * list (paged), new, edit, delete. The site's own guard runs before this router; the service
 * checks the kind's role again. Mounted at today's URLs by pics, cloud and admin.
 */
export function contentAdminRouter(o: ContentAdminOptions): Router {
  const { content } = o;
  const router = express.Router();
  for (const kind of o.kinds) {
    const listUrl = `${o.base}/${kind.slug}`;
    const extra = () => ({ kind, contentKinds: o.kinds, listUrl, ...o.locals?.(kind) });
    const formLocals = (editing: { id: number } | null) => ({
      title: editing ? `修改${kind.noun}` : `新增${kind.noun}`,
      editing,
      action: editing ? `${listUrl}/${editing.id}` : listUrl,
      ...extra(),
    });
    const rawId = (req: Request) => String(req.params.id);
    const item = (req: Request) => content.item(req.user!, kind, idParam(req.params.id), rawId(req), ctxOf(req));

    router.get(`/${kind.slug}`, async (req, res) => {
      res.render(o.views.list, { title: `${kind.label}管理`, result: await content.list(kind, pageNumber(req.query.page)), today: taipeiToday(o.clock()), ...extra() });
    });

    router.get(`/${kind.slug}/new`, async (_req, res) => {
      res.render(o.views.form, { ...formLocals(null), values: await content.newValues(kind) });
    });

    router.post(`/${kind.slug}`, async (req, res) => {
      await submitForm(req, res, o.views.form, formLocals(null), async () => {
        const { title } = await content.create(req.user!, kind, req.body, ctxOf(req));
        flash(req, 'success', o.done(kind, '新增', title));
        res.redirect(303, listUrl);
      });
    });

    router.get(`/${kind.slug}/:id/edit`, async (req, res) => {
      const row = await item(req);
      res.render(o.views.form, { ...formLocals(row), values: content.formValues(kind, row) });
    });

    router.post(`/${kind.slug}/:id`, async (req, res) => {
      const row = await item(req);
      await submitForm(req, res, o.views.form, formLocals(row), async () => {
        const { title } = await content.update(req.user!, kind, row.id, req.body, ctxOf(req));
        flash(req, 'success', o.done(kind, '更新', title));
        res.redirect(303, listUrl);
      });
    });

    router.post(`/${kind.slug}/:id/delete`, async (req, res) => {
      const { title } = await content.remove(req.user!, kind, idParam(req.params.id), rawId(req), ctxOf(req));
      flash(req, 'success', o.done(kind, '刪除', title));
      res.redirect(303, listUrl);
    });
  }
  return router;
}
