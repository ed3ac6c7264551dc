import type { Vacancies } from '../vacancies';
import type { VacancyRow } from '../vacancyRepository';
import type { OpenDataRepository } from './repository';

/** The open-data files' rows. */
export function createOpenDataService(vacancies: Pick<Vacancies, 'today'>, repo: OpenDataRepository) {
  return {
    /** One page of the vacancies past their 有效期間, newest first. */
    historyPage: (page: number, size: number): Promise<VacancyRow[]> => repo.historyPage(vacancies.today(), page, size),
    /** Today's public vacancies in work_id order, handed to `each` in batches of `size`. */
    async eachCurrentBatch(size: number, each: (rows: VacancyRow[]) => Promise<void>) {
      let after = 0;
      const t = vacancies.today();
      for (;;) {
        const rows = await repo.currentBatch(t, after, size);
        if (!rows.length) break;
        await each(rows);
        after = rows[rows.length - 1]!.workId;
        if (rows.length < size) break;
      }
    },
  };
}

export type OpenDataService = ReturnType<typeof createOpenDataService>;
