import { createDb } from '../src/platform/database';
import { seedDemo } from '../seeds/demo';
import { seedAreas } from '../seeds/areas';

/**
 * The demo data the benchmarks measure on. The product never loads it in production, but
 * the benchmarks run the portal in production mode: they seed it themselves, as the schema's
 * owner, after prepareDatabase. Idempotent (each seed skips what is there).
 */
export async function seedBenchDemo(ownerUrl: string): Promise<void> {
  const db = createDb(ownerUrl, 2);
  try {
    await seedDemo(db);
    await seedAreas(db);
  } finally {
    await db.destroy();
  }
  // Children started from here (bench/server.ts) read the owner's URL for their configuration.
  process.env.BENCH_OWNER_DATABASE_URL = ownerUrl;
}
