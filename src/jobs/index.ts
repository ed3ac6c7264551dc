import type { Router } from 'express';
import type { Config } from '../config';
import type { JobsDeps } from './deps';
import type { ScheduledJob } from '../platform/scheduler';
import { createJobsService, type JobsService } from './service';
import { createJobsRouter } from './routes';

/** The area's services, built once from the core services. */
export function createJobsServices(core: JobsDeps) {
  return createJobsService(core);
}

/** The area's routes; app.ts mounts them at the root, so paths are written in full. */
export function jobsRoutes(services: JobsDeps & { jobs: JobsService }, config: Config): Router {
  return createJobsRouter(services, config, services.jobs);
}

/** Scheduled work: the e-newsletter's daily digest of new vacancies. */
export function jobsJobs(services: Pick<JobsDeps, 'config'> & { jobs: JobsService }): ScheduledJob[] {
  const origin = services.config.publicOrigin.replace(/\/$/, '');
  return [{ name: 'jobs.digest', dailyAt: '07:00', run: (now) => services.jobs.sendDigests(now, origin) }];
}
