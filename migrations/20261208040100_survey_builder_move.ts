import type { Knex } from 'knex';

/**
 * Moves the questionnaires written before 問卷管理 into its tables (DML only): each question
 * of questionnaire.questions becomes a required single-choice row, and each response's answers
 * a submission (naming its account: those questionnaires were not anonymous) with an answer
 * per question. The old columns are left for 20261208040200 to drop.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO questionnaire_question (questionnaire_id, position, kind, text, required, options)
    SELECT q.id, e.ord::int, 'single', e.value->>'text', true, COALESCE(e.value->'options', '[]'::jsonb)
    FROM questionnaire q, jsonb_array_elements(q.questions) WITH ORDINALITY AS e(value, ord)
    WHERE q.questions IS NOT NULL
    ORDER BY q.id, e.ord`);
  const responses = (await knex('questionnaire_response').whereNotNull('answers').orderBy(['questionnaire_id', 'account_id'])) as {
    questionnaire_id: number;
    account_id: number;
    answers: Record<string, string>;
    answered_at: Date;
  }[];
  for (const r of responses) {
    const old = (await knex('questionnaire').where({ id: r.questionnaire_id }).first('questions')) as { questions: { id: string }[] };
    const questions = (await knex('questionnaire_question').where({ questionnaire_id: r.questionnaire_id }).orderBy('position').select('id')) as { id: number }[];
    const [row] = await knex('questionnaire_submission').insert({ questionnaire_id: r.questionnaire_id, account_id: r.account_id, submitted_at: r.answered_at }).returning('id');
    const submissionId = (row as { id: number }).id;
    const answers = old.questions
      .map((q, i) => ({ q, target: questions[i] }))
      .filter(({ q, target }) => target && typeof r.answers[q.id] === 'string')
      .map(({ q, target }) => ({ submission_id: submissionId, question_id: target!.id, choices: JSON.stringify([r.answers[q.id]]) }));
    if (answers.length) await knex('questionnaire_answer').insert(answers);
  }
}

/** Back to the old columns (which this migration left as they were): the moved rows go. */
export async function down(knex: Knex): Promise<void> {
  await knex('questionnaire_submission').delete();
  await knex('questionnaire_question').delete();
}
