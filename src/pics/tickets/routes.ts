import express, { type Request, type Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { ctxOf } from '../../platform/identity/context';
import { idParam, submitForm } from '../../platform/http';
import { pageNumber, parseForm } from '../../platform/validation';
import { ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { requirePerson } from '../../platform/identity/guards';
import { FILES, qs, queryValues } from '../web';
import { ticketFields } from './fields';
import { DESCRIPTION_MAX, lookupSchema, SUBJECT_MAX } from './schemas';

const PERSON_ONLY = '機關憑證登入無法使用線上掛號，請以個人帳號或自然人憑證登入。';

function person(req: Request): SessionUser {
  const u = req.user!;
  if (u.kind !== 'person') throw new ForbiddenError(PERSON_ONLY);
  return u;
}

/** 掛號室: 線上掛號 (a person files a ticket) and 掛號查詢 (a person follows their own tickets). */
export function ticketRoutes(services: PicsRouteDeps): Router {
  const { pics, uploads, audit } = services;
  const { tickets } = pics;
  const router = express.Router();
  const receive = uploads.receive([FILES], UPLOAD_POLICIES.picsAttachments);
  // 線上掛號 and 掛號查詢 are a person's: an agency session is refused (and audited) before any upload is read.
  const personOnly = requirePerson(audit, PERSON_ONLY);

  // --- 掛號室 > 線上掛號 ---
  // The form says where the ticket's mail goes: the account's own address, never the one typed.
  const newTicketView = async (personId: number, extra: Record<string, unknown> = {}) => ({
    title: '線上掛號',
    apps: await tickets.apps(),
    subjectMax: SUBJECT_MAX,
    mailTo: await tickets.accountEmailOf(personId),
    ...extra,
  });

  router.get('/pics/tickets/new', personOnly, async (req, res) => {
    const u = person(req);
    const contact = await tickets.contactOf(u.personId);
    const values: Record<string, string> = { kind: '問題', phone: contact.phone, email: contact.email };
    // A question handed over by 智慧客服 (?q=): the first line as 主旨, all of it as 問題說明.
    if (typeof req.query.q === 'string' && req.query.q.trim()) {
      const q = req.query.q.trim();
      Object.assign(values, { subject: [...q.split('\n')[0]!.trim()].slice(0, 50).join(''), description: [...q].slice(0, DESCRIPTION_MAX).join('') });
    }
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

  return router;
}
