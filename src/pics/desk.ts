import { Router } from 'express';
import type { Config } from '../config';
import type { CoreServices, Services } from '../services';
import type { ScheduledJob } from '../platform/scheduler';

/** Tickets, the agent desk, the work calendar, WebHR, PICS home. */
export function createPicsDeskServices(core: CoreServices) {
  void core;
  return {};
}

export type PicsDeskServices = ReturnType<typeof createPicsDeskServices>;

export function deskRoutes(services: Services, config: Config): Router {
  void services;
  void config;
  return Router();
}

export function deskJobs(services: Services): ScheduledJob[] {
  void services;
  return [];
}
