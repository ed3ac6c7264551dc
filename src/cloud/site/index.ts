import type { Config } from '../../config';
import type { CloudDeps } from '../deps';
import type { CloudRouteDeps } from '../routeDeps';
import type { ScheduledJob } from '../../platform/scheduler';
import { routerOf, type Listed } from '../../platform/web/routers';
import { createSiteService } from './service';
import { siteRouter } from './routes';
import { siteAdminRouter } from './adminRoutes';

export { startCloudWebService } from './ws';

/** The site's pages, data dictionary, delivery, web service, error reports, admin and audit. */
export function createSiteServices(core: CloudDeps) {
  return createSiteService(core);
}

export function siteRoutes(services: CloudRouteDeps, config: Config): Listed {
  void config;
  return routerOf(siteRouter(services), siteAdminRouter(services));
}

export function siteJobs(services: CloudRouteDeps): ScheduledJob[] {
  void services;
  return [];
}
