import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.schema.createTable('agency', (t) => {
    t.increments('id');
    t.string('code', 10).notNullable().unique();
    t.string('name', 100).notNullable();
    t.string('parent_code', 10).nullable();
    t.string('address', 200).notNullable();
    t.string('phone', 30).notNullable();
    t.string('email_domain', 100).nullable();
    t.boolean('active').notNullable().defaultTo(true);
  });
  await knex.raw("ALTER TABLE agency ADD CONSTRAINT agency_code_format CHECK (code ~ '^[A-Z0-9]{10}$')");
  await knex.raw('CREATE INDEX agency_name_trgm ON agency USING gin (name gin_trgm_ops)');

  // The personnel master (公務人力資料庫).
  await knex.schema.createTable('person', (t) => {
    t.increments('id');
    t.string('national_id', 10).notNullable().unique();
    t.string('name', 50).notNullable();
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('status', 2).notNullable().defaultTo('在職');
    t.string('title', 50).notNullable();
    t.string('rank', 30).notNullable();
    t.string('series', 50).notNullable();
    t.string('unit', 50).notNullable();
    t.string('personnel_kind', 30).notNullable();
    t.date('appointed_on').notNullable();
    t.date('left_on').nullable();
    t.string('office_phone', 30).nullable();
    t.date('birth_date').notNullable();
    t.string('gender', 1).notNullable();
  });
  await knex.raw("ALTER TABLE person ADD CONSTRAINT person_status CHECK (status IN ('在職','卸職'))");
  await knex.raw("ALTER TABLE person ADD CONSTRAINT person_gender CHECK (gender IN ('M','F'))");
  await knex.raw("ALTER TABLE person ADD CONSTRAINT person_national_id_format CHECK (national_id ~ '^[A-Z][0-9]{9}$')");
  await knex.raw('CREATE INDEX person_agency ON person (agency_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('person');
  await knex.schema.dropTable('agency');
}
