import express, { type Request, type Router } from 'express';
import type { CardsDeps } from './deps';
import type { CardsService } from './service';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { DomainError, NotFoundError } from '../../platform/errors';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { keepValues } from '../../platform/validation';
import { requireCheck, requirePerson } from '../../platform/identity/guards';
import { rocShort } from '../../platform/dates';
import { RECIPIENTS_MAX } from '../messages/schemas';
import { DESIGNS } from './designs';
import { GREETING_MAX } from './schemas';

const LIMITS = { greeting: GREETING_MAX, recipients: RECIPIENTS_MAX };

/**
 * 電子賀卡 of 我的專區: the card form with its 預覽 (/my/ecards), one's cards waiting for their
 * date, and 人事人員's 生日賀卡 setting (/my/ecards/birthday). Sent cards are read in 網頁訊息.
 */
export function cardsRouter(deps: Pick<CardsDeps, 'audit' | 'uploads'> & { cards: CardsService }): Router {
  const { cards: svc, audit, uploads } = deps;
  const router = express.Router();

  router.use('/my/ecards', requirePerson(audit, '機關憑證無電子賀卡，請以個人帳號或自然人憑證登入。'));
  router.use('/my/ecards', (req, res, next) => {
    res.locals.limits = LIMITS;
    res.locals.designs = DESIGNS;
    res.locals.stylesheets = ['/public/css/messages.css', '/public/css/cards.css'];
    res.locals.isHr = svc.isHr(req.user);
    next();
  });

  const formLocals = async (req: Request) => ({ title: '電子賀卡', today: svc.today(), preview: null, ...(await svc.choices(req.user!)) });

  router.get('/my/ecards', async (req, res) => {
    res.render('portal/cards/compose', { ...(await formLocals(req)), values: { design: 'birthday' } });
  });
  // Sent as multipart (no files): up to 200 people ticked one by one are more fields than
  // the app's url-encoded bodies take.
  const cardForm = uploads.receive([], UPLOAD_POLICIES.messageAttachments, { textFields: RECIPIENTS_MAX + 20 });
  router.post('/my/ecards', cardForm, async (req, res) => {
    if (req.uploadError || req.uploads?.length) {
      await uploads.discard(req.uploads);
      throw new DomainError('card_no_files', '電子賀卡不可附加檔案。', 400);
    }
    const locals = await formLocals(req);
    await submitForm(req, res, 'portal/cards/compose', locals, async () => {
      if (req.body?.action === 'preview') {
        // 預覽: the page again with the card as it will arrive; nothing saved.
        const preview = await svc.preview(req.user!, req.body);
        res.render('portal/cards/compose', { ...locals, title: '電子賀卡（預覽）', preview, values: keepValues(req.body) });
        return;
      }
      const r = await svc.send(req.user!, req.body, ctxOf(req));
      if (r.sendOn) flash(req, 'success', `賀卡已預約於 ${rocShort(r.sendOn)} 寄送，共 ${r.delivered} 位收件人。`);
      else flash(req, 'success', `賀卡已送出，共 ${r.delivered} 位收件人。`);
      if (r.refused.length) flash(req, 'info', `下列人員未開放e公務接收訊息，不會收到此賀卡：${r.refused.join('、')}`);
      res.redirect(303, r.messageId ? `/my/messages/sent/${r.messageId}` : '/my/ecards#scheduled');
    });
  });
  router.post('/my/ecards/scheduled/:id/delete', async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此預約賀卡');
    await svc.cancel(req.user!, id, ctxOf(req));
    flash(req, 'success', '已取消預約寄送的賀卡。');
    res.redirect(303, '/my/ecards#scheduled');
  });

  // --- 生日賀卡 (人事人員) ---
  const requireHr = requireCheck((u, ctx) => svc.assertHr(u, ctx));
  router.get('/my/ecards/birthday', requireHr, async (req, res) => {
    const s = await svc.birthdaySetting(req.user!, ctxOf(req));
    res.render('portal/cards/birthday', { title: '生日賀卡設定', setting: s, values: { enabled: s.enabled ? 'on' : '', design: s.design, greeting: s.greeting } });
  });
  router.post('/my/ecards/birthday', requireHr, async (req, res) => {
    const s = await svc.birthdaySetting(req.user!, ctxOf(req));
    await submitForm(req, res, 'portal/cards/birthday', { title: '生日賀卡設定', setting: s }, async () => {
      const on = await svc.saveBirthdaySetting(req.user!, req.body, ctxOf(req));
      flash(req, 'success', on ? '已啟用生日賀卡：本機關在職人員於生日當天會在網頁訊息收到賀卡。' : '已停用生日賀卡自動寄送。');
      res.redirect(303, '/my/ecards/birthday');
    });
  });

  return router;
}
