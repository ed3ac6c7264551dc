import type { JobsDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { actorOf } from '../../platform/identity/actor';
import { DomainError, ForbiddenError, NotFoundError } from '../../platform/errors';
import { rocShort } from '../../platform/dates';
import { parseForm } from '../../platform/validation';
import type { Vacancies } from '../vacancies';
import type { VacancyRow } from '../vacancyRepository';
import type { ApplicationRepository, Resume } from './repository';
import { applySchema } from './schemas';

/** A person applies to a public vacancy, sees their applications and consents to 調閱履歷. */
export function createApplyService(core: Pick<JobsDeps, 'db' | 'clock' | 'audit' | 'uploads'>, vacancies: Vacancies, repo: ApplicationRepository) {
  const { audit, db } = core;

  /** Who may apply to `v`: a person not yet applied (商調 vacancies: serving ones only); their 現職 status. */
  async function applyCheck(u: SessionUser, v: VacancyRow): Promise<{ status: string }> {
    if (u.kind !== 'person' || !u.personId) throw new ForbiddenError('請以公務人員個人身分登入後應徵。');
    const status = await repo.personStatus(u.personId);
    if (status === undefined) throw new ForbiddenError('查無您的人事資料。');
    if (v.transferOnly && status !== '在職') throw new DomainError('transfer_only', '本職缺限現職公務人員（商調）應徵。', 403);
    if (await repo.hasApplied(v.id, u.personId)) throw new DomainError('already_applied', '您已應徵過此職缺，不可重複應徵。', 409);
    return { status };
  }

  /** The resume generated from the person's 現職資料 (the snapshot kept with the application). */
  async function resumeOf(u: SessionUser): Promise<Resume> {
    const p = await repo.resumeSource(u.personId);
    if (!p) throw new NotFoundError('查無您的人事資料');
    return {
      name: p.name,
      gender: p.gender === 'M' ? '男' : '女',
      birthYear: String(new Date(p.birthDate).getUTCFullYear() - 1911),
      status: p.status,
      agency: p.agencyName,
      unit: p.unit,
      title: p.title,
      rank: p.rank,
      series: p.series,
      personnelKind: p.personnelKind,
      appointedOn: rocShort(new Date(p.appointedOn).toISOString().slice(0, 10)),
      phone: p.officePhone ?? '',
      email: p.email ?? '',
    };
  }

  return {
    publicVacancy: vacancies.publicVacancy,
    applyCheck,
    resumeOf,
    async apply(u: SessionUser, workId: number, body: unknown, files: ReceivedFile[], ctx: RequestContext) {
      const v = await vacancies.publicVacancy(workId);
      const person = await applyCheck(u, v);
      const { freeText } = parseForm(applySchema, body);
      const resume = await resumeOf(u);
      const f = files[0];
      return core.uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const id = await repo.insert({ vacancyId: v.id, personId: u.personId, accountId: u.accountId, resume, freeText, serving: person.status === '在職', attachment: stored[0] }, trx);
          if (id === null) throw new DomainError('already_applied', '您已應徵過此職缺，不可重複應徵。', 409);
          await audit.record({ actor: actorOf(u), action: 'jobs.apply', target: { type: 'jobs_vacancy', id: v.workId }, ip: ctx.ip, requestId: ctx.requestId, details: { attachment: Boolean(f) } }, trx);
          return { vacancy: v, id };
        }),
      );
    },
    async myApplications(u: SessionUser) {
      return repo.ofPerson(u.personId);
    },
    async consent(u: SessionUser, applicationId: number, ctx: RequestContext) {
      const a = await repo.byId(applicationId);
      if (!a || a.personId !== u.personId) {
        await vacancies.denied(u, 'jobs.consent', { type: 'jobs_application', id: applicationId }, ctx, 'not own');
        throw new NotFoundError('查無此應徵紀錄');
      }
      await db.transaction(async (trx) => {
        await repo.consent(applicationId, core.clock(), trx);
        await audit.record({ actor: actorOf(u), action: 'jobs.consent', target: { type: 'jobs_application', id: applicationId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },
  };
}

export type ApplyService = ReturnType<typeof createApplyService>;
