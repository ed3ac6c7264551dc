import type { Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import { notAfterNow, type ScheduledJob } from '../../platform/scheduler';
import { createChatRoutes } from './routes';

/** 文字客服: queue, seats, messages over SSE + LISTEN/NOTIFY, agent console. */
export function chatRoutes(services: PicsRouteDeps): Router {
  return createChatRoutes(services);
}

export function chatJobs(services: PicsRouteDeps): ScheduledJob[] {
  return [{ name: 'pics.chat.idle', everyMinutes: 10, run: (now) => services.pics.chat.endIdle(notAfterNow(now)) }];
}
