/**
 * `npm start`: the portal with the demo data (seeds/) available, loaded outside production
 * unless SEED_DEMO=false (src/config.ts) — the same start in development, Docker and tests.
 */
import { startServer } from '../src/server';
import { demoData } from '../seeds';

startServer(demoData).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
