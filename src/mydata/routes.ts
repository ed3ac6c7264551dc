import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { MydataDeps } from './deps';
import type { MydataService } from './service';
import { ForbiddenError } from '../platform/errors';
import { recordAccessDenied, requirePerson as requirePersonGuard } from '../platform/identity/guards';
import { DOCUMENT_KINDS, SECTIONS, STATUS_LABELS } from './sections';
import { recordRouter } from './record/routes';
import { correctionsRouter } from './corrections/routes';
import { resumeRouter } from './resume/routes';
import { documentsRouter } from './documents/routes';

const STYLES = ['/public/css/mydata.css'];

/** The area's pages: the guards and locals every page shares, the home page, then each journey's routes. */
export function createMydataRouter(services: MydataDeps & { mydata: MydataService }): Router {
  const svc = services.mydata;
  const router = express.Router();

  // Every MyData page: a person's own session (agency certificates have no personal record).
  const requirePerson = requirePersonGuard(services.audit);
  const requireHr = async (req: Request, _res: Response, next: NextFunction) => {
    if (svc.isHr(req.user)) return next();
    await recordAccessDenied(services.audit, req, { required: ['hr_staff', 'hr_supervisor'] });
    next(new ForbiddenError());
  };
  router.use('/mydata', requirePerson);
  router.use('/mydata', (req, res, next) => {
    res.locals.stylesheets = STYLES;
    res.locals.isHr = svc.isHr(req.user);
    res.locals.statusLabels = STATUS_LABELS;
    res.locals.sections = SECTIONS;
    res.locals.documentKinds = DOCUMENT_KINDS;
    next();
  });
  // 人事人員 pages (更正申請處理, 文件核發) of every journey.
  router.use('/mydata/hr', requireHr);

  // --- 首頁 ---
  router.get('/mydata', async (req, res) => {
    const [announcements, consent] = await Promise.all([svc.announcements(), svc.documents.consentState(req.user!.personId)]);
    res.render('mydata/home', { title: '公務人員個人資料服務網', announcements, consent });
  });

  router.use(recordRouter(svc.record));
  router.use(correctionsRouter(svc.corrections, services.uploads));
  router.use(resumeRouter(svc.resume));
  router.use(documentsRouter(svc.documents, services.uploads));
  return router;
}
