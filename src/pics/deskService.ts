import type { PicsDeps } from './deps';
import type { SessionUser } from '../platform/identity/sessionUser';
import { hasRole } from '../platform/identity/sessionUser';
import type { RequestContext } from '../platform/identity/context';
import type { ReceivedFile } from '../platform/uploads';
import { DomainError, ForbiddenError, FormError } from '../platform/errors';
import { parseForm } from '../platform/validation';
import { rocShort, taipeiToday } from '../platform/dates';
import { DUE_WORKDAYS, type TicketService } from './service';
import type { WorkCalendar } from './calendar';
import { PICS_KINDS } from './contentKinds';
import { assignSchema, closeSchema, hotlineSchema, noteSchema, reopenSchema, replySchema } from './schemas';

type Ctx = Pick<RequestContext, 'ip' | 'requestId'>;
const FOOTER = '\n\n行政院人事行政總處 PICS 人事資訊系統客服網\n（本郵件由系統自動發送，請勿直接回覆）';

/** What agents do to tickets: take, assign, reply, note, close, reopen, hotline entry. */
export function createDeskService(core: PicsDeps, tickets: TicketService, calendar: WorkCalendar) {
  const { repo } = tickets;
  const cannedReplies = async () => (await core.content.latest(PICS_KINDS.canned)) as { id: number; title: string; body: string }[];

  return {
    /** 罐頭回覆, in their 排序 (src/pics/contentKinds.ts). */
    cannedReplies,

    async take(user: SessionUser, id: number, ctx: Ctx) {
      return tickets.act(user, id, ctx, 'pics.ticket.take', async (trx) => {
        await repo.update(trx, id, { assignee_account_id: user.accountId });
        return { event: { ticket_id: id, kind: 'take', body: `${user.name} 承辦`, actor_account_id: user.accountId, actor_label: user.name } };
      });
    },

    async assign(user: SessionUser, id: number, body: unknown, ctx: Ctx) {
      tickets.requireAgent(user);
      if (!hasRole(user, 'cs_supervisor')) throw new ForbiddenError('僅客服主管可以分派案件');
      const { assignee } = parseForm(assignSchema, body);
      const agent = (await repo.agents()).find((a) => a.accountId === assignee);
      if (!agent) throw new FormError({ assignee: '請選擇客服人員清單中的承辦人' });
      return tickets.act(user, id, ctx, 'pics.ticket.assign', async (trx) => {
        await repo.update(trx, id, { assignee_account_id: agent.accountId });
        return { event: { ticket_id: id, kind: 'assign', body: `分派予 ${agent.name}`, actor_account_id: user.accountId, actor_label: user.name }, details: { assignee: agent.accountId } };
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
          if (locked.assignee_account_id === null) await repo.update(trx, id, { assignee_account_id: user.accountId });
          return {
            event: { ticket_id: id, kind: 'reply', body: text, public: true, actor_account_id: user.accountId, actor_label: user.name },
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
        event: { ticket_id: id, kind: 'note', body: text, public: false, actor_account_id: user.accountId, actor_label: user.name },
      }));
    },

    async close(user: SessionUser, id: number, body: unknown, ctx: Ctx) {
      tickets.requireAgent(user);
      const { resolution } = parseForm(closeSchema, body);
      const t = await tickets.checkTicket(id);
      const mailTo = await tickets.recipientOf(t);
      return tickets.act(user, id, ctx, 'pics.ticket.close', async (trx, locked) => {
        if (locked.status === 'closed') throw new DomainError('already_closed', '此案件已結案。', 409);
        await repo.update(trx, id, { status: 'closed', resolution, closed_at: core.clock(), assignee_account_id: locked.assignee_account_id ?? user.accountId });
        return {
          event: { ticket_id: id, kind: 'close', body: resolution, public: true, actor_account_id: user.accountId, actor_label: user.name },
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
        await repo.update(trx, id, { status: 'open', closed_at: null, due_on: dueOn });
        return { event: { ticket_id: id, kind: 'reopen', body: reason, public: false, actor_account_id: user.accountId, actor_label: user.name } };
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
  };
}

/** The ticket fields of a posted form, as strings. */
export function ticketFields(body: Record<string, unknown>) {
  const s = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : Array.isArray(body[k]) ? undefined : (body[k] as undefined));
  return {
    kind: s('kind') as '問題' | '建議',
    appCode: s('appCode') ?? null,
    subject: s('subject') as string,
    description: s('description') as string,
    phone: s('phone') as string,
    email: s('email') as string,
  };
}

