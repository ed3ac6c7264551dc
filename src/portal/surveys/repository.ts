import { insertReturningId, readAll, type Db } from '../../platform/database';
import type { QuestionKind } from './schemas';
import { keptRead } from '../../platform/readCache';

/** What the 待辦事項 list is read from, with the account's own answers (`questionnaire_response:<account>`). */
const QUESTIONNAIRES = ['questionnaire', 'questionnaire_audience_agency', 'questionnaire_audience_role'];

export type QuestionnaireStatus = 'draft' | 'published' | 'closed';

export interface Question {
  id: number;
  position: number;
  kind: QuestionKind;
  text: string;
  required: boolean;
  options: string[];
}

export interface Questionnaire {
  id: number;
  title: string;
  intro: string;
  openFrom: string;
  openTo: string;
  status: QuestionnaireStatus;
  anonymous: boolean;
  publishedAt: Date | null;
  closedAt: Date | null;
  audienceAgencies: { id: number; code: string; name: string }[];
  audienceRoles: string[];
  questions: Question[];
}

export interface QuestionnaireFields {
  title: string;
  intro: string;
  openFrom: string;
  openTo: string;
  anonymous: boolean;
}

/** One answer as stored: the options chosen, the text typed, or the scale picked. */
export interface AnswerValue {
  questionId: number;
  choices: string[] | null;
  text: string | null;
  scale: number | null;
}

export interface SubmissionRow {
  submissionId: number;
  submittedAt: Date | null;
  /** Null for an anonymous questionnaire. */
  who: { username: string | null; name: string; agencyCode: string } | null;
  answers: AnswerValue[];
}

const HEAD = ['id', 'title', 'intro', 'open_from as openFrom', 'open_to as openTo', 'status', 'anonymous', 'published_at as publishedAt', 'closed_at as closedAt'];
const QUESTION = ['id', 'position', 'kind', 'text', 'required', 'options'];

/** 問卷: the questionnaires, their questions and audience, and the answers. The only file of the journey that speaks SQL. */
export function createQuestionnaireRepository(db: Db) {
  async function load(q: Db, id: number, lock: 'update' | 'share' | null = null): Promise<Questionnaire | undefined> {
    const head = q('questionnaire').where({ id }).first(HEAD);
    if (lock === 'update') head.forUpdate();
    if (lock === 'share') head.forShare();
    const row = (await head) as Omit<Questionnaire, 'audienceAgencies' | 'audienceRoles' | 'questions'> | undefined;
    if (!row) return undefined;
    const [questions, agencies, roles] = await readAll(q, [
      () => q('questionnaire_question').where({ questionnaire_id: id }).orderBy(['position', 'id']).select(QUESTION),
      () => q('questionnaire_audience_agency as a').join('agency as g', 'g.id', 'a.agency_id').where('a.questionnaire_id', id).orderBy('g.code').select('g.id', 'g.code', 'g.name'),
      () => q('questionnaire_audience_role').where({ questionnaire_id: id }).orderBy('role').pluck('role'),
    ]);
    return { ...row, questions: questions as Question[], audienceAgencies: agencies as Questionnaire['audienceAgencies'], audienceRoles: roles as string[] };
  }

  return {
    transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction(fn),
    find: (id: number) => load(db, id),
    /** The questionnaire, its row locked for the rest of the transaction (FOR UPDATE, or FOR SHARE to answer it). */
    lock: (trx: Db, id: number, mode: 'update' | 'share' = 'update') => load(trx, id, mode),

    async list() {
      return db('questionnaire as q')
        .select(
          'q.id',
          'q.title',
          'q.status',
          'q.anonymous',
          'q.open_from as openFrom',
          'q.open_to as openTo',
          db.raw('(SELECT count(*) FROM questionnaire_question x WHERE x.questionnaire_id = q.id)::int AS questions'),
          db.raw('(SELECT count(*) FROM questionnaire_response r WHERE r.questionnaire_id = q.id)::int AS responses'),
        )
        .orderBy('q.id', 'desc') as Promise<{ id: number; title: string; status: QuestionnaireStatus; anonymous: boolean; openFrom: string; openTo: string; questions: number; responses: number }[]>;
    },

    async agenciesByCodes(codes: string[]): Promise<{ id: number; code: string }[]> {
      if (!codes.length) return [];
      return db('agency').whereIn('code', codes).select('id', 'code');
    },

    async insert(trx: Db, f: QuestionnaireFields, createdBy: number): Promise<number> {
      return insertReturningId(trx, 'questionnaire', {
        title: f.title,
        intro: f.intro,
        open_from: f.openFrom,
        open_to: f.openTo,
        anonymous: f.anonymous,
        status: 'draft',
        created_by_account_id: createdBy,
      });
    },
    async update(trx: Db, id: number, f: QuestionnaireFields): Promise<void> {
      await trx('questionnaire').where({ id }).update({ title: f.title, intro: f.intro, open_from: f.openFrom, open_to: f.openTo, anonymous: f.anonymous });
    },
    async setAudience(trx: Db, id: number, agencyIds: number[], roles: string[]): Promise<void> {
      await trx('questionnaire_audience_agency').where({ questionnaire_id: id }).delete();
      await trx('questionnaire_audience_role').where({ questionnaire_id: id }).delete();
      if (agencyIds.length) await trx('questionnaire_audience_agency').insert(agencyIds.map((agency_id) => ({ questionnaire_id: id, agency_id })));
      if (roles.length) await trx('questionnaire_audience_role').insert(roles.map((role) => ({ questionnaire_id: id, role })));
    },
    async setStatus(trx: Db, id: number, status: QuestionnaireStatus, at: Date): Promise<void> {
      await trx('questionnaire')
        .where({ id })
        .update({ status, ...(status === 'published' ? { published_at: at } : {}), ...(status === 'closed' ? { closed_at: at } : {}) });
    },

    // --- 題目 ---
    async addQuestion(trx: Db, questionnaireId: number, q: Omit<Question, 'id' | 'position'>): Promise<number> {
      const row = (await trx('questionnaire_question').where({ questionnaire_id: questionnaireId }).max({ max: 'position' }).first()) as { max: number | null };
      return insertReturningId(trx, 'questionnaire_question', {
        questionnaire_id: questionnaireId,
        position: (row?.max ?? 0) + 1,
        kind: q.kind,
        text: q.text,
        required: q.required,
        options: JSON.stringify(q.options),
      });
    },
    async updateQuestion(trx: Db, questionnaireId: number, id: number, q: Omit<Question, 'id' | 'position'>): Promise<number> {
      return trx('questionnaire_question')
        .where({ questionnaire_id: questionnaireId, id })
        .update({ kind: q.kind, text: q.text, required: q.required, options: JSON.stringify(q.options) });
    },
    async deleteQuestion(trx: Db, questionnaireId: number, id: number): Promise<number> {
      return trx('questionnaire_question').where({ questionnaire_id: questionnaireId, id }).delete();
    },
    /** Numbers the questions 1, 2, … in the order given. */
    async renumber(trx: Db, questionnaireId: number, ids: number[]): Promise<void> {
      for (const [i, id] of ids.entries()) await trx('questionnaire_question').where({ questionnaire_id: questionnaireId, id }).update({ position: i + 1 });
    },

    // --- 填答 ---
    /** Published questionnaires open on `today` that this account has not answered, with their audience. */
    /** The open questionnaires this account has not answered (kept until a questionnaire, its audience or an answer changes). */
    openUnanswered(accountId: number, today: string): Promise<readonly { id: number; title: string; openTo: string; agencyIds: number[]; roles: string[] }[]> {
      return keptRead(db, `surveys.open:${accountId}:${today}`, [...QUESTIONNAIRES, `questionnaire_response:${accountId}`], async () => {
        const rows = (await db('questionnaire as q')
          .leftJoin('questionnaire_response as r', (j) => j.on('r.questionnaire_id', 'q.id').andOnVal('r.account_id', accountId))
          .where('q.status', 'published')
          .andWhere('q.open_from', '<=', today)
          .andWhere('q.open_to', '>=', today)
          .whereNull('r.account_id')
          .orderBy('q.open_to')
          .select(
            'q.id',
            'q.title',
            'q.open_to as openTo',
            db.raw('ARRAY(SELECT agency_id FROM questionnaire_audience_agency a WHERE a.questionnaire_id = q.id) AS "agencyIds"'),
            db.raw('ARRAY(SELECT role FROM questionnaire_audience_role x WHERE x.questionnaire_id = q.id) AS roles'),
          )) as { id: number; title: string; openTo: string; agencyIds: number[]; roles: string[] }[];
        return rows;
      });
    },
    async hasAnswered(id: number, accountId: number): Promise<boolean> {
      return Boolean(await db('questionnaire_response').where({ questionnaire_id: id, account_id: accountId }).first('account_id'));
    },
    /**
     * Records that the account answered (once: the primary key refuses a second time) and
     * the answers, in the caller's transaction. An anonymous submission names no account and no time.
     */
    async submit(trx: Db, id: number, accountId: number, anonymous: boolean, answers: AnswerValue[]): Promise<boolean> {
      const marked = await trx('questionnaire_response')
        .insert({ questionnaire_id: id, account_id: accountId })
        .onConflict(['questionnaire_id', 'account_id'])
        .ignore()
        .returning('questionnaire_id');
      if (marked.length !== 1) return false;
      const submissionId = await insertReturningId(trx, 'questionnaire_submission', {
        questionnaire_id: id,
        account_id: anonymous ? null : accountId,
        submitted_at: anonymous ? null : trx.fn.now(),
      });
      if (answers.length) {
        await trx('questionnaire_answer').insert(
          answers.map((a) => ({
            submission_id: submissionId,
            question_id: a.questionId,
            choices: a.choices === null ? null : JSON.stringify(a.choices),
            text_value: a.text,
            scale: a.scale,
          })),
        );
      }
      return true;
    },

    // --- 結果 ---
    async responseCount(id: number): Promise<number> {
      const row = (await db('questionnaire_response').where({ questionnaire_id: id }).count({ n: '*' }).first()) as { n: number | string };
      return Number(row.n);
    },
    /** Per question: how many answered, how many chose each option, how many gave each score (counted in SQL). */
    async tallies(id: number) {
      const base = () => db('questionnaire_answer as a').join('questionnaire_submission as s', 's.id', 'a.submission_id').where('s.questionnaire_id', id);
      const [answered, choices, scales] = await Promise.all([
        base().groupBy('a.question_id').select('a.question_id as questionId', db.raw('count(*)::int AS n')),
        base()
          .whereNotNull('a.choices')
          .crossJoin(db.raw('jsonb_array_elements_text(a.choices) AS c(choice)'))
          .groupBy('a.question_id', 'c.choice')
          .select('a.question_id as questionId', 'c.choice', db.raw('count(*)::int AS n')),
        base().whereNotNull('a.scale').groupBy('a.question_id', 'a.scale').select('a.question_id as questionId', 'a.scale', db.raw('count(*)::int AS n')),
      ]);
      return {
        answered: answered as { questionId: number; n: number }[],
        choices: choices as { questionId: number; choice: string; n: number }[],
        scales: scales as { questionId: number; scale: number; n: number }[],
      };
    },
    /** The text answers of a questionnaire, with who wrote each unless it is anonymous (then in no time order). */
    async texts(id: number, anonymous: boolean) {
      return db('questionnaire_answer as a')
        .join('questionnaire_submission as s', 's.id', 'a.submission_id')
        .leftJoin('account as c', 'c.id', 's.account_id')
        .leftJoin('person as p', 'p.id', 'c.person_id')
        .leftJoin('agency as g', 'g.id', 'p.agency_id')
        .where('s.questionnaire_id', id)
        .whereNotNull('a.text_value')
        .orderByRaw(anonymous ? 'md5(s.id::text)' : 's.submitted_at, s.id')
        .select('a.question_id as questionId', 'a.text_value as text', ...(anonymous ? [] : ['p.name', 'g.code as agencyCode'])) as Promise<
        { questionId: number; text: string; name?: string | null; agencyCode?: string | null }[]
      >;
    },
    /**
     * Every submission with its answers. Anonymous ones carry no account, and come in an order
     * that is not the order they were made in (md5 of the id), so a list cannot be lined up with time.
     */
    async submissions(id: number, anonymous: boolean): Promise<SubmissionRow[]> {
      const subs = (await db('questionnaire_submission as s')
        .leftJoin('account as a', 'a.id', 's.account_id')
        .leftJoin('person as p', 'p.id', 'a.person_id')
        .leftJoin('agency as g', 'g.id', 'p.agency_id')
        .where('s.questionnaire_id', id)
        .orderByRaw(anonymous ? 'md5(s.id::text)' : 's.submitted_at, s.id')
        .select('s.id as submissionId', 's.submitted_at as submittedAt', 's.account_id as accountId', 'a.username', 'p.name', 'g.code as agencyCode')) as {
        submissionId: number;
        submittedAt: Date | null;
        accountId: number | null;
        username: string | null;
        name: string | null;
        agencyCode: string | null;
      }[];
      const answers = (await db('questionnaire_answer as x')
        .join('questionnaire_submission as s', 's.id', 'x.submission_id')
        .where('s.questionnaire_id', id)
        .select('x.submission_id as submissionId', 'x.question_id as questionId', 'x.choices', 'x.text_value as text', 'x.scale')) as (AnswerValue & { submissionId: number })[];
      const bySubmission = new Map<number, AnswerValue[]>();
      for (const a of answers) {
        const list = bySubmission.get(a.submissionId) ?? [];
        list.push({ questionId: a.questionId, choices: a.choices, text: a.text, scale: a.scale });
        bySubmission.set(a.submissionId, list);
      }
      return subs.map((s) => ({
        submissionId: s.submissionId,
        submittedAt: anonymous ? null : s.submittedAt,
        who: anonymous || s.accountId === null ? null : { username: s.username, name: s.name ?? '', agencyCode: s.agencyCode ?? '' },
        answers: bySubmission.get(s.submissionId) ?? [],
      }));
    },
  };
}

export type QuestionnaireRepository = ReturnType<typeof createQuestionnaireRepository>;
