/**
 * `npm run db:migrate` applies the migrations; `npm run db:seed` loads reference data and,
 * outside production unless SEED_DEMO=false, the demo data — as the schema owner
 * (DATABASE_OWNER_URL with DATABASE_URL, or the embedded server under DATA_DIR: the same
 * database `npm start` uses).
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { demoData } from '../seeds';

async function main() {
  const command = process.argv[2];
  if (command !== 'migrate' && command !== 'seed') {
    process.stderr.write('usage: tsx scripts/db.ts migrate|seed\n');
    process.exit(2);
  }
  const config = loadConfig(command === 'migrate' ? { ...process.env, SEED_DEMO: 'false' } : process.env);
  const logger = createLogger(config.logLevel);
  // prepareDatabase migrates under the instances' advisory lock, then seeds when asked.
  const { db, embedded } = await prepareDatabase(config, logger, demoData);
  await db.destroy();
  await embedded?.stop();
  process.stdout.write(`${command}: done\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
