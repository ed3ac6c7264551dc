import type { Knex } from 'knex';

/**
 * 人事雲端服務平台 申請服務 (seed 002 六, 七): the wizard's drafts, the signed applications
 * with one line per requested service (reviewed one by one), and the application-number
 * counters (APFQ/APSQ + ROC year).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cloud_application_draft', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.integer('agency_id').notNullable().references('agency.id');
    // The answers of each step, and which steps passed validation.
    t.jsonb('answers').notNullable().defaultTo('{}');
    t.specificType('completed', 'text[]').notNullable().defaultTo('{}');
    // 步驟五A 上傳之檔案 (one file), kept in the upload store.
    t.string('file_stored_name', 100).nullable();
    t.string('file_original_name', 200).nullable();
    t.string('file_mime', 150).nullable();
    t.bigInteger('file_size').nullable();
    t.string('file_sha256', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.index(['agency_id', 'created_at']);
  });

  await knex.schema.createTable('cloud_application', (t) => {
    t.increments('id');
    // APFQ (單次服務) / APSQ (Web Service) + ROC year (3 digits) + 5-digit serial.
    t.string('number', 12).notNullable().unique();
    t.string('kind', 4).notNullable();
    t.uuid('draft_id').nullable().unique().references('cloud_application_draft.id').onDelete('SET NULL');
    t.integer('agency_id').notNullable().references('agency.id');
    // 步驟一 機關基本資料
    t.string('contact_name', 50).notNullable();
    t.string('contact_phone', 30).notNullable();
    t.string('contact_email', 254).notNullable();
    t.date('period_from').notNullable();
    t.date('period_to').notNullable();
    t.string('purpose', 500).notNullable();
    t.string('legal_basis', 500).notNullable();
    t.string('specific_purpose', 500).notNullable();
    // 步驟二 介接系統基本資料
    t.string('system_name', 100).notNullable();
    t.string('os', 100).notNullable();
    t.string('language', 100).notNullable();
    t.string('database_name', 100).notNullable();
    t.string('computer_name', 100).notNullable();
    // IP位置: the addresses the interfacing system calls from.
    t.specificType('ip_addresses', 'inet[]').notNullable();
    // 步驟三 介接系統使用之對象: personal / internal / external
    t.specificType('user_scopes', 'text[]').notNullable();
    // 步驟五A 條件說明 (one-time applications)
    t.string('conditions', 2000).nullable();
    t.string('file_stored_name', 100).nullable();
    t.string('file_original_name', 200).nullable();
    t.string('file_mime', 150).nullable();
    t.bigInteger('file_size').nullable();
    t.string('file_sha256', 64).nullable();
    // Derived from the lines: pending 尚未審核 / rejected 不通過 / approved 通過 / partial 部分通過.
    t.string('status', 10).notNullable().defaultTo('pending');
    // 步驟六: the canonical digest signed with the login card.
    t.string('digest', 64).notNullable();
    t.text('tbs').notNullable();
    t.text('signature').notNullable();
    t.text('certb64').notNullable();
    t.string('cert_thumbprint', 64).notNullable();
    t.string('card_number', 32).nullable();
    t.string('verification_code', 19).notNullable().unique();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    // 審核 (the administrator)
    t.string('review_note', 1000).nullable();
    t.integer('reviewed_by').nullable().references('account.id');
    t.string('reviewer_name', 100).nullable();
    t.timestamp('reviewed_at', { useTz: true }).nullable();
    t.index(['agency_id', 'submitted_at']);
    t.index(['status', 'submitted_at']);
  });
  await knex.raw("ALTER TABLE cloud_application ADD CONSTRAINT cloud_application_kind CHECK (kind IN ('file', 'ws'))");
  await knex.raw("ALTER TABLE cloud_application ADD CONSTRAINT cloud_application_status CHECK (status IN ('pending', 'rejected', 'approved', 'partial'))");
  await knex.raw("ALTER TABLE cloud_application ADD CONSTRAINT cloud_application_number CHECK (number ~ '^AP(FQ|SQ)[0-9]{8}$')");
  await knex.raw('ALTER TABLE cloud_application ADD CONSTRAINT cloud_application_period CHECK (period_to >= period_from)');

  await knex.schema.createTable('cloud_application_service', (t) => {
    t.increments('id');
    t.integer('application_id').notNullable().references('cloud_application.id').onDelete('CASCADE');
    t.integer('service_id').notNullable().references('cloud_service.id');
    // pending 尚未審核 → approved 通過 | rejected 不通過 (later suspended 停用 / expired 逾期)
    t.string('result', 10).notNullable().defaultTo('pending');
    t.string('note', 500).nullable();
    t.timestamp('reviewed_at', { useTz: true }).nullable();
    t.unique(['application_id', 'service_id']);
  });
  await knex.raw(
    "ALTER TABLE cloud_application_service ADD CONSTRAINT cloud_application_service_result CHECK (result IN ('pending', 'approved', 'rejected', 'suspended', 'expired'))",
  );

  // A signed application never changes (a change is a new application): only the review
  // columns may be updated, and a line only with its result.
  const frozen = [
    'number', 'kind', 'agency_id', 'contact_name', 'contact_phone', 'contact_email', 'period_from', 'period_to', 'purpose', 'legal_basis',
    'specific_purpose', 'system_name', 'os', 'language', 'database_name', 'computer_name', 'ip_addresses', 'user_scopes', 'conditions',
    'file_stored_name', 'file_original_name', 'file_mime', 'file_size', 'file_sha256', 'digest', 'tbs', 'signature', 'certb64',
    'cert_thumbprint', 'card_number', 'verification_code', 'submitted_at',
  ];
  await knex.raw(`
    CREATE FUNCTION cloud_application_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (${frozen.map((c) => `NEW.${c}`).join(', ')}) IS DISTINCT FROM (${frozen.map((c) => `OLD.${c}`).join(', ')}) THEN
        RAISE EXCEPTION 'a submitted application never changes' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw('CREATE TRIGGER cloud_application_frozen BEFORE UPDATE ON cloud_application FOR EACH ROW EXECUTE FUNCTION cloud_application_frozen()');
  await knex.raw(`
    CREATE FUNCTION cloud_application_service_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (NEW.application_id, NEW.service_id) IS DISTINCT FROM (OLD.application_id, OLD.service_id) THEN
        RAISE EXCEPTION 'a submitted application never changes' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(
    'CREATE TRIGGER cloud_application_service_frozen BEFORE UPDATE ON cloud_application_service FOR EACH ROW EXECUTE FUNCTION cloud_application_service_frozen()',
  );

  await knex.schema.createTable('cloud_application_counter', (t) => {
    t.string('prefix', 4).notNullable();
    t.integer('roc_year').notNullable();
    t.integer('last_serial').notNullable();
    t.primary(['prefix', 'roc_year']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cloud_application_counter');
  await knex.schema.dropTable('cloud_application_service');
  await knex.schema.dropTable('cloud_application');
  await knex.raw('DROP FUNCTION cloud_application_service_frozen()');
  await knex.raw('DROP FUNCTION cloud_application_frozen()');
  await knex.schema.dropTable('cloud_application_draft');
}
