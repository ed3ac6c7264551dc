import type { Db } from '../../platform/database';
import { camelCased } from '../../platform/rows';

/** The content kinds 智慧客服 answers from (migration 20261208070000 indexes their grams). */
export const ASSISTANT_KINDS = ['pics.faq', 'pics.announcements', 'portal.announcements', 'cloud.faq'] as const;
export type AssistantKind = (typeof ASSISTANT_KINDS)[number];

// As the index's expression, so the planner uses it.
const DOC = "lower(coalesce(title, '') || ' ' || coalesce(question, '') || ' ' || coalesce(body, '') || ' ' || coalesce(answer, ''))";
const HEAD = "lower(coalesce(title, '') || ' ' || coalesce(question, ''))";

export interface ContentMatch {
  kind: AssistantKind;
  id: number;
  heading: string;
  excerpt: string;
  /** Grams of the question found in the title / question. */
  headHits: number;
  /** Grams of the question found anywhere in the entry. */
  docHits: number;
  publishOn: string | null;
}

export interface UnansweredRow {
  id: number;
  question: string;
  hits: number;
  firstAskedAt: Date;
  lastAskedAt: Date;
}

export function createAssistantRepository(db: Db) {
  return {
    /**
     * The entries sharing at least one gram with the question (through the GIN index), with
     * how many of its grams each holds; announcements only while published. `limit` of the best.
     */
    async match(grams: string[], today: string, limit: number): Promise<ContentMatch[]> {
      if (!grams.length) return [];
      const { rows } = (await db.raw(
        `SELECT kind, id, coalesce(question, title) AS heading, left(coalesce(answer, body, ''), 300) AS excerpt, publish_on,
           (SELECT count(*) FROM unnest(?::text[]) g WHERE g = ANY (jobs_bigrams(${HEAD})))::int AS head_hits,
           (SELECT count(*) FROM unnest(?::text[]) g WHERE g = ANY (doc_grams))::int AS doc_hits
         FROM (SELECT *, jobs_bigrams(${DOC}) AS doc_grams FROM content_item
               WHERE kind IN (${ASSISTANT_KINDS.map(() => '?').join(', ')}) AND jobs_bigrams(${DOC}) && ?::text[]) c
         WHERE kind NOT IN ('pics.announcements', 'portal.announcements')
            OR (publish_on <= ? AND (unpublish_on IS NULL OR unpublish_on >= ?))
         ORDER BY doc_hits DESC, head_hits DESC, id DESC
         LIMIT ?`,
        [grams, grams, ...ASSISTANT_KINDS, grams, today, today, limit],
      )) as { rows: Record<string, unknown>[] };
      return rows.map((r) => camelCased(r) as unknown as ContentMatch);
    },

    /** Counts one more asking of an unanswered question (by its normalised text). */
    async countUnanswered(normalized: string, question: string): Promise<void> {
      await db.raw(
        `INSERT INTO pics_assistant_unanswered (normalized, question) VALUES (?, ?)
         ON CONFLICT (normalized) DO UPDATE SET hits = pics_assistant_unanswered.hits + 1, question = excluded.question, last_asked_at = now()`,
        [normalized, question],
      );
    },

    /** The most asked questions not yet turned into a 常見問題. */
    async topUnanswered(limit: number): Promise<UnansweredRow[]> {
      const rows = await db('pics_assistant_unanswered')
        .whereNull('faq_id')
        .orderBy('hits', 'desc')
        .orderBy('last_asked_at', 'desc')
        .limit(limit)
        .select('id', 'question', 'hits', 'first_asked_at', 'last_asked_at');
      return rows.map((r: Record<string, unknown>) => camelCased(r) as unknown as UnansweredRow);
    },

    /** An open (not yet answered) question by id. */
    async openQuestion(id: number): Promise<UnansweredRow | undefined> {
      const row = await db('pics_assistant_unanswered').where({ id }).whereNull('faq_id').first('id', 'question', 'hits', 'first_asked_at', 'last_asked_at');
      return row ? (camelCased(row) as unknown as UnansweredRow) : undefined;
    },

    /** Marks a question as answered by a 常見問題; false when it was answered meanwhile. */
    async markAnswered(trx: Db, id: number, faqId: number): Promise<boolean> {
      const n = await trx('pics_assistant_unanswered').where({ id }).whereNull('faq_id').update({ faq_id: faqId, answered_at: trx.fn.now() });
      return n > 0;
    },
  };
}

export type AssistantRepository = ReturnType<typeof createAssistantRepository>;
