import { Router } from 'express';
import type { Config } from '../config';
import type { CoreServices, Services } from '../services';
import type { ScheduledJob } from '../platform/scheduler';

/** The area's services, built once from the core services. */
export function createMydataServices(core: CoreServices) {
  void core;
  return {};
}

/** The area's routes; app.ts mounts them at the root, so paths are written in full. */
export function mydataRoutes(services: Services, config: Config): Router {
  void services;
  void config;
  return Router();
}

/** Scheduled work (daily mails, reminders); runs once per period across instances. */
export function mydataJobs(services: Services): ScheduledJob[] {
  void services;
  return [];
}
