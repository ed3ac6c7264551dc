import type { Config } from '../config';
import type { MydataDeps } from './deps';
import type { ScheduledJob } from '../platform/scheduler';
import { createMydataService, type MydataService } from './service';
import { createMydataRouter } from './routes';
import { under, type GatedRouter } from '../platform/web/under';

/**
 * The area's services, built once from the core services. `resumePdf(personId, { extraText })`
 * is also used by 事求人 for applicants' resumes.
 */
export function createMydataServices(core: MydataDeps) {
  return createMydataService(core);
}

/** The area's routes, written with full paths and run only for the area's own (platform/web/under.ts). */
export function mydataRoutes(services: MydataDeps & { mydata: MydataService }, config: Config): GatedRouter {
  void config;
  return under({ prefixes: ['/mydata'] }, createMydataRouter(services));
}

/** Scheduled work (daily mails, reminders); runs once per period across instances. */
export function mydataJobs(services: unknown): ScheduledJob[] {
  void services;
  return [];
}
