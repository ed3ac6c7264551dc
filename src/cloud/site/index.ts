import { Router } from 'express';
import type { Config } from '../../config';
import type { CoreServices, Services } from '../../services';
import type { ScheduledJob } from '../../platform/scheduler';
import { createSiteService } from './service';
import { siteRouter } from './routes';
import { siteAdminRouter } from './adminRoutes';

export { startCloudWebService } from './ws';

/** The site's pages, data dictionary, delivery, web service, error reports, admin and audit. */
export function createSiteServices(core: CoreServices) {
  return createSiteService(core);
}

export function siteRoutes(services: Services, config: Config): Router {
  void config;
  const r = Router();
  r.use(siteRouter(services));
  r.use(siteAdminRouter(services));
  return r;
}

export function siteJobs(services: Services): ScheduledJob[] {
  void services;
  return [];
}
