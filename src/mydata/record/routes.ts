import express, { type Router } from 'express';
import { displayValue } from '../values';
import { SECTION_KEYS } from '../sections';
import type { RecordService } from './service';

/** 資料查詢及校對 and 待遇表查詢 (the person's own session; mydata/routes.ts guards /mydata). */
export function recordRouter(svc: RecordService): Router {
  const router = express.Router();

  router.get('/mydata/record', async (req, res) => {
    res.render('mydata/record', { title: '資料查詢及校對', record: await svc.record(req.user!.personId), displayValue, sectionKeys: SECTION_KEYS });
  });

  router.get('/mydata/pay', async (req, res) => {
    const month = typeof req.query.month === 'string' && /^\d{4}-\d{2}$/.test(req.query.month) ? req.query.month : null;
    const pay = await svc.pay(req.user!.personId, month);
    if (typeof req.query.month === 'string' && req.query.month !== pay.month && req.query.month !== '') {
      return res.status(404).render('mydata/pay', { title: '待遇表查詢', pay, notFound: true });
    }
    res.render('mydata/pay', { title: '待遇表查詢', pay, notFound: false });
  });

  return router;
}
