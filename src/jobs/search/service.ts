import type { Vacancies } from '../vacancies';
import type { PublicFilter, SearchRepository, SearchResult } from './repository';

/** 查詢職缺資料 and the public vacancy pages. */
export function createSearchService(deps: { vacancies: Vacancies; searchRepo: SearchRepository }) {
  const { vacancies, searchRepo } = deps;

  return {
    publicVacancy: vacancies.publicVacancy,
    attachments: vacancies.attachments,

    /** An attachment of a public vacancy; a 404 for anything else. */
    async publicAttachment(workId: number, id: number) {
      const v = await vacancies.publicVacancy(workId);
      return vacancies.attachment(v.id, id);
    },

    /** 查詢職缺資料 of today (see the repository: kept, identical searches at once share one read). */
    search(f: PublicFilter, page: number, size: number): Promise<SearchResult> {
      return searchRepo.search(f, { page, size, today: vacancies.today() });
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
