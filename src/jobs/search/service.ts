import type { Vacancies } from '../vacancies';
import type { PublicFilter, SearchRepository, SearchResult } from './repository';

/** 查詢職缺資料 and the public vacancy pages. */
export function createSearchService(deps: { vacancies: Vacancies; searchRepo: SearchRepository }) {
  const { vacancies, searchRepo } = deps;
  const searchRunning = new Map<string, Promise<SearchResult>>();

  return {
    publicVacancy: vacancies.publicVacancy,
    attachments: vacancies.attachments,

    /** An attachment of a public vacancy; a 404 for anything else. */
    async publicAttachment(workId: number, id: number) {
      const v = await vacancies.publicVacancy(workId);
      return vacancies.attachment(v.id, id);
    },

    /**
     * 查詢職缺資料. Identical searches running at the same time share one read; each page is
     * kept by the repository until a vacancy changes, on any instance (the same result object
     * meanwhile, which the route's rendered pages key on).
     */
    async search(f: PublicFilter, page: number, size: number): Promise<SearchResult> {
      const day = vacancies.today();
      const key = JSON.stringify([f.q, f.agency, f.series, f.grade, f.county, f.kind, f.date, day, page, size]);
      const running = searchRunning.get(key);
      if (running) return running;
      const promise = searchRepo.search(f, { page, size, today: day });
      searchRunning.set(key, promise);
      try {
        return await promise;
      } finally {
        searchRunning.delete(key);
      }
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
