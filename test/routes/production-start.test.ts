import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { checkProductionStart, loadConfig } from '../../src/config';
import { prepareDatabase, prepareDemoPki } from '../../src/bootstrap';
import { AGENCIES } from '../../src/reference/agencies';
import { APP_CATALOG } from '../../src/reference/appCatalog';
import { createDb, migrate, startEmbeddedPostgres } from '../../src/platform/database';
import { createLogger } from '../../src/platform/logger';
import { freePort } from '../../src/platform/net';
import { APP_ROLE, OWNER_ROLE } from '../../src/platform/dbRole';

const production = { NODE_ENV: 'production', SESSION_SECRET: 'p'.repeat(40), PKI_DIR: '/etc/ecpa/trust' };

describe('a production start', () => {
  it('never loads the demo: SEED_DEMO defaults to false and SEED_DEMO=true stops the start with a clear message', () => {
    expect(loadConfig(production).seedDemo).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).seedDemo).toBe(true);
    expect(() => loadConfig({ ...production, SEED_DEMO: 'true' })).toThrow(/SEED_DEMO: the demo data .* is never loaded in production/);
    expect(loadConfig({ ...production, SEED_DEMO: 'false' }).seedDemo).toBe(false);
  });

  it('trusts only a trust store named with PKI_DIR, never the demo PKI of the data folder', async () => {
    const { PKI_DIR: _none, ...withoutPki } = production;
    const unnamed = loadConfig({ ...withoutPki, LOG_LEVEL: 'silent' });
    expect(() => checkProductionStart(unnamed)).toThrow(/PKI_DIR: required in production/);
    // The start stops before it touches any database.
    await expect(prepareDatabase(unnamed, createLogger('silent'))).rejects.toThrow(/PKI_DIR: required in production/);
    expect(prepareDemoPki(unnamed, createLogger('silent'))).toBeNull();
    const config = loadConfig(production);
    expect(() => checkProductionStart(config)).not.toThrow();
    expect(config.pkiDir).toBe(path.resolve('/etc/ecpa/trust'));
    expect(config.pkiDirExplicit).toBe(true);
  });

  it('with DATABASE_URL requires DATABASE_OWNER_URL', async () => {
    const config = loadConfig({ ...production, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'silent' });
    expect(() => checkProductionStart(config)).toThrow(/DATABASE_OWNER_URL: required in production with DATABASE_URL/);
    await expect(prepareDatabase(config, createLogger('silent'))).rejects.toThrow(/DATABASE_OWNER_URL: required in production/);
  });

  it('stops when the app login is the schema owner', async () => {
    const owner = inject('ownerDatabaseUrl');
    const config = loadConfig({ ...production, DATABASE_URL: owner, DATABASE_OWNER_URL: owner, LOG_LEVEL: 'silent', RUN_SCHEDULER: 'false' });
    await expect(prepareDatabase(config, createLogger('silent'))).rejects.toThrow(/The app's database login "ecpa_owner" \(DATABASE_URL\) is the schema owner ecpa_owner or a member of it, owns \d+ tables/);
  });

  it('with the app and owner logins given separately, serves as the app login, and names demo credentials it finds', async () => {
    const config = loadConfig({ ...production, DATABASE_URL: inject('databaseUrl'), DATABASE_OWNER_URL: inject('ownerDatabaseUrl'), LOG_LEVEL: 'silent' });
    // The run's database holds the demo, as a production database an earlier version seeded would.
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const { db, embedded } = await prepareDatabase(config, logger);
    try {
      expect(embedded).toBeNull();
      expect((await db.raw('SELECT session_user AS u')).rows[0].u).toBe(APP_ROLE);
      const report = lines.map((l) => JSON.parse(l)).find((l) => l.leftovers);
      expect(report).toMatchObject({ level: 50, msg: expect.stringContaining('demo data with published credentials') });
      expect(report.leftovers).toEqual(['the demo WebHR API key', expect.stringMatching(/^demo accounts: .*portal\.admin/)]);
    } finally {
      await db.destroy();
    }
  });
});

const psql = ['/usr/bin/psql', '/usr/local/bin/psql'].some((f) => fs.existsSync(f));

describe('docker-compose', () => {
  // docker/postgres-init/10-ecpa-logins.sh as the postgres image runs it, here with psql over TCP.
  it.runIf(psql)('the init script makes the two logins, also for a volume of an earlier version, and the portal starts with them', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-compose-'));
    fs.chmodSync(dataDir, 0o777);
    const port = await freePort();
    const server = await startEmbeddedPostgres(path.join(dataDir, 'pg'), port, 'ecpa');
    try {
      // An earlier version's volume: everything migrated and owned by the superuser.
      const superDb = createDb(server.url, 1);
      await migrate(superDb);
      await superDb.destroy();
      const env = { PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(port), PGPASSWORD: 'ecpa-local', POSTGRES_USER: 'ecpa', POSTGRES_DB: 'ecpa', POSTGRES_PASSWORD: 'ecpa-local' };
      const run = (extra: Record<string, string>) =>
        promisify(execFile)('bash', ['docker/postgres-init/10-ecpa-logins.sh'], { cwd: path.join(import.meta.dirname, '../..'), env: { ...env, ...extra } }).then(
          (r) => ({ code: 0, stderr: r.stderr }),
          (e: { code: number; stderr: string }) => e,
        );
      expect(await run({ ECPA_OWNER_PASSWORD: 'same', ECPA_APP_PASSWORD: 'same' })).toMatchObject({ code: 1, stderr: expect.stringContaining('must differ') });
      expect((await run({ ECPA_OWNER_PASSWORD: 'owner-pw-1', ECPA_APP_PASSWORD: 'app-pw-1' })).code).toBe(0);
      // Idempotent: again, with new passwords.
      expect((await run({ ECPA_OWNER_PASSWORD: 'owner-pw-2', ECPA_APP_PASSWORD: 'app-pw-2' })).code).toBe(0);
      const config = loadConfig({
        ...production,
        DATABASE_URL: `postgres://ecpa_app:app-pw-2@127.0.0.1:${port}/ecpa`,
        DATABASE_OWNER_URL: `postgres://ecpa_owner:owner-pw-2@127.0.0.1:${port}/ecpa`,
        LOG_LEVEL: 'silent',
      });
      const { db } = await prepareDatabase(config, createLogger('silent'));
      try {
        expect((await db.raw('SELECT session_user AS u')).rows[0].u).toBe(APP_ROLE);
        expect(Number((await db('agency').count({ n: '*' }))[0]!.n)).toBe(AGENCIES.length);
        await expect(db.raw(`SET ROLE ${OWNER_ROLE}`)).rejects.toThrow(/permission denied/);
        await expect(db.raw('SET ROLE ecpa')).rejects.toThrow(/permission denied/);
      } finally {
        await db.destroy();
      }
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the embedded server', () => {
  it('in production on an empty folder: the reference data only, no demo people, accounts, keys, announcements or PKI', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-prod-'));
    fs.chmodSync(dataDir, 0o777);
    const config = loadConfig({ ...production, PKI_DIR: path.join(dataDir, 'trust'), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'silent' });
    const { db, embedded } = await prepareDatabase(config, createLogger('silent'));
    try {
      const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0]!.n);
      expect(await count('agency')).toBe(AGENCIES.length);
      expect(await count('app_catalog')).toBe(APP_CATALOG.length);
      for (const table of ['jobs_code', 'pics_calendar_day', 'cloud_service', 'cloud_dict_field', 'hr_code']) expect(await count(table), table).toBeGreaterThan(0);
      for (const table of ['person', 'account', 'role_grant', 'pics_api_credential', 'announcement', 'pics_announcement', 'mydata_announcement', 'cloud_news', 'content_item', 'jobs_vacancy', 'pics_ticket', 'agency_area_grant']) {
        expect(await count(table), table).toBe(0);
      }
      expect(prepareDemoPki(config, createLogger('silent'))).toBeNull();
      expect(fs.existsSync(path.join(dataDir, 'trust'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'pki'))).toBe(false);
      // A new cluster's bootstrap superuser gets a random password too.
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'pg-logins.json'), 'utf8')).superuser).not.toBe('ecpa-local');
    } finally {
      await db.destroy();
      await embedded?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('takes over a data folder of an earlier version (tables of the superuser): the owner gets them, the app its own login', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-legacy-'));
    fs.chmodSync(dataDir, 0o777);
    const port = await freePort();
    // As before: the superuser with the old fixed password migrated and owned everything.
    const old = await startEmbeddedPostgres(path.join(dataDir, 'pg'), port, 'ecpa');
    const superDb = createDb(old.url, 1);
    await migrate(superDb);
    await superDb('agency').insert({ code: 'LEGACY0001', name: '舊資料機關', address: '臺北市', phone: '02-1234-5678' });
    await superDb.destroy();
    await old.stop();

    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port), SEED_DEMO: 'false', LOG_LEVEL: 'silent' });
    const { db, ownerUrl, embedded } = await prepareDatabase(config, createLogger('silent'));
    try {
      expect((await db.raw('SELECT session_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS s')).rows[0]).toEqual({ u: APP_ROLE, s: false });
      expect(await db('agency').where({ code: 'LEGACY0001' }).first('name')).toEqual({ name: '舊資料機關' });
      const owners = (await db.raw("SELECT DISTINCT pg_get_userbyid(c.relowner) AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v')")).rows;
      expect(owners).toEqual([{ o: OWNER_ROLE }]);
      expect(new URL(ownerUrl).username).toBe(OWNER_ROLE);
      await expect(db.raw(`SET ROLE ${OWNER_ROLE}`)).rejects.toThrow(/permission denied/);
      await expect(db.raw('SET ROLE ecpa')).rejects.toThrow(/permission denied/);
      // The passwords stay in the data folder, readable by the portal's user only.
      const file = path.join(dataDir, 'pg-logins.json');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(saved.owner).not.toBe(saved.app);
      expect(saved.superuser).toBe('ecpa-local'); // a cluster of an earlier version keeps its superuser's password
    } finally {
      await db.destroy();
      await embedded?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
