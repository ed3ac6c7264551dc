import type { PicsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { hasRole } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { rocShort, taipeiToday } from '../../platform/dates';
import { DUE_WORKDAYS, type TicketService } from '../tickets/service';
import { createTicketRepository } from '../tickets/repository';
import { CHANNELS, CHANNEL_LABELS, type QueueFilter } from '../tickets/schemas';
import { createDeskRepository } from './repository';
import { ticketFields } from '../tickets/fields';
import { shiftDay, type WorkCalendar } from '../calendar/workCalendar';
import { PICS_KINDS } from '../content/contentKinds';
import { chartSvg } from '../../platform/svgChart';
import { assignSchema, closeSchema, hotlineSchema, noteSchema, reopenSchema, replySchema } from './schemas';

type Ctx = Pick<RequestContext, 'ip' | 'requestId'>;
const FOOTER = '\n\n行政院人事行政總處 PICS 人事資訊系統客服網\n（本郵件由系統自動發送，請勿直接回覆）';

/** What agents do to tickets: take, assign, reply, note, close, reopen, hotline entry. */
export function createDeskService(core: PicsDeps, tickets: TicketService, calendar: WorkCalendar) {
  const repo = createTicketRepository(core.db);
  const deskRepo = createDeskRepository(core.db);
  const cannedReplies = async () => (await core.content.latest(PICS_KINDS.canned)) as { id: number; title: string; body: string }[];

  return {
    /** 罐頭回覆, in their 排序 (src/pics/content/contentKinds.ts). */
    cannedReplies,

    /** The queue with its filters, paged. */

    async queue(user: SessionUser, f: QueueFilter, page: number) {
      tickets.requireAgent(user);
      return repo.queue(f, user.accountId, core.clock(), page);
    },

    /** A ticket with its whole history (internal notes too) and files. */
    async ticket(user: SessionUser, id: number) {
      tickets.requireAgent(user);
      const t = await tickets.checkTicket(id);
      const [events, files] = await Promise.all([repo.events(id, false), repo.attachments(id)]);
      return { ticket: t, events: events.map((e) => ({ ...e, files: files.filter((f) => f.eventId === e.id) })), questionFiles: files.filter((f) => f.eventId === null) };
    },

    async attachment(user: SessionUser, fileId: number) {
      tickets.requireAgent(user);
      const f = await repo.attachment(fileId);
      if (!f) throw new NotFoundError('查無此附件');
      return f;
    },


    async take(user: SessionUser, id: number, ctx: Ctx) {
      return tickets.act(user, id, ctx, 'pics.ticket.take', async (trx) => {
        await repo.update(trx, id, { assigneeAccountId: user.accountId });
        return { event: { ticketId: id, kind: 'take', body: `${user.name} 承辦`, actorAccountId: user.accountId, actorLabel: user.name } };
      });
    },

    async assign(user: SessionUser, id: number, body: unknown, ctx: Ctx) {
      tickets.requireAgent(user);
      if (!hasRole(user, 'cs_supervisor')) throw new ForbiddenError('僅客服主管可以分派案件');
      const { assignee } = parseForm(assignSchema, body);
      const agent = (await deskRepo.agents()).find((a) => a.accountId === assignee);
      if (!agent) throw new FormError({ assignee: '請選擇客服人員清單中的承辦人' });
      return tickets.act(user, id, ctx, 'pics.ticket.assign', async (trx) => {
        await repo.update(trx, id, { assigneeAccountId: agent.accountId });
        return { event: { ticketId: id, kind: 'assign', body: `分派予 ${agent.name}`, actorAccountId: user.accountId, actorLabel: user.name }, details: { assignee: agent.accountId } };
      });
    },

    /** A public reply (the asker sees it and is mailed), optionally from a canned reply. */
    async reply(user: SessionUser, id: number, body: unknown, files: ReceivedFile[], ctx: Ctx) {
      tickets.requireAgent(user);
      let text = '';
      try {
        const v = parseForm(replySchema, body);
        text = v.body;
        if (v.cannedId) {
          const canned = (await cannedReplies()).find((c) => String(c.id) === v.cannedId);
          if (!canned) throw new FormError({ cannedId: '請選擇罐頭回覆清單中的項目' });
          text = text ? `${canned.body}\n\n${text}` : canned.body;
        }
        if (!text) throw new FormError({ body: '請輸入回覆內容' });
      } catch (e) {
        await core.uploads.discard(files);
        throw e;
      }
      const t = await tickets.checkTicket(id);
      const mailTo = await tickets.recipientOf(t);
      return tickets.act(
        user,
        id,
        ctx,
        'pics.ticket.reply',
        async (trx, locked) => {
          if (locked.assigneeAccountId === null) await repo.update(trx, id, { assigneeAccountId: user.accountId });
          return {
            event: { ticketId: id, kind: 'reply', body: text, public: true, actorAccountId: user.accountId, actorLabel: user.name },
            mails: mailTo === null ? [] : [
              {
                to: mailTo,
                subject: `[PICS] 您的掛號案件 ${t.receiptNo} 已有回覆`,
                text: `您好：\n\n您於 ${rocShort(t.createdAt)} 反應的「${t.subject}」（收件序號 ${t.receiptNo}）已有客服回覆：\n\n${text}\n\n${files.length ? `回覆附件 ${files.length} 個，` : ''}請至 PICS「掛號室 > 掛號查詢」檢視。${FOOTER}`,
              },
            ],
          };
        },
        files,
      );
    },

    async note(user: SessionUser, id: number, body: unknown, ctx: Ctx) {
      tickets.requireAgent(user);
      const { note: text } = parseForm(noteSchema, body);
      return tickets.act(user, id, ctx, 'pics.ticket.note', async () => ({
        event: { ticketId: id, kind: 'note', body: text, public: false, actorAccountId: user.accountId, actorLabel: user.name },
      }));
    },

    async close(user: SessionUser, id: number, body: unknown, ctx: Ctx) {
      tickets.requireAgent(user);
      const { resolution } = parseForm(closeSchema, body);
      const t = await tickets.checkTicket(id);
      const mailTo = await tickets.recipientOf(t);
      return tickets.act(user, id, ctx, 'pics.ticket.close', async (trx, locked) => {
        if (locked.status === 'closed') throw new DomainError('already_closed', '此案件已結案。', 409);
        await repo.update(trx, id, { status: 'closed', resolution, closedAt: core.clock(), assigneeAccountId: locked.assigneeAccountId ?? user.accountId });
        return {
          event: { ticketId: id, kind: 'close', body: resolution, public: true, actorAccountId: user.accountId, actorLabel: user.name },
          mails: mailTo === null ? [] : [
            {
              to: mailTo,
              subject: `[PICS] 您的掛號案件 ${t.receiptNo} 已結案`,
              text: `您好：\n\n您反應的「${t.subject}」（收件序號 ${t.receiptNo}）已結案。\n處理結果：\n${resolution}\n\n如仍有問題，請至 PICS 重新線上掛號或撥打客服專線 02-23979108。${FOOTER}`,
            },
          ],
        };
      });
    },

    async reopen(user: SessionUser, id: number, body: unknown, ctx: Ctx) {
      tickets.requireAgent(user);
      const { reason } = parseForm(reopenSchema, body);
      return tickets.act(user, id, ctx, 'pics.ticket.reopen', async (trx, locked) => {
        if (locked.status !== 'closed') throw new DomainError('not_closed', '此案件尚未結案。', 409);
        const dueOn = await calendar.addWorkdays(taipeiToday(core.clock()), DUE_WORKDAYS);
        await repo.update(trx, id, { status: 'open', closedAt: null, dueOn });
        return { event: { ticketId: id, kind: 'reopen', body: reason, public: false, actorAccountId: user.accountId, actorLabel: user.name } };
      });
    },

    /** Step 1 of a hotline entry: the caller in the personnel master. */
    async findCaller(user: SessionUser, body: unknown) {
      tickets.requireAgent(user);
      const { nationalId } = parseForm(hotlineSchema, body);
      const p = await repo.personByNationalId(nationalId);
      if (!p) throw new FormError({ nationalId: '公務人力資料庫查無此身分證統一編號' });
      return p;
    },

    /** A hotline (H) ticket entered by an agent for a caller. */
    async fileHotline(user: SessionUser, body: Record<string, unknown>, files: ReceivedFile[], ctx: Ctx) {
      let caller;
      try {
        caller = await this.findCaller(user, body);
      } catch (e) {
        await core.uploads.discard(files);
        if (e instanceof FormError) {
          const rest = await tickets.validate(ticketFields(body));
          throw new FormError({ ...e.errors, ...rest.errors });
        }
        throw e;
      }
      return tickets.fileTicket({ ...ticketFields(body), personId: caller.id, channel: 'H', files, enteredBy: { accountId: user.accountId, label: user.name } }, ctx);
    },

    async overdue(user: SessionUser) {
      tickets.requireAgent(user);
      return repo.overdue(taipeiToday(core.clock()));
    },

    /** The customer-service agents (the assignee lists). */
    agents: () => deskRepo.agents(),

    /**
     * 管制稽催's content on a workday: the open tickets past their due day and the
     * supervisors to mail them to. Null on a day off.
     */
    async overdueReminder(now: Date) {
      if (!(await calendar.isWorkday(now))) return null;
      const overdue = await repo.overdue(taipeiToday(now));
      return { overdue, supervisors: overdue.length ? await deskRepo.supervisors() : [] };
    },

    /** Charts of the last `days` days: tickets per day by channel, open vs closed, overdue. */
    async dashboard(days = 14) {
      const today = taipeiToday(core.clock());
      const first = shiftDay(today, -(days - 1));
      const dates = Array.from({ length: days }, (_, i) => shiftDay(first, i));
      const perDay = await deskRepo.perDayByChannel(first);
      const byChannel = CHANNELS.map((c) => ({
        name: CHANNEL_LABELS[c],
        values: dates.map((d) => perDay.find((r) => r.day === d && r.channel === c)?.n ?? 0),
      }));
      const states = await deskRepo.statesByChannel();
      const openClosed = [
        { name: '未結案', values: CHANNELS.map((c) => states.find((r) => r.status === 'open' && r.channel === c)?.n ?? 0) },
        { name: '已結案', values: CHANNELS.map((c) => states.find((r) => r.status === 'closed' && r.channel === c)?.n ?? 0) },
      ];
      const overdueRows = await deskRepo.overdueByAssignee(today);
      const labels = dates.map((d) => rocShort(d).slice(4));
      return {
        perDay: { categories: labels, series: byChannel, svg: chartSvg({ id: 'chart-per-day', title: `近 ${days} 日每日掛號件數（依來源）`, categories: labels, series: byChannel, mode: 'stacked' }) },
        openClosed: {
          categories: CHANNELS.map((c) => CHANNEL_LABELS[c]),
          series: openClosed,
          svg: chartSvg({ id: 'chart-open-closed', title: '未結案與已結案件數（依來源）', categories: CHANNELS.map((c) => CHANNEL_LABELS[c]), series: openClosed, mode: 'grouped' }),
        },
        overdue: {
          categories: overdueRows.map((r) => r.name),
          series: [{ name: '逾期件數', values: overdueRows.map((r) => r.n) }],
          svg: chartSvg({
            id: 'chart-overdue',
            title: '逾期未結案件數（依承辦人）',
            categories: overdueRows.length ? overdueRows.map((r) => r.name) : ['無逾期案件'],
            series: [{ name: '逾期件數', values: overdueRows.length ? overdueRows.map((r) => r.n) : [0] }],
            mode: 'grouped',
          }),
        },
      };
    },
  };
}

export type DeskService = ReturnType<typeof createDeskService>;
