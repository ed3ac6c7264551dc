import { Router } from 'express';
import type { Config } from '../config';
import type { PicsRouteDeps } from './routeDeps';
import type { ScheduledJob } from '../platform/scheduler';
import { picsPageRoutes } from './content/routes';
import { ticketRoutes } from './tickets/routes';
import { deskJobs, deskRoutes } from './desk';
import { webhrRoutes } from './webhr/routes';
import { chatJobs, chatRoutes } from './chat';
import { assistantRoutes } from './assistant';
import { under, type GatedRouter } from '../platform/web/under';

export { createPicsServices, type PicsServices } from './services';

const STYLES = ['/public/css/pics.css'];

/**
 * PICS 人事資訊系統客服網, one folder per journey: content/ (home, search, 公告事項, 常見問題,
 * 檔案下載, 內容管理), tickets/ (線上掛號, 掛號查詢), desk/ (客服工作台), calendar/ (辦公日曆),
 * chat/ (文字客服), webhr/ (the WebHR API), assistant/ (智慧客服).
 */
export function picsRoutes(services: PicsRouteDeps, config: Config): GatedRouter {
  void config;
  const r = Router();
  r.use('/pics', async (_req, res, next) => {
    res.locals.stylesheets = STYLES;
    res.locals.picsHot = await services.pics.content.hotKeywords();
    next();
  });
  r.use(picsPageRoutes(services));
  r.use(ticketRoutes(services));
  r.use(deskRoutes(services));
  r.use(webhrRoutes(services));
  r.use(chatRoutes(services));
  r.use(assistantRoutes(services));
  return under({ prefixes: ['/pics', '/api/pics'] }, r);
}

export function picsJobs(services: PicsRouteDeps): ScheduledJob[] {
  return [...deskJobs(services), ...chatJobs(services)];
}
