import type { JobsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { hasRole } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { actorOf } from '../../platform/identity/actor';
import { counter } from '../../platform/counter';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { rocShort } from '../../platform/dates';
import { parseForm } from '../../platform/validation';
import { SERIES_NAME, TITLE_NAME, rankText } from '../codes';
import type { Vacancies } from '../vacancies';
import type { VacancyData, VacancyRepository, VacancyRow } from '../vacancyRepository';
import type { ApplicationRepository } from '../apply/repository';
import type { ManageRepository } from './repository';
import { vacancySchema } from './schemas';
import type { PublishingService } from '../publishing/service';

export const CARD_RULE = '自102年1月15日起本系統僅得以自然人憑證或機關憑證方式登錄職缺資料，系統將自動於職缺有效期間內公告。';

/** Four eyes: the applicants of a vacancy one applied to are handled by a colleague. */
export const OWN_APPLICATION_MESSAGE = '您已應徵此職缺，不得調閱其應徵者履歷，請由本機關其他人事人員辦理。';

/** 機關徵才登錄: an agency's postings, and 調閱履歷 of their applicants. */
export function createManageService(
  core: Pick<JobsDeps, 'db' | 'audit' | 'uploads' | 'identity' | 'resumePdf' | 'clock'>,
  vacancies: Vacancies,
  repos: { vacancies: VacancyRepository; manage: ManageRepository; applications: ApplicationRepository },
  publishing: Pick<PublishingService, 'reviewBeforePublish'>,
) {
  const { audit, db } = core;
  const repo = repos.vacancies;

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
      await vacancies.denied(u, action, { type: 'jobs_vacancy', id }, ctx, 'other agency');
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
    if (opts.isNew && input.dateTo < vacancies.today()) throw new FormError({ dateTo: '有效期間（迄）不可早於今日' });
    return input;
  }

  /** 調閱履歷: the posting agency only; a needs-consent vacancy hides a serving applicant until they consent. */
  async function applicants(u: SessionUser, id: number, ctx: RequestContext) {
    const v = await ownVacancy(u, id, ctx, 'jobs.applicants.view');
    const rows = await repos.applications.ofVacancy(id);
    // Four eyes: an HR person who applied to this vacancy does not read their rivals' resumes.
    if (u.kind === 'person' && rows.some((a) => a.personId === u.personId)) {
      await vacancies.denied(u, 'jobs.applicants.view', { type: 'jobs_vacancy', id }, ctx, 'own application');
      throw new ForbiddenError(OWN_APPLICATION_MESSAGE);
    }
    return { vacancy: v, applicants: rows.map((a) => ({ ...a, visible: !(v.needsConsent && a.serving && !a.consentedAt) })) };
  }

  async function applicant(u: SessionUser, id: number, applicationId: number, ctx: RequestContext) {
    const { vacancy, applicants: all } = await applicants(u, id, ctx);
    const a = all.find((x) => x.id === applicationId);
    if (!a) throw new NotFoundError('查無此應徵紀錄');
    if (!a.visible) throw new DomainError('needs_consent', '本職缺須經應徵者同意後始得調閱履歷，應徵者尚未同意。', 403);
    await audit.record({ actor: actorOf(u), action: 'jobs.resume.view', target: { type: 'jobs_application', id: applicationId }, ip: ctx.ip, requestId: ctx.requestId, details: { workId: vacancy.workId } });
    return { vacancy, application: a };
  }

  return {
    posterCheck,

    /** The form's starting values: the agency's address and the signed-in person's contact. */
    async newFormValues(u: SessionUser): Promise<Record<string, string>> {
      const c = await repos.manage.contactOf(u.agencyId, u.accountId || null);
      const t = vacancies.today();
      const to = new Date(Date.parse(t) + 30 * 86_400_000).toISOString().slice(0, 10);
      return {
        agencyAddress: c.agencyAddress ?? '',
        fillerName: u.kind === 'person' ? u.name : '',
        fillerPhone: (c.officePhone ?? c.agencyPhone ?? '').split('#')[0] ?? '',
        fillerExt: (c.officePhone ?? '').split('#')[1] ?? '',
        fillerEmail: c.email ?? '',
        gender: 'A',
        numberOf: '1',
        reserveNum: '0',
        dateFrom: rocShort(t),
        dateTo: rocShort(to),
      };
    },

    async list(u: SessionUser, opts: { workId: string; history: boolean; page: number; size: number }) {
      return repos.manage.agencyList(u.agencyId, { ...opts, today: vacancies.today() });
    },

    /**
     * A new posting, its work number from the platform counter: published at once for its
     * 有效期間 (seed 004: 送出 即可完成刊登), or pending review when the agency's setting says so.
     */
    async create(u: SessionUser, body: unknown, files: ReceivedFile[], ctx: RequestContext): Promise<VacancyRow> {
      const input = parseVacancy(body, { isNew: true });
      const id = await core.uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const workId = await counter.next(trx, 'jobs.vacancy');
          const review = await publishing.reviewBeforePublish(u.agencyId, trx);
          const id = await repo.insert({ ...dataOf(u, input), workId }, trx, review ? {} : { publishedAt: core.clock() });
          await repo.addAttachments(id, stored, trx);
          await audit.record(
            { actor: actorOf(u), action: 'jobs.vacancy.create', target: { type: 'jobs_vacancy', id: workId }, ip: ctx.ip, requestId: ctx.requestId, details: { method: u.method, published: !review } },
            trx,
          );
          return id;
        }),
      );
      return (await repo.byId(id))!;
    },

    async forEdit(u: SessionUser, id: number, ctx: RequestContext) {
      return ownVacancy(u, id, ctx, 'jobs.vacancy.edit');
    },

    /** A vacancy of the agency with its attachments (預覽). */
    async preview(u: SessionUser, id: number, ctx: RequestContext) {
      const v = await ownVacancy(u, id, ctx, 'jobs.vacancy.edit');
      return { v, attachments: await vacancies.attachments(v.id) };
    },

    /**
     * A changed posting is published again at once, unless the agency's vacancies are reviewed
     * first or a reviewer took this one down: then it waits for a reviewer. Returns whether
     * it is published.
     */
    async update(u: SessionUser, id: number, body: unknown, files: ReceivedFile[], ctx: RequestContext): Promise<{ published: boolean }> {
      const v = await ownVacancy(u, id, ctx, 'jobs.vacancy.edit');
      const input = parseVacancy(body, { isNew: false });
      return core.uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const review = v.status === 'withdrawn' || (await publishing.reviewBeforePublish(u.agencyId, trx));
          const state = review
            ? { status: 'pending' as const, reviewReason: '', approvedAt: null, reviewedAt: null }
            : { status: 'approved' as const, reviewReason: '', approvedAt: core.clock(), reviewedAt: null };
          await repo.update(id, { ...dataOf(u, input), ...state }, trx);
          await repo.addAttachments(id, stored, trx);
          await audit.record(
            { actor: actorOf(u), action: 'jobs.vacancy.update', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId, details: { published: !review } },
            trx,
          );
          return { published: !review };
        }),
      );
    },

    async remove(u: SessionUser, id: number, ctx: RequestContext) {
      const v = await ownVacancy(u, id, ctx, 'jobs.vacancy.delete');
      await db.transaction(async (trx) => {
        await repo.remove(id, trx);
        await audit.record({ actor: actorOf(u), action: 'jobs.vacancy.delete', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
      return v;
    },

    applicants,
    applicant,

    /** The MyData resume PDF of an applicant's record, with the free text written for this application. */
    async applicantResumePdf(u: SessionUser, id: number, applicationId: number, ctx: RequestContext) {
      const { application: a } = await applicant(u, id, applicationId, ctx);
      return { application: a, pdf: await core.resumePdf(a.personId, { extraText: a.freeText || undefined }) };
    },
  };
}

export type ManageService = ReturnType<typeof createManageService>;
