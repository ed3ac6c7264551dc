import express, { type Request, type RequestHandler, type Response } from 'express';
import type { MessagesDeps } from './deps';
import type { MessagesService } from './service';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { FormError, NotFoundError } from '../../platform/errors';
import { keepValues, pageNumber } from '../../platform/validation';
import { requireCheck, requirePerson } from '../../platform/identity/guards';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { withSignature } from './service';
import { BODY_MAX, GROUP_MAX, RECIPIENTS_MAX, SIGNATURE_LINES, SIGNATURE_MAX, SUBJECT_MAX } from './schemas';
import { under } from '../../platform/web/under';
import { routerOf, type Listed } from '../../platform/web/routers';

const LIMITS = { subject: SUBJECT_MAX, body: BODY_MAX, recipients: RECIPIENTS_MAX, signature: SIGNATURE_MAX, signatureLines: SIGNATURE_LINES, group: GROUP_MAX };

const id404 = (value: unknown, message = '查無此訊息') => {
  const id = idParam(value);
  if (id === null) throw new NotFoundError(message);
  return id;
};
const queryText = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');

/**
 * 網頁訊息 (e公務), 簽名檔設定, 通訊錄 and 群組設定 of 我的專區, and the unread count every
 * signed-in page shows in its header.
 */
export function messagesRouter(deps: Pick<MessagesDeps, 'audit' | 'uploads'> & { messages: MessagesService }): Listed {
  const { messages: svc, uploads, audit } = deps;
  // The pages of this area, all under /my (see the end).
  const pages = express.Router();

  // The header's 網頁訊息 badge on every page: one indexed count, taken only when a page is rendered.
  const badge: RequestHandler = (req, res, next) => {
    const user = req.user;
    if (!user || user.kind !== 'person') return next();
    // A GET outside 網頁訊息 changes no read state: the count read with the session is current.
    const extras = req.sessionExtras;
    if (extras && extras.personId === user.personId && (req.method === 'GET' || req.method === 'HEAD') && !req.path.startsWith('/my/messages')) {
      res.locals.unreadMessages = extras.unreadMessages;
      return next();
    }
    const render = res.render.bind(res) as (...args: unknown[]) => void;
    res.render = ((...args: unknown[]) => {
      svc
        .unreadCount(user)
        .catch(() => null)
        .then((n) => {
          res.locals.unreadMessages = n;
          render(...args);
        });
    }) as typeof res.render;
    next();
  };

  const person = requirePerson(audit, '機關憑證無網頁訊息，請以個人帳號或自然人憑證登入。');
  pages.use(['/my/messages', '/my/contacts', '/my/groups', '/my/signature'], person);
  pages.use(['/my/messages', '/my/contacts', '/my/groups', '/my/signature'], (req, res, next) => {
    res.locals.limits = LIMITS;
    res.locals.stylesheets = ['/public/css/messages.css'];
    res.locals.isHr = svc.isHr(req.user);
    next();
  });

  // --- 網頁訊息：收件匣 / 寄件備份 ---
  const listPage = (box: 'inbox' | 'sent') => async (req: Request, res: Response) => {
    const raw = { sender: queryText(req.query.sender), subject: queryText(req.query.subject), from: queryText(req.query.from), to: queryText(req.query.to) };
    const title = box === 'inbox' ? '網頁訊息' : '網頁訊息：寄件備份';
    try {
      const filter = svc.parseSearch(raw);
      const page = pageNumber(req.query.page);
      const result = box === 'inbox' ? await svc.inbox(req.user!, filter, page) : await svc.sent(req.user!, filter, page);
      res.render('portal/messages/list', { title, box, result, values: raw, searched: Object.values(raw).some(Boolean) });
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      res.status(400).render('portal/messages/list', { title, box, result: null, values: raw, errors: err.errors, searched: true });
    }
  };
  pages.get('/my/messages', listPage('inbox'));
  pages.get('/my/messages/sent', listPage('sent'));

  // --- 撰寫 / 回覆 / 轉寄 ---
  const composeLocals = async (req: Request, extra: Awaited<ReturnType<MessagesService['replyValues']>>['extra'] = []) => {
    const choices = await svc.composeChoices(req.user!, queryText(req.query.dq));
    return { title: '撰寫網頁訊息', ...choices, extra, hint: UPLOAD_POLICIES.messageAttachments };
  };
  pages.get('/my/messages/new', async (req, res) => {
    let values: Record<string, string> = {};
    let extra: Awaited<ReturnType<MessagesService['replyValues']>>['extra'] = [];
    const replyOf = idParam(req.query.reply);
    const forwardOf = idParam(req.query.forward);
    if (replyOf !== null || forwardOf !== null) {
      const r = await svc.replyValues(req.user!, (replyOf ?? forwardOf)!, replyOf !== null ? 'reply' : 'forward', ctxOf(req));
      values = r.values;
      extra = r.extra;
    }
    if (typeof req.query.to === 'string' && /^\d{1,9}$/.test(req.query.to)) values.to = req.query.to;
    res.render('portal/messages/compose', { ...(await composeLocals(req, extra)), values });
  });
  pages.post('/my/messages/new', uploads.receive(['files'], UPLOAD_POLICIES.messageAttachments, { textFields: RECIPIENTS_MAX + 60 }), async (req, res) => {
    const locals = await composeLocals(req);
    if (req.uploadError) {
      return res.status(400).render('portal/messages/compose', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    }
    await submitForm(req, res, 'portal/messages/compose', locals, async () => {
      try {
        const r = await svc.send(req.user!, req.body, req.uploads ?? [], ctxOf(req));
        flash(req, 'success', `訊息已送出，共 ${r.delivered} 位收件人。`);
        if (r.refused.length) flash(req, 'info', `下列人員未開放e公務接收訊息，未收到此訊息：${r.refused.join('、')}`);
        res.redirect(303, `/my/messages/sent/${r.id}`);
      } catch (err) {
        await uploads.discard(req.uploads);
        throw err;
      }
    });
  });

  // --- 人事人員：機關公告訊息 ---
  const noticeLocals = async (req: Request) => ({ title: '發送機關通知', ...(await svc.noticeChoices(req.user!)) });
  const requireHr = requireCheck((u, ctx) => svc.assertHr(u, ctx));
  pages.get('/my/messages/notice', requireHr, async (req, res) => {
    res.render('portal/messages/notice', { ...(await noticeLocals(req)), values: { scope: 'all' } });
  });
  pages.post('/my/messages/notice', requireHr, async (req, res) => {
    await submitForm(req, res, 'portal/messages/notice', await noticeLocals(req), async () => {
      const r = await svc.sendNotice(req.user!, req.body, ctxOf(req));
      flash(req, 'success', `機關通知已送出，共 ${r.delivered.toLocaleString('zh-TW')} 位收件人。`);
      res.redirect(303, `/my/messages/sent/${r.id}`);
    });
  });

  // --- 通知設定 ---
  pages.get('/my/messages/settings', async (req, res) => {
    const s = await svc.setting(req.user!);
    res.render('portal/messages/settings', { title: '網頁訊息通知設定', values: { mailDigest: s.mailDigest ? 'on' : '' } });
  });
  pages.post('/my/messages/settings', async (req, res) => {
    await submitForm(req, res, 'portal/messages/settings', { title: '網頁訊息通知設定' }, async () => {
      const on = await svc.saveDigest(req.user!, req.body);
      flash(req, 'success', on ? '已設定：有新訊息時以電子郵件通知（每小時至多一封）。' : '已取消新訊息電子郵件通知。');
      res.redirect(303, '/my/messages/settings');
    });
  });

  // --- 閱讀 / 刪除 ---
  pages.post('/my/messages/delete', async (req, res) => {
    try {
      const n = await svc.removeMany(req.user!, req.body, ctxOf(req));
      flash(req, 'success', `已刪除 ${n} 則訊息。`);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      flash(req, 'error', Object.values(err.errors)[0]!);
    }
    res.redirect(303, '/my/messages');
  });
  pages.get('/my/messages/attachments/:id', async (req, res) => {
    const a = await svc.attachment(req.user!, id404(req.params.id, '查無此附件'), ctxOf(req));
    uploads.send(res, a, { inline: false });
  });
  pages.get('/my/messages/sent/:id', async (req, res) => {
    const { message, attachments } = await svc.sentOne(req.user!, id404(req.params.id), ctxOf(req));
    res.render('portal/messages/message', { title: message.subject, box: 'sent', message, attachments });
  });
  pages.post('/my/messages/sent/:id/delete', async (req, res) => {
    await svc.removeSent(req.user!, id404(req.params.id), ctxOf(req));
    flash(req, 'success', '已刪除寄件備份。');
    res.redirect(303, '/my/messages/sent');
  });
  pages.get('/my/messages/:id', async (req, res) => {
    const { message, attachments } = await svc.read(req.user!, id404(req.params.id), ctxOf(req));
    res.render('portal/messages/message', { title: message.subject, box: 'inbox', message, attachments });
  });
  pages.post('/my/messages/:id/delete', async (req, res) => {
    await svc.remove(req.user!, id404(req.params.id), ctxOf(req));
    flash(req, 'success', '訊息已刪除。');
    res.redirect(303, '/my/messages');
  });

  // --- 簽名檔設定 ---
  pages.get('/my/signature', async (req, res) => {
    const s = await svc.setting(req.user!);
    res.render('portal/messages/signature', { title: '簽名檔設定', values: { signature: s.signature }, preview: s.signature ? withSignature('（訊息內容）', s.signature) : null });
  });
  pages.post('/my/signature', async (req, res) => {
    const locals = { title: '簽名檔設定', preview: null };
    await submitForm(req, res, 'portal/messages/signature', locals, async () => {
      if (req.body?.action === 'preview') {
        // 預覽: the page again with the signature as it would follow a message; nothing saved.
        const preview = svc.previewSignature(req.body);
        res.render('portal/messages/signature', { ...locals, preview, values: keepValues(req.body) });
        return;
      }
      await svc.saveSignature(req.user!, req.body, ctxOf(req));
      flash(req, 'success', '簽名檔已儲存，撰寫訊息時會自動附加於內容之後。');
      res.redirect(303, '/my/signature');
    });
  });

  // --- 通訊錄 ---
  pages.get('/my/contacts', async (req, res) => {
    const values = { q: queryText(req.query.q), dq: queryText(req.query.dq) };
    try {
      const [contacts, found] = await Promise.all([svc.contacts(req.user!, values.q), svc.searchDirectory(req.user!, values.dq)]);
      res.render('portal/messages/contacts', { title: '通訊錄', contacts, found, values });
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      res.status(400).render('portal/messages/contacts', { title: '通訊錄', contacts: [], found: [], values, errors: err.errors });
    }
  });
  pages.post('/my/contacts', async (req, res) => {
    const locals = { title: '通訊錄', contacts: await svc.contacts(req.user!, ''), found: [] };
    await submitForm(req, res, 'portal/messages/contacts', locals, async () => {
      const name = await svc.addContact(req.user!, req.body, ctxOf(req));
      flash(req, 'success', `已將 ${name} 加入通訊錄。`);
      res.redirect(303, '/my/contacts');
    });
  });
  pages.post('/my/contacts/:personId/delete', async (req, res) => {
    await svc.removeContact(req.user!, id404(req.params.personId, '查無此聯絡人'), ctxOf(req));
    flash(req, 'success', '已自通訊錄移除。');
    res.redirect(303, '/my/contacts');
  });

  // --- 群組設定 ---
  pages.get('/my/groups', async (req, res) => {
    res.render('portal/messages/groups', { title: '群組設定', groups: await svc.groups(req.user!) });
  });
  pages.post('/my/groups', async (req, res) => {
    await submitForm(req, res, 'portal/messages/groups', { title: '群組設定', groups: await svc.groups(req.user!) }, async () => {
      const id = await svc.createGroup(req.user!, req.body, ctxOf(req));
      flash(req, 'success', '群組已建立，請勾選要加入的聯絡人。');
      res.redirect(303, `/my/groups/${id}`);
    });
  });
  pages.get('/my/groups/:id', async (req, res) => {
    const view = await svc.group(req.user!, id404(req.params.id, '查無此群組'), ctxOf(req));
    res.render('portal/messages/group', { title: `群組設定：${view.group.name}`, ...view });
  });
  pages.post('/my/groups/:id/members', async (req, res) => {
    const id = id404(req.params.id, '查無此群組');
    const view = await svc.group(req.user!, id, ctxOf(req));
    await submitForm(req, res, 'portal/messages/group', { title: `群組設定：${view.group.name}`, ...view }, async () => {
      const n = await svc.addMembers(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', `已加入 ${n} 位成員。`);
      res.redirect(303, `/my/groups/${id}`);
    });
  });
  pages.post('/my/groups/:id/members/:personId/delete', async (req, res) => {
    const id = id404(req.params.id, '查無此群組');
    await svc.removeMember(req.user!, id, id404(req.params.personId, '查無此成員'), ctxOf(req));
    flash(req, 'success', '已自群組移除。');
    res.redirect(303, `/my/groups/${id}`);
  });
  pages.post('/my/groups/:id/delete', async (req, res) => {
    await svc.deleteGroup(req.user!, id404(req.params.id, '查無此群組'), ctxOf(req));
    flash(req, 'success', '群組已刪除。');
    res.redirect(303, '/my/groups');
  });

  // The badge for every request, then this area's pages for their own paths (one layer each).
  return routerOf(badge, under({ prefixes: ['/my/messages', '/my/signature', '/my/contacts', '/my/groups'] }, pages));
}
