import type { Db } from '../../platform/database';
import { toColumns, toVacancy, type VacancyData, type VacancyRepository, type VacancyRow } from '../vacancyRepository';

/** An agency a feed row names by its code. */
export interface FeedAgency {
  id: number;
  code: string;
  name: string;
  address: string;
}

/** The open-data reads and the legacy feed's upsert. */
export function createOpenDataRepository(db: Db, vacancies: VacancyRepository) {
  return {
    /** Current public vacancies after `afterWorkId`, in work_id order (a keyset batch). */
    async currentBatch(today: string, afterWorkId: number, size: number): Promise<VacancyRow[]> {
      const rows = await vacancies.publicQuery(today).where('v.work_id', '>', afterWorkId).limit(size);
      return rows.map((r: Record<string, unknown>) => toVacancy(r)!);
    },
    /** One page of the vacancies past their 有效期間, newest work_id first. */
    async historyPage(today: string, page: number, size: number): Promise<VacancyRow[]> {
      const rows = await vacancies.publicQuery(today, { history: true }).clearOrder().orderBy('v.work_id', 'desc').limit(size).offset((page - 1) * size);
      return rows.map((r: Record<string, unknown>) => toVacancy(r)!);
    },
    async agencies(): Promise<FeedAgency[]> {
      return db('agency').select('id', 'code', 'name', 'address');
    },
    /**
     * Writes imported vacancies (approved, with their own work numbers), inserting new ones and
     * replacing those already there; how many of each.
     */
    async upsertImported(rows: { workId: number; data: VacancyData }[], now: Date, trx: Db): Promise<{ inserted: number; updated: number }> {
      let inserted = 0;
      let updated = 0;
      const values = rows.map((r) => ({ ...toColumns(r.data), work_id: r.workId, status: 'approved', approved_at: now, reviewed_at: now, source: 'import', deleted_at: null, updated_at: now }));
      for (let i = 0; i < values.length; i += 500) {
        const res = await trx('jobs_vacancy')
          .insert(values.slice(i, i + 500))
          .onConflict('work_id')
          .merge()
          .returning(trx.raw('(xmax = 0) AS inserted'));
        for (const r of res as { inserted: boolean }[]) r.inserted ? inserted++ : updated++;
      }
      return { inserted, updated };
    },
  };
}

export type OpenDataRepository = ReturnType<typeof createOpenDataRepository>;
