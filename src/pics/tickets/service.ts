import type { PicsDeps } from '../deps';
import { actorOf } from '../../platform/identity/actor';
import { recordAccessDenied } from '../../platform/identity/guards';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { hasRole } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { rocShort, taipeiParts, taipeiToday } from '../../platform/dates';
import type { Db } from '../../platform/database';
import { counter } from '../../platform/counter';
import type { WorkCalendar } from '../calendar/workCalendar';
import { createTicketRepository, type LockedTicket, type NewEvent, type TicketRow } from './repository';
import { CHANNEL_LABELS, type Channel, ticketSchema } from './schemas';

/** Workdays an agent has to close a ticket (管制期限). */
export const DUE_WORKDAYS = 3;

export interface FileTicketInput {
  personId: number;
  channel: Channel;
  kind: '問題' | '建議';
  appCode: string | null;
  subject: string;
  description: string;
  phone: string;
  email: string;
  files: ReceivedFile[];
  enteredBy?: { accountId: number; label: string } | null;
  chatId?: number | null;
}

type Ctx = Pick<RequestContext, 'ip' | 'requestId'>;

export function receiptNumber(now: Date, channel: Channel, n: number): string {
  const p = taipeiParts(now);
  if (n > 99999) throw new DomainError('receipt_overflow', '本月收件序號已用罄，請洽系統管理者。', 409);
  return `${p.year}${String(p.month).padStart(2, '0')}${channel}${String(n).padStart(5, '0')}`;
}


export function createTicketService(core: PicsDeps, calendar: WorkCalendar) {
  const { db, uploads, audit, mail, clock } = core;
  const repo = createTicketRepository(db);

  /** Field errors of a ticket (channel-independent); empty when fine. */
  async function validate(input: Omit<FileTicketInput, 'files' | 'personId' | 'channel'> & { appCode: string | null | undefined }): Promise<{ errors: Record<string, string>; value?: ReturnType<typeof ticketSchema.parse> }> {
    let value: ReturnType<typeof ticketSchema.parse> | undefined;
    let errors: Record<string, string> = {};
    try {
      value = parseForm(ticketSchema, { ...input, appCode: input.appCode ?? '' });
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      errors = { ...e.errors };
    }
    const code = value?.appCode ?? (typeof input.appCode === 'string' ? input.appCode.trim() : null);
    if (code && !errors.appCode && !(await repo.appExists(code))) errors.appCode = '請選擇系統類別清單中的項目';
    return { errors, value: Object.keys(errors).length ? undefined : value };
  }

  async function checkTicket(id: number): Promise<TicketRow> {
    const t = await repo.byId(id);
    if (!t) throw new NotFoundError('查無此掛號案件');
    return t;
  }

  /**
   * Where a ticket's mail (acknowledgement, replies, closing) goes: the address of the
   * person's own account. The address typed on a ticket is contact information for the
   * agent and is never mailed, except when a trusted party entered the ticket (a hotline
   * agent, the WebHR system) for a person whose account has no address. Null: no mail.
   */
  async function recipientOf(t: { personId: number; channel: Channel; email: string }): Promise<string | null> {
    const own = await repo.accountEmailOf(t.personId);
    if (own) return own;
    return (t.channel === 'H' || t.channel === 'W') && t.email ? t.email : null;
  }

  function requireAgent(user: SessionUser) {
    if (!hasRole(user, 'cs_agent')) throw new ForbiddenError();
  }

  return {
    validate,
    recipientOf,

    /** The active systems of 系統類別, in their order. */
    apps: () => repo.apps(),
    /** The address of the person's own account (where ticket mail goes), or null. */
    accountEmailOf: (personId: number) => repo.accountEmailOf(personId),
    /** The phone and email on file, to prefill a ticket form. */
    contactOf: (personId: number) => repo.contactOf(personId),
    /** A person of the personnel master by national id (a hotline caller, a WebHR asker). */
    personByNationalId: (nationalId: string) => repo.personByNationalId(nationalId),

    /**
     * Files a ticket of any channel: validates (FormError per field), keeps the files and
     * writes the ticket, its first event and attachments in one transaction, with the
     * month's counter row of the channel locked. Nothing is left behind on failure.
     */
    async fileTicket(input: FileTicketInput, ctx: Ctx): Promise<{ id: number; receiptNo: string }> {
      const { errors, value } = await validate(input);
      if (!value) {
        await uploads.discard(input.files);
        throw new FormError(errors);
      }
      if (!(await repo.personExists(input.personId))) {
        await uploads.discard(input.files);
        throw new NotFoundError('查無此人員');
      }
      // Everything that reads outside the transaction happens before the counter row is
      // locked, so a filing never waits for a pool connection while holding the lock.
      const now = clock();
      const dueOn = await calendar.addWorkdays(taipeiToday(now), DUE_WORKDAYS);
      const mailTo = await recipientOf({ personId: input.personId, channel: input.channel, email: value.email });
      const result = await uploads.keep(input.files, (stored) =>
        db.transaction(async (trx: Db) => {
          const n = await counter.next(trx, 'pics.receipt', receiptNumber(now, input.channel, 0).slice(0, 7));
          const receiptNo = receiptNumber(now, input.channel, n);
          const id = await repo.insertTicket(trx, {
            receiptNo,
            channel: input.channel,
            kind: value.kind,
            appCode: value.appCode,
            subject: value.subject,
            description: value.description,
            personId: input.personId,
            phone: value.phone,
            email: value.email,
            enteredByAccountId: input.enteredBy?.accountId ?? null,
            chatId: input.chatId ?? null,
            dueOn,
            createdAt: now,
          });
          await repo.insertEvent(trx, {
            ticketId: id,
            kind: 'filed',
            body: `${CHANNEL_LABELS[input.channel]}掛號`,
            public: false,
            actorAccountId: input.enteredBy?.accountId ?? null,
            actorLabel: input.enteredBy?.label ?? null,
          });
          await repo.insertAttachments(trx, id, null, stored);
          await audit.record(
            {
              actor: input.enteredBy ? { accountId: input.enteredBy.accountId, label: input.enteredBy.label } : null,
              action: 'pics.ticket.filed',
              target: { type: 'pics_ticket', id: receiptNo },
              ip: ctx.ip,
              requestId: ctx.requestId,
              details: { channel: input.channel, personId: input.personId, files: stored.length, chatId: input.chatId ?? null },
            },
            trx,
          );
          if (mailTo) {
            await mail.queue(
              {
                to: mailTo,
                subject: `[PICS] 已收到您的線上掛號 ${receiptNo}`,
                text: `您好：\n\n已收到您的${value.kind}「${value.subject}」，收件序號 ${receiptNo}（${rocShort(now)}）。\n請至 PICS「掛號室 > 掛號查詢」查詢處理進度。\n\n行政院人事行政總處 PICS 人事資訊系統客服網`,
              },
              trx,
            );
          }
          return { id, receiptNo };
        }),
      );
      return result;
    },

    /** A person's own ticket by receipt number; anyone else's is "not found" (and audited). */
    async ownTicket(user: SessionUser, receiptNo: string, ctx: Ctx) {
      const t = /^\d{6}[MCWH]\d{5}$/.test(receiptNo) ? await repo.byReceipt(receiptNo) : undefined;
      if (!t || t.personId !== user.personId || user.kind !== 'person') {
        if (t) {
          await recordAccessDenied(audit, { user, ctx, target: { type: 'pics_ticket', id: receiptNo } }, {}, 'pics.ticket.denied');
        }
        throw new NotFoundError('查無此掛號案件');
      }
      const [events, files] = await Promise.all([repo.events(t.id, true), repo.attachments(t.id)]);
      const publicEvents = new Set(events.map((e) => e.id));
      return {
        ticket: t,
        questionFiles: files.filter((f) => f.eventId === null),
        replies: events
          .filter((e) => e.kind === 'reply' || e.kind === 'close')
          .map((e) => ({ ...e, files: files.filter((f) => f.eventId === e.id && publicEvents.has(e.id)) })),
      };
    },

    async ownAttachment(user: SessionUser, receiptNo: string, fileId: number, ctx: Ctx) {
      const { ticket } = await this.ownTicket(user, receiptNo, ctx);
      const f = await repo.attachment(fileId);
      if (!f || f.ticketId !== ticket.id || (f.eventId !== null && f.eventPublic !== true)) throw new NotFoundError('查無此附件');
      return f;
    },

    searchOwn: (user: SessionUser, f: { receiptNo: string | null; from: string | null; to: string | null }, page: number) => repo.searchOwn(user.personId, f, page),

    /** Runs a desk action on a locked ticket and records it in the history and the audit log. */
    async act(
      user: SessionUser,
      id: number,
      ctx: Ctx,
      action: string,
      fn: (trx: Db, t: LockedTicket) => Promise<{ event: NewEvent | null; mails?: { to: string; subject: string; text: string }[]; details?: Record<string, unknown> }>,
      files: ReceivedFile[] = [],
    ) {
      requireAgent(user);
      const ticket = await checkTicket(id);
      await uploads.keep(files, (stored) =>
        db.transaction(async (trx: Db) => {
          const locked = await repo.lockForUpdate(trx, id);
          if (!locked) throw new NotFoundError('查無此掛號案件');
          const out = await fn(trx, locked);
          if (out.event) {
            const eventId = await repo.insertEvent(trx, out.event);
            await repo.insertAttachments(trx, id, eventId, stored);
          }
          await repo.update(trx, id, {});
          await audit.record(
            { actor: actorOf(user), action, target: { type: 'pics_ticket', id: ticket.receiptNo }, ip: ctx.ip, requestId: ctx.requestId, details: { ...out.details, files: stored.length } },
            trx,
          );
          for (const m of out.mails ?? []) await mail.queue(m, trx);
        }),
      );
      return ticket;
    },

    requireAgent,
    checkTicket,
  };
}

export type TicketService = ReturnType<typeof createTicketService>;
