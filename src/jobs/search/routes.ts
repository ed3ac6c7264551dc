import crypto from 'node:crypto';
import express, { type Request, type Router } from 'express';
import type { JobsDeps } from '../deps';
import { idParam } from '../../platform/http';
import { keepValues, parseForm } from '../../platform/validation';
import { FormError, NotFoundError } from '../../platform/errors';
import { pdfToBuffer, drawFormTable } from '../../platform/pdf';
import { taipeiToday } from '../../platform/dates';
import { common, notice } from '../pages';
import { searchSchema } from './schemas';
import type { SearchService } from './service';

/** URLs rendered for one search result at most (the same search asked in a few ways). */
const MAX_PAGES_PER_RESULT = 4;

/** What was rendered for a search result, by URL; it goes when the result does. */
function byResult<V>() {
  const rendered = new WeakMap<object, Map<string, V>>();
  return {
    get: (result: object, url: string) => rendered.get(result)?.get(url),
    set(result: object, url: string, value: V) {
      let pages = rendered.get(result);
      if (!pages) rendered.set(result, (pages = new Map()));
      if (pages.size < MAX_PAGES_PER_RESULT) pages.set(url, value);
    },
  };
}

/** 查詢職缺資料, a vacancy's page and attachments, 求職SOP and the blank resume form. */
export function createSearchRouter(deps: Pick<JobsDeps, 'uploads'>, search: SearchService): Router {
  const router = express.Router();

  /**
   * An anonymous visitor's search page has no form to post, so it needs no session. The app
   * puts a CSRF token into the session of every request, which makes express-session store a
   * new session (a database write and a cookie) for each anonymous search; when the request
   * came without a session cookie, that session was made for this request only and the token
   * is taken off again, so nothing is stored. A visitor with a session keeps it untouched.
   */
  function sessionless(req: Request): boolean {
    const s = req.session as (typeof req.session & { csrfToken?: string }) | undefined;
    if (req.user || !s || /(?:^|;\s*)ecpa\.sid=/.test(req.headers.cookie ?? '')) return false;
    if (!Object.keys(s).every((k) => k === 'cookie' || k === 'csrfToken')) return false;
    delete s.csrfToken;
    return true;
  }

  /**
   * The page of a search result (one each instance keeps until a vacancy changes) as rendered
   * for a visitor without a session, by result and URL: such a page depends on nothing else but
   * the day shown in the header and the CSP nonce, which is put in per response. It lives as
   * long as the service hands out the same result.
   */
  const renderedPages = byResult<{ html: string; body: Buffer | null; etag: string }>();
  const NONCE_MARK = `jobs-nonce-${crypto.randomUUID()}`;
  /**
   * For a signed-in visitor, whose header is their own, the same result's search form and
   * result table (views/jobs/_search-body.ejs), by result and URL as above: they depend on
   * nothing but the URL's values, the result and the day. The header, the menu and the footer
   * are rendered for each request around them.
   */
  const renderedBodies = byResult<string>();

  // ---------- public side ----------
  router.get('/jobs', async (req, res, next) => {
    const anonymous = sessionless(req);
    const raw = { q: req.query.q, agency: req.query.agency, series: req.query.series, grade: req.query.grade, county: req.query.county, kind: req.query.kind, date: req.query.date, page: req.query.page, size: req.query.size };
    const values = keepValues(raw);
    try {
      const f = parseForm(searchSchema, Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === undefined ? undefined : v])));
      const result = await search.search(f, f.page, f.size);
      const params = new URLSearchParams(Object.entries(values).filter(([k, v]) => v !== '' && k !== 'page'));
      const locals = { ...common, title: '查詢職缺資料', values, result, base: `/jobs?${params.toString()}`, searched: Object.keys(req.query).length > 0 };
      const key = `${taipeiToday()} ${req.originalUrl}`;
      if (!anonymous) {
        const searchBody = renderedBodies.get(result, key);
        if (searchBody !== undefined) return res.render('jobs/search', { ...locals, searchBody });
        return res.app.render('jobs/_search-body', { ...locals, _locals: res.locals }, (err: Error | null, html: string) => {
          if (err) return next(err);
          renderedBodies.set(result, key, html);
          res.render('jobs/search', { ...locals, searchBody: html });
        });
      }
      const nonce = String(res.locals.cspNonce ?? '');
      const sendKept = (page: { html: string; body: Buffer | null; etag: string }) => {
        res.type('html');
        // A page without the nonce is the same bytes for everyone: sent as kept, with its ETag.
        if (page.body) return res.set('ETag', page.etag).send(page.body);
        return res.send(page.html.replaceAll(NONCE_MARK, nonce));
      };
      const kept = renderedPages.get(result, key);
      if (kept) return sendKept(kept);
      res.render('jobs/search', { ...locals, cspNonce: NONCE_MARK }, (err: Error | null, html: string) => {
        if (err) return next(err);
        const body = html.includes(NONCE_MARK) ? null : Buffer.from(html);
        const etag = body ? `W/"${body.length.toString(16)}-${crypto.createHash('sha1').update(body).digest('base64').slice(0, 27)}"` : '';
        const page = { html, body, etag };
        renderedPages.set(result, key, page);
        sendKept(page);
      });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('jobs/search', { ...common, title: '查詢職缺資料', values, errors: err.errors, result: null, base: '/jobs', searched: true });
      throw err;
    }
  });

  router.get('/jobs/view', async (req, res) => {
    const w = typeof req.query.work_id === 'string' && /^\d{1,12}$/.test(req.query.work_id) ? Number(req.query.work_id) : null;
    if (w === null) throw new NotFoundError('查無此職缺');
    const v = await search.publicVacancy(w);
    res.render('jobs/detail', { ...common, title: `${v.orgName} ${v.title}`, v, attachments: await search.attachments(v.id), preview: false, numberText: notice(v) });
  });

  router.get('/jobs/view/:workId/attachments/:id', async (req, res) => {
    const w = idParam(req.params.workId);
    const id = idParam(req.params.id);
    if (w === null || id === null) throw new NotFoundError('查無此附件');
    const file = await search.publicAttachment(w, id);
    if (!file) throw new NotFoundError('查無此附件');
    deps.uploads.send(res, file);
  });

  router.get('/jobs/sop', (_req, res) => res.render('jobs/sop', { ...common, title: '求職SOP' }));

  router.get('/jobs/resume-form.pdf', async (_req, res) => {
    const pdf = await pdfToBuffer(
      (doc) => {
        doc.font('zh-bold').fontSize(16).text('公務人員履歷表', { align: 'center' });
        doc.moveDown(0.5);
        const rows: [string, string][] = [
          ['姓名', ''], ['性別', ''], ['出生年月日', ''], ['身分證統一編號', ''], ['服務機關', ''], ['單位', ''], ['職稱', ''],
          ['官等職等', ''], ['職系', ''], ['到職日期', ''], ['聯絡電話', ''], ['電子郵件', ''], ['通訊地址', ''],
          ['學歷', '\n\n'], ['考試', '\n\n'], ['經歷', '\n\n\n'], ['專長', '\n\n'], ['自述', '\n\n\n\n'], ['應徵職缺編號及職稱', ''],
        ];
        drawFormTable(doc, rows, { labelWidth: 140 });
      },
      { title: '公務人員履歷表（空白表格）', subject: '事求人機關徵才系統' },
    );
    res.type('application/pdf').attachment('公務人員履歷表.pdf').send(pdf);
  });

  return router;
}
