import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config';
import type { PicsRouteDeps } from './routeDeps';
import { hasRole, type SessionUser } from '../platform/identity/sessionUser';
import { ctxOf } from '../platform/identity/context';
import { flash, idParam, submitForm } from '../platform/http';
import { keepValues, pageNumber, parseForm } from '../platform/validation';
import { ForbiddenError, FormError, NotFoundError } from '../platform/errors';
import { UPLOAD_POLICIES } from '../platform/uploadPolicies';
import { taipeiToday } from '../platform/dates';
import { requirePerson, requireRole } from '../platform/identity/guards';
import { ticketFields } from './deskService';
import { apiTicketSchema, CHANNEL_LABELS, CHANNELS, lookupSchema, queueSchema, searchSchema, SUBJECT_MAX } from './schemas';
import { OPENAPI } from './webhr';
import { picsContentRoutes } from './contentRoutes';

const STYLES = ['/public/css/pics.css'];
const FILES = 'attachments';

/** Query values as plain strings (a value sent twice becomes invalid). */
function queryValues(req: Request, keys: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of keys) {
    const v = req.query[k];
    out[k] = typeof v === 'string' ? v : v === undefined ? undefined : '\u0000';
  }
  return out;
}

const PERSON_ONLY = '機關憑證登入無法使用線上掛號，請以個人帳號或自然人憑證登入。';

function person(req: Request): SessionUser {
  const u = req.user!;
  if (u.kind !== 'person') throw new ForbiddenError(PERSON_ONLY);
  return u;
}

const qs = (o: Record<string, string | undefined | null>) =>
  Object.entries(o)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
    .join('&');

export function picsDeskRoutes(services: PicsRouteDeps, _config: Config): Router {
  const { pics, uploads, audit } = services;
  const { tickets, desk, content } = pics;
  const router = express.Router();
  const receive = uploads.receive([FILES], UPLOAD_POLICIES.picsAttachments);
  const agentOnly = requireRole(audit, 'cs_agent');
  // 線上掛號 and 掛號查詢 are a person's: an agency session is refused (and audited) before any upload is read.
  const personOnly = requirePerson(audit, PERSON_ONLY);

  router.use('/pics', async (_req, res, next) => {
    res.locals.stylesheets = STYLES;
    res.locals.picsHot = await content.hotKeywords();
    next();
  });

  // --- PICS home (its own sign-in page when signed out) ---
  router.get('/pics', async (req, res) => {
    if (!req.user) return res.render('pics/login', { title: 'PICS 人事資訊系統客服網登入' });
    res.render('pics/home', { title: 'PICS 人事資訊系統客服網', ...(await content.home()) });
  });

  router.get('/pics/search', async (req, res) => {
    const values = { q: typeof req.query.q === 'string' ? req.query.q : '' };
    try {
      const { q } = parseForm(searchSchema, values);
      res.render('pics/search', { title: '站內搜尋', values, result: await content.search(q) });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('pics/search', { title: '站內搜尋', values, errors: err.errors, result: null });
      throw err;
    }
  });

  router.get('/pics/announcements', async (req, res) => {
    res.render('pics/announcements', { title: '公告事項', result: await content.announcements(pageNumber(req.query.page)) });
  });
  router.get('/pics/announcements/:id', async (req, res) => {
    const a = await content.announcement(idParam(req.params.id));
    res.render('pics/announcement', { title: '公告事項', announcement: a });
  });
  router.get('/pics/faq', async (_req, res) => res.render('pics/faq', { title: '常見問題', faq: await content.faq() }));
  router.get('/pics/downloads', async (_req, res) => res.render('pics/downloads', { title: '檔案下載', downloads: await content.downloads() }));

  // --- 掛號室 > 線上掛號 ---
  // The form says where the ticket's mail goes: the account's own address, never the one typed.
  const newTicketView = async (personId: number, extra: Record<string, unknown> = {}) => ({
    title: '線上掛號',
    apps: await tickets.repo.apps(),
    subjectMax: SUBJECT_MAX,
    mailTo: await tickets.repo.accountEmailOf(personId),
    ...extra,
  });

  router.get('/pics/tickets/new', personOnly, async (req, res) => {
    const u = person(req);
    const contact = await tickets.repo.contactOf(u.personId);
    const values: Record<string, string> = { kind: '問題', phone: contact.phone, email: contact.email };
    const chatId = idParam(req.query.chat);
    if (chatId !== null) {
      const prefill = await pics.chat.prefillForTicket(chatId, u);
      if (prefill) Object.assign(values, { subject: prefill.subject, description: prefill.description, chatId: String(chatId) });
    }
    res.render('pics/ticket-new', await newTicketView(u.personId, { values }));
  });

  router.post('/pics/tickets', personOnly, receive, async (req, res) => {
    const u = person(req);
    await submitForm(req, res, 'pics/ticket-new', await newTicketView(u.personId), async () => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const fields = ticketFields(body);
      if (req.uploadError) {
        const { errors } = await tickets.validate(fields);
        throw new FormError({ ...errors, [FILES]: `${req.uploadError}（附件須重新選擇）` });
      }
      // A chat's ticket (choice 2) only when the chat is the asker's own.
      let chatId = idParam(body.chatId);
      if (chatId !== null && !(await pics.chat.prefillForTicket(chatId, u))) chatId = null;
      const r = await pics.fileTicket({ ...fields, personId: u.personId, channel: chatId ? 'C' : 'M', files: req.uploads ?? [], chatId }, ctxOf(req));
      if (chatId !== null) await pics.chat.ticketFiled(chatId, r.receiptNo, u);
      res.redirect(303, `/pics/tickets/${r.receiptNo}/filed`);
    });
  });

  router.get('/pics/tickets/:no/filed', personOnly, async (req, res) => {
    const { ticket } = await tickets.ownTicket(person(req), String(req.params.no), ctxOf(req));
    res.render('pics/ticket-filed', { title: '線上掛號送出成功', ticket, mailTo: await tickets.recipientOf(ticket) });
  });

  // --- 掛號室 > 掛號查詢 ---
  router.get('/pics/tickets', personOnly, async (req, res) => {
    const u = person(req);
    const values = queryValues(req, ['receiptNo', 'from', 'to']);
    const shown = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === '\u0000' ? '' : (v ?? '')]));
    try {
      const f = parseForm(lookupSchema, values);
      const result = await tickets.searchOwn(u, f, pageNumber(req.query.page));
      res.render('pics/tickets', { title: '掛號查詢', values: shown, result, base: `/pics/tickets?${qs(shown)}` });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('pics/tickets', { title: '掛號查詢', values: shown, errors: err.errors, result: null });
      throw err;
    }
  });

  router.get('/pics/tickets/:no', personOnly, async (req, res) => {
    const view = await tickets.ownTicket(person(req), String(req.params.no), ctxOf(req));
    res.render('pics/ticket', { title: `掛號案件 ${view.ticket.receiptNo}`, ...view });
  });

  router.get('/pics/tickets/:no/files/:id', personOnly, async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此附件');
    const f = await tickets.ownAttachment(person(req), String(req.params.no), id, ctxOf(req));
    uploads.send(res, f, { inline: false });
  });

  // --- 客服工作台 (customer-service agents) ---
  const deskRouter = express.Router();
  router.use('/pics/desk', agentOnly, deskRouter);

  deskRouter.get('/', async (req, res) => {
    const raw = queryValues(req, ['app', 'status', 'channel', 'assignee', 'age']);
    const parsed = queueSchema.safeParse({ ...raw, status: raw.status ?? 'open' });
    const filter = parsed.success ? parsed.data : queueSchema.parse({});
    const [result, apps, agents] = await Promise.all([tickets.queue(req.user!, filter, pageNumber(req.query.page)), tickets.repo.apps(), tickets.repo.agents()]);
    res.render('pics/desk/queue', {
      title: '客服工作台',
      filter,
      result,
      apps,
      agents,
      channels: CHANNELS.map((c) => ({ code: c, label: CHANNEL_LABELS[c] })),
      base: `/pics/desk?${qs({ ...filter, status: filter.status || 'all' })}`.replace('status=all', 'status='),
    });
  });

  const deskTicketView = async (req: Request, id: number) => {
    const view = await tickets.deskTicket(req.user!, id);
    return {
      title: '案件處理',
      ...view,
      mailTo: await tickets.recipientOf(view.ticket),
      agents: await tickets.repo.agents(),
      canned: await desk.cannedReplies(),
      channelLabels: CHANNEL_LABELS,
      today: taipeiToday(services.clock()),
    };
  };
  const ticketId = (req: Request) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此掛號案件');
    return id;
  };

  deskRouter.get('/tickets/:id', async (req, res) => {
    res.render('pics/desk/ticket', await deskTicketView(req, ticketId(req)));
  });

  const deskAction = (name: string, message: string, run: (req: Request, id: number) => Promise<unknown>) =>
    async (req: Request, res: Response) => {
      const id = ticketId(req);
      try {
        await run(req, id);
      } catch (err) {
        if (err instanceof FormError) {
          res.status(400).render('pics/desk/ticket', { ...(await deskTicketView(req, id)), values: keepValues(req.body), errors: err.errors, openForm: name });
          return;
        }
        throw err;
      }
      flash(req, 'success', message);
      res.redirect(303, `/pics/desk/tickets/${id}`);
    };

  deskRouter.post('/tickets/:id/take', deskAction('take', '已承辦此案件。', (req, id) => desk.take(req.user!, id, ctxOf(req))));
  deskRouter.post('/tickets/:id/assign', deskAction('assign', '已分派承辦人。', (req, id) => desk.assign(req.user!, id, req.body, ctxOf(req))));
  deskRouter.post(
    '/tickets/:id/reply',
    receive,
    deskAction('reply', '已回覆並以 Email 通知提問者。', async (req, id) => {
      if (req.uploadError) throw new FormError({ [FILES]: `${req.uploadError}（附件須重新選擇）` });
      await desk.reply(req.user!, id, req.body, req.uploads ?? [], ctxOf(req));
    }),
  );
  deskRouter.post('/tickets/:id/note', deskAction('note', '已新增內部註記。', (req, id) => desk.note(req.user!, id, req.body, ctxOf(req))));
  deskRouter.post('/tickets/:id/close', deskAction('close', '已結案並以 Email 通知提問者。', (req, id) => desk.close(req.user!, id, req.body, ctxOf(req))));
  deskRouter.post('/tickets/:id/reopen', deskAction('reopen', '已重新開啟案件。', (req, id) => desk.reopen(req.user!, id, req.body, ctxOf(req))));

  deskRouter.get('/files/:id', async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此附件');
    uploads.send(res, await tickets.deskAttachment(req.user!, id));
  });

  // Hotline (H): an agent enters a ticket for a caller found in the personnel master.
  const hotlineView = async (extra: Record<string, unknown> = {}) => ({ title: '客服專線登錄', apps: await tickets.repo.apps(), subjectMax: SUBJECT_MAX, caller: null, ...extra });
  deskRouter.get('/hotline', async (req, res) => {
    const nationalId = typeof req.query.nationalId === 'string' ? req.query.nationalId : '';
    if (!nationalId) return res.render('pics/desk/hotline', await hotlineView({ values: { kind: '問題' } }));
    try {
      const caller = await desk.findCaller(req.user!, { nationalId });
      const contact = await tickets.repo.contactOf(caller.id);
      res.render('pics/desk/hotline', await hotlineView({ caller, values: { nationalId: caller.nationalId, kind: '問題', phone: contact.phone, email: contact.email } }));
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('pics/desk/hotline', await hotlineView({ values: { nationalId, kind: '問題' }, errors: err.errors }));
      throw err;
    }
  });
  deskRouter.post('/hotline', receive, async (req, res) => {
    await submitForm(req, res, 'pics/desk/hotline', await hotlineView(), async () => {
      if (req.uploadError) {
        const { errors } = await tickets.validate(ticketFields(req.body ?? {}));
        throw new FormError({ ...errors, [FILES]: `${req.uploadError}（附件須重新選擇）` });
      }
      const r = await desk.fileHotline(req.user!, req.body ?? {}, req.uploads ?? [], ctxOf(req));
      flash(req, 'success', `已登錄客服專線案件，收件序號 ${r.receiptNo}。`);
      res.redirect(303, `/pics/desk/tickets/${r.id}`);
    });
  });

  deskRouter.get('/overdue', async (req, res) => {
    res.render('pics/desk/overdue', { title: '逾期案件（管制稽催）', rows: await desk.overdue(req.user!) });
  });

  deskRouter.get('/dashboard', async (_req, res) => {
    res.render('pics/desk/dashboard', { title: '客服統計儀表板', charts: await content.dashboard() });
  });

  deskRouter.get('/calendar', async (req, res) => {
    const thisYear = Number(taipeiToday(services.clock()).slice(0, 4));
    const y = typeof req.query.year === 'string' && /^\d{4}$/.test(req.query.year) ? Number(req.query.year) : thisYear;
    // The years a supervisor may set days in (last year to the year after next).
    const years = pics.calendarAdmin.calendarYears();
    res.render('pics/desk/calendar', { title: '政府行政機關辦公日曆', year: y, years, days: await pics.calendar.year(y), canEdit: hasRole(req.user, 'cs_supervisor') });
  });

  // 內容管理 (supervisors): content of the PICS pages, canned replies, the work calendar.
  deskRouter.use(picsContentRoutes(services));

  // --- WebHR channel (JSON API; a bearer key, no session, no CSRF) ---
  router.get('/api/pics/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });

  router.post('/api/pics/tickets', async (req, res) => {
    const ctx = ctxOf(req);
    const cred = await pics.apiCredentials.verify(req.get('authorization'));
    if (!cred) {
      await audit.recordRefusal({ action: 'pics.api.denied', outcome: 'denied', reason: 'unauthorized', target: { type: 'api', id: '/api/pics/tickets' }, ip: ctx.ip, requestId: ctx.requestId });
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'unauthorized', message: '未提供或無效之 API 金鑰' } });
      return;
    }
    const parsed = req.is('application/json') ? apiTicketSchema.safeParse(req.body) : null;
    if (!parsed || !parsed.success) {
      const fields: Record<string, string> = {};
      for (const i of parsed?.error.issues ?? []) fields[String(i.path[0] ?? '_')] ??= i.message;
      res.status(400).json({ error: { code: 'invalid_request', message: '請以 JSON 送出，且必須包含 nationalId、subject、description、phone、email', fields } });
      return;
    }
    const p = await tickets.repo.personByNationalId(parsed.data.nationalId);
    if (!p) {
      res.status(404).json({ error: { code: 'person_not_found', message: '公務人力資料庫查無此身分證統一編號' } });
      return;
    }
    try {
      const r = await pics.fileTicket(
        { ...parsed.data, appCode: parsed.data.appCode ?? null, personId: p.id, channel: 'W', files: [], enteredBy: null },
        ctx,
      );
      await audit.record({ action: 'pics.api.ticket', actor: { accountId: null, label: cred.system }, target: { type: 'pics_ticket', id: r.receiptNo }, ip: ctx.ip, requestId: ctx.requestId, details: { credential: cred.id } });
      res.status(201).json({ id: r.id, receiptNo: r.receiptNo, url: `/pics/tickets/${r.receiptNo}` });
    } catch (err) {
      if (err instanceof FormError) {
        res.status(400).json({ error: { code: 'invalid_form', message: err.message, fields: err.errors } });
        return;
      }
      throw err;
    }
  });

  return router;
}
