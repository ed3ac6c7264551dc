import type { Knex } from 'knex';

/**
 * The synthetic HR tables behind the platform's services (one per service). Rows are tied
 * to agencies (and people) so a delivery carries the applying agency's own rows.
 */
type Cols = (t: Knex.CreateTableBuilder) => void;

const person: Cols = (t) => {
  t.integer('agency_id').notNullable().references('agency.id');
  t.string('national_id', 10).notNullable();
  t.string('name', 50).notNullable();
};

const HR_TABLES: Record<string, Cols> = {
  hr_code: (t) => {
    t.string('code_type', 30).notNullable();
    t.string('code', 20).notNullable();
    t.string('code_name', 100).notNullable();
    t.unique(['code_type', 'code']);
  },
  hr_retirement: (t) => {
    person(t);
    t.string('retire_kind', 10).notNullable();
    t.date('retire_on').notNullable();
    t.decimal('service_years', 5, 2).notNullable();
    t.string('pension_kind', 20).notNullable();
    t.string('last_rank', 30).notNullable();
  },
  hr_survivor_pension: (t) => {
    person(t);
    t.date('death_on').notNullable();
    t.string('cause', 20).notNullable();
    t.string('pension_kind', 20).notNullable();
    t.integer('beneficiaries').notNullable();
    t.date('approved_on').notNullable();
  },
  hr_establishment: (t) => {
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('unit', 50).notNullable();
    t.string('title', 50).notNullable();
    t.string('rank_range', 50).notNullable();
    t.string('series', 50).notNullable();
    t.integer('authorized').notNullable();
    t.integer('filled').notNullable();
  },
  hr_job_series: (t) => {
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('title', 50).notNullable();
    t.string('series_code', 10).notNullable();
    t.string('series_name', 50).notNullable();
    t.string('rank_range', 50).notNullable();
    t.date('effective_on').notNullable();
  },
  hr_appointment_review: (t) => {
    person(t);
    t.string('title', 50).notNullable();
    t.string('rank', 30).notNullable();
    t.string('review_kind', 10).notNullable();
    t.string('result', 20).notNullable();
    t.string('doc_no', 30).notNullable();
    t.date('approved_on').notNullable();
  },
  hr_performance: (t) => {
    person(t);
    t.integer('rating_year').notNullable();
    t.string('grade', 2).notNullable();
    t.integer('score').notNullable();
    t.date('approved_on').notNullable();
  },
  hr_reward: (t) => {
    person(t);
    t.string('kind', 10).notNullable();
    t.integer('times').notNullable();
    t.string('reason', 200).notNullable();
    t.date('effective_on').notNullable();
  },
  hr_separation: (t) => {
    person(t);
    t.string('reason', 10).notNullable();
    t.date('left_on').notNullable();
    t.string('last_title', 50).notNullable();
  },
  hr_name_change: (t) => {
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('national_id', 10).notNullable();
    t.string('old_name', 50).notNullable();
    t.string('new_name', 50).notNullable();
    t.date('changed_on').notNullable();
  },
  hr_contract_staff: (t) => {
    person(t);
    t.string('title', 50).notNullable();
    t.string('contract_kind', 10).notNullable();
    t.integer('pay_point').notNullable();
    t.date('start_on').notNullable();
    t.date('end_on').notNullable();
  },
  hr_model_servant: (t) => {
    person(t);
    t.integer('award_year').notNullable();
    t.string('title', 50).notNullable();
    t.string('deed', 300).notNullable();
  },
  hr_medal: (t) => {
    person(t);
    t.string('medal', 30).notNullable();
    t.string('grade', 10).notNullable();
    t.date('awarded_on').notNullable();
  },
};

export async function up(knex: Knex): Promise<void> {
  for (const [name, cols] of Object.entries(HR_TABLES)) {
    await knex.schema.createTable(name, (t) => {
      t.increments('id');
      cols(t);
    });
    if (name !== 'hr_code') await knex.raw(`CREATE INDEX ${name}_agency ON ${name} (agency_id, id)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of Object.keys(HR_TABLES).reverse()) await knex.schema.dropTable(name);
}
