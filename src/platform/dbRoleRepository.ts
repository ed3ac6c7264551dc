import pg from 'pg';
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
    /**
     * The job queue's schema (pg-boss, made by the owner's migration): the app reads and
     * writes its jobs and calls its functions (create_queue runs as the owner); it creates
     * nothing there itself.
     */
    async grantQueueSchema(role: string): Promise<boolean> {
      if (!(await db.raw("SELECT to_regclass('pgboss.job') AS t")).rows[0].t) return false;
      const r = ident(role);
      await db.transaction(async (trx) => {
        await trx.raw(`GRANT USAGE ON SCHEMA pgboss TO ${r}`);
        await trx.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO ${r}`);
        await trx.raw(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO ${r}`);
        // The partition tables create_queue makes later.
        await trx.raw(`ALTER DEFAULT PRIVILEGES IN SCHEMA pgboss GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`);
      });
      return true;
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

/**
 * As the cluster's superuser, over its own connection (closed at the end): the owner and app
 * LOGIN roles with these passwords; the database, its public schema and everything in it
 * (also what an earlier version made as the superuser) handed to the owner; the app a member
 * of no role.
 */
export async function setUpLoginRoles(superUrl: string, roles: { owner: string; app: string }, passwords: { owner: string; app: string }): Promise<void> {
  const client = new pg.Client({ connectionString: superUrl });
  await client.connect();
  try {
    const q = (sql: string) => client.query(sql);
    const lit = (v: string) => client.escapeLiteral(v);
    for (const [role, password] of [[roles.owner, passwords.owner], [roles.app, passwords.app]] as const) {
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
      const attrs = `LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD ${lit(password)}`;
      if (exists) await q(`ALTER ROLE ${ident(role)} ${attrs}`);
      else {
        await q(`CREATE ROLE ${ident(role)} ${attrs}`).catch(async (err: { code?: string }) => {
          // Made a moment ago by another database's set-up on the same cluster.
          if (err.code !== '42710' && err.code !== '23505') throw err;
          await q(`ALTER ROLE ${ident(role)} ${attrs}`);
        });
      }
    }
    // The app must never be able to become the owner (SET ROLE) or anyone else.
    const memberships = await client.query(
      'SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1',
      [roles.app],
    );
    for (const { rolname } of memberships.rows as { rolname: string }[]) await q(`REVOKE ${ident(rolname)} FROM ${ident(roles.app)}`);
    const database = (await client.query('SELECT current_database() AS d')).rows[0].d as string;
    await q(`ALTER DATABASE ${ident(database)} OWNER TO ${ident(roles.owner)}`);
    await q(`ALTER SCHEMA public OWNER TO ${ident(roles.owner)}`);
    await q('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    // The job queue's schema (pg-boss), when a version that had it ran its migrations as the superuser.
    const queueSchema = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss' AND nspowner IN (SELECT oid FROM pg_roles WHERE rolname <> $1)", [roles.owner]);
    if (queueSchema.rows.length) await q(`ALTER SCHEMA pgboss OWNER TO ${ident(roles.owner)}`);
    // What an earlier version made as the superuser: tables and views (their own sequences
    // follow), free sequences, functions, types.
    const foreign = "(SELECT oid FROM pg_roles WHERE rolname <> '" + roles.owner + "')";
    const rels = await client.query(
      `SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'pgboss') AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner IN ${foreign}`,
    );
    for (const { nspname, relname, relkind } of rels.rows as { nspname: string; relname: string; relkind: string }[]) {
      await q(`ALTER ${relkind === 'v' ? 'VIEW' : relkind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE'} ${ident(nspname)}.${ident(relname)} OWNER TO ${ident(roles.owner)}`);
    }
    const seqs = await client.query(
      `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'pgboss') AND c.relkind = 'S' AND c.relowner IN ${foreign}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))`,
    );
    for (const { nspname, relname } of seqs.rows as { nspname: string; relname: string }[]) await q(`ALTER SEQUENCE ${ident(nspname)}.${ident(relname)} OWNER TO ${ident(roles.owner)}`);
    const funcs = await client.query(
      `SELECT p.oid::regprocedure::text AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'pgboss') AND p.proowner IN ${foreign}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    );
    for (const { sig } of funcs.rows as { sig: string }[]) await q(`ALTER ROUTINE ${sig} OWNER TO ${ident(roles.owner)}`);
    const types = await client.query(
      `SELECT t.oid::regtype::text AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname IN ('public', 'pgboss') AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0 AND t.typowner IN ${foreign}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')`,
    );
    for (const { name } of types.rows as { name: string }[]) await q(`ALTER TYPE ${name} OWNER TO ${ident(roles.owner)}`);
  } finally {
    await client.end();
  }
}
