import type { Db } from './database';

/**
 * The role the app's queries run under. Migrations and seeds run as the schema's owner; the
 * app gets only what it needs on the tables (no DDL, no TRUNCATE, no ALTER TABLE … DISABLE
 * TRIGGER) and on `audit_event` only SELECT and INSERT, so the audit trail cannot be changed
 * or emptied through the app even if a query were injected (the triggers of migrations
 * 20261124000300 and 20261124000900 are the second line).
 */
export const APP_ROLE = 'ecpa_app';

const OWNER_ONLY_TABLES = ['knex_migrations', 'knex_migrations_lock'];
const APPEND_ONLY_TABLES = ['audit_event'];

/**
 * Creates the app role when missing and (re)grants its privileges on every table, so it
 * also covers tables added by later migrations. Runs as the owner after each migration;
 * idempotent. Returns false, changing nothing, when the owner may not create or use roles.
 */
export async function grantAppRole(owner: Db): Promise<boolean> {
  const me = (await owner.raw('SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user')).rows[0] as { rolsuper: boolean; rolcreaterole: boolean };
  const exists = (await owner.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [APP_ROLE])).rows.length > 0;
  if (!exists) {
    if (!me.rolsuper && !me.rolcreaterole) return false;
    // Instances of one database take turns under prepareDatabase's lock, but roles belong to
    // the whole cluster: another database's set-up may have made it a moment ago.
    await owner.raw(`CREATE ROLE ${APP_ROLE} NOLOGIN`).catch((err: { code?: string }) => {
      if (err.code !== '42710' && err.code !== '23505') throw err;
    });
  }
  if (!me.rolsuper) {
    await owner.raw(`GRANT ${APP_ROLE} TO CURRENT_USER`).catch(() => undefined);
    const member = (await owner.raw("SELECT pg_has_role(current_user, ?, 'MEMBER') AS ok", [APP_ROLE])).rows[0].ok as boolean;
    if (!member) return false;
  }
  const tables = (
    await owner.raw("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')")
  ).rows.map((r: { relname: string }) => r.relname) as string[];
  const quoted = (names: string[]) => names.map((n) => `"${n.replace(/"/g, '""')}"`).join(', ');
  const dml = tables.filter((t) => !OWNER_ONLY_TABLES.includes(t) && !APPEND_ONLY_TABLES.includes(t));
  const appendOnly = tables.filter((t) => APPEND_ONLY_TABLES.includes(t));
  await owner.transaction(async (trx) => {
    await trx.raw(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
    if (dml.length) await trx.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${quoted(dml)} TO ${APP_ROLE}`);
    if (appendOnly.length) {
      await trx.raw(`REVOKE ALL ON ${quoted(appendOnly)} FROM ${APP_ROLE}`);
      await trx.raw(`GRANT SELECT, INSERT ON ${quoted(appendOnly)} TO ${APP_ROLE}`);
    }
    const owned = tables.filter((t) => OWNER_ONLY_TABLES.includes(t));
    if (owned.length) await trx.raw(`REVOKE ALL ON ${quoted(owned)} FROM ${APP_ROLE}`);
    await trx.raw(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`);
  });
  return true;
}

/**
 * The owner's URL with the app role set at connection time (libpq `options=-c role=…`):
 * every connection of the pool, the session store and the chat listener starts as the app
 * role, and RESET ROLE returns to it. For a separate login (so that even SET ROLE cannot
 * return to the owner), give the role LOGIN and use DATABASE_URL for it with
 * DATABASE_OWNER_URL for the owner: see docs/OPERATIONS.md.
 */
export function withAppRole(url: string): string {
  const u = new URL(url);
  const given = u.searchParams.get('options');
  u.searchParams.set('options', `${given ? `${given} ` : ''}-c role=${APP_ROLE}`);
  return u.toString();
}
