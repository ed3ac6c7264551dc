import type { Knex } from 'knex';

/**
 * 人事雲端服務平台 site content (最新公告, 檔案下載, 常見問題, 相關連結), 錯誤回報, and delivery:
 * the encrypted data files (單次服務), the web-service client certificates (介接模組) and
 * the web-service call log. Applications live in the cloud_application tables (created
 * later), so rows here name them by id and number without a foreign key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cloud_news', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.text('body').notNullable().defaultTo('');
    t.date('published_on').notNullable();
    t.string('author', 100).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX cloud_news_published ON cloud_news (published_on DESC, id DESC)');

  await knex.schema.createTable('cloud_faq', (t) => {
    t.increments('id');
    t.string('question', 300).notNullable();
    t.text('answer').notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('cloud_file', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    // An uploaded file, or a link to a page of the portal (e.g. the bridge download).
    t.string('stored_name', 100).nullable();
    t.string('original_name', 200).nullable();
    t.string('mime', 150).nullable();
    t.bigInteger('size').nullable();
    t.string('sha256', 64).nullable();
    t.string('url', 500).nullable();
    t.date('published_on').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.raw('ALTER TABLE cloud_file ADD CONSTRAINT cloud_file_target CHECK ((stored_name IS NULL) <> (url IS NULL))');

  await knex.schema.createTable('cloud_link', (t) => {
    t.increments('id');
    t.string('title', 100).notNullable();
    t.string('url', 500).notNullable();
    t.integer('sort_order').notNullable().defaultTo(0);
  });

  // 錯誤回報: 8-digit codes from a sequence.
  await knex.raw('CREATE SEQUENCE cloud_report_code_seq');
  await knex.schema.createTable('cloud_report', (t) => {
    t.increments('id');
    t.string('code', 8).notNullable().unique().defaultTo(knex.raw("lpad(nextval('cloud_report_code_seq')::text, 8, '0')"));
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('reporter_name', 50).notNullable();
    t.string('phone', 30).notNullable();
    t.string('email', 254).notNullable();
    t.date('occurred_on').notNullable();
    t.string('occurred_time', 5).nullable();
    t.string('application_number', 12).nullable();
    t.integer('service_id').nullable().references('cloud_service.id');
    t.text('content').notNullable();
    t.string('status', 10).notNullable().defaultTo('open');
    t.text('handling').nullable();
    t.string('handled_by', 100).nullable();
    t.timestamp('handled_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("ALTER TABLE cloud_report ADD CONSTRAINT cloud_report_status CHECK (status IN ('open', 'closed'))");
  await knex.raw("ALTER TABLE cloud_report ADD CONSTRAINT cloud_report_code CHECK (code ~ '^[0-9]{8}$')");
  await knex.raw('CREATE INDEX cloud_report_agency ON cloud_report (agency_id, occurred_on DESC)');
  await knex.schema.createTable('cloud_report_file', (t) => {
    t.increments('id');
    t.integer('report_id').notNullable().references('cloud_report.id').onDelete('CASCADE');
    t.string('stored_name', 100).notNullable();
    t.string('original_name', 200).notNullable();
    t.string('mime', 150).notNullable();
    t.bigInteger('size').notNullable();
    t.string('sha256', 64).notNullable();
  });

  // 資料交換 下載: one encrypted file per approved one-time application (built on first download).
  await knex.schema.createTable('cloud_delivery', (t) => {
    t.increments('id');
    t.integer('application_id').notNullable().unique();
    t.string('application_number', 12).notNullable();
    t.integer('agency_id').notNullable().references('agency.id');
    t.specificType('service_codes', 'text[]').notNullable();
    t.string('stored_name', 100).notNullable();
    t.bigInteger('size').notNullable();
    t.integer('rows').notNullable();
    t.string('sha256', 64).notNullable();
    // The platform's detached CMS SignedData over the encrypted file (.p7s).
    t.binary('signature').notNullable();
    t.string('recipient_thumbprint', 64).notNullable();
    t.string('verification_code', 19).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // 介接模組: the client certificate issued for an approved web-service application.
  await knex.schema.createTable('cloud_ws_client', (t) => {
    t.increments('id');
    t.integer('application_id').notNullable();
    t.string('application_number', 12).notNullable();
    t.integer('agency_id').notNullable().references('agency.id');
    t.string('serial_hex', 64).notNullable();
    t.string('thumbprint', 64).notNullable().unique();
    t.text('cert_pem').notNullable();
    // The PKCS#12 (protected by the password shown once), kept for download by the agency.
    t.string('p12_stored_name', 100).notNullable();
    t.timestamp('not_after', { useTz: true }).notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX cloud_ws_client_application ON cloud_ws_client (application_id, issued_at DESC)');

  // The web service's message log (X-Road style).
  await knex.schema.createTable('cloud_ws_call', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('application_number', 12).nullable();
    t.integer('agency_id').nullable();
    t.string('service_code', 20).nullable();
    t.string('thumbprint', 64).nullable();
    t.integer('status').notNullable();
    t.string('result', 30).notNullable();
    t.integer('rows').notNullable().defaultTo(0);
    t.integer('duration_ms').notNullable();
    t.string('ip', 45).nullable();
    t.string('path', 300).notNullable();
  });
  await knex.raw('CREATE INDEX cloud_ws_call_at ON cloud_ws_call (at)');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['cloud_ws_call', 'cloud_ws_client', 'cloud_delivery', 'cloud_report_file', 'cloud_report', 'cloud_link', 'cloud_file', 'cloud_faq', 'cloud_news']) {
    await knex.schema.dropTable(t);
  }
  await knex.raw('DROP SEQUENCE cloud_report_code_seq');
}
