import express from 'express';
import type { PortalService } from './service';
import type { Config } from '../config';
import { ctxOf } from '../platform/identity/context';
import { flash, idParam } from '../platform/http';
import { pageNumber, parseForm } from '../platform/validation';
import { FormError, NotFoundError } from '../platform/errors';
import { requireUser } from '../platform/identity/guards';
import { APP_CATEGORIES, ROLE_LABELS } from './catalog';
import { BRIDGE_VERSION, bridgePackages, builtBridgePackages } from './bridgePackage';
import { agencySearchSchema } from './schemas';
import { surveyRoutes } from './surveys/routes';
import type { SurveyServices } from './surveys';
import { under, type GatedRouter } from '../platform/web/under';

export function portalRoutes(services: { portal: PortalService; surveys: SurveyServices }, config: Pick<Config, 'bridgeOrigin' | 'publicOrigin'>): GatedRouter {
  const { portal, surveys } = services;
  const router = express.Router();

  // --- 首頁 ---
  router.get('/', async (req, res) => {
    const [counters, announcements] = await Promise.all([portal.counters(), portal.latestAnnouncements()]);
    res.render('portal/home', { title: '首頁', counters, announcements, now: new Date() });
  });

  router.get('/sitemap', (_req, res) => res.render('portal/sitemap', { title: '網站導覽' }));
  // The pages every government site has, linked from every footer.
  router.get('/accessibility', (_req, res) => res.render('portal/accessibility', { title: '無障礙聲明' }));
  router.get('/privacy', (_req, res) => res.render('portal/privacy', { title: '隱私權及資訊安全政策' }));
  router.get('/open-data', (_req, res) => res.render('portal/open-data', { title: '政府網站資料開放宣告' }));
  router.get('/help/first-login', (_req, res) => res.render('help/first-login', { title: '第一次登入說明' }));
  // 元件下載區: the bridge's Linux packages (built on first use, then cached), and the version 環境檢測 expects.
  const packages = () => bridgePackages([config.publicOrigin]);
  router.get('/help/components', (_req, res) => {
    // Size and SHA-256 once built (npm run bridge:package after a deployment, or the first download).
    const built = builtBridgePackages([config.publicOrigin]);
    res.render('help/components', { title: '元件下載區及環境檢測', bridgeOrigin: config.bridgeOrigin, bridgeVersion: BRIDGE_VERSION, packages: built });
  });
  router.get('/help/components/ecpa-card-bridge.tar.gz', async (_req, res) => {
    const { archive } = await packages();
    res.type('application/gzip');
    res.download(archive.file, archive.name);
  });
  router.get('/help/components/ecpa-card-bridge.deb', async (_req, res) => {
    const { deb } = await packages();
    if (!deb) throw new NotFoundError('本伺服器無法產製 .deb 安裝檔，請下載 .tar.gz 安裝檔。');
    res.type('application/vnd.debian.binary-package');
    res.download(deb.file, deb.name);
  });

  // --- 最新公告 ---
  router.get('/announcements', async (req, res) => {
    const result = await portal.announcements(pageNumber(req.query.page));
    res.render('portal/announcements', { title: '最新公告', result });
  });
  router.get('/announcements/:id', async (req, res) => {
    res.render('portal/announcement', { title: '最新公告', announcement: await portal.announcement(idParam(req.params.id)) });
  });

  // --- 機關組織 / 機關代碼查詢 ---
  router.get('/agencies', async (req, res) => {
    const values = { q: typeof req.query.q === 'string' ? req.query.q : '' };
    try {
      const { q } = parseForm(agencySearchSchema, { q: values.q });
      res.render('portal/agencies', { title: '機關代碼查詢', values, result: await portal.agencies(q, pageNumber(req.query.page)) });
    } catch (err) {
      if (err instanceof FormError) {
        return res.status(400).render('portal/agencies', { title: '機關代碼查詢', values, errors: err.errors, result: null });
      }
      throw err;
    }
  });

  // --- 機關憑證 sessions land here ---
  router.get('/agency', requireUser, (req, res) => {
    if (req.user!.kind !== 'agency') return res.redirect(303, '/my');
    res.render('portal/agency', { title: '機關憑證服務' });
  });

  // --- 我的專區 ---
  router.get('/my', requireUser, async (req, res) => {
    const [menu, todos] = await Promise.all([portal.appMenu(req.user!), surveys.questionnaires.todos(req.user!)]);
    res.render('portal/my', { title: '我的專區', favorites: menu.favorites, todos, roleLabels: ROLE_LABELS });
  });

  router.get('/my/apps', requireUser, async (req, res) => {
    const menu = await portal.appMenu(req.user!);
    const open = typeof req.query.category === 'string' && APP_CATEGORIES.some((c) => c.code === req.query.category) ? req.query.category : null;
    res.render('portal/apps', { title: '應用系統', menu, open });
  });

  router.post('/my/apps/:code/favorite', requireUser, async (req, res) => {
    const code = String(req.params.code).slice(0, 10);
    const pinned = req.body?.pinned !== 'false';
    await portal.setFavorite(req.user!, code, pinned, ctxOf(req));
    flash(req, 'success', pinned ? `已將 ${code} 設定為常用應用系統。` : `已將 ${code} 自常用應用系統移除。`);
    const back = typeof req.body?.back === 'string' && req.body.back === 'my' ? '/my' : '/my/apps';
    res.redirect(303, back);
  });

  router.get('/my/apps/:code/open', requireUser, async (req, res) => {
    const app = await portal.usableApp(req.user!, String(req.params.code).slice(0, 10), ctxOf(req));
    res.redirect(303, app.url);
  });

  router.get('/my/job', requireUser, async (req, res) => {
    res.render('portal/job', { title: '現職資料', job: await portal.currentJob(req.user!) });
  });

  // --- 主題投票, 待辦事項 and 問卷 (src/portal/surveys) ---
  router.use(surveyRoutes(surveys));

  return under(
    {
      pages: ['/', '/my'],
      prefixes: ['/sitemap', '/accessibility', '/privacy', '/open-data', '/help', '/announcements', '/agencies', '/agency', '/my/apps', '/my/job', '/my/todo', '/my/questionnaires', '/polls'],
    },
    router,
  );
}
