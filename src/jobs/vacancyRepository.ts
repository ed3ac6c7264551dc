import type { Db } from '../platform/database';

export interface VacancyRow {
  id: number;
  workId: number;
  agencyId: number;
  orgId: string;
  orgName: string;
  agencyAddress: string;
  fillerName: string;
  fillerPhone: string;
  fillerExt: string;
  fillerEmail: string;
  personKind: string;
  rankFrom: number | null;
  rankTo: number | null;
  rankText: string;
  titleCode: string | null;
  title: string;
  seriesCode: string | null;
  seriesName: string;
  numberOf: number | null;
  reserveNum: number;
  gender: 'M' | 'F' | 'A';
  genderReason: string;
  workPlaces: string[];
  dateFrom: string;
  dateTo: string;
  workQuality: string;
  workItem: string;
  workAddress: string;
  contactMethod: string;
  urlLink: string;
  isHandicap: boolean;
  isOriginal: boolean;
  isLocalOriginal: boolean;
  isTraining: boolean;
  transferOnly: boolean;
  needsConsent: boolean;
  hideContact: boolean;
  status: 'pending' | 'approved' | 'returned' | 'withdrawn';
  reviewReason: string;
  reviewedAt: Date | null;
  approvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a vacancy is written with (the row minus what the database decides). */
export type VacancyData = Omit<VacancyRow, 'id' | 'workId' | 'status' | 'reviewReason' | 'reviewedAt' | 'approvedAt' | 'createdAt' | 'updatedAt'>;

const COLUMNS: Record<string, string> = {
  id: 'id', workId: 'work_id', agencyId: 'agency_id', orgId: 'org_id', orgName: 'org_name', agencyAddress: 'agency_address',
  fillerName: 'filler_name', fillerPhone: 'filler_phone', fillerExt: 'filler_ext', fillerEmail: 'filler_email',
  personKind: 'person_kind', rankFrom: 'rank_from', rankTo: 'rank_to', rankText: 'rank_text', titleCode: 'title_code', title: 'title',
  seriesCode: 'series_code', seriesName: 'series_name', numberOf: 'number_of', reserveNum: 'reserve_num', gender: 'gender',
  genderReason: 'gender_reason', workPlaces: 'work_places', dateFrom: 'date_from', dateTo: 'date_to', workQuality: 'work_quality',
  workItem: 'work_item', workAddress: 'work_address', contactMethod: 'contact_method', urlLink: 'url_link', isHandicap: 'is_handicap',
  isOriginal: 'is_original', isLocalOriginal: 'is_local_original', isTraining: 'is_training', transferOnly: 'transfer_only',
  needsConsent: 'needs_consent', hideContact: 'hide_contact', status: 'status', reviewReason: 'review_reason', reviewedAt: 'reviewed_at',
  approvedAt: 'approved_at', createdAt: 'created_at', updatedAt: 'updated_at',
};
const SELECT = Object.entries(COLUMNS).map(([k, c]) => (c === 'date_from' || c === 'date_to' ? `v.${c}::text as "${k}"` : `v.${c} as "${k}"`));
export const SELECT_SQL = SELECT.join(', ');

export function toColumns(d: Partial<VacancyData>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (COLUMNS[k] && k !== 'id') out[COLUMNS[k]!] = v;
  return out;
}

/** A selected row (SELECT_SQL) as a vacancy. */
export function toVacancy(row: Record<string, unknown> | undefined): VacancyRow | undefined {
  if (!row) return undefined;
  row.workId = Number(row.workId);
  return row as unknown as VacancyRow;
}

/** Columns a vacancy is written with besides its data (review and deletion). */
export interface VacancyState {
  status: 'pending' | 'approved' | 'returned' | 'withdrawn';
  reviewReason: string;
  reviewedAt: Date | null;
  approvedAt: Date | null;
  reviewedByAccountId: number | null;
}

const STATE_COLUMNS: Record<keyof VacancyState, string> = {
  status: 'status', reviewReason: 'review_reason', reviewedAt: 'reviewed_at', approvedAt: 'approved_at', reviewedByAccountId: 'reviewed_by_account_id',
};

/** A vacancy's attachment as kept by the uploads store. */
export interface VacancyAttachment {
  id: number;
  storedName: string;
  originalName: string;
  mime: string;
  size: number;
}

/** jobs_vacancy and jobs_attachment: the vacancy every journey reads. */
export function createVacancyRepository(db: Db) {
  const vacancies = (trx: Db = db) => trx('jobs_vacancy as v').whereNull('v.deleted_at');

  return {
    /** Not deleted vacancies, as a query for the area's other repositories to narrow. */
    vacancies,
    /** Approved public vacancies of `today` (or, with history, those past their 有效期間), in work_id order. */
    publicQuery(today: string, opts: { history?: boolean } = {}) {
      const q = vacancies().where('v.status', 'approved');
      if (opts.history) q.where('v.date_to', '<', today);
      else q.where('v.date_from', '<=', today).where('v.date_to', '>=', today);
      return q.select(db.raw(SELECT_SQL)).orderBy('v.work_id');
    },
    /** A new vacancy, pending review unless `publishedAt` says it is published at once. */
    async insert(data: VacancyData & { workId: number }, trx: Db = db, opts: { publishedAt?: Date } = {}): Promise<number> {
      const { workId, ...rest } = data;
      const state = opts.publishedAt ? { status: 'approved', approved_at: opts.publishedAt } : { status: 'pending', approved_at: null };
      const [row] = await trx('jobs_vacancy').insert({ ...toColumns(rest), work_id: workId, ...state, source: 'form' }).returning('id');
      return (row as { id: number }).id;
    },
    async update(id: number, data: Partial<VacancyData> & Partial<VacancyState>, trx: Db = db) {
      const state: Record<string, unknown> = {};
      const rest: Record<string, unknown> = { ...data };
      for (const [k, c] of Object.entries(STATE_COLUMNS)) {
        if (k in rest) {
          state[c] = rest[k];
          delete rest[k];
        }
      }
      await trx('jobs_vacancy').where({ id }).update({ ...toColumns(rest as Partial<VacancyData>), ...state, updated_at: trx.fn.now() });
    },
    async remove(id: number, trx: Db = db) {
      await trx('jobs_vacancy').where({ id }).update({ deleted_at: trx.fn.now(), updated_at: trx.fn.now() });
    },
    async byId(id: number, trx: Db = db): Promise<VacancyRow | undefined> {
      return toVacancy(await vacancies(trx).where('v.id', id).first(db.raw(SELECT_SQL)));
    },
    async byWorkId(workId: number, trx: Db = db): Promise<VacancyRow | undefined> {
      return toVacancy(await vacancies(trx).where('v.work_id', workId).first(db.raw(SELECT_SQL)));
    },
    async attachments(vacancyId: number): Promise<VacancyAttachment[]> {
      return db('jobs_attachment').where({ vacancy_id: vacancyId }).orderBy('id').select('id', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size');
    },
    async attachment(vacancyId: number, id: number): Promise<VacancyAttachment | undefined> {
      return db('jobs_attachment').where({ vacancy_id: vacancyId, id }).first('id', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size');
    },
    async addAttachments(vacancyId: number, files: { storedName: string; originalName: string; mime: string; size: number; sha256: string }[], trx: Db = db) {
      if (!files.length) return;
      await trx('jobs_attachment').insert(files.map((f) => ({ vacancy_id: vacancyId, stored_name: f.storedName, original_name: f.originalName, mime: f.mime, size: f.size, sha256: f.sha256 })));
    },
  };
}

export type VacancyRepository = ReturnType<typeof createVacancyRepository>;
