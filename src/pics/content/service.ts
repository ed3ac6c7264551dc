import type { Db } from '../../platform/database';
import type { ContentService } from '../../platform/content';
import { PAGE_SIZE } from '../tickets/repository';
import { PICS_KINDS } from './contentKinds';
import { createSearchTermRepository } from './repository';

/** PICS home content: announcements, FAQ, downloads, search with hot keywords. */
export function createPicsContent(db: Db, content: ContentService) {
  const terms = createSearchTermRepository(db);
  const { announcements: ANNOUNCEMENTS, faq: FAQ, downloads: DOWNLOADS } = PICS_KINDS;
  let hot: { at: number; terms: string[] } | null = null;
  return {
    async home() {
      const [announcements, faq, downloads, hot] = await Promise.all([
        content.latest(ANNOUNCEMENTS, { limit: 5 }),
        content.latest(FAQ, { limit: 5 }),
        content.latest(DOWNLOADS, { limit: 5 }),
        this.hotKeywords(),
      ]);
      return { announcements, faq, downloads, hot };
    },

    /** The most searched terms (cached for a minute; shown on every PICS page). */
    async hotKeywords(): Promise<string[]> {
      if (hot && Date.now() - hot.at < 60_000) return hot.terms;
      hot = { at: Date.now(), terms: await terms.hottest(6) };
      return hot.terms;
    },

    announcements: (page: number) => content.published(ANNOUNCEMENTS, { page, size: PAGE_SIZE }),

    /** A published announcement, or a 404. */
    announcement: (id: number | null) => content.publishedItem(ANNOUNCEMENTS, id),

    faq: () => content.latest(FAQ),

    downloads: () => content.latest(DOWNLOADS),

    /** Searches FAQ and announcements; the term counts towards the hot keywords. */
    async search(q: string) {
      const [faq, announcements] = await Promise.all([content.latest(FAQ, { q, limit: 50 }), content.latest(ANNOUNCEMENTS, { q, limit: 50 })]);
      if (faq.length + announcements.length > 0) {
        await terms.count(q.slice(0, 50));
      }
      return { faq, announcements };
    },
  };
}

export type PicsContent = ReturnType<typeof createPicsContent>;
