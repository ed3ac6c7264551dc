import express, { type Request, type Router } from 'express';
import { ctxOf } from '../../platform/identity/context';
import { flash, submitForm } from '../../platform/http';
import { SELF_DESCRIPTION_MAX } from './schemas';
import type { ResumeService } from './service';

/** 簡要自述維護 and 履歷表下載 (the person's own session). */
export function resumeRouter(svc: ResumeService): Router {
  const router = express.Router();

  const selfLocals = async (req: Request) => ({ title: '簡要自述維護', max: SELF_DESCRIPTION_MAX, ...(await svc.selfDescription(req.user!.personId)) });
  router.get('/mydata/self', async (req, res) => {
    const locals = await selfLocals(req);
    res.render('mydata/self', { ...locals, values: { body: locals.current?.body ?? '' } });
  });
  router.post('/mydata/self', async (req, res) => {
    await submitForm(req, res, 'mydata/self', await selfLocals(req), async () => {
      await svc.saveSelfDescription(req.user!, req.body, ctxOf(req));
      flash(req, 'success', '簡要自述已儲存。');
      res.redirect(303, '/mydata/self');
    });
  });

  router.get('/mydata/resume', (_req, res) => res.render('mydata/resume', { title: '履歷表下載' }));
  router.get('/mydata/resume.pdf', async (req, res) => {
    const pdf = await svc.resumeFor(req.user!, ctxOf(req));
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment('公務人員履歷表.pdf');
    res.send(pdf);
  });

  return router;
}
