import type { Config } from '../config';
import type { CloudDeps } from './deps';
import type { CloudRouteDeps } from './routeDeps';
import type { ScheduledJob } from '../platform/scheduler';
import { routerOf } from '../platform/web/routers';
import { applyJobs, applyRoutes, createApplyServices } from './apply';
import { createSiteServices, siteJobs, siteRoutes } from './site';
import { under, type GatedRouter } from '../platform/web/under';

export { startCloudWebService } from './site';

/**
 * 人事雲端服務平台: the application wizard, progress and review (apply/); the site's
 * pages, data dictionary, delivery, web service, error reports, admin and audit (site/).
 */
export function createCloudServices(core: CloudDeps) {
  return { apply: createApplyServices(core), site: createSiteServices(core) };
}

export function cloudRoutes(services: CloudRouteDeps, config: Config): GatedRouter {
  return under({ prefixes: ['/cloud'] }, routerOf(applyRoutes(services, config), siteRoutes(services, config)));
}

export function cloudJobs(services: CloudRouteDeps): ScheduledJob[] {
  return [...applyJobs(services), ...siteJobs(services)];
}
