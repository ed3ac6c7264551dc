import type { PicsDeps } from './deps';
import { createWorkCalendar } from './calendar';
import { createTicketService } from './service';
import { createDeskService } from './deskService';
import { createPicsContent } from './content';
import { createCalendarAdmin } from './calendarService';
import { createApiCredentials } from './webhr';

/** Tickets, the agent desk, the work calendar, WebHR, PICS home and its content management. */
export function createPicsDeskServices(core: PicsDeps) {
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
