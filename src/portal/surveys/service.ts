import { auditSource, type AuditService } from '../../platform/audit';
import { taipeiToday } from '../../platform/dates';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { hasRole, type SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { Db } from '../../platform/database';
import { CHOICE_KINDS, LONG_MAX, SHORT_MAX, type QuestionInput, type QuestionnaireInput } from './schemas';
import type { AnswerValue, Question, Questionnaire, QuestionnaireRepository } from './repository';

/** Everyone when the audience lists neither agencies nor roles; otherwise both lists that are set must match. */
export function inAudience(user: SessionUser, audience: { agencyIds: number[]; roles: string[] }): boolean {
  if (user.kind !== 'person') return false;
  const agencyOk = audience.agencyIds.length === 0 || audience.agencyIds.includes(user.agencyId);
  const roleOk = audience.roles.length === 0 || audience.roles.some((r) => hasRole(user, r));
  return agencyOk && roleOk;
}

// eslint-disable-next-line no-control-regex -- the characters refused in a text answer
const BAD_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

/** The answers of a form body, checked against the questions: each missing or wrong one gets its message. */
export function readAnswers(questions: Question[], body: Record<string, unknown>): AnswerValue[] {
  const answers: AnswerValue[] = [];
  const errors: Record<string, string> = {};
  for (const q of questions) {
    const field = `q_${q.id}`;
    const v = body[field];
    const missing = `請回答「${q.text}」`;
    const blank = v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
    if (blank) {
      if (q.required) errors[field] = missing;
      continue;
    }
    if (q.kind === 'single') {
      if (typeof v !== 'string' || !q.options.includes(v)) errors[field] = missing;
      else answers.push({ questionId: q.id, choices: [v], text: null, scale: null });
    } else if (q.kind === 'multiple') {
      const list = Array.isArray(v) ? v : [v];
      if (!list.every((x) => typeof x === 'string' && q.options.includes(x)) || new Set(list).size !== list.length) errors[field] = missing;
      else answers.push({ questionId: q.id, choices: q.options.filter((o) => list.includes(o)), text: null, scale: null });
    } else if (q.kind === 'scale') {
      if (typeof v !== 'string' || !/^[1-5]$/.test(v)) errors[field] = `請就「${q.text}」選擇 1 到 5 分`;
      else answers.push({ questionId: q.id, choices: null, text: null, scale: Number(v) });
    } else {
      const max = q.kind === 'short' ? SHORT_MAX : LONG_MAX;
      if (typeof v !== 'string') errors[field] = missing;
      else {
        const s = (q.kind === 'long' ? v.replace(/\r\n/g, '\n') : v).trim();
        if (BAD_CHARS.test(s) || (q.kind === 'short' && /[\r\n]/.test(s))) errors[field] = `「${q.text}」含有無法辨識的字元，請重新輸入`;
        else if ([...s].length > max) errors[field] = `「${q.text}」的回答不可超過 ${max} 個字`;
        else if (s === '') {
          if (q.required) errors[field] = missing;
        } else answers.push({ questionId: q.id, choices: null, text: s, scale: null });
      }
    }
  }
  if (Object.keys(errors).length) throw new FormError(errors);
  return answers;
}

/**
 * 問卷管理 (portal administrators) and 待辦事項 (the people of a questionnaire's audience).
 * A questionnaire is built as a draft, published (its questions are then frozen), and closed
 * on its close date or earlier; each person answers once. An anonymous questionnaire never
 * tells the administrator who answered what.
 */
export function createQuestionnaireService(deps: { repo: QuestionnaireRepository; audit: AuditService; clock?: () => Date }) {
  const { repo, audit } = deps;
  const clock = deps.clock ?? (() => new Date());
  const record = (user: SessionUser, action: string, id: number, ctx: RequestContext, details: Record<string, unknown> = {}, trx?: Db) =>
    audit.record({ ...auditSource(user, ctx), action, target: { type: 'questionnaire', id }, details }, trx);

  async function mustFind(id: number): Promise<Questionnaire> {
    const q = await repo.find(id);
    if (!q) throw new NotFoundError('查無此問卷');
    return q;
  }

  /** Runs `fn` on the locked questionnaire, which must still be a draft. */
  async function whileDraft<T>(id: number, fn: (trx: Db, q: Questionnaire) => Promise<T>): Promise<T> {
    return repo.transaction(async (trx) => {
      const q = await repo.lock(trx, id);
      if (!q) throw new NotFoundError('查無此問卷');
      if (q.status !== 'draft') throw new DomainError('frozen', '問卷已發布，題目不可再修改', 409);
      return fn(trx, q);
    });
  }

  async function audienceOf(input: QuestionnaireInput) {
    const agencies = await repo.agenciesByCodes(input.audienceAgencies);
    const unknown = input.audienceAgencies.filter((c) => !agencies.some((a) => a.code === c));
    if (unknown.length) throw new FormError({ audienceAgencies: `查無機關代碼：${unknown.slice(0, 5).join('、')}${unknown.length > 5 ? ' 等' : ''}` });
    return agencies.map((a) => a.id);
  }

  const isOpen = (q: { status: string; openFrom: string; openTo: string }, today: string) => q.status === 'published' && q.openFrom <= today && q.openTo >= today;

  return {
    // --- 問卷管理 ---
    list: () => repo.list(),
    get: mustFind,

    async create(user: SessionUser, input: QuestionnaireInput, ctx: RequestContext): Promise<number> {
      const agencyIds = await audienceOf(input);
      return repo.transaction(async (trx) => {
        const id = await repo.insert(trx, input, user.accountId);
        await repo.setAudience(trx, id, agencyIds, input.audienceRoles);
        await record(user, 'questionnaire.create', id, ctx, { title: input.title, anonymous: input.anonymous }, trx);
        return id;
      });
    },

    /** Title, description, dates and audience; whether it is anonymous only while a draft. */
    async update(user: SessionUser, id: number, input: QuestionnaireInput, ctx: RequestContext): Promise<void> {
      const agencyIds = await audienceOf(input);
      await repo.transaction(async (trx) => {
        const q = await repo.lock(trx, id);
        if (!q) throw new NotFoundError('查無此問卷');
        if (q.status === 'closed') throw new DomainError('closed', '問卷已結束，不可再修改', 409);
        const anonymous = q.status === 'draft' ? input.anonymous : q.anonymous;
        await repo.update(trx, id, { ...input, anonymous });
        await repo.setAudience(trx, id, agencyIds, input.audienceRoles);
        await record(user, 'questionnaire.update', id, ctx, { title: input.title, openFrom: input.openFrom, openTo: input.openTo, anonymous }, trx);
      });
    },

    async addQuestion(user: SessionUser, id: number, input: QuestionInput, ctx: RequestContext): Promise<void> {
      await whileDraft(id, async (trx) => {
        const qid = await repo.addQuestion(trx, id, input);
        await record(user, 'questionnaire.question.add', id, ctx, { questionId: qid, kind: input.kind }, trx);
      });
    },

    async question(id: number, questionId: number): Promise<{ questionnaire: Questionnaire; question: Question }> {
      const questionnaire = await mustFind(id);
      const question = questionnaire.questions.find((x) => x.id === questionId);
      if (!question) throw new NotFoundError('查無此題目');
      return { questionnaire, question };
    },

    async updateQuestion(user: SessionUser, id: number, questionId: number, input: QuestionInput, ctx: RequestContext): Promise<void> {
      await whileDraft(id, async (trx) => {
        if (!(await repo.updateQuestion(trx, id, questionId, input))) throw new NotFoundError('查無此題目');
        await record(user, 'questionnaire.question.update', id, ctx, { questionId, kind: input.kind }, trx);
      });
    },

    async deleteQuestion(user: SessionUser, id: number, questionId: number, ctx: RequestContext): Promise<void> {
      await whileDraft(id, async (trx, q) => {
        if (!(await repo.deleteQuestion(trx, id, questionId))) throw new NotFoundError('查無此題目');
        await repo.renumber(trx, id, q.questions.filter((x) => x.id !== questionId).map((x) => x.id));
        await record(user, 'questionnaire.question.delete', id, ctx, { questionId }, trx);
      });
    },

    /** Moves a question one place up or down (at either end it stays). */
    async moveQuestion(user: SessionUser, id: number, questionId: number, direction: 'up' | 'down', ctx: RequestContext): Promise<void> {
      await whileDraft(id, async (trx, q) => {
        const ids = q.questions.map((x) => x.id);
        const i = ids.indexOf(questionId);
        if (i < 0) throw new NotFoundError('查無此題目');
        const j = direction === 'up' ? i - 1 : i + 1;
        if (j < 0 || j >= ids.length) return;
        [ids[i], ids[j]] = [ids[j]!, ids[i]!];
        await repo.renumber(trx, id, ids);
        await record(user, 'questionnaire.question.move', id, ctx, { questionId, direction }, trx);
      });
    },

    /** From draft to published: needs a question; the questions are frozen from then on. */
    async publish(user: SessionUser, id: number, ctx: RequestContext): Promise<void> {
      await whileDraft(id, async (trx, q) => {
        if (q.questions.length === 0) throw new DomainError('no_question', '問卷至少需要一個題目才能發布', 422, 'questions');
        const today = taipeiToday(clock());
        if (q.openTo < today) throw new DomainError('past', '截止日期已過，請先修改問卷的截止日期', 422, 'questions');
        await repo.setStatus(trx, id, 'published', clock());
        await record(user, 'questionnaire.publish', id, ctx, { questions: q.questions.length }, trx);
      });
    },

    /** Closes a published questionnaire before its close date: no answer is taken after. */
    async close(user: SessionUser, id: number, ctx: RequestContext): Promise<void> {
      await repo.transaction(async (trx) => {
        const q = await repo.lock(trx, id);
        if (!q) throw new NotFoundError('查無此問卷');
        if (q.status !== 'published') throw new DomainError('not_published', q.status === 'draft' ? '問卷尚未發布' : '問卷已結束', 409);
        await repo.setStatus(trx, id, 'closed', clock());
        await record(user, 'questionnaire.close', id, ctx, {}, trx);
      });
    },

    /** Per question: the counts of each option or score, or the text answers (with who, unless anonymous). */
    async results(id: number) {
      const q = await mustFind(id);
      const [responses, tallies, texts] = await Promise.all([repo.responseCount(id), repo.tallies(id), repo.texts(id, q.anonymous)]);
      const answeredOf = (qid: number) => tallies.answered.find((a) => a.questionId === qid)?.n ?? 0;
      const questions = q.questions.map((question) => {
        const answered = answeredOf(question.id);
        if (CHOICE_KINDS.includes(question.kind)) {
          const counts = question.options.map((o) => tallies.choices.find((c) => c.questionId === question.id && c.choice === o)?.n ?? 0);
          return { question, answered, labels: question.options, counts, texts: [] as { text: string; who: string | null }[], average: null as number | null };
        }
        if (question.kind === 'scale') {
          const labels = ['1', '2', '3', '4', '5'];
          const counts = labels.map((l) => tallies.scales.find((c) => c.questionId === question.id && c.scale === Number(l))?.n ?? 0);
          const sum = counts.reduce((s, n, i) => s + n * (i + 1), 0);
          return { question, answered, labels, counts, texts: [], average: answered ? Math.round((sum / answered) * 100) / 100 : null };
        }
        const mine = texts
          .filter((x) => x.questionId === question.id)
          .map((x) => ({ text: x.text, who: q.anonymous || !x.name ? null : `${x.name}（${x.agencyCode ?? ''}）` }));
        return { question, answered, labels: [], counts: [], texts: mine, average: null };
      });
      return { questionnaire: q, responses, questions };
    },

    /** The answers as CSV (UTF-8 with BOM, so Excel opens it): one row per submission; who only when not anonymous. */
    async csv(user: SessionUser, id: number, ctx: RequestContext): Promise<{ filename: string; body: string }> {
      const q = await mustFind(id);
      const submissions = await repo.submissions(id, q.anonymous);
      const head = [...(q.anonymous ? [] : ['填答時間', '帳號', '姓名', '機關代碼']), ...q.questions.map((x, i) => `${i + 1}. ${x.text}`)];
      const rows = submissions.map((s) => [
        ...(q.anonymous || !s.who ? (q.anonymous ? [] : ['', '', '', '']) : [s.submittedAt ? new Date(s.submittedAt).toISOString() : '', s.who.username ?? '', s.who.name, s.who.agencyCode]),
        ...q.questions.map((x) => {
          const a = s.answers.find((y) => y.questionId === x.id);
          if (!a) return '';
          if (a.choices) return a.choices.join('；');
          if (a.scale !== null) return String(a.scale);
          return a.text ?? '';
        }),
      ]);
      await record(user, 'questionnaire.export', id, ctx, { rows: rows.length });
      return { filename: `questionnaire-${id}.csv`, body: `\uFEFF${[head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n` };
    },

    // --- 待辦事項 / 填答 ---
    /** The open questionnaires of this person's audience not yet answered. */
    async todos(user: SessionUser) {
      if (user.kind !== 'person') return [];
      const rows = await repo.openUnanswered(user.accountId, taipeiToday(clock()));
      return rows.filter((r) => inAudience(user, r)).map((r) => ({ id: r.id, title: r.title, openTo: r.openTo }));
    },

    /** The questionnaire to answer: a draft is not found; outside the audience a 403, audited. */
    async forAnswering(user: SessionUser, id: number, ctx: RequestContext) {
      const q = await mustFind(id);
      if (q.status === 'draft') throw new NotFoundError('查無此問卷');
      await mustBeInAudience(user, q, ctx);
      const today = taipeiToday(clock());
      return { ...q, open: isOpen(q, today), answered: await repo.hasAnswered(id, user.accountId) };
    },

    async answer(user: SessionUser, id: number, body: Record<string, unknown>, ctx: RequestContext): Promise<void> {
      const first = await mustFind(id);
      if (first.status === 'draft') throw new NotFoundError('查無此問卷');
      await mustBeInAudience(user, first, ctx);
      await repo.transaction(async (trx) => {
        // FOR SHARE: closing (FOR UPDATE) waits for answers being saved, and they for it.
        const q = (await repo.lock(trx, id, 'share'))!;
        if (!isOpen(q, taipeiToday(clock()))) throw new DomainError('closed', '此問卷不在填答期間', 409);
        const answers = readAnswers(q.questions, body);
        if (!(await repo.submit(trx, id, user.accountId, q.anonymous, answers))) throw new DomainError('answered', '您已填寫過此問卷', 409);
      });
    },
  };

  async function mustBeInAudience(user: SessionUser, q: Questionnaire, ctx: RequestContext) {
    if (inAudience(user, { agencyIds: q.audienceAgencies.map((a) => a.id), roles: q.audienceRoles })) return;
    await audit.record({ ...auditSource(user, ctx), action: 'questionnaire.answer', outcome: 'denied', target: { type: 'questionnaire', id: q.id }, details: { why: 'audience' } });
    throw new ForbiddenError('此問卷不是以您為填答對象');
  }
}

/** A CSV cell: quoted when needed, and a leading = + - @ made harmless for spreadsheets. */
export function csvCell(v: string): string {
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export type QuestionnaireService = ReturnType<typeof createQuestionnaireService>;
