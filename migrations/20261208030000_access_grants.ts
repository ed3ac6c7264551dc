import type { Knex } from 'knex';

/**
 * 權限管理 and 機關授權 from the UI: who granted each role and agency area, when and why
 * (授權人, 授權時間, 原因), a history of grants and withdrawals, and a per-account roles
 * version that a trigger raises on every change of role_grant. The session read compares the
 * version a session carries with the account's, so a role taken away applies on that person's
 * next request, on every instance (src/platform/web/setUpSession.ts). The trigger also
 * announces the account on the `account_roles` channel for instances that cache sessions.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['role_grant', 'agency_area_grant']) {
    await knex.schema.alterTable(table, (t) => {
      t.integer('granted_by_account_id').nullable().references('account.id').onDelete('SET NULL');
      t.string('granted_by_label', 100).nullable();
      t.string('reason', 200).nullable();
    });
  }
  await knex.schema.alterTable('account', (t) => {
    t.integer('roles_version').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('access_grant_event', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // 'role': a role of an account (agency_id: the agency an HR role is for); 'area': an agency's area.
    t.string('kind', 10).notNullable();
    t.integer('account_id').nullable().references('account.id').onDelete('CASCADE');
    t.integer('agency_id').nullable().references('agency.id').onDelete('CASCADE');
    t.string('subject', 30).notNullable();
    t.string('change', 10).notNullable();
    t.string('reason', 200).notNullable();
    t.integer('actor_account_id').nullable().references('account.id').onDelete('SET NULL');
    t.string('actor_label', 100).notNullable();
  });
  await knex.raw("ALTER TABLE access_grant_event ADD CONSTRAINT access_grant_event_kind CHECK (kind IN ('role','area'))");
  await knex.raw("ALTER TABLE access_grant_event ADD CONSTRAINT access_grant_event_change CHECK (change IN ('grant','revoke'))");
  await knex.raw("ALTER TABLE access_grant_event ADD CONSTRAINT access_grant_event_whom CHECK ((kind = 'role') = (account_id IS NOT NULL))");
  await knex.raw('CREATE INDEX access_grant_event_account ON access_grant_event (account_id, at) WHERE account_id IS NOT NULL');
  await knex.raw("CREATE INDEX access_grant_event_agency ON access_grant_event (agency_id, at) WHERE kind = 'area'");

  await knex.raw(`
    CREATE FUNCTION role_grant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      who integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
    BEGIN
      UPDATE account SET roles_version = roles_version + 1 WHERE id = who;
      IF TG_OP = 'UPDATE' AND OLD.account_id <> NEW.account_id THEN
        UPDATE account SET roles_version = roles_version + 1 WHERE id = OLD.account_id;
      END IF;
      PERFORM pg_notify('account_roles', who::text);
      RETURN NULL;
    END $$`);
  await knex.raw('CREATE TRIGGER role_grant_changed AFTER INSERT OR UPDATE OR DELETE ON role_grant FOR EACH ROW EXECUTE FUNCTION role_grant_changed()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER role_grant_changed ON role_grant');
  await knex.raw('DROP FUNCTION role_grant_changed');
  await knex.schema.dropTable('access_grant_event');
  await knex.schema.alterTable('account', (t) => {
    t.dropColumn('roles_version');
  });
  for (const table of ['role_grant', 'agency_area_grant']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('granted_by_account_id');
      t.dropColumn('granted_by_label');
      t.dropColumn('reason');
    });
  }
}
