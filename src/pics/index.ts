import { Router } from 'express';
import type { Config } from '../config';
import type { PicsDeps } from './deps';
import type { PicsRouteDeps } from './routeDeps';
import { createPicsDeskServices } from './deskServices';
import type { ScheduledJob } from '../platform/scheduler';
import { deskJobs, deskRoutes } from './desk';
import { chatJobs, chatRoutes, createChatServices } from './chat';

/** PICS 人事資訊系統客服網: tickets and the desk (desk.ts), text chat (chat/). */
export function createPicsServices(core: PicsDeps) {
  const desk = createPicsDeskServices(core);
  return { ...desk, chat: createChatServices(core, desk) };
}

export function picsRoutes(services: PicsRouteDeps, config: Config): Router {
  const r = Router();
  r.use(deskRoutes(services, config));
  r.use(chatRoutes(services, config));
  return r;
}

export function picsJobs(services: PicsRouteDeps): ScheduledJob[] {
  return [...deskJobs(services), ...chatJobs(services)];
}
