import type { Router } from 'express';
import type { Config } from '../../config';
import type { CoreServices, Services } from '../../services';
import type { ScheduledJob } from '../../platform/scheduler';
import type { PicsDeskServices } from '../desk';
import { createChatService, type ChatDesk } from './service';
import { createChatRoutes } from './routes';

/** 文字客服: queue, seats, messages over SSE + LISTEN/NOTIFY, agent console. */
export function createChatServices(core: CoreServices, desk: PicsDeskServices) {
  return createChatService(core, desk as unknown as ChatDesk);
}

export function chatRoutes(services: Services, config: Config): Router {
  void config;
  return createChatRoutes(services);
}

export function chatJobs(services: Services): ScheduledJob[] {
  return [{ name: 'pics.chat.idle', everyMinutes: 10, run: (now) => services.pics.chat.endIdle(now) }];
}
