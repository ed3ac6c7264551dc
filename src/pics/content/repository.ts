import type { Db } from '../../platform/database';

/** The search terms of PICS's site search (the hot keywords). */
export function createSearchTermRepository(db: Db) {
  return {
    /** The `limit` most searched terms. */
    async hottest(limit: number): Promise<string[]> {
      const rows: { term: string }[] = await db('pics_search_term').orderBy('hits', 'desc').orderBy('term').limit(limit).select('term');
      return rows.map((r) => r.term);
    },

    /** Counts one more search for `term`. */
    async count(term: string): Promise<void> {
      await db.raw('INSERT INTO pics_search_term (term, hits) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET hits = pics_search_term.hits + 1', [term]);
    },
  };
}
