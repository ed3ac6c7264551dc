import type { Knex } from 'knex';

// 事求人 public search: one GIN lookup for the keyword AND the filters. search_tokens holds
// the two-character grams of the searchable text (as search_grams did) plus one token per
// filter value: c:<工作地 county>, g:<官等 the 職等 range overlaps>, s:<職系>, k:<人員區分>,
// a:<機關代碼>, and f:<week of 公告日期 date_from> (weeks counted from Monday 2000-01-03), with
// which the newest matches are found without visiting every match: the first result page
// looks in the last weeks first. Grams are exactly two characters and tokens longer, so they
// never collide. It replaces search_grams (same grams), so the row does not carry both; the GIN
// index only covers approved, not deleted vacancies (the dates are checked by the query:
// "today" cannot be part of an index).
const SEARCH_DOC = "lower(title || ' ' || org_name || ' ' || series_name || ' ' || rank_text || ' ' || work_quality || ' ' || work_item || ' ' || work_address)";
const GRAMS_OF = `jobs_bigrams(${SEARCH_DOC})`;
const TOKENS_OF = `jobs_search_tokens(${GRAMS_OF}, work_places, rank_from, rank_to, series_code, person_kind, org_id, date_from)`;

export async function up(knex: Knex): Promise<void> {
  // 官等 ranges as in src/jobs/codes.ts GRADES: 委任 1–5, 薦任 6–9, 簡任 10–14.
  await knex.raw(`
    CREATE FUNCTION jobs_search_tokens(grams text[], places text[], rank_from smallint, rank_to smallint, series text, kind text, org text, date_from date)
    RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT grams
        || coalesce((SELECT array_agg('c:' || p) FROM unnest(places) AS p), '{}')
        || CASE WHEN rank_from <= 5 AND rank_to >= 1 THEN ARRAY['g:委任'] ELSE '{}' END
        || CASE WHEN rank_from <= 9 AND rank_to >= 6 THEN ARRAY['g:薦任'] ELSE '{}' END
        || CASE WHEN rank_from <= 14 AND rank_to >= 10 THEN ARRAY['g:簡任'] ELSE '{}' END
        || CASE WHEN series IS NULL THEN '{}' ELSE ARRAY['s:' || series] END
        || CASE WHEN kind IS NULL THEN '{}' ELSE ARRAY['k:' || kind] END
        || CASE WHEN org IS NULL THEN '{}' ELSE ARRAY['a:' || org] END
        || CASE WHEN date_from IS NULL THEN '{}' ELSE ARRAY['f:' || ((date_from - DATE '2000-01-03') / 7)] END
    $$`);
  // One statement, one table rewrite: the grams column goes, the tokens column is filled.
  await knex.raw(`ALTER TABLE jobs_vacancy
    DROP COLUMN IF EXISTS search_grams,
    ADD COLUMN search_tokens text[] GENERATED ALWAYS AS (${TOKENS_OF}) STORED`);
  await knex.raw(`CREATE INDEX jobs_vacancy_search_tokens ON jobs_vacancy USING gin (search_tokens) WHERE status = 'approved' AND deleted_at IS NULL`);
  await knex.raw('ANALYZE jobs_vacancy');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE jobs_vacancy
    DROP COLUMN search_tokens,
    ADD COLUMN search_grams text[] GENERATED ALWAYS AS (${GRAMS_OF}) STORED`);
  await knex.raw('CREATE INDEX jobs_vacancy_grams ON jobs_vacancy USING gin (search_grams)');
  await knex.raw('DROP FUNCTION jobs_search_tokens(text[], text[], smallint, smallint, text, text, text, date)');
}
