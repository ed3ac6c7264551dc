import type { Knex } from 'knex';

/** The questionnaire's questions and the responses' answers now live in their own tables. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('questionnaire', (t) => t.dropColumn('questions'));
  await knex.schema.alterTable('questionnaire_response', (t) => t.dropColumn('answers'));
}

/** The columns come back empty-able; 20261208040100's down then leaves the moved rows to them. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('questionnaire', (t) => t.jsonb('questions').nullable());
  await knex.schema.alterTable('questionnaire_response', (t) => t.jsonb('answers').nullable());
  await knex.raw(`
    UPDATE questionnaire q SET questions = COALESCE((
      SELECT jsonb_agg(jsonb_build_object('id', 'q' || x.position, 'text', x.text, 'options', x.options) ORDER BY x.position)
      FROM questionnaire_question x WHERE x.questionnaire_id = q.id), '[]'::jsonb)`);
}
