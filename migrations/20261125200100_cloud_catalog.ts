import type { Knex } from 'knex';

/**
 * 人事雲端服務平台: the data dictionary (the synthetic HR tables and their fields, which drive
 * 欄位說明 and the delivered columns) and the service catalog (服務說明).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cloud_dict_table', (t) => {
    t.increments('id');
    t.string('name', 63).notNullable().unique();
    t.string('title', 100).notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.integer('sort_order').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE cloud_dict_table ADD CONSTRAINT cloud_dict_table_name CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$')");

  await knex.schema.createTable('cloud_dict_field', (t) => {
    t.increments('id');
    t.integer('table_id').notNullable().references('cloud_dict_table.id').onDelete('CASCADE');
    t.string('column_name', 63).notNullable();
    t.string('label', 100).notNullable();
    t.string('data_type', 30).notNullable();
    t.integer('length').nullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.boolean('delivered').notNullable().defaultTo(true);
    t.integer('sort_order').notNullable().defaultTo(0);
    t.unique(['table_id', 'column_name']);
  });
  await knex.raw("ALTER TABLE cloud_dict_field ADD CONSTRAINT cloud_dict_field_column CHECK (column_name ~ '^[a-z][a-z0-9_]{0,62}$')");

  await knex.schema.createTable('cloud_service', (t) => {
    t.increments('id');
    t.string('code', 20).notNullable().unique();
    t.string('name', 100).notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.string('category', 50).notNullable();
    // Delivery modes: 單次服務(檔案交換) and/or 即時Web Service連線服務.
    t.boolean('supports_file').notNullable().defaultTo(true);
    t.boolean('supports_ws').notNullable().defaultTo(true);
    t.integer('table_id').nullable().references('cloud_dict_table.id').onDelete('SET NULL');
    t.integer('sort_order').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('retired_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE cloud_service ADD CONSTRAINT cloud_service_code CHECK (code ~ '^SQ_[A-Z]{2,3}_[0-9A-Z]{2,3}$')");
  await knex.raw('ALTER TABLE cloud_service ADD CONSTRAINT cloud_service_mode CHECK (supports_file OR supports_ws)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cloud_service');
  await knex.schema.dropTable('cloud_dict_field');
  await knex.schema.dropTable('cloud_dict_table');
}
