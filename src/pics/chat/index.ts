import { Router } from 'express';
import type { Config } from '../../config';
import type { CoreServices, Services } from '../../services';
import type { ScheduledJob } from '../../platform/scheduler';
import type { PicsDeskServices } from '../desk';

export function createChatServices(core: CoreServices, desk: PicsDeskServices) {
  void core;
  void desk;
  return {};
}

export function chatRoutes(services: Services, config: Config): Router {
  void services;
  void config;
  return Router();
}

export function chatJobs(services: Services): ScheduledJob[] {
  void services;
  return [];
}
