import type { Db } from '../../platform/database';
import { SELECT_SQL, toVacancy, type VacancyRepository, type VacancyRow } from '../vacancyRepository';

/** 機關徵才登錄: the agency's list and the new form's starting contact. */
export function createManageRepository(db: Db, vacancies: VacancyRepository) {
  return {
    /** The agency's vacancies for 機關徵才登錄 (current or 歷史職缺). */
    async agencyList(agencyId: number, opts: { workId: string; history: boolean; page: number; size: number; today: string }) {
      const q = vacancies.vacancies().where('v.agency_id', agencyId);
      if (opts.workId) q.where('v.work_id', Number(opts.workId));
      else if (opts.history) q.where('v.date_to', '<', opts.today);
      else q.where('v.date_to', '>=', opts.today);
      const counted = (await q.clone().count({ n: '*' })) as { n: string }[];
      const total = Number(counted[0]?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / opts.size));
      const page = Math.min(opts.page, pages);
      const rows = await q
        .clone()
        .select(db.raw(SELECT_SQL))
        .select(db.raw('(SELECT count(*) FROM jobs_application a WHERE a.vacancy_id = v.id)::int AS "applicants"'))
        .orderBy('v.created_at', 'desc')
        .orderBy('v.id', 'desc')
        .limit(opts.size)
        .offset((page - 1) * opts.size);
      return { rows: rows.map((r) => toVacancy(r)!) as (VacancyRow & { applicants: number })[], total, pages, page, size: opts.size };
    },
    /** The agency's address and phone, and the account's e-mail and office phone (a person's session). */
    async contactOf(agencyId: number, accountId: number | null): Promise<{ agencyAddress: string | null; agencyPhone: string | null; email: string | null; officePhone: string | null }> {
      const agency = await db('agency').where({ id: agencyId }).first('address', 'phone');
      const acct = accountId ? await db('account as a').join('person as p', 'p.id', 'a.person_id').where('a.id', accountId).first('a.email', 'p.office_phone') : null;
      return { agencyAddress: agency?.address ?? null, agencyPhone: agency?.phone ?? null, email: acct?.email ?? null, officePhone: acct?.office_phone ?? null };
    },
  };
}

export type ManageRepository = ReturnType<typeof createManageRepository>;
