import fs from 'node:fs';
import path from 'node:path';
import { checkProductionStart, type Config } from './config';
import type { Logger } from './platform/logger';
import { createDb, migrate, projectRoot, startEmbeddedPostgres, type Db, type EmbeddedServer } from './platform/database';
import { seedReference } from './reference/repository';
import { softhsmInstalled } from './platform/pki/softhsm';
import { APP_ROLE, checkAppLogin, ensureLogins, grantAppRole, loginSecrets, mayUseAppRole, withAppRole, type Logins } from './platform/dbRole';
import { createStartupRepository } from './platform/startupRepository';

/**
 * The demo data, kept outside the product (seeds/): the entry points (scripts/start.ts, the
 * scripts, the tests) hand it in; src/ never imports it.
 */
export interface DemoData {
  /** The demo people and accounts, then each area's demo data; nothing when already there. */
  seed(owner: Db): Promise<{ people: Record<string, unknown> | null; areas: Record<string, unknown> }>;
  /** The demo PKI (CAs, CRL, cards) under `dir`, with SoftHSM2 tokens under `softhsmDir`. */
  createPki(dir: string, opts: { softhsmDir: string | null }): DemoPkiManifest;
}

/** What the start needs to know of the demo PKI it made. */
export interface DemoPkiManifest {
  pin: string;
  soPin: string;
  softhsmConf: string | null;
}

/** Advisory lock id for preparing the database (any constant shared by all instances). */
const PREPARE_LOCK_KEY = 4_806_207_301;

/**
 * The embedded server under `pgDir` with its two logins (dbRole.ts ensureLogins): its
 * bootstrap superuser is used only for that, and its passwords stay in `<pgDir>-logins.json`
 * (mode 0600).
 */
export async function startEmbeddedDatabase(
  pgDir: string,
  port: number,
  database: string,
  options: { persistent?: boolean; log?: (line: string) => void } = {},
): Promise<EmbeddedServer & Logins> {
  const secrets = loginSecrets(`${pgDir}-logins.json`, !fs.existsSync(path.join(pgDir, 'PG_VERSION')));
  const server = await startEmbeddedPostgres(pgDir, port, database, { ...options, superuserPassword: secrets.superuser });
  try {
    return { ...server, ...(await ensureLogins(server.url, secrets)) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * Gets a database ready: the configured server, or an embedded one under the data folder;
 * then, as the schema's owner, migrations, the app's privileges, reference data and (when
 * asked, never in production) the demo data. The owner's pool is closed before returning.
 * `db` and `url` are the app's own login: the embedded server's ecpa_app, or DATABASE_URL
 * with DATABASE_OWNER_URL naming the owner; checked before it serves (checkAppLogin). Only a
 * development DATABASE_URL given alone still switches role on the owner's connections.
 * `ownerUrl` is for tools that change the schema (benchmark generators).
 */
export async function prepareDatabase(config: Config, logger: Logger, demo: DemoData | null = null): Promise<{ db: Db; url: string; ownerUrl: string; embedded: EmbeddedServer | null }> {
  checkProductionStart(config);
  if (config.production && config.seedDemo) throw new Error('SEED_DEMO is refused in production');
  if (config.seedDemo && !demo) throw new Error('SEED_DEMO needs the demo data: start with scripts/start.ts (npm start)');
  let embedded: (EmbeddedServer & Logins) | null = null;
  let ownerUrl: string;
  let appUrl: string | null;
  if (!config.databaseUrl) {
    const dir = path.join(config.dataDir, 'pg');
    logger.info({ dir, port: config.embeddedPgPort }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedDatabase(dir, config.embeddedPgPort, 'ecpa', { log: (l) => logger.debug({ pg: l }) });
    ownerUrl = embedded.ownerUrl;
    appUrl = embedded.appUrl;
  } else if (config.databaseOwnerUrl) {
    ownerUrl = config.databaseOwnerUrl;
    appUrl = config.databaseUrl;
  } else {
    ownerUrl = config.databaseUrl;
    appUrl = null;
  }
  const appLogin = appUrl ? decodeURIComponent(new URL(appUrl).username) : APP_ROLE;
  const owner = createDb(ownerUrl);
  let granted = false;
  let ownerRole = '';
  try {
    // Several instances may start together (docker compose, a rolling deploy). knex's
    // knex_migrations_lock keeps two from migrating at once, but the one that loses
    // fails instead of waiting, and seedDemo's "is it empty?" check is not atomic. So the
    // instances take turns: a transaction-scoped advisory lock, held on its own pooled
    // connection while migrations and seeds run on others; the next one finds it done.
    await owner.transaction(async (trx) => {
      const startup = createStartupRepository(owner);
      await startup.takeTransactionLock(trx, PREPARE_LOCK_KEY);
      ownerRole = await startup.currentUser(trx);
      const applied = await migrate(owner);
      if (applied.length) logger.info({ applied }, 'migrations applied');
      granted = await grantAppRole(owner, appLogin);
      if (!appUrl) granted = granted && (await mayUseAppRole(owner));
      await seedReference(owner);
      if (config.production) {
        const leftovers = await demoLeftovers(owner);
        if (leftovers.length) {
          logger.error(
            { leftovers },
            'this production database holds demo data with published credentials (loaded by an earlier version): revoke the demo WebHR key (npm run pics:keys -- revoke d3b0c0de) and disable or remove the demo accounts',
          );
        }
      }
      if (config.seedDemo && demo) {
        const { people, areas } = await demo.seed(owner);
        if (people) logger.info(people, 'demo data seeded');
        if (Object.values(areas).some(Boolean)) logger.info(areas, 'area demo data seeded');
      }
    });
  } finally {
    await owner.destroy();
  }
  if (!appUrl) {
    appUrl = config.databaseUrl!;
    if (granted) appUrl = withAppRole(appUrl);
    logger.warn('DATABASE_URL without DATABASE_OWNER_URL (development only): the app connects as the schema owner and only switches role; give it its own login (docs/OPERATIONS.md)');
    return { db: createDb(appUrl), url: appUrl, ownerUrl, embedded };
  }
  const db = createDb(appUrl);
  try {
    await checkAppLogin(db, ownerRole);
  } catch (err) {
    await db.destroy();
    await embedded?.stop();
    throw err;
  }
  return { db, url: appUrl, ownerUrl, embedded };
}

/** The SHA-256 of the WebHR API key published with the demo data (seeds/pics.ts). */
const PUBLISHED_DEMO_KEY_SHA256 = '762c686e42d3d7a78c9670c4574e9c21e43bebaa716a4d800c64b4fd1d806d0b';

/**
 * Demo credentials still usable in a database (an earlier version seeded the demo by
 * default, production included): the published WebHR key while active, and the demo
 * accounts by name (the published list, seeds/demo-accounts.json, read as data). Reported,
 * not changed: removing people and accounts is the operator's decision.
 */
async function demoLeftovers(owner: Db): Promise<string[]> {
  const startup = createStartupRepository(owner);
  const found: string[] = [];
  if (await startup.apiKeyActive(PUBLISHED_DEMO_KEY_SHA256)) found.push('the demo WebHR API key');
  const published = JSON.parse(fs.readFileSync(path.join(projectRoot, 'seeds/demo-accounts.json'), 'utf8')) as { account: string }[];
  const accounts = await startup.accountsWithPassword(published.map((d) => d.account));
  if (accounts.length) found.push(`demo accounts: ${accounts.join(', ')}`);
  return found;
}

/**
 * The demo PKI (CAs, CRL, cards) that the trust store reads by default outside production:
 * made once under the data folder, with SoftHSM2 tokens when SoftHSM2 is installed.
 */
export function prepareDemoPki(config: Config, logger: Logger, demo: DemoData | null = null): DemoPkiManifest | null {
  // Never in production, never into a trust store the operator named (PKI_DIR).
  if (config.production || !config.seedDemo || config.pkiDirExplicit || !demo) return null;
  const tokens = softhsmInstalled();
  const manifest = demo.createPki(config.pkiDir, { softhsmDir: tokens ? path.join(config.dataDir, 'softhsm') : null });
  if (!tokens) {
    logger.warn('SoftHSM2 is not installed: the demo cards exist as PEM files only. Install it with `sudo apt-get install softhsm2` for card login; account login works without it.');
  }
  return manifest;
}
