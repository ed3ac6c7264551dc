import type { Knex } from 'knex';

// 智慧客服 (src/pics/assistant): a question is matched by its two-character grams against the
// grams of what the portal publishes (PICS 常見問題 and 公告事項, the portal's 最新公告, the
// cloud platform's 常見問題), as the 事求人 search does (jobs_bigrams). The GIN index is on the
// grams of the entry's whole text, for the kinds the assistant reads; the questions it could
// not answer are counted by their normalised text for the 客服主管.
const DOC = "lower(coalesce(title, '') || ' ' || coalesce(question, '') || ' ' || coalesce(body, '') || ' ' || coalesce(answer, ''))";
const KINDS = "('pics.faq', 'pics.announcements', 'portal.announcements', 'cloud.faq')";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX content_item_assistant_grams ON content_item USING gin (jobs_bigrams(${DOC})) WHERE kind IN ${KINDS}`);
  await knex.schema.createTable('pics_assistant_unanswered', (t) => {
    t.increments('id');
    // The question as normalised (NFKC, lower case, no spaces or punctuation).
    t.string('normalized', 1000).notNullable().unique();
    // The latest wording asked, as typed.
    t.string('question', 1000).notNullable();
    t.integer('hits').notNullable().defaultTo(1);
    t.timestamp('first_asked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_asked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Set when a 客服主管 turned it into a 常見問題 (then it leaves the list).
    t.integer('faq_id').nullable();
    t.timestamp('answered_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX pics_assistant_unanswered_top ON pics_assistant_unanswered (hits DESC, last_asked_at DESC) WHERE faq_id IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pics_assistant_unanswered');
  await knex.raw('DROP INDEX content_item_assistant_grams');
}
