import { Router } from 'express';
import type { Config } from '../../config';
import type { CoreServices, Services } from '../../services';
import type { ScheduledJob } from '../../platform/scheduler';

export function createSiteServices(core: CoreServices) {
  void core;
  return {};
}

export function siteRoutes(services: Services, config: Config): Router {
  void services;
  void config;
  return Router();
}

export function siteJobs(services: Services): ScheduledJob[] {
  void services;
  return [];
}
