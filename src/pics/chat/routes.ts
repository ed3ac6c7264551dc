import express, { type Request, type Response, type Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam } from '../../platform/http';
import { parseForm } from '../../platform/validation';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { requireRole, requireUser } from '../../platform/identity/guards';
import { choiceSchema, messageSchema, statusSchema, ticketSchema } from './schemas';
import { MESSAGE_MAX } from './service';
import { SCOPE_NOTICE, SERVICE_HOURS_TEXT, SIDE_LINKS, TEXT } from './text';

const STYLES = ['/public/css/pics-chat.css'];
/** The agent's pages carry the desk's menu, styled by the desk's sheet. */
const AGENT_STYLES = ['/public/css/pics.css', '/public/css/pics-chat.css'];

/** fetch() from the chat page asks for JSON; a plain form post gets a page. */
function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

function chatId(req: Request): number {
  const id = idParam(req.params.id);
  if (id === null) throw new NotFoundError('查無此對話');
  return id;
}

export function createChatRoutes(services: PicsRouteDeps): Router {
  const chat = services.pics.chat;
  const router = express.Router();
  const agentOnly = requireRole(services.audit, 'cs_agent');

  /** The asker's chat page (also re-rendered with a form error). */
  async function renderAsker(req: Request, res: Response, id: number, status = 200, extra: { errors?: Record<string, string>; values?: Record<string, string> } = {}) {
    const { chat: c, viewer } = await chat.visibleChat(id, req.user!, ctxOf(req));
    if (viewer === 'agent') return res.redirect(303, `/pics/agent/chat/${id}`);
    const lines = await chat.lines(id, { viewer: 'asker', accountId: req.user!.accountId });
    res.status(status).render('pics/chat/chat', {
      title: '文字客服',
      stylesheets: STYLES,
      chat: c,
      lines,
      lastId: lines.length ? lines[lines.length - 1]!.id : 0,
      links: SIDE_LINKS,
      queue: c.state === 'waiting' ? await chat.queueFor(id) : null,
      messageMax: MESSAGE_MAX,
      text: TEXT,
      errors: extra.errors ?? {},
      values: extra.values ?? {},
    });
  }

  async function renderAgent(req: Request, res: Response, id: number, status = 200, extra: { errors?: Record<string, string>; values?: Record<string, string> } = {}) {
    const { chat: c } = await chat.visibleChat(id, req.user!, ctxOf(req));
    const lines = await chat.lines(id, { viewer: 'agent', accountId: req.user!.accountId });
    const first = lines.find((l) => l.sender === 'asker' && l.kind === 'text');
    res.status(status).render('pics/chat/agent-chat', {
      title: `文字客服對話 ${id}`,
      stylesheets: AGENT_STYLES,
      chat: c,
      lines,
      lastId: lines.length ? lines[lines.length - 1]!.id : 0,
      mine: c.agentAccountId === req.user!.accountId,
      active: await chat.activeChatsOf(req.user!),
      messageMax: MESSAGE_MAX,
      errors: extra.errors ?? {},
      values: { subject: first ? [...first.body].slice(0, 200).join('') : '文字客服對話', kind: '問題', ...(await chat.contactOf(c)), ...(extra.values ?? {}) },
    });
  }

  /** Whether the signed-in user sees this chat as its agent (else as its asker). */
  async function asAgent(req: Request, id: number): Promise<boolean> {
    return (await chat.visibleChat(id, req.user!, ctxOf(req))).viewer === 'agent';
  }

  /** A form error: JSON for the page's script, else the same page with the message. */
  async function refuse(req: Request, res: Response, id: number, errors: Record<string, string>, values: Record<string, string>) {
    if (wantsJson(req)) return void res.status(400).json({ error: { code: 'invalid_form', message: Object.values(errors)[0], fields: errors } });
    if (await asAgent(req, id)) return renderAgent(req, res, id, 400, { errors, values });
    return renderAsker(req, res, id, 400, { errors, values });
  }

  async function domainRefusal(req: Request, res: Response, id: number, err: unknown, field: string, values: Record<string, string>) {
    if (err instanceof FormError) return refuse(req, res, id, err.errors, values);
    if (err instanceof DomainError && err.status === 409) return refuse(req, res, id, { [field]: err.message }, values);
    throw err;
  }

  // ---------- the asker ----------
  // A question handed over by 智慧客服 (?q=) goes with the asker into the chat's message box.
  const handedOver = (v: unknown) => (typeof v === 'string' ? v.slice(0, MESSAGE_MAX) : '');
  const withQuestion = (url: string, q: string) => (q ? `${url}?q=${encodeURIComponent(q)}` : url);

  router.get('/pics/chat', requireUser, async (req, res) => {
    const open = await chat.openChatOf(req.user!);
    const q = handedOver(req.query.q);
    if (open) return res.redirect(303, withQuestion(`/pics/chat/${open.id}`, q));
    res.render('pics/chat/start', {
      title: '文字客服',
      stylesheets: STYLES,
      open: await chat.inServiceHours(),
      scope: SCOPE_NOTICE,
      hours: SERVICE_HOURS_TEXT,
      links: SIDE_LINKS,
      isPerson: req.user!.kind === 'person',
      question: q,
    });
  });

  router.post('/pics/chat', requireUser, async (req, res) => {
    try {
      const id = await chat.start(req.user!, ctxOf(req));
      res.redirect(303, withQuestion(`/pics/chat/${id}`, handedOver((req.body as Record<string, unknown> | undefined)?.q)));
    } catch (err) {
      if (err instanceof DomainError && err.code === 'closed') {
        flash(req, 'info', err.message);
        return res.redirect(303, '/pics/chat');
      }
      throw err;
    }
  });

  // The desk's menu links here.
  router.get('/pics/chat/agent', agentOnly, (_req, res) => res.redirect(303, '/pics/agent/chat'));

  router.get('/pics/chat/:id', requireUser, async (req, res) => {
    const q = handedOver(req.query.q);
    await renderAsker(req, res, chatId(req), 200, q ? { values: { body: q } } : {});
  });

  router.post('/pics/chat/:id/choice', requireUser, async (req, res) => {
    const id = chatId(req);
    let choice: 1 | 2 | 3;
    try {
      ({ choice } = parseForm(choiceSchema, req.body));
    } catch (err) {
      return domainRefusal(req, res, id, err, 'choice', {});
    }
    try {
      const outcome = await chat.choose(id, choice, req.user!, ctxOf(req));
      const to = outcome === 'ticket' ? `/pics/tickets/new?chat=${id}` : `/pics/chat/${id}`;
      if (wantsJson(req)) return void res.json({ outcome, location: to });
      res.redirect(303, to);
    } catch (err) {
      return domainRefusal(req, res, id, err, 'choice', {});
    }
  });

  router.post('/pics/chat/:id/messages', requireUser, async (req, res) => {
    const id = chatId(req);
    const values = { body: typeof req.body?.body === 'string' ? req.body.body : '' };
    try {
      const { body } = parseForm(messageSchema, req.body);
      const messageId = await chat.say(id, body, req.user!, ctxOf(req));
      if (wantsJson(req)) return void res.status(201).json({ id: messageId });
      res.redirect(303, (await asAgent(req, id)) ? `/pics/agent/chat/${id}` : `/pics/chat/${id}`);
    } catch (err) {
      return domainRefusal(req, res, id, err, 'body', values);
    }
  });

  router.post('/pics/chat/:id/images', requireUser, services.uploads.receive(['image'], UPLOAD_POLICIES.picsChatImage), async (req, res) => {
    const id = chatId(req);
    if (req.uploadError) return refuse(req, res, id, { image: req.uploadError }, {});
    const files = req.uploads ?? [];
    if (!files.length) return refuse(req, res, id, { image: '請選擇要上傳的圖片' }, {});
    try {
      const messageId = await chat.sendImage(id, files, req.user!, ctxOf(req));
      if (wantsJson(req)) return void res.status(201).json({ id: messageId });
      res.redirect(303, (await asAgent(req, id)) ? `/pics/agent/chat/${id}` : `/pics/chat/${id}`);
    } catch (err) {
      await services.uploads.discard(files);
      return domainRefusal(req, res, id, err, 'image', {});
    }
  });

  router.get('/pics/chat/:id/images/:messageId', requireUser, async (req, res) => {
    const mid = idParam(req.params.messageId);
    if (mid === null) throw new NotFoundError('查無此圖片');
    const file = await chat.image(chatId(req), mid, req.user!, ctxOf(req));
    services.uploads.send(res, file, { inline: true });
  });

  router.post('/pics/chat/:id/end', requireUser, async (req, res) => {
    const id = chatId(req);
    await chat.end(id, req.user!, ctxOf(req));
    if (wantsJson(req)) return void res.json({ ok: true });
    res.redirect(303, (await asAgent(req, id)) ? `/pics/agent/chat/${id}` : `/pics/chat/${id}`);
  });

  /** Server-sent events: the chat's lines from the last one seen, then live. */
  router.get('/pics/chat/:id/events', requireUser, async (req, res) => {
    const id = chatId(req);
    const { viewer } = await chat.visibleChat(id, req.user!, ctxOf(req));
    const from = String(req.get('last-event-id') ?? req.query.after ?? '0');
    if (!chat.hub.canOpen(req.sessionID)) return tooManyStreams(res);
    openStream(res);
    await live(res, () =>
      chat.hub.subscribe({ chatId: id, viewer, accountId: req.user!.accountId, sessionId: req.sessionID, role: viewer === 'agent' ? 'cs_agent' : null, lastId: /^\d{1,15}$/.test(from) ? Number(from) : 0, res }),
    );
  });

  // ---------- the agent console ----------
  router.get('/pics/agent/chat', agentOnly, async (req, res) => {
    const [agent, seats, active, ended] = await Promise.all([chat.agentOf(req.user!), chat.seats(), chat.activeChatsOf(req.user!), chat.recentEnded()]);
    res.render('pics/chat/console', { title: '文字客服專員作業', stylesheets: AGENT_STYLES, agent, seats, active, ended });
  });

  router.get('/pics/agent/chat/events', agentOnly, async (req, res) => {
    if (!chat.hub.canOpen(req.sessionID)) return tooManyStreams(res);
    openStream(res);
    await live(res, () => chat.hub.subscribe({ chatId: null, viewer: 'agent', accountId: req.user!.accountId, sessionId: req.sessionID, role: 'cs_agent', lastId: 0, res }));
  });

  router.post('/pics/agent/chat/status', agentOnly, async (req, res) => {
    const { status } = parseForm(statusSchema, req.body);
    await chat.setStatus(req.user!, status, ctxOf(req));
    flash(req, 'success', status === 'available' ? '您已開始接受文字客服對話。' : '您已暫停接受文字客服對話。');
    res.redirect(303, '/pics/agent/chat');
  });

  router.post('/pics/agent/chat/heartbeat', agentOnly, async (req, res) => {
    await chat.heartbeat(req.user!);
    res.status(204).end();
  });

  router.post('/pics/agent/chat/accept', agentOnly, async (req, res) => {
    try {
      const id = await chat.acceptNext(req.user!, ctxOf(req));
      if (id === null) {
        flash(req, 'info', '目前沒有等候中的提問者。');
        return res.redirect(303, '/pics/agent/chat');
      }
      res.redirect(303, `/pics/agent/chat/${id}`);
    } catch (err) {
      if (err instanceof DomainError && err.status === 409) {
        flash(req, 'error', err.message);
        return res.redirect(303, '/pics/agent/chat');
      }
      throw err;
    }
  });

  router.get('/pics/agent/chat/:id', agentOnly, async (req, res) => {
    await renderAgent(req, res, chatId(req));
  });

  router.post('/pics/agent/chat/:id/ticket', agentOnly, async (req, res) => {
    const id = chatId(req);
    const field = (k: string) => (typeof req.body?.[k] === 'string' ? (req.body[k] as string) : '');
    const values = { subject: field('subject'), kind: field('kind'), phone: field('phone'), email: field('email') };
    try {
      const input = parseForm(ticketSchema, req.body);
      const receiptNo = await chat.toTicket(id, input, req.user!, ctxOf(req));
      flash(req, 'success', `已建立線上掛號單，收件序號：${receiptNo}`);
      res.redirect(303, `/pics/agent/chat/${id}`);
    } catch (err) {
      if (err instanceof FormError) return renderAgent(req, res, id, 400, { errors: err.errors, values });
      if (err instanceof DomainError && err.status === 409) return renderAgent(req, res, id, 409, { errors: { subject: err.message }, values });
      throw err;
    }
  });

  router.post('/pics/agent/chat/:id/mail', agentOnly, async (req, res) => {
    const id = chatId(req);
    const to = await chat.mailTranscript(id, req.user!, ctxOf(req));
    flash(req, 'success', `對話紀錄已寄至 ${to}`);
    res.redirect(303, `/pics/agent/chat/${id}`);
  });

  return router;
}

/** Once the stream is open a failure can only end it; the client reconnects and resumes. */
async function live(res: Response, subscribe: () => Promise<void>) {
  try {
    await subscribe();
  } catch {
    res.end();
  }
}

/** A session holds a few streams at most (one per open chat tab); a further one is refused, not traded for an old one. */
function tooManyStreams(res: Response) {
  res.status(429).type('text/plain; charset=utf-8').send('已開啟過多對話視窗，請關閉其他視窗後再試。');
}

function openStream(res: Response) {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-store, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader('Connection', 'keep-alive');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write('retry: 2000\n\n');
}
