import type { PicsDeps } from './deps';
import { createWorkCalendar } from './calendar/workCalendar';
import { createCalendarAdmin } from './calendar/service';
import { createTicketService } from './tickets/service';
import { createDeskService } from './desk/service';
import { createPicsContent } from './content/service';
import { createWebhrChannel } from './webhr/service';
import { createChatService, type ChatDesk } from './chat/service';
import { createAssistant } from './assistant/service';

/** Every PICS service, each built from the area's deps and the services it names. */
export function createPicsServices(core: PicsDeps) {
  const calendar = createWorkCalendar(core.db);
  const tickets = createTicketService(core, calendar);
  const desk = {
    /** The government work calendar (holidays and make-up workdays). */
    calendar,
    /** Files a ticket of any channel (the chat's "chat → ticket" calls this). */
    fileTicket: tickets.fileTicket,
  };
  return {
    ...desk,
    tickets,
    desk: createDeskService(core, tickets, calendar),
    content: createPicsContent(core.db, core.content),
    /** 內容管理's work calendar (the rest of 內容管理 is the platform's content module). */
    calendarAdmin: createCalendarAdmin(core, calendar),
    /** The WebHR channel (a machine files W tickets). */
    webhr: createWebhrChannel(core, tickets),
    chat: createChatService(core, desk satisfies ChatDesk),
    /** 智慧客服: answers from the portal's content; unanswered questions for the 客服主管. */
    assistant: createAssistant(core),
  };
}

export type PicsServices = ReturnType<typeof createPicsServices>;
