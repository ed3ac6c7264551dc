import type { Router } from 'express';
import type { Config } from '../config';
import type { CoreServices, Services } from '../services';
import type { ScheduledJob } from '../platform/scheduler';
import { rocShort, taipeiToday } from '../platform/dates';
import { createWorkCalendar } from './calendar';
import { createTicketService } from './service';
import { createDeskService } from './deskService';
import { createPicsContent } from './content';
import { createCalendarAdmin } from './calendarService';
import { createApiCredentials } from './webhr';
import { picsDeskRoutes } from './routes';

/** Tickets, the agent desk, the work calendar, WebHR, PICS home and its content management. */
export function createPicsDeskServices(core: CoreServices) {
  const calendar = createWorkCalendar(core.db);
  const tickets = createTicketService(core, calendar);
  return {
    /** The government work calendar (holidays and make-up workdays). */
    calendar,
    tickets,
    /** Files a ticket of any channel (the chat's "chat → ticket" calls this). */
    fileTicket: tickets.fileTicket,
    desk: createDeskService(core, tickets, calendar),
    content: createPicsContent(core.db, core.clock, core.content),
    /** 內容管理's work calendar (the rest of 內容管理 is the platform's content module). */
    calendarAdmin: createCalendarAdmin(core, calendar),
    apiCredentials: createApiCredentials(core.db),
  };
}

export type PicsDeskServices = ReturnType<typeof createPicsDeskServices>;

export function deskRoutes(services: Services, config: Config): Router {
  return picsDeskRoutes(services, config);
}

/** 管制稽催: each morning the desk supervisors get the list of overdue open tickets. */
export async function remindOverdue(services: Services, now: Date): Promise<{ overdue: number; mailed: number }> {
  const { pics, mail } = services;
  if (!(await pics.calendar.isWorkday(now))) return { overdue: 0, mailed: 0 };
  const overdue = await pics.tickets.repo.overdue(taipeiToday(now));
  if (!overdue.length) return { overdue: 0, mailed: 0 };
  const lines = overdue.map((t) => `${t.receiptNo}　${t.subject}　期限 ${rocShort(t.dueOn)}　承辦 ${t.assigneeName ?? '未分派'}`);
  let mailed = 0;
  for (const s of await pics.tickets.repo.supervisors()) {
    if (!s.email) continue;
    const id = await mail.queue({
      to: s.email,
      subject: `[PICS] 管制稽催：逾期未結案件 ${overdue.length} 件（${rocShort(now)}）`,
      text: `${s.name} 您好：\n\n截至 ${rocShort(now)} 尚有下列逾期未結案件：\n\n${lines.join('\n')}\n\n請至 PICS 客服工作台「逾期案件」督導處理。`,
    });
    await mail.flush(id);
    mailed++;
  }
  return { overdue: overdue.length, mailed };
}

export function deskJobs(services: Services): ScheduledJob[] {
  return [{ name: 'pics.overdue-reminder', dailyAt: '08:30', run: (now) => remindOverdue(services, now) }];
}
