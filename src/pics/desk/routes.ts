import express, { type Request, type Response, type Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { keepValues, pageNumber } from '../../platform/validation';
import { FormError, NotFoundError } from '../../platform/errors';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { taipeiToday } from '../../platform/dates';
import { requireRole } from '../../platform/identity/guards';
import { FILES, qs, queryValues } from '../web';
import { ticketFields } from '../tickets/fields';
import { CHANNEL_LABELS, CHANNELS, queueSchema, SUBJECT_MAX } from '../tickets/schemas';
import { calendarRoutes } from '../calendar/routes';
import { picsContentRoutes } from '../content/routes';

/** 客服工作台 (customer-service agents): the queue, a ticket's handling, hotline entry, overdue tickets, the dashboard. */
export function deskRoutes(services: PicsRouteDeps): Router {
  const { pics, uploads, audit } = services;
  const { tickets, desk } = pics;
  const router = express.Router();
  const receive = uploads.receive([FILES], UPLOAD_POLICIES.picsAttachments);
  const agentOnly = requireRole(audit, 'cs_agent');
  const deskRouter = express.Router();
  router.use('/pics/desk', agentOnly, deskRouter);

  deskRouter.get('/', async (req, res) => {
    const raw = queryValues(req, ['app', 'status', 'channel', 'assignee', 'age']);
    const parsed = queueSchema.safeParse({ ...raw, status: raw.status ?? 'open' });
    const filter = parsed.success ? parsed.data : queueSchema.parse({});
    const [result, apps, agents] = await Promise.all([desk.queue(req.user!, filter, pageNumber(req.query.page)), tickets.apps(), desk.agents()]);
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
    const view = await desk.ticket(req.user!, id);
    return {
      title: '案件處理',
      ...view,
      mailTo: await tickets.recipientOf(view.ticket),
      agents: await desk.agents(),
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
    uploads.send(res, await desk.attachment(req.user!, id));
  });

  // Hotline (H): an agent enters a ticket for a caller found in the personnel master.
  const hotlineView = async (extra: Record<string, unknown> = {}) => ({ title: '客服專線登錄', apps: await tickets.apps(), subjectMax: SUBJECT_MAX, caller: null, ...extra });
  deskRouter.get('/hotline', async (req, res) => {
    const nationalId = typeof req.query.nationalId === 'string' ? req.query.nationalId : '';
    if (!nationalId) return res.render('pics/desk/hotline', await hotlineView({ values: { kind: '問題' } }));
    try {
      const caller = await desk.findCaller(req.user!, { nationalId });
      const contact = await tickets.contactOf(caller.id);
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
    res.render('pics/desk/dashboard', { title: '客服統計儀表板', charts: await desk.dashboard() });
  });

  // 辦公日曆 (every agent sees it; supervisors add and remove days).
  deskRouter.use(calendarRoutes(services));

  // 內容管理 (supervisors): content of the PICS pages, canned replies.
  deskRouter.use(picsContentRoutes(services));

  return router;
}
