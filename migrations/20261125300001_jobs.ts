import type { Knex } from 'knex';

// 事求人機關徵才系統: vacancies with their review state, attachments, applications,
// newsletter subscriptions and the code lists. Keyword search uses a GIN index on the
// distinct two-character grams of the searchable text, so two-character Chinese words
// (e.g. 行政, 資訊) are found through the index.
const SEARCH_DOC = "lower(title || ' ' || org_name || ' ' || series_name || ' ' || rank_text || ' ' || work_quality || ' ' || work_item || ' ' || work_address)";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION jobs_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT g), '{}')
      FROM (SELECT substr(t, i, 2) AS g FROM generate_series(1, greatest(length(t) - 1, 0)) AS i) s
      WHERE g !~ '\\s'
    $$`);
  await knex.schema.createTable('jobs_code', (t) => {
    t.string('kind', 20).notNullable();
    t.string('code', 10).notNullable();
    t.string('name', 50).notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
    t.primary(['kind', 'code']);
  });
  await knex.raw('CREATE SEQUENCE jobs_work_id_seq START 300001');
  await knex.schema.createTable('jobs_vacancy', (t) => {
    t.increments('id');
    t.bigInteger('work_id').notNullable().unique();
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('org_id', 10).notNullable();
    t.string('org_name', 100).notNullable();
    t.string('agency_address', 200).notNullable();
    t.string('filler_name', 50).notNullable();
    t.string('filler_phone', 30).notNullable();
    t.string('filler_ext', 10).notNullable().defaultTo('');
    t.string('filler_email', 254).notNullable().defaultTo('');
    t.string('person_kind', 10).notNullable();
    t.smallint('rank_from');
    t.smallint('rank_to');
    t.string('rank_text', 100).notNullable().defaultTo('');
    t.string('title_code', 10);
    t.string('title', 50).notNullable();
    t.string('series_code', 10);
    t.string('series_name', 50).notNullable().defaultTo('');
    t.smallint('number_of');
    t.smallint('reserve_num').notNullable().defaultTo(0);
    t.string('gender', 1).notNullable().defaultTo('A');
    t.string('gender_reason', 200).notNullable().defaultTo('');
    t.specificType('work_places', 'text[]').notNullable();
    t.date('date_from').notNullable();
    t.date('date_to').notNullable();
    t.text('work_quality').notNullable();
    t.text('work_item').notNullable();
    t.string('work_address', 200).notNullable();
    t.string('contact_method', 500).notNullable();
    t.string('url_link', 500).notNullable().defaultTo('');
    t.boolean('is_handicap').notNullable().defaultTo(false);
    t.boolean('is_original').notNullable().defaultTo(false);
    t.boolean('is_local_original').notNullable().defaultTo(false);
    t.boolean('is_training').notNullable().defaultTo(false);
    t.boolean('transfer_only').notNullable().defaultTo(false);
    t.boolean('needs_consent').notNullable().defaultTo(false);
    t.boolean('hide_contact').notNullable().defaultTo(false);
    t.string('status', 10).notNullable().defaultTo('pending');
    t.string('review_reason', 500).notNullable().defaultTo('');
    t.integer('reviewed_by_account_id').references('account.id');
    t.timestamp('reviewed_at', { useTz: true });
    t.timestamp('approved_at', { useTz: true });
    t.string('source', 10).notNullable().defaultTo('form');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE jobs_vacancy
    ADD CONSTRAINT jobs_vacancy_status CHECK (status IN ('pending','approved','returned')),
    ADD CONSTRAINT jobs_vacancy_gender CHECK (gender IN ('M','F','A')),
    ADD CONSTRAINT jobs_vacancy_rank CHECK ((rank_from IS NULL AND rank_to IS NULL) OR (rank_from BETWEEN 1 AND 14 AND rank_to BETWEEN rank_from AND 14)),
    ADD CONSTRAINT jobs_vacancy_number CHECK (number_of IS NULL OR number_of > 0),
    ADD CONSTRAINT jobs_vacancy_dates CHECK (date_to >= date_from),
    ADD COLUMN search_doc text GENERATED ALWAYS AS (${SEARCH_DOC}) STORED,
    ADD COLUMN search_grams text[] GENERATED ALWAYS AS (jobs_bigrams(${SEARCH_DOC})) STORED`);
  await knex.raw('CREATE INDEX jobs_vacancy_grams ON jobs_vacancy USING gin (search_grams)');
  await knex.raw('CREATE INDEX jobs_vacancy_public_order ON jobs_vacancy (date_from DESC, id DESC) WHERE status = \'approved\' AND deleted_at IS NULL');
  await knex.raw('CREATE INDEX jobs_vacancy_agency ON jobs_vacancy (agency_id, created_at DESC)');
  await knex.raw('CREATE INDEX jobs_vacancy_places ON jobs_vacancy USING gin (work_places)');

  await knex.schema.createTable('jobs_attachment', (t) => {
    t.increments('id');
    t.integer('vacancy_id').notNullable().references('jobs_vacancy.id').onDelete('CASCADE');
    t.string('stored_name', 100).notNullable();
    t.string('original_name', 255).notNullable();
    t.string('mime', 100).notNullable();
    t.integer('size').notNullable();
    t.string('sha256', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('jobs_application', (t) => {
    t.increments('id');
    t.integer('vacancy_id').notNullable().references('jobs_vacancy.id');
    t.integer('person_id').notNullable().references('person.id');
    t.integer('account_id').notNullable().references('account.id');
    t.jsonb('resume').notNullable();
    t.text('free_text').notNullable().defaultTo('');
    t.string('attachment_stored_name', 100);
    t.string('attachment_original_name', 255);
    t.string('attachment_mime', 100);
    t.integer('attachment_size');
    t.string('attachment_sha256', 64);
    t.boolean('serving').notNullable();
    t.timestamp('consented_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['vacancy_id', 'person_id']);
  });
  await knex.raw('CREATE INDEX jobs_application_person ON jobs_application (person_id)');

  await knex.schema.createTable('jobs_subscription', (t) => {
    t.increments('id');
    t.string('email', 254).notNullable();
    t.string('keyword', 50).notNullable().defaultTo('');
    t.string('county', 2).notNullable().defaultTo('');
    t.string('series_code', 10).notNullable().defaultTo('');
    t.string('token', 64).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamp('last_digest_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX jobs_subscription_email ON jobs_subscription (lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('jobs_subscription');
  await knex.schema.dropTable('jobs_application');
  await knex.schema.dropTable('jobs_attachment');
  await knex.schema.dropTable('jobs_vacancy');
  await knex.raw('DROP SEQUENCE jobs_work_id_seq');
  await knex.schema.dropTable('jobs_code');
  await knex.raw('DROP FUNCTION jobs_bigrams(text)');
}
