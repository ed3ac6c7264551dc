import type { Vacancies } from '../vacancies';
import type { VacancyRepository } from '../vacancyRepository';
import type { PublicFilter, SearchRepository, SearchResult } from './repository';

/** How long a broad search's result page is kept, and how many are kept. */
export const SEARCH_CACHE_MS = 60_000;
const SEARCH_CACHE_MAX = 500;

/** 查詢職缺資料 and the public vacancy pages. */
export function createSearchService(deps: { vacancies: Vacancies; vacancyRepo: VacancyRepository; searchRepo: SearchRepository }) {
  const { vacancies, vacancyRepo, searchRepo } = deps;
  const searchCache = new Map<string, { at: number; generation: number; result: SearchResult }>();
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
     * 查詢職缺資料. Identical searches running at the same time share one query. A broad
     * search (more than SEARCH_COUNT_CAP matches: the costly kind, which visits thousands of
     * rows) is kept for SEARCH_CACHE_MS; a narrow one always reads the database. Vacancies
     * written through this process drop what is kept at once; a write by another instance
     * shows in a broad search's result pages at most SEARCH_CACHE_MS later.
     */
    async search(f: PublicFilter, page: number, size: number): Promise<SearchResult> {
      const day = vacancies.today();
      const key = JSON.stringify([f.q, f.agency, f.series, f.grade, f.county, f.kind, f.date, day, page, size]);
      const now = Date.now();
      const hit = searchCache.get(key);
      if (hit && hit.generation === vacancyRepo.generation() && now - hit.at < SEARCH_CACHE_MS) return hit.result;
      const running = searchRunning.get(key);
      if (running) return running;
      const generation = vacancyRepo.generation();
      const promise = searchRepo.search(f, { page, size, today: day });
      searchRunning.set(key, promise);
      try {
        const result = await promise;
        if (result.capped && generation === vacancyRepo.generation()) {
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
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
