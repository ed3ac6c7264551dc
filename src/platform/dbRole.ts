import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database';
import { createDbRoleRepository, setUpLoginRoles } from './dbRoleRepository';

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
 * idempotent. `role` is the app's login (DATABASE_URL's user, or APP_ROLE). Returns false,
 * changing nothing, when the role is missing and the owner may not create roles.
 */
export async function grantAppRole(owner: Db, role: string = APP_ROLE): Promise<boolean> {
  const roles = createDbRoleRepository(owner);
  const me = await roles.currentRole();
  // DATABASE_URL naming the owner too: granting (and revoking) to itself would take the
  // owner's own rights on the migration tables; checkAppLogin then stops the start.
  if (role === me.name) return false;
  if (!(await roles.roleExists(role))) {
    if (!me.superuser && !me.createRole) return false;
    // Instances of one database take turns under prepareDatabase's lock, but roles belong to
    // the whole cluster: another database's set-up may have made it a moment ago.
    await roles.createRole(role).catch((err: { code?: string }) => {
      if (err.code !== '42710' && err.code !== '23505') throw err;
    });
  }
  const tables = await roles.publicTables();
  await roles.grantTables(role, {
    dml: tables.filter((t) => !OWNER_ONLY_TABLES.includes(t) && !APPEND_ONLY_TABLES.includes(t)),
    appendOnly: tables.filter((t) => APPEND_ONLY_TABLES.includes(t)),
    ownerOnly: tables.filter((t) => OWNER_ONLY_TABLES.includes(t)),
  });
  await roles.grantQueueSchema(role);
  return true;
}

/**
 * For the app role as a connection option (withAppRole): the connecting user must be a
 * member of it. Tries to become one; false when the owner may not.
 */
export async function mayUseAppRole(owner: Db): Promise<boolean> {
  const roles = createDbRoleRepository(owner);
  if (await roles.isSuperuser()) return true;
  await roles.grantRoleToCurrentUser(APP_ROLE).catch(() => undefined);
  return roles.isMemberOf(APP_ROLE);
}

/** The schema owner's login on the embedded server (migrations, seeds, grants). */
export const OWNER_ROLE = 'ecpa_owner';

export interface Logins {
  /** The schema owner's login: not a superuser, may not create roles or databases. */
  ownerUrl: string;
  /** The app's login: not a superuser, not a member of the owner, owns nothing. */
  appUrl: string;
}

interface LoginSecrets {
  superuser: string;
  owner: string;
  app: string;
}

/** The superuser's password of a cluster made before the logins file existed. */
export const LEGACY_SUPERUSER_PASSWORD = 'ecpa-local';

/**
 * The embedded server's passwords, kept in `file` (mode 0600) beside its data folder: made
 * once, never logged. A cluster initialised before this file existed keeps its superuser's
 * old password; a new one gets a random one too.
 */
export function loginSecrets(file: string, freshCluster: boolean): LoginSecrets {
  if (fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LoginSecrets>;
    if (saved.superuser && saved.owner && saved.app) return saved as LoginSecrets;
  }
  const random = () => crypto.randomBytes(24).toString('base64url');
  const secrets = { superuser: freshCluster ? random() : LEGACY_SUPERUSER_PASSWORD, owner: random(), app: random() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return secrets;
}

/**
 * As the cluster's superuser (the embedded server's bootstrap user, this once): makes the
 * owner and app LOGIN roles with their passwords, hands the database, its public schema and
 * everything in it (also what an earlier version made as the superuser) to the owner, and
 * makes sure the app is not a member of the owner. Closes the superuser's connection.
 */
export async function ensureLogins(superUrl: string, passwords: { owner: string; app: string }): Promise<Logins> {
  await setUpLoginRoles(superUrl, { owner: OWNER_ROLE, app: APP_ROLE }, passwords);
  const as = (user: string, password: string) => {
    const u = new URL(superUrl);
    u.username = user;
    u.password = password;
    return u.toString();
  };
  return { ownerUrl: as(OWNER_ROLE, passwords.owner), appUrl: as(APP_ROLE, passwords.app) };
}

/**
 * Checks the app's own connection before it serves: its login is not a superuser, may not
 * create roles or databases, is not (a member of) the schema's owner and owns no table.
 * Throws a readable message naming what is wrong.
 */
export async function checkAppLogin(app: Db, ownerRole: string): Promise<void> {
  const row = await createDbRoleRepository(app).sessionLogin(ownerRole);
  const problems: string[] = [];
  if (row.superuser) problems.push('is a superuser');
  if (row.createRole || row.createDb) problems.push('may create roles or databases');
  if (row.bypassRls) problems.push('bypasses row-level security');
  if (row.ownerMember) problems.push(`is the schema owner ${ownerRole} or a member of it`);
  if (Number(row.owned) > 0) problems.push(`owns ${row.owned} tables or sequences`);
  if (problems.length) {
    throw new Error(
      `The app's database login "${row.login}" (DATABASE_URL) ${problems.join(', ')}: it must be a separate login that is not a superuser, not the owner (DATABASE_OWNER_URL) nor a member of it, and owns nothing. See docs/OPERATIONS.md.`,
    );
  }
}

/**
 * The owner's URL with the app role set at connection time (libpq `options=-c role=…`):
 * every connection of the pool, the session store and the chat listener starts as the app
 * role, but SET ROLE can return to the connecting user: only for a development database
 * given as a single DATABASE_URL. The embedded server and production use separate logins
 * (ensureLogins; DATABASE_URL with DATABASE_OWNER_URL): see docs/OPERATIONS.md.
 */
export function withAppRole(url: string): string {
  const u = new URL(url);
  const given = u.searchParams.get('options');
  u.searchParams.set('options', `${given ? `${given} ` : ''}-c role=${APP_ROLE}`);
  return u.toString();
}
