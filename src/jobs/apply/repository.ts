import type { Db } from '../../platform/database';

/** The resume kept with an application: the person's 現職資料 when they applied. */
export interface Resume {
  name: string;
  gender: string;
  birthYear: string;
  status: string;
  agency: string;
  unit: string;
  title: string;
  rank: string;
  series: string;
  personnelKind: string;
  appointedOn: string;
  phone: string;
  email: string;
}

export interface Application {
  id: number;
  vacancyId: number;
  personId: number;
  accountId: number;
  resume: Resume;
  freeText: string;
  attachmentStoredName: string | null;
  attachmentOriginalName: string | null;
  attachmentMime: string | null;
  attachmentSize: number | null;
  serving: boolean;
  consentedAt: Date | null;
  createdAt: Date;
}

/** One line of 我的應徵紀錄. */
export interface MyApplication {
  id: number;
  createdAt: Date;
  consentedAt: Date | null;
  serving: boolean;
  needsConsent: boolean;
  title: string;
  orgName: string;
  workId: number;
  dateTo: string;
}

/** The person record a resume is made of. */
export interface ResumeSource {
  name: string;
  gender: string;
  birthDate: Date;
  status: string;
  title: string;
  rank: string;
  series: string;
  unit: string;
  personnelKind: string;
  appointedOn: Date;
  officePhone: string | null;
  agencyName: string;
  email: string | null;
}

const APPLICATION = [
  'id', 'vacancy_id as vacancyId', 'person_id as personId', 'account_id as accountId', 'resume', 'free_text as freeText',
  'attachment_stored_name as attachmentStoredName', 'attachment_original_name as attachmentOriginalName', 'attachment_mime as attachmentMime',
  'attachment_size as attachmentSize', 'serving', 'consented_at as consentedAt', 'created_at as createdAt',
];

/** jobs_application, and the person records an application reads. */
export function createApplicationRepository(db: Db) {
  return {
    /** The person's 現職 status (undefined: no such person). */
    async personStatus(personId: number): Promise<string | undefined> {
      const p = await db('person').where({ id: personId }).first('status');
      return p?.status;
    },
    async resumeSource(personId: number): Promise<ResumeSource | undefined> {
      return db('person as p')
        .join('agency as g', 'g.id', 'p.agency_id')
        .leftJoin('account as a', 'a.person_id', 'p.id')
        .where('p.id', personId)
        .first(
          'p.name', 'p.gender', 'p.birth_date as birthDate', 'p.status', 'p.title', 'p.rank', 'p.series', 'p.unit', 'p.personnel_kind as personnelKind',
          'p.appointed_on as appointedOn', 'p.office_phone as officePhone', 'g.name as agencyName', 'a.email',
        );
    },
    async hasApplied(vacancyId: number, personId: number): Promise<boolean> {
      return Boolean(await db('jobs_application').where({ vacancy_id: vacancyId, person_id: personId }).first('id'));
    },
    /** Stores an application; null when the person has already applied to the vacancy. */
    async insert(
      a: { vacancyId: number; personId: number; accountId: number; resume: Resume; freeText: string; serving: boolean; attachment?: { storedName: string; originalName: string; mime: string; size: number; sha256: string } },
      trx: Db = db,
    ): Promise<number | null> {
      const f = a.attachment;
      const inserted = await trx('jobs_application')
        .insert({
          vacancy_id: a.vacancyId,
          person_id: a.personId,
          account_id: a.accountId,
          resume: JSON.stringify(a.resume),
          free_text: a.freeText,
          attachment_stored_name: f?.storedName ?? null,
          attachment_original_name: f?.originalName ?? null,
          attachment_mime: f?.mime ?? null,
          attachment_size: f?.size ?? null,
          attachment_sha256: f?.sha256 ?? null,
          serving: a.serving,
        })
        .onConflict(['vacancy_id', 'person_id'])
        .ignore()
        .returning('id');
      return inserted.length ? (inserted[0] as { id: number }).id : null;
    },
    async byId(id: number): Promise<Application | undefined> {
      return db('jobs_application').where({ id }).first(APPLICATION);
    },
    async ofVacancy(vacancyId: number): Promise<Application[]> {
      return db('jobs_application').where({ vacancy_id: vacancyId }).orderBy('id').select(APPLICATION);
    },
    async consent(id: number, at: Date, trx: Db = db) {
      await trx('jobs_application').where({ id }).update({ consented_at: at });
    },
    async ofPerson(personId: number): Promise<MyApplication[]> {
      const rows = await db('jobs_application as a')
        .join('jobs_vacancy as v', 'v.id', 'a.vacancy_id')
        .where('a.person_id', personId)
        .orderBy('a.id', 'desc')
        .select(
          'a.id', 'a.created_at as createdAt', 'a.consented_at as consentedAt', 'a.serving', 'v.needs_consent as needsConsent', 'v.title',
          'v.org_name as orgName', 'v.work_id as workId', db.raw('v.date_to::text as "dateTo"'),
        );
      return rows.map((r: MyApplication) => ({ ...r, workId: Number(r.workId) }));
    },
  };
}

export type ApplicationRepository = ReturnType<typeof createApplicationRepository>;
