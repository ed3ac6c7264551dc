import express, { type Router } from 'express';
import type { PicsRouteDeps } from '../routeDeps';
import { ctxOf } from '../../platform/identity/context';
import { FormError } from '../../platform/errors';
import { apiTicketSchema } from './schemas';
import { OPENAPI } from './openapi';

/** The WebHR channel (JSON API; a bearer key, no session, no CSRF). */
export function webhrRoutes(services: PicsRouteDeps): Router {
  const { pics } = services;
  const router = express.Router();

  router.get('/api/pics/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });

  router.post('/api/pics/tickets', async (req, res) => {
    const ctx = ctxOf(req);
    const cred = await pics.webhr.caller(req.get('authorization'), ctx);
    if (!cred) {
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
    try {
      const r = await pics.webhr.file(cred, parsed.data, ctx);
      if (!r) {
        res.status(404).json({ error: { code: 'person_not_found', message: '公務人力資料庫查無此身分證統一編號' } });
        return;
      }
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
