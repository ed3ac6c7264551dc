import { Router } from 'express';
import type { VerificationService } from './verification';
import { normalizeVerificationCode } from './verification';
import { under, type GatedRouter } from './web/under';

/**
 * /verify: anyone checks a document's verification code and sees what was issued, by
 * whom and when (nothing about the person beyond the document's title), and the
 * fingerprint (SHA-256) of the PDF as issued, to compare with a copy.
 */
export function verificationRoutes(services: { verification: VerificationService }): GatedRouter {
  const r = Router();
  r.get('/verify', async (req, res) => {
    const typed = typeof req.query.code === 'string' ? req.query.code.slice(0, 40) : '';
    if (!typed) return res.render('verify/index', { title: '文件驗證', values: {}, doc: null, checked: false });
    const code = normalizeVerificationCode(typed);
    const doc = code ? await services.verification.lookup(code) : null;
    const errors = code ? {} : { code: '驗證碼格式錯誤，應為 16 碼英數字（例如 ABCD-EFGH-2345-6789）。' };
    res.status(doc ? 200 : code ? 404 : 400).render('verify/index', { title: '文件驗證', values: { code: typed }, doc, checked: Boolean(code), errors });
  });
  return under({ prefixes: ['/verify'] }, r);
}
