import { Router } from 'express';
import type { Config } from '../../config';
import type { CoreServices, Services } from '../../services';
import type { ScheduledJob } from '../../platform/scheduler';
import type { SessionUser } from '../../auth/sessionUser';
import type { PicsDeskServices } from '../desk';

/** 文字客服: queue, seats, messages over SSE + LISTEN/NOTIFY, agent console. */
export function createChatServices(core: CoreServices, desk: PicsDeskServices) {
  void core;
  void desk;
  return {
    /** The chat so far, to prefill the ticket form (choice 2); null if not the asker's chat. */
    async prefillForTicket(chatId: number, user: SessionUser): Promise<{ subject: string; description: string } | null> {
      void chatId;
      void user;
      return null;
    },
    /** Posts the C receipt number into the chat once the ticket is filed. */
    async ticketFiled(chatId: number, receiptNo: string, user: SessionUser): Promise<void> {
      void chatId;
      void receiptNo;
      void user;
    },
  };
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
