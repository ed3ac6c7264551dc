import type { Db } from './database';

/** A role's name as an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The database roles and privileges (PostgreSQL's catalog), read and granted as the schema's owner. */
export function createDbRoleRepository(db: Db) {
  return {
    async currentRole(): Promise<{ name: string; superuser: boolean; createRole: boolean }> {
      const me = (await db.raw('SELECT current_user AS name, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user')).rows[0] as {
        name: string;
        rolsuper: boolean;
        rolcreaterole: boolean;
      };
      return { name: me.name, superuser: me.rolsuper, createRole: me.rolcreaterole };
    },
    async roleExists(role: string): Promise<boolean> {
      return (await db.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [role])).rows.length > 0;
    },
    async createRole(role: string): Promise<void> {
      await db.raw(`CREATE ROLE ${ident(role)} NOLOGIN`);
    },
    /** The schema's tables and views. */
    async publicTables(): Promise<string[]> {
      return (
        await db.raw("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')")
      ).rows.map((r: { relname: string }) => r.relname) as string[];
    },
    /** Grants the role its privileges in one transaction: DML, append-only and no rights, by table. */
    async grantTables(role: string, tables: { dml: string[]; appendOnly: string[]; ownerOnly: string[] }): Promise<void> {
      const quoted = (names: string[]) => names.map(ident).join(', ');
      const r = ident(role);
      await db.transaction(async (trx) => {
        await trx.raw(`GRANT USAGE ON SCHEMA public TO ${r}`);
        if (tables.dml.length) await trx.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${quoted(tables.dml)} TO ${r}`);
        if (tables.appendOnly.length) {
          await trx.raw(`REVOKE ALL ON ${quoted(tables.appendOnly)} FROM ${r}`);
          await trx.raw(`GRANT SELECT, INSERT ON ${quoted(tables.appendOnly)} TO ${r}`);
        }
        if (tables.ownerOnly.length) await trx.raw(`REVOKE ALL ON ${quoted(tables.ownerOnly)} FROM ${r}`);
        await trx.raw(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
      });
    },
    async isSuperuser(): Promise<boolean> {
      return ((await db.raw('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0] as { rolsuper: boolean }).rolsuper;
    },
    async grantRoleToCurrentUser(role: string): Promise<void> {
      await db.raw(`GRANT ${role} TO CURRENT_USER`);
    },
    async isMemberOf(role: string): Promise<boolean> {
      return (await db.raw("SELECT pg_has_role(current_user, ?, 'MEMBER') AS ok", [role])).rows[0].ok as boolean;
    },
    /** What the session's login may do, and whether it is (a member of) the schema's owner or owns anything. */
    async sessionLogin(ownerRole: string): Promise<{ login: string; superuser: boolean; createRole: boolean; createDb: boolean; bypassRls: boolean; ownerMember: boolean; owned: number }> {
      const row = (
        await db.raw(
          `SELECT session_user AS login, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
                  pg_has_role(session_user, ?, 'MEMBER') AS owner_member,
                  (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')) AS owned
             FROM pg_roles r WHERE r.rolname = session_user`,
          [ownerRole],
        )
      ).rows[0] as { login: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean; owner_member: boolean; owned: number };
      return {
        login: row.login,
        superuser: row.rolsuper,
        createRole: row.rolcreaterole,
        createDb: row.rolcreatedb,
        bypassRls: row.rolbypassrls,
        ownerMember: row.owner_member,
        owned: Number(row.owned),
      };
    },
  };
}
