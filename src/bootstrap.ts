import path from 'node:path';
import type { Config } from './config';
import type { Logger } from './platform/logger';
import { createDb, migrate, startEmbeddedPostgres, type Db, type EmbeddedServer } from './platform/database';
import { seedReference } from '../seeds/reference';
import { seedDemo } from '../seeds/demo';
import { seedAreas } from '../seeds/areas';
import { createDemoPki, type DemoPkiManifest } from './pki/demo';
import { softhsmInstalled } from './pki/softhsm';
import { grantAppRole, withAppRole } from './platform/dbRole';

/** Advisory lock id for preparing the database (any constant shared by all instances). */
const PREPARE_LOCK_KEY = 4_806_207_301;

/**
 * Gets a database ready: the configured server, or an embedded one under the data folder;
 * then, as the schema's owner, migrations, the app role's privileges, reference data and
 * (when empty) the demo data. `db` and `url` are the app's: the app role (see dbRole.ts),
 * or DATABASE_URL as given when DATABASE_OWNER_URL names the owner separately. `ownerUrl`
 * is for tools that change the schema (benchmark generators).
 */
export async function prepareDatabase(config: Config, logger: Logger): Promise<{ db: Db; url: string; ownerUrl: string; embedded: EmbeddedServer | null }> {
  let url = config.databaseUrl;
  let embedded: EmbeddedServer | null = null;
  if (!url) {
    const dir = path.join(config.dataDir, 'pg');
    logger.info({ dir, port: config.embeddedPgPort }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(dir, config.embeddedPgPort, 'ecpa', { log: (l) => logger.debug({ pg: l }) });
    url = embedded.url;
  }
  const ownerUrl = config.databaseOwnerUrl ?? url;
  const owner = createDb(ownerUrl);
  let granted = false;
  try {
    // Several instances may start together (docker compose, a rolling deploy). knex's
    // knex_migrations_lock keeps two from migrating at once, but the one that loses
    // fails instead of waiting, and seedDemo's "is it empty?" check is not atomic. So the
    // instances take turns: a transaction-scoped advisory lock, held on its own pooled
    // connection while migrations and seeds run on others; the next one finds it done.
    await owner.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [PREPARE_LOCK_KEY]);
      const applied = await migrate(owner);
      if (applied.length) logger.info({ applied }, 'migrations applied');
      granted = await grantAppRole(owner);
      await seedReference(owner);
      if (config.seedDemo) {
        const seeded = await seedDemo(owner);
        if (seeded) logger.info(seeded, 'demo data seeded');
        const areas = await seedAreas(owner);
        if (Object.values(areas).some(Boolean)) logger.info(areas, 'area demo data seeded');
      }
    });
  } finally {
    await owner.destroy();
  }
  let appUrl = url;
  if (!config.databaseOwnerUrl) {
    if (granted) appUrl = withAppRole(url);
    else logger.warn('the database user may not create or use roles: the app runs as the schema owner (the audit trail is still guarded by its triggers)');
  }
  return { db: createDb(appUrl), url: appUrl, ownerUrl, embedded };
}

/**
 * The demo PKI (CAs, CRL, cards) that the trust store reads by default: made once under
 * the data folder, with SoftHSM2 tokens when SoftHSM2 is installed.
 */
export function prepareDemoPki(config: Config, logger: Logger): DemoPkiManifest | null {
  const defaultDir = path.join(config.dataDir, 'pki');
  if (!config.seedDemo || config.pkiDir !== defaultDir) return null;
  const tokens = softhsmInstalled();
  const manifest = createDemoPki(config.pkiDir, { softhsmDir: tokens ? path.join(config.dataDir, 'softhsm') : null });
  if (!tokens) {
    logger.warn('SoftHSM2 is not installed: the demo cards exist as PEM files only. Install it with `sudo apt-get install softhsm2` for card login; account login works without it.');
  }
  return manifest;
}
