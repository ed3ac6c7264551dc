import { Router } from 'express';
import type { Config } from '../../config';
import type { CoreServices, Services } from '../../services';
import type { ScheduledJob } from '../../platform/scheduler';

export function createApplyServices(core: CoreServices) {
  void core;
  return {};
}

export function applyRoutes(services: Services, config: Config): Router {
  void services;
  void config;
  return Router();
}

export function applyJobs(services: Services): ScheduledJob[] {
  void services;
  return [];
}
