import type { Router } from 'express';
import type { Config } from '../../config';
import type { PicsDeps } from '../deps';
import type { PicsRouteDeps } from '../routeDeps';
import type { ScheduledJob } from '../../platform/scheduler';
import type { PicsDeskServices } from '../deskServices';
import { createChatService, type ChatDesk } from './service';
import { createChatRoutes } from './routes';

/** 文字客服: queue, seats, messages over SSE + LISTEN/NOTIFY, agent console. */
export function createChatServices(core: PicsDeps, desk: PicsDeskServices) {
  return createChatService(core, desk as unknown as ChatDesk);
}

export function chatRoutes(services: PicsRouteDeps, config: Config): Router {
  void config;
  return createChatRoutes(services);
}

export function chatJobs(services: PicsRouteDeps): ScheduledJob[] {
  return [{ name: 'pics.chat.idle', everyMinutes: 10, run: (now) => services.pics.chat.endIdle(now) }];
}
