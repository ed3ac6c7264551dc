import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { JobsDeps } from './deps';
import type { Config } from '../config';
import { ctxOf } from '../platform/identity/context';
import { flash, idParam, submitForm } from '../platform/http';
import { keepValues, parseForm } from '../platform/validation';
import { ForbiddenError, FormError, NotFoundError } from '../platform/errors';
import { recordAccessDenied, requirePerson, requireRole, requireUser } from '../platform/identity/guards';
import { pdfToBuffer, drawFormTable } from '../platform/pdf';
import { chartSvg } from '../platform/svgChart';
import { rocShort, taipeiToday } from '../platform/dates';
import { COUNTIES, COUNTY_NAME, GENDER_TEXT, GRADES, LEVELS, PERSON_KINDS, PERSON_KIND_NAME, SERIES, TITLES } from './codes';
import { manageListSchema, searchSchema } from './schemas';
import { CARD_RULE, type JobsService } from './service';
import { UPLOAD_POLICIES } from '../platform/uploadPolicies';
import { CSV_HEAD, csvRow, openRecord, write, xmlHead, xmlRow, XML_TAIL } from './opendata';
import type { VacancyRow } from './repository';

const STYLES = ['/public/css/jobs.css'];
const STATUS_TEXT: Record<string, string> = { pending: '審核中', approved: '審核通過', returned: '退回' };

/** What every 事求人 page shows. */
const common = {
  stylesheets: STYLES,
  counties: COUNTIES,
  personKinds: PERSON_KINDS,
  seriesList: SERIES,
  titles: TITLES,
  grades: GRADES,
  levels: LEVELS,
  countyName: COUNTY_NAME,
  kindName: PERSON_KIND_NAME,
  genderText: GENDER_TEXT,
  statusText: STATUS_TEXT,
};

function notice(v: VacancyRow) {
  return v.numberOf === null ? '數名' : `${v.numberOf} 名`;
}

export function createJobsRouter(services: JobsDeps, config: Pick<Config, 'publicOrigin'>, jobs: JobsService): Router {
  const router = express.Router();
  const origin = config.publicOrigin.replace(/\/$/, '');
  const audit = services.audit;

  /** 機關徵才登錄 needs a certificate session of an agency or of its HR staff. */
  async function poster(req: Request, res: Response, next: NextFunction) {
    if (!req.user) {
      if (req.method === 'GET') return res.redirect(`/login/certificate?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return requireUser(req, res, next);
    }
    const check = await jobs.posterCheck(req.user);
    if (check === 'ok') return next();
    await recordAccessDenied(audit, req, { method: req.user.method, why: check }, 'jobs.manage.denied');
    if (check === 'password') {
      return res.status(403).render('jobs/card-required', { ...common, title: '機關徵才登錄', rule: CARD_RULE, returnTo: req.method === 'GET' ? req.originalUrl : '/jobs/manage' });
    }
    next(new ForbiddenError('機關徵才登錄限各機關人事人員以自然人憑證，或以機關憑證登入後使用。'));
  }

  const vacancyId = (req: Request) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此職缺');
    return id;
  };

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
   * The page of a broad search result (one the service keeps for a while) as rendered for a
   * visitor without a session, by result and URL: such a page depends on nothing else but the
   * day shown in the header and the CSP nonce, which is put in per response. It lives as long
   * as the service hands out the same result.
   */
  const renderedPages = new WeakMap<object, Map<string, { html: string; body: Buffer | null; etag: string }>>();
  const NONCE_MARK = `jobs-nonce-${crypto.randomUUID()}`;
  const MAX_PAGES_PER_RESULT = 20;

  // ---------- public side ----------
  router.get('/jobs', async (req, res, next) => {
    const anonymous = sessionless(req);
    const raw = { q: req.query.q, agency: req.query.agency, series: req.query.series, grade: req.query.grade, county: req.query.county, kind: req.query.kind, date: req.query.date, page: req.query.page, size: req.query.size };
    const values = keepValues(raw);
    try {
      const f = parseForm(searchSchema, Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === undefined ? undefined : v])));
      const result = await jobs.search(f, f.page, f.size);
      const params = new URLSearchParams(Object.entries(values).filter(([k, v]) => v !== '' && k !== 'page'));
      const locals = { ...common, title: '查詢職缺資料', values, result, base: `/jobs?${params.toString()}`, searched: Object.keys(req.query).length > 0 };
      if (!anonymous || !result.capped) return res.render('jobs/search', locals);
      const nonce = String(res.locals.cspNonce ?? '');
      const key = `${taipeiToday()} ${req.originalUrl}`;
      const sendKept = (page: { html: string; body: Buffer | null; etag: string }) => {
        res.type('html');
        // A page without the nonce is the same bytes for everyone: sent as kept, with its ETag.
        if (page.body) return res.set('ETag', page.etag).send(page.body);
        return res.send(page.html.replaceAll(NONCE_MARK, nonce));
      };
      const kept = renderedPages.get(result)?.get(key);
      if (kept) return sendKept(kept);
      res.render('jobs/search', { ...locals, cspNonce: NONCE_MARK }, (err: Error | null, html: string) => {
        if (err) return next(err);
        const body = html.includes(NONCE_MARK) ? null : Buffer.from(html);
        const etag = body ? `W/"${body.length.toString(16)}-${crypto.createHash('sha1').update(body).digest('base64').slice(0, 27)}"` : '';
        const page = { html, body, etag };
        let pages = renderedPages.get(result);
        if (!pages) renderedPages.set(result, (pages = new Map()));
        if (pages.size < MAX_PAGES_PER_RESULT) pages.set(key, page);
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
    const v = await jobs.publicVacancy(w);
    res.render('jobs/detail', { ...common, title: `${v.orgName} ${v.title}`, v, attachments: await jobs.repo.attachments(v.id), preview: false, numberText: notice(v) });
  });

  router.get('/jobs/view/:workId/attachments/:id', async (req, res) => {
    const w = idParam(req.params.workId);
    const id = idParam(req.params.id);
    if (w === null || id === null) throw new NotFoundError('查無此附件');
    const v = await jobs.publicVacancy(w);
    const file = await jobs.repo.attachment(v.id, id);
    if (!file) throw new NotFoundError('查無此附件');
    services.uploads.send(res, file);
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

  // ---------- e-newsletter ----------
  router.get('/jobs/subscribe', (_req, res) => res.render('jobs/subscribe', { ...common, title: '電子報訂閱' }));
  router.post('/jobs/subscribe', async (req, res) => {
    await submitForm(req, res, 'jobs/subscribe', { ...common, title: '電子報訂閱' }, async () => {
      const email = await jobs.subscribe(req.body, origin, ctxOf(req));
      res.render('jobs/mail-sent', { ...common, title: '電子報訂閱', message: `確認信已寄至 ${email}，請開啟信中的連結完成訂閱。` });
    });
  });
  router.get('/jobs/subscribe/confirm', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 64) : '';
    await jobs.confirmSubscription(token);
    res.render('jobs/mail-sent', { ...common, title: '電子報訂閱', message: '訂閱完成。每日將寄送符合您訂閱條件的新職缺。' });
  });
  router.get('/jobs/unsubscribe', (_req, res) => res.render('jobs/unsubscribe', { ...common, title: '電子報取消' }));
  router.post('/jobs/unsubscribe', async (req, res) => {
    await submitForm(req, res, 'jobs/unsubscribe', { ...common, title: '電子報取消' }, async () => {
      const email = await jobs.requestUnsubscribe(req.body, origin, ctxOf(req));
      res.render('jobs/mail-sent', { ...common, title: '電子報取消', message: `若 ${email} 有訂閱電子報，取消確認信已寄出，請開啟信中的連結完成取消。` });
    });
  });
  router.get('/jobs/unsubscribe/confirm', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 64) : '';
    await jobs.cancelSubscription(token);
    res.render('jobs/mail-sent', { ...common, title: '電子報取消', message: '已取消訂閱電子報。' });
  });

  // ---------- open data ----------
  router.get('/jobs/opendata', (_req, res) => res.render('jobs/opendata', { ...common, title: '職缺Open Data' }));
  const historyPage = (req: Request) => {
    const p = typeof req.query.page === 'string' && /^\d{1,6}$/.test(req.query.page) ? Math.max(1, Number(req.query.page)) : 1;
    return p;
  };
  const HISTORY_SIZE = 1000;
  /** Rows in work_id order, fetched in keyset batches so memory stays flat for any size. */
  async function streamRows(req: Request, res: Response, history: boolean, each: (v: VacancyRow) => string) {
    if (history) {
      const rows = await jobs.repo.publicQuery(jobs.today(), { history }).clearOrder().orderBy('v.work_id', 'desc').limit(HISTORY_SIZE).offset((historyPage(req) - 1) * HISTORY_SIZE);
      for (const row of rows) await write(res, each(jobs.repo.fix(row as Record<string, unknown>)!));
      return;
    }
    let after = 0;
    const t = jobs.today();
    for (;;) {
      const rows = await jobs.repo.publicQuery(t).where('v.work_id', '>', after).limit(1000);
      if (!rows.length) break;
      let chunk = '';
      for (const row of rows) chunk += each(jobs.repo.fix(row as Record<string, unknown>)!);
      await write(res, chunk);
      after = Number((rows[rows.length - 1] as { workId: number }).workId);
      if (rows.length < 1000) break;
    }
  }
  // A download of public data is an access, not a security event: one structured log line
  // (the access log), nothing stored in the database.
  const logOpenData = (req: Request, format: string): void => {
    services.logger.info({ event: 'jobs.opendata.download', file: format, accountId: req.user?.accountId ?? null, ip: req.ip ?? null, requestId: req.id }, 'open data download');
  };
  for (const history of [false, true]) {
    const name = history ? 'history' : 'vacancies';
    router.get(`/jobs/opendata/${name}.xml`, async (req, res) => {
      logOpenData(req, `${name}.xml`);
      res.type('application/xml; charset=utf-8');
      res.write(xmlHead(services.clock()));
      await streamRows(req, res, history, (v) => xmlRow(v, origin));
      res.end(XML_TAIL);
    });
    router.get(`/jobs/opendata/${name}.json`, async (req, res) => {
      logOpenData(req, `${name}.json`);
      res.type('application/json; charset=utf-8');
      res.write(`{"announceDate":"${taipeiToday(services.clock())}",${history ? `"page":${historyPage(req)},"pageSize":${HISTORY_SIZE},` : ''}"vacancies":[`);
      let first = true;
      await streamRows(req, res, history, (v) => {
        const s = (first ? '\n' : ',\n') + JSON.stringify(openRecord(v, origin));
        first = false;
        return s;
      });
      res.end('\n]}\n');
    });
    router.get(`/jobs/opendata/${name}.csv`, async (req, res) => {
      logOpenData(req, `${name}.csv`);
      res.type('text/csv; charset=utf-8').attachment(`${name}.csv`);
      res.write(CSV_HEAD);
      await streamRows(req, res, history, (v) => csvRow(openRecord(v, origin)));
      res.end();
    });
  }
  router.get('/jobs/opendata/codes.json', (_req, res) => {
    res.json({
      counties: COUNTIES,
      series: SERIES,
      titles: TITLES,
      personKinds: PERSON_KINDS,
      grades: GRADES.map((g) => ({ grade: g.code, from: g.from, to: g.to })),
      levels: LEVELS.map((l) => ({ level: l.value, name: l.text })),
    });
  });

  // ---------- applying ----------
  const applyView = async (req: Request, workId: number) => {
    const v = await jobs.publicVacancy(workId);
    return { ...common, title: `應徵職缺：${v.title}`, v, resume: await jobs.resumeOf(req.user!) };
  };
  // Applying is a person's: an agency session is refused (and audited) before any upload is read.
  const personOnly = requirePerson(services.audit, '請以公務人員個人身分登入後應徵。');
  router.get('/jobs/view/:workId/apply', requireUser, personOnly, async (req, res) => {
    const w = idParam(req.params.workId);
    if (w === null) throw new NotFoundError('查無此職缺');
    const locals = await applyView(req, w);
    await jobs.applyCheck(req.user!, locals.v);
    res.render('jobs/apply', locals);
  });
  router.post('/jobs/view/:workId/apply', requireUser, personOnly, services.uploads.receive(['files'], UPLOAD_POLICIES.jobsResume), async (req, res) => {
    const w = idParam(req.params.workId);
    if (w === null) {
      await services.uploads.discard(req.uploads);
      throw new NotFoundError('查無此職缺');
    }
    let locals;
    try {
      locals = await applyView(req, w);
    } catch (err) {
      await services.uploads.discard(req.uploads);
      throw err;
    }
    if (req.uploadError) return res.status(400).render('jobs/apply', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    try {
      const { vacancy } = await jobs.apply(req.user!, w, req.body, req.uploads ?? [], ctxOf(req));
      flash(req, 'success', `已應徵「${vacancy.orgName} ${vacancy.title}」（職缺編號 ${vacancy.workId}）。`);
      res.redirect(303, '/jobs/my/applications');
    } catch (err) {
      await services.uploads.discard(req.uploads);
      if (err instanceof FormError) return res.status(400).render('jobs/apply', { ...locals, values: keepValues(req.body), errors: err.errors });
      throw err;
    }
  });
  router.get('/jobs/my/applications', requirePerson(services.audit, '請以公務人員個人身分登入。'), async (req, res) => {
    res.render('jobs/my-applications', { ...common, title: '我的應徵紀錄', applications: await jobs.myApplications(req.user!) });
  });
  router.post('/jobs/my/applications/:id/consent', requireUser, async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此應徵紀錄');
    await jobs.consent(req.user!, id, ctxOf(req));
    flash(req, 'success', '已同意徵才機關調閱您的履歷。');
    res.redirect(303, '/jobs/my/applications');
  });

  // ---------- 機關徵才登錄 ----------
  router.get('/jobs/manage', poster, async (req, res) => {
    const raw = { workId: req.query.workId, history: req.query.history, page: req.query.page, size: req.query.size };
    const values = keepValues(raw);
    try {
      const f = parseForm(manageListSchema, raw);
      const result = await jobs.list(req.user!, { workId: f.workId, history: f.history === '1', page: f.page, size: f.size });
      const params = new URLSearchParams(Object.entries(values).filter(([k, v]) => v !== '' && k !== 'page'));
      res.render('jobs/manage', { ...common, title: '機關徵才登錄', values, result, history: f.history === '1', base: `/jobs/manage?${params.toString()}` });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('jobs/manage', { ...common, title: '機關徵才登錄', values, errors: err.errors, result: null, history: false, base: '/jobs/manage' });
      throw err;
    }
  });

  const formLocals = (req: Request, editing: VacancyRow | null) => ({ ...common, title: editing ? '修改徵才資料' : '新增徵才資料', editing, agency: { code: req.user!.agencyCode, name: req.user!.agencyName } });
  const valuesOf = (v: VacancyRow): Record<string, string> => ({
    agencyAddress: v.agencyAddress, fillerName: v.fillerName, fillerPhone: v.fillerPhone, fillerExt: v.fillerExt, fillerEmail: v.fillerEmail,
    personKind: v.personKind, rankFrom: v.rankFrom?.toString() ?? '', rankTo: v.rankTo?.toString() ?? '', titleCode: v.titleCode ?? '', seriesCode: v.seriesCode ?? '',
    numberOf: v.numberOf === null ? '數名' : String(v.numberOf), reserveNum: String(v.reserveNum), gender: v.gender, genderReason: v.genderReason,
    workPlaces: v.workPlaces.join(','), dateFrom: rocShort(v.dateFrom), dateTo: rocShort(v.dateTo), workQuality: v.workQuality, workItem: v.workItem,
    workAddress: v.workAddress, contactMethod: v.contactMethod, urlLink: v.urlLink,
    isHandicap: v.isHandicap ? 'on' : '', isOriginal: v.isOriginal ? 'on' : '', transferOnly: v.transferOnly ? 'on' : '', needsConsent: v.needsConsent ? 'on' : '', hideContact: v.hideContact ? 'on' : '',
  });

  router.get('/jobs/manage/new', poster, async (req, res) => {
    res.render('jobs/form', { ...formLocals(req, null), values: await jobs.newFormValues(req.user!) });
  });
  const receiveFiles = services.uploads.receive(['files'], UPLOAD_POLICIES.jobsPosting);
  async function saveForm(req: Request, res: Response, editing: VacancyRow | null) {
    const locals = formLocals(req, editing);
    if (req.uploadError) return res.status(400).render('jobs/form', { ...locals, values: keepValues(req.body), errors: { files: req.uploadError } });
    try {
      if (editing) {
        await jobs.update(req.user!, editing.id, req.body, req.uploads ?? [], ctxOf(req));
        flash(req, 'success', `職缺編號 ${editing.workId} 已修改，將重新審核。`);
      } else {
        const v = await jobs.create(req.user!, req.body, req.uploads ?? [], ctxOf(req));
        flash(req, 'success', `已送出，職缺編號 ${v.workId}，審核通過後於有效期間內公告。`);
      }
      res.redirect(303, '/jobs/manage');
    } catch (err) {
      await services.uploads.discard(req.uploads);
      if (err instanceof FormError) return res.status(400).render('jobs/form', { ...locals, values: keepValues(req.body), errors: err.errors });
      throw err;
    }
  }
  router.post('/jobs/manage/new', poster, receiveFiles, (req, res) => saveForm(req, res, null));
  router.get('/jobs/manage/:id/edit', poster, async (req, res) => {
    const v = await jobs.forEdit(req.user!, vacancyId(req), ctxOf(req));
    res.render('jobs/form', { ...formLocals(req, v), values: valuesOf(v) });
  });
  router.post('/jobs/manage/:id/edit', poster, receiveFiles, async (req, res) => {
    let v: VacancyRow;
    try {
      v = await jobs.forEdit(req.user!, vacancyId(req), ctxOf(req));
    } catch (err) {
      await services.uploads.discard(req.uploads);
      throw err;
    }
    await saveForm(req, res, v);
  });
  router.post('/jobs/manage/:id/delete', poster, async (req, res) => {
    const v = await jobs.remove(req.user!, vacancyId(req), ctxOf(req));
    flash(req, 'success', `職缺編號 ${v.workId} 已刪除。`);
    res.redirect(303, '/jobs/manage');
  });
  router.get('/jobs/manage/:id/preview', poster, async (req, res) => {
    const v = await jobs.forEdit(req.user!, vacancyId(req), ctxOf(req));
    res.render('jobs/detail', { ...common, title: `預覽：${v.title}`, v, attachments: await jobs.repo.attachments(v.id), preview: true, numberText: notice(v) });
  });
  router.get('/jobs/manage/:id/applicants', poster, async (req, res) => {
    const r = await jobs.applicants(req.user!, vacancyId(req), ctxOf(req));
    res.render('jobs/applicants', { ...common, title: '調閱履歷', ...r });
  });
  router.get('/jobs/manage/:id/applicants/:appId', poster, async (req, res) => {
    const appId = idParam(req.params.appId);
    if (appId === null) throw new NotFoundError('查無此應徵紀錄');
    const r = await jobs.applicant(req.user!, vacancyId(req), appId, ctxOf(req));
    res.render('jobs/resume', { ...common, title: `履歷：${r.application.resume.name}`, ...r, pdf: true });
  });
  router.get('/jobs/manage/:id/applicants/:appId/attachment', poster, async (req, res) => {
    const appId = idParam(req.params.appId);
    if (appId === null) throw new NotFoundError('查無此應徵紀錄');
    const { application: a } = await jobs.applicant(req.user!, vacancyId(req), appId, ctxOf(req));
    if (!a.attachment_stored_name) throw new NotFoundError('查無此附件');
    services.uploads.send(res, { storedName: a.attachment_stored_name, originalName: a.attachment_original_name, mime: a.attachment_mime });
  });
  router.get('/jobs/manage/:id/applicants/:appId/resume.pdf', poster, async (req, res) => {
    const appId = idParam(req.params.appId);
    if (appId === null) throw new NotFoundError('查無此應徵紀錄');
    const { application: a } = await jobs.applicant(req.user!, vacancyId(req), appId, ctxOf(req));
    // The MyData resume PDF of the applicant's record, with the free text written for this application.
    const pdf = await services.resumePdf(a.person_id, { extraText: a.free_text || undefined });
    res.type('application/pdf').attachment(`resume-${a.id}.pdf`).send(pdf);
  });

  // ---------- review ----------
  const reviewer = requireRole(audit, 'jobs_reviewer');
  router.get('/jobs/review', reviewer, async (_req, res) => {
    res.render('jobs/review-list', { ...common, title: '職缺審核', rows: await jobs.pending() });
  });
  router.get('/jobs/review/:id', reviewer, async (req, res) => {
    const v = await jobs.repo.byId(vacancyId(req));
    if (!v) throw new NotFoundError('查無此職缺');
    res.render('jobs/review', { ...common, title: '職缺審核', v, attachments: await jobs.repo.attachments(v.id), numberText: notice(v) });
  });
  router.post('/jobs/review/:id', reviewer, async (req, res) => {
    const id = vacancyId(req);
    try {
      const { vacancy, decision } = await jobs.review(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', `職缺編號 ${vacancy.workId} ${decision === 'approve' ? '審核通過' : '已退回'}。`);
      res.redirect(303, '/jobs/review');
    } catch (err) {
      if (err instanceof FormError) {
        const v = (await jobs.repo.byId(id))!;
        return res.status(400).render('jobs/review', { ...common, title: '職缺審核', v, attachments: await jobs.repo.attachments(v.id), numberText: notice(v), values: keepValues(req.body), errors: err.errors });
      }
      throw err;
    }
  });

  router.get('/jobs/dashboard', reviewer, async (_req, res) => {
    const now = services.clock();
    const since = new Date(now.getTime() - 12 * 7 * 86_400_000).toISOString().slice(0, 10);
    const stats = await jobs.repo.weeklyStats(since);
    const weeks = [...new Set([...stats.byGrade.map((r) => r.week), ...stats.byCounty.map((r) => r.week)])].sort();
    const gradeNames = ['委任', '薦任', '簡任', '未定'];
    const gradeSeries = gradeNames.map((g) => ({ name: g, values: weeks.map((w) => stats.byGrade.find((r) => r.week === w && r.grade === g)?.n ?? 0) }));
    const countyTotals = new Map<string, number>();
    for (const r of stats.byCounty) countyTotals.set(r.county, (countyTotals.get(r.county) ?? 0) + r.n);
    const topCounties = [...countyTotals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c]) => c);
    const countySeries = topCounties.map((c) => ({ name: COUNTY_NAME.get(c) ?? c, values: weeks.map((w) => stats.byCounty.find((r) => r.week === w && r.county === c)?.n ?? 0) }));
    const weekLabels = weeks.map((w) => rocShort(w).slice(4));
    res.render('jobs/dashboard', {
      ...common,
      title: '職缺統計',
      weeks: weekLabels,
      gradeSeries,
      countySeries,
      gradeSvg: chartSvg({ title: '每週新增職缺（依官等）', desc: '近 12 週每週新刊登職缺數，依官等堆疊', categories: weekLabels, series: gradeSeries, mode: 'stacked', id: 'chart-grade' }),
      countySvg: chartSvg({ title: '每週新增職缺（依工作地）', desc: '近 12 週每週新刊登職缺數，職缺數最多的 6 個工作地', categories: weekLabels, series: countySeries, mode: 'grouped', id: 'chart-county' }),
    });
  });

  return router;
}
