import crypto from 'node:crypto';
import { actorOf } from '../platform/identity/actor';
import type { JobsDeps } from './deps';
import type { SessionUser } from '../platform/identity/sessionUser';
import { hasRole } from '../platform/identity/sessionUser';
import type { RequestContext } from '../platform/identity/context';
import type { ReceivedFile } from '../platform/uploads';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../platform/errors';
import { taipeiToday, rocShort } from '../platform/dates';
import { parseForm } from '../platform/validation';
import { COUNTY_NAME, PERSON_KIND_NAME, SERIES_NAME, TITLE_NAME, rankText } from './codes';
import { createJobsRepository, type JobsRepository, type PublicFilter, type VacancyData, type VacancyRow } from './repository';
import { applySchema, reviewSchema, subscribeSchema, unsubscribeSchema, vacancySchema } from './schemas';


/** How long a broad search's result page is kept, and how many are kept. */
export const SEARCH_CACHE_MS = 60_000;
const SEARCH_CACHE_MAX = 500;
type SearchResult = Awaited<ReturnType<JobsRepository['search']>>;

export const CARD_RULE = '自102年1月15日起本系統僅得以自然人憑證或機關憑證方式登錄職缺資料，系統將自動於職缺有效期間內公告。';


/** Four eyes: the applicants of a vacancy one applied to are handled by a colleague. */
export const OWN_APPLICATION_MESSAGE = '您已應徵此職缺，不得調閱其應徵者履歷，請由本機關其他人事人員辦理。';

export function createJobsService(core: JobsDeps) {
  const repo = createJobsRepository(core.db);
  // The e-newsletter's links carry a token that is stored nowhere: the subscription's id and
  // an HMAC of (purpose, id, address) under a key derived from the session secret, so the mail
  // log, the database and a copy of either hold no working link.
  const linkKey = crypto.createHmac('sha256', core.config.sessionSecret).update('ecpa jobs subscription links').digest();
  const linkMac = (purpose: 'confirm' | 'unsubscribe', id: number, email: string) =>
    crypto.createHmac('sha256', linkKey).update(`${purpose}\n${id}\n${email.toLowerCase()}`).digest('base64url');
  function linkToken(purpose: 'confirm' | 'unsubscribe', s: { id: number; email: string }): string {
    return `${s.id}.${linkMac(purpose, s.id, s.email)}`;
  }
  /** The subscription a link token names, when its MAC holds; null otherwise. */
  async function subscriptionOf(purpose: 'confirm' | 'unsubscribe', token: string): Promise<number | null> {
    const m = /^(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const sub = await db('jobs_subscription').where({ id: Number(m[1]) }).first('id', 'email');
    if (!sub) return null;
    const expected = Buffer.from(linkMac(purpose, sub.id, sub.email));
    const given = Buffer.from(m[2]!);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? sub.id : null;
  }
  const searchCache = new Map<string, { at: number; generation: number; result: SearchResult }>();
  const searchRunning = new Map<string, Promise<SearchResult>>();
  const { audit, db } = core;
  const today = () => taipeiToday(core.clock());

  async function denied(u: SessionUser | undefined, action: string, target: { type: string; id: string | number }, ctx: RequestContext, why: string) {
    await audit.record({ actor: u ? actorOf(u) : null, action, outcome: 'denied', target, ip: ctx.ip, requestId: ctx.requestId, details: { why } });
  }

  /** Who may post: a certificate session of an agency granted 事求人, or of an HR person. */
  async function posterCheck(u: SessionUser | undefined): Promise<'ok' | 'password' | 'forbidden'> {
    if (!u) return 'forbidden';
    if (u.method === 'password' || !u.certificate) return 'password';
    if (u.kind === 'agency') {
      return (await core.identity.hasAreaGrant(u.agencyId, 'jobs')) ? 'ok' : 'forbidden';
    }
    return hasRole(u, 'hr_staff') ? 'ok' : 'forbidden';
  }

  /** The vacancy if it belongs to the user's agency; otherwise a 404 and an audit entry. */
  async function ownVacancy(u: SessionUser, id: number, ctx: RequestContext, action: string): Promise<VacancyRow> {
    const v = await repo.byId(id);
    if (!v) throw new NotFoundError('查無此職缺');
    if (v.agencyId !== u.agencyId) {
      await denied(u, action, { type: 'jobs_vacancy', id }, ctx, 'other agency');
      throw new NotFoundError('查無此職缺');
    }
    return v;
  }

  function dataOf(u: SessionUser, input: ReturnType<typeof parseVacancy>): VacancyData {
    return {
      agencyId: u.agencyId,
      orgId: u.agencyCode,
      orgName: u.agencyName,
      agencyAddress: input.agencyAddress,
      fillerName: input.fillerName,
      fillerPhone: input.fillerPhone,
      fillerExt: input.fillerExt,
      fillerEmail: input.fillerEmail,
      personKind: input.personKind!,
      rankFrom: input.rankFrom,
      rankTo: input.rankTo,
      rankText: rankText(input.rankFrom, input.rankTo),
      titleCode: input.titleCode,
      title: TITLE_NAME.get(input.titleCode!)!,
      seriesCode: input.seriesCode,
      seriesName: input.seriesCode ? SERIES_NAME.get(input.seriesCode)! : '',
      numberOf: input.numberOf,
      reserveNum: input.reserveNum,
      gender: input.gender,
      genderReason: input.gender === 'A' ? '' : input.genderReason,
      workPlaces: input.workPlaces,
      dateFrom: input.dateFrom,
      dateTo: input.dateTo,
      workQuality: input.workQuality,
      workItem: input.workItem,
      workAddress: input.workAddress,
      contactMethod: input.contactMethod,
      urlLink: input.urlLink,
      isHandicap: input.isHandicap,
      isOriginal: input.isOriginal,
      isLocalOriginal: false,
      isTraining: false,
      transferOnly: input.transferOnly,
      needsConsent: input.needsConsent,
      hideContact: input.hideContact,
    };
  }

  function parseVacancy(body: unknown, opts: { isNew: boolean }) {
    const input = parseForm(vacancySchema, body);
    if (opts.isNew && input.dateTo < today()) throw new FormError({ dateTo: '有效期間（迄）不可早於今日' });
    return input;
  }

  return {
    repo,
    posterCheck,
    today,

    /** The form's starting values: the agency's address and the signed-in person's contact. */
    async newFormValues(u: SessionUser): Promise<Record<string, string>> {
      const agency = await db('agency').where({ id: u.agencyId }).first();
      const acct = u.accountId ? await db('account as a').join('person as p', 'p.id', 'a.person_id').where('a.id', u.accountId).first('a.email', 'p.office_phone') : null;
      const t = today();
      const to = new Date(Date.parse(t) + 30 * 86_400_000).toISOString().slice(0, 10);
      return {
        agencyAddress: agency?.address ?? '',
        fillerName: u.kind === 'person' ? u.name : '',
        fillerPhone: (acct?.office_phone ?? agency?.phone ?? '').split('#')[0] ?? '',
        fillerExt: (acct?.office_phone ?? '').split('#')[1] ?? '',
        fillerEmail: acct?.email ?? '',
        gender: 'A',
        numberOf: '1',
        reserveNum: '0',
        dateFrom: rocShort(t),
        dateTo: rocShort(to),
      };
    },

    async list(u: SessionUser, opts: { workId: string; history: boolean; page: number; size: number }) {
      return repo.agencyList(u.agencyId, { ...opts, today: today() });
    },

    async create(u: SessionUser, body: unknown, files: ReceivedFile[], ctx: RequestContext): Promise<VacancyRow> {
      const input = parseVacancy(body, { isNew: true });
      const id = await core.uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const workId = await repo.nextWorkId(trx);
          const id = await repo.insert({ ...dataOf(u, input), workId }, trx);
          if (stored.length) {
            await trx('jobs_attachment').insert(
              stored.map((f) => ({ vacancy_id: id, stored_name: f.storedName, original_name: f.originalName, mime: f.mime, size: f.size, sha256: f.sha256 })),
            );
          }
          await audit.record({ actor: actorOf(u), action: 'jobs.vacancy.create', target: { type: 'jobs_vacancy', id: workId }, ip: ctx.ip, requestId: ctx.requestId, details: { method: u.method } }, trx);
          return id;
        }),
      );
      return (await repo.byId(id))!;
    },

    async forEdit(u: SessionUser, id: number, ctx: RequestContext) {
      return ownVacancy(u, id, ctx, 'jobs.vacancy.edit');
    },

    async update(u: SessionUser, id: number, body: unknown, files: ReceivedFile[], ctx: RequestContext) {
      const v = await ownVacancy(u, id, ctx, 'jobs.vacancy.edit');
      const input = parseVacancy(body, { isNew: false });
      await core.uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          // A changed posting goes back to review.
          await repo.update(id, { ...dataOf(u, input), status: 'pending', review_reason: '', approved_at: null, reviewed_at: null }, trx);
          if (stored.length) {
            await trx('jobs_attachment').insert(
              stored.map((f) => ({ vacancy_id: id, stored_name: f.storedName, original_name: f.originalName, mime: f.mime, size: f.size, sha256: f.sha256 })),
            );
          }
          await audit.record({ actor: actorOf(u), action: 'jobs.vacancy.update', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
        }),
      );
    },

    async remove(u: SessionUser, id: number, ctx: RequestContext) {
      const v = await ownVacancy(u, id, ctx, 'jobs.vacancy.delete');
      await db.transaction(async (trx) => {
        await repo.update(id, { deleted_at: trx.fn.now() }, trx);
        await audit.record({ actor: actorOf(u), action: 'jobs.vacancy.delete', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
      return v;
    },

    /** A vacancy as the public sees it: approved and inside 有效期間. */
    async publicVacancy(workId: number) {
      const v = await repo.byWorkId(workId);
      const t = today();
      if (!v || v.status !== 'approved' || v.dateFrom > t || v.dateTo < t) throw new NotFoundError('查無此職缺，或職缺已過有效期間');
      return v;
    },

    /**
     * 查詢職缺資料. Identical searches running at the same time share one query. A broad
     * search (more than SEARCH_COUNT_CAP matches: the costly kind, which visits thousands of
     * rows) is kept for SEARCH_CACHE_MS; a narrow one always reads the database. Vacancies
     * written through this process drop what is kept at once; a write by another instance
     * shows in a broad search's result pages at most SEARCH_CACHE_MS later.
     */
    async search(f: PublicFilter, page: number, size: number): Promise<SearchResult> {
      const day = today();
      const key = JSON.stringify([f.q, f.agency, f.series, f.grade, f.county, f.kind, f.date, day, page, size]);
      const now = Date.now();
      const hit = searchCache.get(key);
      if (hit && hit.generation === repo.generation() && now - hit.at < SEARCH_CACHE_MS) return hit.result;
      const running = searchRunning.get(key);
      if (running) return running;
      const generation = repo.generation();
      const promise = repo.search(f, { page, size, today: day });
      searchRunning.set(key, promise);
      try {
        const result = await promise;
        if (result.capped && generation === repo.generation()) {
          if (searchCache.size >= SEARCH_CACHE_MAX) {
            for (const [k, v] of searchCache) if (now - v.at >= SEARCH_CACHE_MS || v.generation !== generation) searchCache.delete(k);
            if (searchCache.size >= SEARCH_CACHE_MAX) searchCache.delete(searchCache.keys().next().value!);
          }
          searchCache.set(key, { at: now, generation, result });
        }
        return result;
      } finally {
        searchRunning.delete(key);
      }
    },

    // --- review ---
    async pending() {
      return repo.pending();
    },
    async review(u: SessionUser, id: number, body: unknown, ctx: RequestContext) {
      const v = await repo.byId(id);
      if (!v) throw new NotFoundError('查無此職缺');
      const { decision, reason } = parseForm(reviewSchema, body);
      await db.transaction(async (trx) => {
        const now = core.clock();
        await repo.update(
          id,
          decision === 'approve'
            ? { status: 'approved', review_reason: '', reviewed_at: now, approved_at: now, reviewed_by_account_id: u.accountId }
            : { status: 'returned', review_reason: reason, reviewed_at: now, approved_at: null, reviewed_by_account_id: u.accountId },
          trx,
        );
        await audit.record({ actor: actorOf(u), action: `jobs.vacancy.${decision}`, target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId, details: { reason } }, trx);
      });
      return { vacancy: v, decision };
    },

    // --- applications ---
    async applyCheck(u: SessionUser, v: VacancyRow) {
      if (u.kind !== 'person' || !u.personId) throw new ForbiddenError('請以公務人員個人身分登入後應徵。');
      const person = await db('person').where({ id: u.personId }).first();
      if (!person) throw new ForbiddenError('查無您的人事資料。');
      if (v.transferOnly && person.status !== '在職') throw new DomainError('transfer_only', '本職缺限現職公務人員（商調）應徵。', 403);
      const already = await db('jobs_application').where({ vacancy_id: v.id, person_id: u.personId }).first('id');
      if (already) throw new DomainError('already_applied', '您已應徵過此職缺，不可重複應徵。', 409);
      return person;
    },
    /** The resume generated from the person's 現職資料 (the snapshot kept with the application). */
    async resumeOf(u: SessionUser) {
      const p = await db('person as p').join('agency as g', 'g.id', 'p.agency_id').leftJoin('account as a', 'a.person_id', 'p.id').where('p.id', u.personId)
        .first('p.name', 'p.gender', 'p.birth_date', 'p.status', 'p.title', 'p.rank', 'p.series', 'p.unit', 'p.personnel_kind', 'p.appointed_on', 'p.office_phone', 'g.name as agency_name', 'a.email');
      if (!p) throw new NotFoundError('查無您的人事資料');
      return {
        name: p.name as string,
        gender: p.gender === 'M' ? '男' : '女',
        birthYear: String(new Date(p.birth_date).getUTCFullYear() - 1911),
        status: p.status as string,
        agency: p.agency_name as string,
        unit: p.unit as string,
        title: p.title as string,
        rank: p.rank as string,
        series: p.series as string,
        personnelKind: p.personnel_kind as string,
        appointedOn: rocShort(new Date(p.appointed_on).toISOString().slice(0, 10)),
        phone: (p.office_phone ?? '') as string,
        email: (p.email ?? '') as string,
      };
    },
    async apply(u: SessionUser, workId: number, body: unknown, files: ReceivedFile[], ctx: RequestContext) {
      const v = await this.publicVacancy(workId);
      const person = await this.applyCheck(u, v);
      const { freeText } = parseForm(applySchema, body);
      const resume = await this.resumeOf(u);
      const f = files[0];
      return core.uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const s = stored[0];
          const inserted = await trx('jobs_application')
            .insert({
              vacancy_id: v.id,
              person_id: u.personId,
              account_id: u.accountId,
              resume: JSON.stringify(resume),
              free_text: freeText,
              attachment_stored_name: s?.storedName ?? null,
              attachment_original_name: s?.originalName ?? null,
              attachment_mime: s?.mime ?? null,
              attachment_size: s?.size ?? null,
              attachment_sha256: s?.sha256 ?? null,
              serving: person.status === '在職',
            })
            .onConflict(['vacancy_id', 'person_id'])
            .ignore()
            .returning('id');
          if (!inserted.length) throw new DomainError('already_applied', '您已應徵過此職缺，不可重複應徵。', 409);
          await audit.record({ actor: actorOf(u), action: 'jobs.apply', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId, details: { attachment: Boolean(f) } }, trx);
          return { vacancy: v, id: (inserted[0] as { id: number }).id };
        }),
      );
    },
    async myApplications(u: SessionUser) {
      return repo.applicationsOfPerson(u.personId);
    },
    async consent(u: SessionUser, applicationId: number, ctx: RequestContext) {
      const a = await repo.application(applicationId);
      if (!a || a.person_id !== u.personId) {
        await denied(u, 'jobs.consent', { type: 'jobs_application', id: applicationId }, ctx, 'not own');
        throw new NotFoundError('查無此應徵紀錄');
      }
      await db.transaction(async (trx) => {
        await trx('jobs_application').where({ id: applicationId }).update({ consented_at: core.clock() });
        await audit.record({ actor: actorOf(u), action: 'jobs.consent', target: { type: 'jobs_application', id: applicationId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },
    /** 調閱履歷: the posting agency only; a needs-consent vacancy hides a serving applicant until they consent. */
    async applicants(u: SessionUser, id: number, ctx: RequestContext) {
      const v = await ownVacancy(u, id, ctx, 'jobs.applicants.view');
      const rows = await repo.applicationsOf(id);
      // Four eyes: an HR person who applied to this vacancy does not read their rivals' resumes.
      if (u.kind === 'person' && rows.some((a) => a.person_id === u.personId)) {
        await denied(u, 'jobs.applicants.view', { type: 'jobs_vacancy', id }, ctx, 'own application');
        throw new ForbiddenError(OWN_APPLICATION_MESSAGE);
      }
      return { vacancy: v, applicants: rows.map((a) => ({ ...a, visible: !(v.needsConsent && a.serving && !a.consented_at) })) };
    },
    async applicant(u: SessionUser, id: number, applicationId: number, ctx: RequestContext) {
      const { vacancy, applicants } = await this.applicants(u, id, ctx);
      const a = applicants.find((x) => x.id === applicationId);
      if (!a) throw new NotFoundError('查無此應徵紀錄');
      if (!a.visible) throw new DomainError('needs_consent', '本職缺須經應徵者同意後始得調閱履歷，應徵者尚未同意。', 403);
      await audit.record({ actor: actorOf(u), action: 'jobs.resume.view', target: { type: 'jobs_application', id: applicationId }, ip: ctx.ip, requestId: ctx.requestId, details: { workId: vacancy.workId } });
      return { vacancy, application: a };
    },

    // --- e-newsletter ---
    async subscribe(body: unknown, origin: string, ctx: RequestContext) {
      const input = parseForm(subscribeSchema, body);
      const mailId = await db.transaction(async (trx) => {
        const [row] = await trx('jobs_subscription').insert({ email: input.email, keyword: input.keyword, county: input.county, series_code: input.seriesCode }).returning('id');
        const token = linkToken('confirm', { id: (row as { id: number }).id, email: input.email });
        await audit.record({ actor: null, action: 'jobs.subscribe', target: { type: 'email', id: input.email }, ip: ctx.ip, requestId: ctx.requestId }, trx);
        return core.mail.queue(
          {
            to: input.email,
            subject: '事求人機關徵才系統 電子報訂閱確認',
            text: `您好：\n\n有人以此電子郵件訂閱「事求人機關徵才系統」職缺電子報。請開啟下列連結完成訂閱確認：\n${origin}/jobs/subscribe/confirm?token={{token}}\n\n若非您本人申請，請忽略本信。\n\n行政院人事行政總處`,
            secrets: { token },
          },
          trx,
        );
      });
      await core.mail.flush(mailId);
      return input.email;
    },
    async confirmSubscription(token: string) {
      const id = await subscriptionOf('confirm', token);
      const n = id === null ? 0 : await db('jobs_subscription').where({ id }).whereNull('cancelled_at').update({ confirmed_at: db.raw('coalesce(confirmed_at, ?)', [core.clock()]), last_digest_at: db.raw('coalesce(last_digest_at, ?)', [core.clock()]) });
      if (!n) throw new NotFoundError('確認連結無效或已失效');
    },
    async requestUnsubscribe(body: unknown, origin: string, ctx: RequestContext) {
      const { email } = parseForm(unsubscribeSchema, body);
      const subs = await db('jobs_subscription').whereRaw('lower(email) = lower(?)', [email]).whereNull('cancelled_at');
      // The same answer whether or not the address is subscribed.
      for (const s of subs) {
        const id = await core.mail.queue({
          to: s.email,
          subject: '事求人機關徵才系統 電子報取消確認',
          text: `您好：\n\n請開啟下列連結取消「事求人機關徵才系統」職缺電子報：\n${origin}/jobs/unsubscribe/confirm?token={{token}}\n\n若非您本人申請，請忽略本信。\n\n行政院人事行政總處`,
          secrets: { token: linkToken('unsubscribe', s) },
        });
        await core.mail.flush(id);
      }
      await audit.record({ actor: null, action: 'jobs.unsubscribe.request', target: { type: 'email', id: email }, ip: ctx.ip, requestId: ctx.requestId, details: { found: subs.length } });
      return email;
    },
    async cancelSubscription(token: string) {
      const id = await subscriptionOf('unsubscribe', token);
      const n = id === null ? 0 : await db('jobs_subscription').where({ id }).whereNull('cancelled_at').update({ cancelled_at: core.clock() });
      if (!n) throw new NotFoundError('取消連結無效或已取消');
    },
    /** The daily digest: new public vacancies matching each confirmed subscription. */
    async sendDigests(now: Date, origin: string) {
      const subs = await db('jobs_subscription').whereNotNull('confirmed_at').whereNull('cancelled_at');
      const t = taipeiToday(now);
      let sent = 0;
      for (const s of subs) {
        const q = repo
          .publicQuery(t)
          .where('v.approved_at', '>', s.last_digest_at ?? s.confirmed_at)
          .where('v.approved_at', '<=', now)
          .limit(50);
        if (s.keyword) q.whereRaw('strpos(v.search_doc, lower(?)) > 0', [s.keyword]);
        if (s.county) q.whereRaw('v.work_places @> ARRAY[?]::text[]', [s.county]);
        if (s.series_code) q.where('v.series_code', s.series_code);
        const rows = (await q).map((r: Record<string, unknown>) => repo.fix(r)!);
        await db.transaction(async (trx) => {
          await trx('jobs_subscription').where({ id: s.id }).update({ last_digest_at: now });
          if (!rows.length) return;
          const lines = rows.map((v) => `・${v.orgName} ${v.title}（${v.workPlaces.map((c) => COUNTY_NAME.get(c)).join('、')}，${rocShort(v.dateFrom)}～${rocShort(v.dateTo)}）\n  ${origin}/jobs/view?work_id=${v.workId}`);
          const id = await core.mail.queue(
            {
              to: s.email,
              subject: `事求人機關徵才系統 職缺電子報（${rocShort(t)}，${rows.length} 筆新職缺）`,
              text: `您好：\n\n以下是符合您訂閱條件的新職缺：\n\n${lines.join('\n')}\n\n取消訂閱：${origin}/jobs/unsubscribe/confirm?token={{token}}\n\n行政院人事行政總處`,
              secrets: { token: linkToken('unsubscribe', s) },
            },
            trx,
          );
          sent++;
          (s as Record<string, unknown>).mailId = id;
        });
        if ((s as Record<string, unknown>).mailId) await core.mail.flush((s as Record<string, unknown>).mailId as number);
      }
      return { subscriptions: subs.length, sent };
    },

    personKindName: (c: string) => PERSON_KIND_NAME.get(c) ?? c,
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
