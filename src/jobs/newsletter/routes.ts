import express, { type Router } from 'express';
import type { Config } from '../../config';
import type { ScheduledJob } from '../../platform/scheduler';
import { ctxOf } from '../../platform/identity/context';
import { submitForm } from '../../platform/http';
import { common } from '../pages';
import type { NewsletterService } from './service';

/** 電子報訂閱 and 電子報取消, with the links their mails carry. */
export function createNewsletterRouter(config: Pick<Config, 'publicOrigin'>, newsletter: NewsletterService): Router {
  const router = express.Router();
  const origin = config.publicOrigin.replace(/\/$/, '');

  router.get('/jobs/subscribe', (_req, res) => res.render('jobs/subscribe', { ...common, title: '電子報訂閱' }));
  router.post('/jobs/subscribe', async (req, res) => {
    await submitForm(req, res, 'jobs/subscribe', { ...common, title: '電子報訂閱' }, async () => {
      const email = await newsletter.subscribe(req.body, origin, ctxOf(req));
      res.render('jobs/mail-sent', { ...common, title: '電子報訂閱', message: `確認信已寄至 ${email}，請開啟信中的連結完成訂閱。` });
    });
  });
  router.get('/jobs/subscribe/confirm', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 64) : '';
    await newsletter.confirmSubscription(token);
    res.render('jobs/mail-sent', { ...common, title: '電子報訂閱', message: '訂閱完成。每日將寄送符合您訂閱條件的新職缺。' });
  });
  router.get('/jobs/unsubscribe', (_req, res) => res.render('jobs/unsubscribe', { ...common, title: '電子報取消' }));
  router.post('/jobs/unsubscribe', async (req, res) => {
    await submitForm(req, res, 'jobs/unsubscribe', { ...common, title: '電子報取消' }, async () => {
      const email = await newsletter.requestUnsubscribe(req.body, origin, ctxOf(req));
      res.render('jobs/mail-sent', { ...common, title: '電子報取消', message: `若 ${email} 有訂閱電子報，取消確認信已寄出，請開啟信中的連結完成取消。` });
    });
  });
  router.get('/jobs/unsubscribe/confirm', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 64) : '';
    await newsletter.cancelSubscription(token);
    res.render('jobs/mail-sent', { ...common, title: '電子報取消', message: '已取消訂閱電子報。' });
  });

  return router;
}

/** Scheduled work: the e-newsletter's daily digest of new vacancies. */
export function newsletterJobs(config: Pick<Config, 'publicOrigin'>, newsletter: NewsletterService): ScheduledJob[] {
  const origin = config.publicOrigin.replace(/\/$/, '');
  return [{ name: 'jobs.digest', dailyAt: '07:00', run: (now) => newsletter.sendDigests(now, origin) }];
}
