import express, { type Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import { idParam } from '../../platform/http';
import { pageNumber, parseForm } from '../../platform/validation';
import { FormError } from '../../platform/errors';
import { contentAdminRouter } from '../../platform/content';
import { requireRole } from '../../platform/identity/guards';
import { CONTENT_KINDS } from './contentKinds';
import { searchSchema } from './schemas';

/** The PICS pages anyone reaches from its home: home (or its sign-in page), search, 公告事項, 常見問題, 檔案下載. */
export function picsPageRoutes(services: PicsRouteDeps): Router {
  const { content } = services.pics;
  const router = express.Router();

  // --- PICS home (its own sign-in page when signed out) ---
  router.get('/pics', async (req, res) => {
    if (!req.user) return res.render('pics/login', { title: 'PICS 人事資訊系統客服網登入' });
    res.render('pics/home', { title: 'PICS 人事資訊系統客服網', ...(await content.home()) });
  });

  router.get('/pics/search', async (req, res) => {
    const values = { q: typeof req.query.q === 'string' ? req.query.q : '' };
    try {
      const { q } = parseForm(searchSchema, values);
      res.render('pics/search', { title: '站內搜尋', values, result: await content.search(q) });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('pics/search', { title: '站內搜尋', values, errors: err.errors, result: null });
      throw err;
    }
  });

  router.get('/pics/announcements', async (req, res) => {
    res.render('pics/announcements', { title: '公告事項', result: await content.announcements(pageNumber(req.query.page)) });
  });
  router.get('/pics/announcements/:id', async (req, res) => {
    const a = await content.announcement(idParam(req.params.id));
    res.render('pics/announcement', { title: '公告事項', announcement: a });
  });
  router.get('/pics/faq', async (_req, res) => res.render('pics/faq', { title: '常見問題', faq: await content.faq() }));
  router.get('/pics/downloads', async (_req, res) => res.render('pics/downloads', { title: '檔案下載', downloads: await content.downloads() }));

  return router;
}

/**
 * 內容管理 of the 客服工作台 (mounted under /pics/desk, behind the agents' guard): the
 * supervisors maintain 公告事項, 常見問題, 檔案下載, 罐頭回覆 (kinds of the platform's
 * content module); the 辦公日曆 is src/pics/calendar/routes.ts.
 */
export function picsContentRoutes(services: PicsRouteDeps): Router {
  const router = express.Router();
  const supervisorOnly = requireRole(services.audit, 'cs_supervisor');
  router.use('/content', supervisorOnly);

  router.get('/content', (_req, res) => {
    res.render('pics/desk/content/index', { title: '內容管理', contentKinds: CONTENT_KINDS });
  });

  router.use(
    '/content',
    contentAdminRouter({
      content: services.content,
      kinds: CONTENT_KINDS,
      base: '/pics/desk/content',
      clock: services.clock,
      views: { list: 'pics/desk/content/list', form: 'pics/desk/content/form' },
      done: (kind, verb, title) => `已${verb}${kind.noun}「${title}」。`,
    }),
  );

  return router;
}
