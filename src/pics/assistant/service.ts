import type { PicsDeps } from '../deps';
import type { ContentService } from '../../platform/content';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { actorOf } from '../../platform/identity/actor';
import { taipeiToday } from '../../platform/dates';
import { NotFoundError } from '../../platform/errors';
import { PICS_KINDS } from '../content/contentKinds';
import { coverage, normalizeQuestion, questionGrams } from './grams';
import { helpTexts } from './helpPages';
import { createAssistantRepository, type AssistantKind, type ContentMatch } from './repository';

type Ctx = Pick<RequestContext, 'ip' | 'requestId'>;

/** The most answers shown. */
export const ANSWERS_MAX = 3;
/** An entry answers when it holds at least this share of the question's grams. */
export const MIN_SHARE = 0.5;
/** How many unanswered questions the 客服主管 sees. */
export const TOP_UNANSWERED = 20;

export interface Answer {
  source: string;
  title: string;
  excerpt: string;
  url: string;
  score: number;
}

const SOURCES: Record<AssistantKind | 'help', string> = {
  'pics.faq': 'PICS 常見問題',
  'pics.announcements': 'PICS 公告事項',
  'portal.announcements': '人事服務網最新公告',
  'cloud.faq': '人事雲端服務平台常見問題',
  help: '說明頁面',
};

const urlOf = (m: ContentMatch): string => {
  switch (m.kind) {
    case 'pics.faq':
      return `/pics/faq#faq-${m.id}`;
    case 'pics.announcements':
      return `/pics/announcements/${m.id}`;
    case 'portal.announcements':
      return `/announcements/${m.id}`;
    case 'cloud.faq':
      return `/cloud/faq#faq-${m.id}`;
  }
};

/** A FAQ entry's share counts a little more (it is written as an answer). */
const KIND_BONUS: Record<AssistantKind | 'help', number> = { 'pics.faq': 0.1, 'cloud.faq': 0.05, 'pics.announcements': 0, 'portal.announcements': 0, help: 0 };

/**
 * 智慧客服: answers a question from what the portal publishes — PICS 常見問題 and 公告事項,
 * the portal's 最新公告, the cloud platform's 常見問題 and the help pages — matched by
 * two-character grams and ranked by the share of the question's grams an entry holds (those
 * in its title or question count double). Nothing is sent anywhere; a question nothing
 * answers is counted, by its normalised text, for the 客服主管, who may turn it into a
 * 常見問題.
 */
export function createAssistant(core: Pick<PicsDeps, 'db' | 'clock' | 'audit'> & { content: ContentService }) {
  const repo = createAssistantRepository(core.db);

  const scoreOf = (grams: string[], headHits: number, docHits: number, kind: AssistantKind | 'help') =>
    (docHits + headHits) / (2 * grams.length) + KIND_BONUS[kind];

  return {
    /** Up to 3 answers, best first; none → the question is counted as unanswered. */
    async ask(question: string): Promise<{ answers: Answer[] }> {
      const grams = questionGrams(question);
      const found: Answer[] = [];
      for (const m of await repo.match(grams, taipeiToday(core.clock()), 30)) {
        if (m.docHits / grams.length < MIN_SHARE) continue;
        found.push({ source: SOURCES[m.kind], title: m.heading, excerpt: m.excerpt, url: urlOf(m), score: scoreOf(grams, m.headHits, m.docHits, m.kind) });
      }
      for (const page of helpTexts()) {
        const doc = coverage(grams, `${page.title} ${page.text}`);
        if (doc.share < MIN_SHARE) continue;
        const head = coverage(grams, page.title);
        found.push({ source: SOURCES.help, title: page.title, excerpt: page.text.slice(0, 300), url: page.url, score: scoreOf(grams, head.hits, doc.hits, 'help') });
      }
      const answers = found.sort((a, b) => b.score - a.score).slice(0, ANSWERS_MAX);
      if (!answers.length) await repo.countUnanswered(normalizeQuestion(question), question.slice(0, 1000));
      return { answers };
    },

    /** The most asked questions nothing answered. */
    unanswered: () => repo.topUnanswered(TOP_UNANSWERED),

    /** An open unanswered question, or a 404 (audited). */
    async openQuestion(u: SessionUser, id: number | null, raw: string, ctx: Ctx) {
      const row = id === null ? undefined : await repo.openQuestion(id);
      if (row) return row;
      await core.audit.record({ actor: actorOf(u), action: 'pics.assistant.not_found', outcome: 'failed', target: { type: 'pics_assistant_question', id: raw.slice(0, 100) }, ip: ctx.ip, requestId: ctx.requestId, details: {} });
      throw new NotFoundError('查無此待處理問題，可能已轉為常見問題');
    },

    /**
     * Turns an unanswered question into a PICS 常見問題 (the content module checks the form and
     * the 客服主管 role, and audits it); the question then leaves the list. One transaction:
     * the entry is kept only if the question could be marked (not answered meanwhile).
     */
    async toFaq(u: SessionUser, id: number, body: unknown, ctx: Ctx): Promise<{ faqId: number; title: string }> {
      const { id: faqId, title } = await core.content.create(u, PICS_KINDS.faq, body, ctx, {
        within: async (trx, faqId) => {
          if (!(await repo.markAnswered(trx, id, faqId))) throw new NotFoundError('查無此待處理問題，可能已轉為常見問題');
          await core.audit.record({ actor: actorOf(u), action: 'pics.assistant.to_faq', outcome: 'ok', target: { type: 'pics_assistant_question', id }, ip: ctx.ip, requestId: ctx.requestId, details: { faqId } }, trx);
        },
      });
      return { faqId, title };
    },
  };
}

export type Assistant = ReturnType<typeof createAssistant>;
