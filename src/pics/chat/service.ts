import type { PicsDeps } from '../deps';
import { actorOf } from '../../platform/identity/actor';
import { recordAccessDenied } from '../../platform/identity/guards';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { hasRole } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile, StoredFile } from '../../platform/uploads';
import { DomainError, ForbiddenError, NotFoundError } from '../../platform/errors';
import { createChatRepository, type ChatRow, type MessageRow, type NewMessage } from './repository';
import { createChatHub, type Subscriber } from './hub';
import type { FileTicketInput } from '../tickets/service';
import { SCOPE_NOTICE, TEXT, clockTime, maskNationalIds, withinServiceTime } from './text';

/** Agents count as available only with a heartbeat this recent. */
export const HEARTBEAT_WINDOW_MS = 60_000;
/** A chat with nothing said for this long is ended by the daily sweep. */
export const IDLE_LIMIT_MS = 30 * 60_000;
export const MESSAGE_MAX = 1000;
/** Minutes a chat takes when there is no history to go by. */
const DEFAULT_HANDLE_MINUTES = 5;

/** What the chat needs from the tickets (src/pics/tickets/) and the work calendar (src/pics/calendar/). */
export interface ChatDesk {
  calendar: { isWorkday(date: Date): Promise<boolean> };
  fileTicket?: (
    input: FileTicketInput,
    ctx: RequestContext,
  ) => Promise<{ id: number; receiptNo: string }>;
}

/** A line as the page's script receives it. */
export interface LineView {
  id: number;
  sender: MessageRow['sender'];
  name: string;
  kind: MessageRow['kind'];
  body: string;
  time: string;
  image: { url: string; name: string } | null;
  state: MessageRow['chatState'];
  mine: boolean;
}

export interface QueueView {
  state: ChatRow['state'] | null;
  position: number | null;
  waiting: number;
  agents: number;
  text: string;
}

/** A ticket's description holds at most this many characters: the latest lines are kept. */
const DESCRIPTION_MAX = 4000;
function fit(text: string): string {
  const chars = [...text];
  return chars.length <= DESCRIPTION_MAX ? text : `…${chars.slice(chars.length - DESCRIPTION_MAX + 1).join('')}`;
}

type Viewer = { viewer: 'asker' | 'agent'; accountId: number };

export function createChatService(core: PicsDeps, desk: ChatDesk) {
  const { db, audit, mail, clock } = core;
  const repo = createChatRepository(db);

  function lineView(m: MessageRow, v: Viewer): LineView {
    const agentView = v.viewer === 'agent';
    return {
      id: Number(m.id),
      sender: m.sender,
      name: m.sender === 'system' ? '系統提示' : m.senderName,
      kind: m.kind,
      body: agentView ? maskNationalIds(m.body) : m.body,
      time: clockTime(m.createdAt),
      image: m.imageStoredName ? { url: `/pics/chat/${m.chatId}/images/${m.id}`, name: m.imageOriginalName ?? '圖片' } : null,
      state: m.chatState,
      mine: m.senderAccountId !== null && m.senderAccountId === v.accountId && m.sender !== 'system',
    };
  }

  async function queueViews(subs: Subscriber[]): Promise<Map<Subscriber, QueueView>> {
    const [seats, waitingIds, avg] = await Promise.all([repo.seats(new Date(clock().getTime() - HEARTBEAT_WINDOW_MS)), repo.waitingIds(), repo.averageHandleMinutes()]);
    const out = new Map<Subscriber, QueueView>();
    for (const sub of subs) {
      const position = sub.chatId !== null ? waitingIds.indexOf(sub.chatId) + 1 : 0;
      out.set(sub, {
        state: null,
        position: position || null,
        waiting: waitingIds.length,
        agents: seats.agents,
        text: position ? waitText(position, seats, avg) : `目前等候人數：${waitingIds.length} 人；線上客服專員：${seats.agents} 位`,
      });
    }
    return out;
  }

  /** An honest estimate: the free seats first, then turns of the average chat length. */
  function waitText(position: number, seats: { agents: number; seats: number; busy: number }, avg: number | null): string {
    const head = `您目前排在第 ${position} 位。`;
    if (seats.agents === 0) return `${head}目前沒有客服專員在線上，暫時無法估計等候時間；您也可以改填線上掛號單。`;
    const free = Math.max(0, seats.seats - seats.busy);
    if (position <= free) return `${head}專員即將為您服務。`;
    const minutes = Math.ceil(((position - free) / Math.max(1, seats.seats)) * (avg ?? DEFAULT_HANDLE_MINUTES));
    return `${head}預估等候時間約 ${Math.max(1, minutes)} 分鐘。`;
  }

  /** A line as one server-sent event, seen by this stream's viewer. */
  const lineEvent = (m: MessageRow, sub: Subscriber) => `id: ${m.id}\nevent: line\ndata: ${JSON.stringify(lineView(m, sub))}\n\n`;

  const hub = createChatHub(db, core.logger, {
    async pump(sub) {
      if (sub.chatId === null) return;
      for (;;) {
        const rows = await repo.messagesAfter(sub.chatId, sub.lastId, 200);
        if (!rows.length) return;
        let out = '';
        for (const m of rows) out += lineEvent(m, sub);
        sub.lastId = Number(rows[rows.length - 1]!.id);
        sub.res.write(out);
        if (rows.length < 200) return;
      }
    },
    deliver(sub, line) {
      sub.res.write(lineEvent(line, sub));
      sub.lastId = line.id;
    },
    async queue(subs) {
      const views = await queueViews(subs);
      for (const [sub, view] of views) sub.res.write(`event: queue\ndata: ${JSON.stringify(view)}\n\n`);
    },
  }, { store: repo, sessionIdleMs: core.config.sessionIdleMs, sessionAbsoluteMs: core.config.sessionAbsoluteMs });
  core.lifecycle.onClose(() => hub.close());
  core.lifecycle.onDrain(() => hub.drain());


  async function inServiceHours(now = clock()): Promise<boolean> {
    return withinServiceTime(now) && (await desk.calendar.isWorkday(now));
  }

  async function freeSeats(): Promise<number> {
    const s = await repo.seats(new Date(clock().getTime() - HEARTBEAT_WINDOW_MS));
    return s.seats - s.busy - s.waiting;
  }

  /** The chat a person may see: its asker, or any customer-service agent. */
  async function visibleChat(id: number, user: SessionUser, ctx: RequestContext): Promise<{ chat: ChatRow; viewer: 'asker' | 'agent' }> {
    const chat = await repo.chat(id);
    if (chat && user.kind === 'person' && chat.askerAccountId === user.accountId) return { chat, viewer: 'asker' };
    if (chat && hasRole(user, 'cs_agent')) return { chat, viewer: 'agent' };
    await recordAccessDenied(audit, { user, ctx, target: { type: 'pics_chat', id } }, {}, 'pics.chat.denied');
    throw new NotFoundError('查無此對話');
  }

  /** Stores a line (one statement), or with `extra` in a transaction with other changes. */
  async function post(chatId: number, m: NewMessage, extra?: (trx: typeof db) => Promise<void>): Promise<number> {
    if (!extra) return repo.addMessage(db, chatId, m, clock(), true);
    return db.transaction(async (trx) => {
      const id = await repo.addMessage(trx, chatId, m, clock());
      await extra(trx);
      return id;
    });
  }

  const system = (kind: NewMessage['kind'], body: string): NewMessage => ({ sender: 'system', senderAccountId: null, senderName: '系統提示', kind, body });

  /** Lines of a chat as text (for the ticket and the transcript mail). */
  async function transcript(chatId: number, masked: boolean): Promise<string> {
    const rows = await repo.messagesAfter(chatId, 0, 5000);
    return rows
      .filter((m) => m.kind !== 'menu')
      .map((m) => {
        const name = m.sender === 'system' ? '系統提示' : m.senderName;
        const body = m.kind === 'image' ? `〔圖片：${m.imageOriginalName ?? ''}〕` : m.body;
        return `[${clockTime(m.createdAt)}] ${name}：${masked ? maskNationalIds(body) : body}`;
      })
      .join('\n');
  }

  async function endChat(chat: ChatRow, body: string, trxExtra?: (trx: typeof db) => Promise<void>) {
    await post(chat.id, system('ended', body), async (trx) => {
      await repo.updateChat(trx, chat.id, { state: 'ended', endedAt: clock() });
      await repo.notifyQueue(trx);
      if (trxExtra) await trxExtra(trx);
    });
  }

  async function assertCanSpeak(chat: ChatRow, viewer: 'asker' | 'agent', user: SessionUser) {
    if (chat.state === 'ended') throw new DomainError('ended', '此對話已結束，無法再傳送訊息。', 409);
    if (viewer === 'agent' && chat.agentAccountId !== user.accountId) throw new ForbiddenError('此對話不是由您服務，無法傳送訊息。');
  }

  async function postReceipt(chatId: number, receiptNo: string) {
    await post(chatId, system('receipt', TEXT.receipt(receiptNo)), async (trx) => {
      await repo.updateChat(trx, chatId, { receiptNo });
    });
  }

  async function agentOf(user: SessionUser) {
    await repo.ensureAgent(user.accountId, user.name);
    return (await repo.agent(user.accountId))!;
  }

  return {
    hub,
    inServiceHours,
    scopeNotice: SCOPE_NOTICE,
    lineView,
    transcript,

    /** Every line of a chat so far, as this viewer sees it (the chat page's first view). */
    async lines(chatId: number, v: Viewer): Promise<LineView[]> {
      return (await repo.messagesAfter(chatId, 0, 5000)).map((m) => lineView(m, v));
    },

    /** Queue position and wait (or the waiting count) as the page first shows it. */
    async queueFor(chatId: number | null): Promise<QueueView> {
      const views = await queueViews([{ chatId } as Subscriber]);
      return [...views.values()][0]!;
    },

    async openChatOf(user: SessionUser) {
      return user.kind === 'person' ? repo.openChatOf(user.accountId) : undefined;
    },

    /** Starts a chat: straight to an agent's queue when a seat is free, else the 1/2/3 choice. */
    async start(user: SessionUser, ctx: RequestContext): Promise<number> {
      if (user.kind !== 'person') throw new ForbiddenError('文字客服僅提供公務人員個人帳號使用。');
      const open = await repo.openChatOf(user.accountId);
      if (open) return open.id;
      if (!(await inServiceHours())) throw new DomainError('closed', '目前非文字客服服務時間，請改用線上掛號單。', 409);
      const state = (await freeSeats()) > 0 ? 'waiting' : 'menu';
      const now = clock();
      try {
        return await db.transaction(async (trx) => {
          const id = await repo.createChat(trx, { askerAccountId: user.accountId, askerPersonId: user.personId, askerName: user.name, state, now });
          if (state === 'menu') await repo.addMessage(trx, id, system('menu', `${TEXT.busy}\n${SCOPE_NOTICE}`), now);
          else {
            await repo.addMessage(trx, id, system('transfer', `${TEXT.transfer}\n${SCOPE_NOTICE}`), now);
            await repo.notifyQueue(trx);
          }
          await audit.record({ actor: actorOf(user), action: 'pics.chat.start', target: { type: 'pics_chat', id }, ip: ctx.ip, requestId: ctx.requestId, details: { state } }, trx);
          return id;
        });
      } catch (err) {
        // Two tabs starting at once: the unique index keeps one open chat.
        const again = await repo.openChatOf(user.accountId);
        if (again) return again.id;
        throw err;
      }
    },

    visibleChat,

    /** The asker's answer to 1 繼續等候 / 2 線上掛號單 / 3 放棄等候. */
    async choose(chatId: number, choice: 1 | 2 | 3, user: SessionUser, ctx: RequestContext): Promise<'wait' | 'ticket' | 'ended'> {
      const { chat, viewer } = await visibleChat(chatId, user, ctx);
      if (viewer !== 'asker') throw new ForbiddenError();
      if (chat.state === 'ended') throw new DomainError('ended', '此對話已結束。', 409);
      if (choice === 2) return 'ticket';
      const label = choice === 1 ? TEXT.keepWaiting : TEXT.giveUp;
      const mine: NewMessage = { sender: 'asker', senderAccountId: user.accountId, senderName: user.name, kind: 'choice', body: label };
      if (choice === 3) {
        await post(chatId, mine);
        await endChat(chat, TEXT.endedByAsker);
        return 'ended';
      }
      if (chat.state !== 'menu') return 'wait';
      await post(chatId, mine);
      await post(chatId, system('transfer', `${TEXT.transfer}\n${SCOPE_NOTICE}`), async (trx) => {
        await repo.updateChat(trx, chatId, { state: 'waiting', queuedAt: clock() });
        await repo.notifyQueue(trx);
      });
      return 'wait';
    },

    /** A typed line from the asker or the chat's agent. */
    async say(chatId: number, body: string, user: SessionUser, ctx: RequestContext): Promise<number> {
      // The usual case in one statement: the asker or the chat's agent on a chat not ended.
      const by = { accountId: user.accountId, isPerson: user.kind === 'person', isAgent: hasRole(user, 'cs_agent'), name: user.name };
      const stored = await repo.addSpokenLine(chatId, by, { kind: 'text', body }, clock());
      if (stored) return stored.id;
      // Refused: the same checks again, for the answer (404 and audit, 403, 409) they give.
      const { chat, viewer } = await visibleChat(chatId, user, ctx);
      await assertCanSpeak(chat, viewer, user);
      const name = viewer === 'agent' ? (chat.agentName ?? user.name) : user.name;
      return post(chatId, { sender: viewer, senderAccountId: user.accountId, senderName: name, kind: 'text', body });
    },

    /** An image line; the files were checked by content already. */
    async sendImage(chatId: number, files: ReceivedFile[], user: SessionUser, ctx: RequestContext): Promise<number> {
      const { chat, viewer } = await visibleChat(chatId, user, ctx);
      try {
        await assertCanSpeak(chat, viewer, user);
      } catch (err) {
        await core.uploads.discard(files);
        throw err;
      }
      const name = viewer === 'agent' ? (chat.agentName ?? user.name) : user.name;
      return core.uploads.keep(files, async (stored: StoredFile[]) => {
        const f = stored[0]!;
        return post(chatId, { sender: viewer, senderAccountId: user.accountId, senderName: name, kind: 'image', body: f.originalName, image: f });
      });
    },

    async image(chatId: number, messageId: number, user: SessionUser, ctx: RequestContext) {
      await visibleChat(chatId, user, ctx);
      const m = await repo.message(chatId, messageId);
      if (!m || !m.imageStoredName) throw new NotFoundError('查無此圖片');
      return { storedName: m.imageStoredName, originalName: m.imageOriginalName ?? 'image', mime: m.imageMime ?? 'application/octet-stream' };
    },

    async end(chatId: number, user: SessionUser, ctx: RequestContext): Promise<void> {
      const { chat, viewer } = await visibleChat(chatId, user, ctx);
      if (chat.state === 'ended') return;
      if (viewer === 'agent' && chat.agentAccountId !== user.accountId) throw new ForbiddenError('此對話不是由您服務，無法結束對話。');
      await endChat(chat, viewer === 'agent' ? TEXT.endedByAgent : TEXT.endedByAsker);
      await audit.record({ actor: actorOf(user), action: 'pics.chat.end', target: { type: 'pics_chat', id: chatId }, ip: ctx.ip, requestId: ctx.requestId, details: { by: viewer } });
    },

    // --- agents ---
    agentOf,

    async setStatus(user: SessionUser, status: 'available' | 'away', ctx: RequestContext) {
      await repo.ensureAgent(user.accountId, user.name);
      await repo.setAgent(user.accountId, { status, heartbeatAt: clock() });
      await repo.notifyQueue();
      await audit.record({ actor: actorOf(user), action: 'pics.chat.agent_status', target: { type: 'account', id: user.accountId }, ip: ctx.ip, requestId: ctx.requestId, details: { status } });
    },

    async heartbeat(user: SessionUser) {
      await repo.ensureAgent(user.accountId, user.name);
      const before = await repo.agent(user.accountId);
      await repo.setAgent(user.accountId, { heartbeatAt: clock() });
      // An agent coming back after a lapse frees seats again.
      const lapsed = !before?.heartbeatAt || clock().getTime() - new Date(before.heartbeatAt).getTime() > HEARTBEAT_WINDOW_MS;
      if (before?.status === 'available' && lapsed) await repo.notifyQueue();
    },

    async seats() {
      return repo.seats(new Date(clock().getTime() - HEARTBEAT_WINDOW_MS));
    },

    /** Takes the next waiting chat; the agent greets the asker. */
    async acceptNext(user: SessionUser, ctx: RequestContext): Promise<number | null> {
      const agent = await agentOf(user);
      const id = await db.transaction(async (trx) => {
        await repo.lockAgent(trx, user.accountId);
        if ((await repo.activeCountOf(trx, user.accountId)) >= agent.maxConcurrent)
          throw new DomainError('full', `您同時服務的對話已達上限（${agent.maxConcurrent} 個），請先結束其他對話。`, 409);
        const next = await repo.takeNextWaiting(trx);
        if (next === null) return null;
        const now = clock();
        await repo.updateChat(trx, next, { state: 'active', agentAccountId: user.accountId, acceptedAt: now });
        await repo.addMessage(trx, next, { sender: 'agent', senderAccountId: user.accountId, senderName: agent.displayName, kind: 'joined', body: TEXT.greeting }, now);
        await repo.notifyQueue(trx);
        await audit.record({ actor: actorOf(user), action: 'pics.chat.accept', target: { type: 'pics_chat', id: next }, ip: ctx.ip, requestId: ctx.requestId }, trx);
        return next;
      });
      return id;
    },

    async activeChatsOf(user: SessionUser) {
      return repo.activeChatsOf(user.accountId);
    },
    async recentEnded() {
      return repo.recentEnded();
    },

    /** The agent turns the chat into a C ticket; the receipt number is posted in the chat. */
    async toTicket(chatId: number, input: { subject: string; kind: '問題' | '建議'; phone: string; email: string }, user: SessionUser, ctx: RequestContext): Promise<string> {
      const { chat } = await visibleChat(chatId, user, ctx);
      if (chat.receiptNo) throw new DomainError('filed', `此對話已建立掛號單（收件序號 ${chat.receiptNo}）。`, 409);
      if (chat.agentAccountId !== user.accountId && chat.state !== 'ended') throw new ForbiddenError('此對話不是由您服務。');
      if (typeof desk.fileTicket !== 'function') throw new DomainError('desk_unavailable', '線上掛號功能暫時無法使用，請稍後再試。', 409);
      const ticket = await desk.fileTicket(
        {
          personId: chat.askerPersonId,
          channel: 'C',
          kind: input.kind,
          appCode: null,
          subject: input.subject,
          description: fit(`（文字客服對話轉掛號單）\n${await transcript(chatId, true)}`),
          phone: input.phone,
          email: input.email,
          files: [],
          enteredBy: { accountId: user.accountId, label: user.name },
          chatId,
        },
        ctx,
      );
      await postReceipt(chatId, ticket.receiptNo);
      await audit.record({ actor: actorOf(user), action: 'pics.chat.ticket', target: { type: 'pics_chat', id: chatId }, ip: ctx.ip, requestId: ctx.requestId, details: { receiptNo: ticket.receiptNo } });
      return ticket.receiptNo;
    },

    /** The asker's phone and email on file, to prefill the agent's ticket form. */
    async contactOf(chat: ChatRow) {
      const c = await repo.contactOf(chat.askerAccountId);
      return { phone: c?.phone ?? c?.officePhone ?? '', email: c?.email ?? '' };
    },

    postReceipt,

    /** Mails the whole transcript to the asker's email on file. */
    async mailTranscript(chatId: number, user: SessionUser, ctx: RequestContext): Promise<string> {
      const { chat } = await visibleChat(chatId, user, ctx);
      const contact = await repo.contactOf(chat.askerAccountId);
      if (!contact?.email) throw new DomainError('no_email', '提問者未設定電子郵件，無法寄送對話紀錄。', 409);
      const text = [
        `${chat.askerName} 您好：`,
        '',
        `以下是您於文字客服的對話紀錄（對話編號 ${chat.id}）。`,
        '',
        await transcript(chatId, false),
        '',
        '行政院人事行政總處 人事資訊系統客服',
      ].join('\n');
      await db.transaction(async (trx) => {
        const id = await mail.queue({ to: contact.email!, subject: '行政院人事行政總處文字客服對話紀錄', text }, trx);
        await repo.updateChat(trx, chatId, { transcriptMailedAt: clock() });
        await audit.record({ actor: actorOf(user), action: 'pics.chat.mail', target: { type: 'pics_chat', id: chatId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
        return id;
      });
      return contact.email;
    },

    /** The chat so far, for the asker's ticket form (choice 2). */
    async prefillForTicket(chatId: number, user: SessionUser): Promise<{ subject: string; description: string } | null> {
      const chat = await repo.chat(chatId);
      if (!chat || user.kind !== 'person' || chat.askerAccountId !== user.accountId) return null;
      const rows = await repo.messagesAfter(chatId, 0, 5000);
      const first = rows.find((m) => m.sender === 'asker' && m.kind === 'text');
      const subject = first ? [...`文字客服：${first.body.replace(/\s+/g, ' ')}`].slice(0, 200).join('') : '文字客服對話';
      return { subject, description: fit(await transcript(chatId, false)) };
    },

    /** The asker filed the ticket from the chat: the receipt number goes into the chat. */
    async ticketFiled(chatId: number, receiptNo: string, user: SessionUser): Promise<void> {
      const chat = await repo.chat(chatId);
      if (!chat || user.kind !== 'person' || chat.askerAccountId !== user.accountId) return;
      await postReceipt(chatId, receiptNo);
      // Nobody was serving them yet: the ticket takes over from the queue.
      if (chat.state === 'menu' || chat.state === 'waiting') await endChat(chat, '已改以線上掛號單處理，本次對話結束。');
    },

    /** Ends chats nobody has said anything in for a while. */
    async endIdle(now: Date): Promise<number> {
      const ids = await repo.idleOpenChats(new Date(now.getTime() - IDLE_LIMIT_MS));
      for (const id of ids) {
        const chat = await repo.chat(id);
        if (chat && chat.state !== 'ended') await endChat(chat, TEXT.endedIdle);
      }
      return ids.length;
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
