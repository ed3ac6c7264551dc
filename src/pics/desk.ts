import { Router } from 'express';
import type { Config } from '../config';
import type { CoreServices, Services } from '../services';
import type { ScheduledJob } from '../platform/scheduler';

/** Tickets, the agent desk, the work calendar, WebHR, PICS home. */
export function createPicsDeskServices(core: CoreServices) {
  void core;
  return {
    /** The government work calendar (holidays and make-up workdays). */
    calendar: {
      async isWorkday(date: Date): Promise<boolean> {
        const day = new Date(date.getTime() + 8 * 3600_000).getUTCDay();
        return day !== 0 && day !== 6;
      },
    },
  };
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
