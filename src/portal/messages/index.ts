import type { Listed } from '../../platform/web/routers';
import type { ScheduledJob } from '../../platform/scheduler';
import type { MessagesDeps } from './deps';
import { createMessagesService, UNREAD_CAP, type MessagesService } from './service';
import { unreadBadgeSql } from './repository';
import { messagesRouter } from './routes';

/** 網頁訊息 (e公務) with 簽名檔設定, 通訊錄 and 群組設定, built once from the core services. */
export function createMessagesServices(core: MessagesDeps): MessagesService {
  return createMessagesService({ ...core, publicOrigin: core.config.publicOrigin.replace(/\/$/, '') });
}

/** The pages under /my/messages, /my/contacts, /my/groups, /my/signature, and the header's unread badge. */
export function messagesRoutes(services: Pick<MessagesDeps, 'audit' | 'uploads'> & { messages: MessagesService }): Listed {
  return messagesRouter(services);
}

/** The new-message mail (at most one an hour per person), claimed once per period across instances. */
export function messagesJobs(services: { messages: MessagesService }): ScheduledJob[] {
  return [{ name: 'messages.digest', everyMinutes: 10, run: (now) => services.messages.sendDigests(now) }];
}

/** The header's unread count as SQL on a person id, read with the session (platform/web/setUpSession.ts). */
export const headerUnreadSql = (personIdSql: string): string => unreadBadgeSql(personIdSql, UNREAD_CAP);
