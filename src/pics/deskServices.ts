import type { PicsDeps } from './deps';
import { createWorkCalendar } from './calendar';
import { createTicketService } from './service';
import { createDeskService } from './deskService';
import { createPicsContent } from './content';
import { createContentAdmin } from './contentService';
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
    content: createPicsContent(core.db, core.clock),
    /** 內容管理: what the desk supervisor maintains (content and the work calendar). */
    contentAdmin: createContentAdmin(core, calendar),
    apiCredentials: createApiCredentials(core.db),
  };
}

export type PicsDeskServices = ReturnType<typeof createPicsDeskServices>;
