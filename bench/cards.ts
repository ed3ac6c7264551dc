/**
 * `npx tsx bench/cards.ts`: 電子賀卡's birthday cards at benchmark scale.
 *
 * 1. Starts an embedded PostgreSQL under bench/data/cards, migrates and seeds the demo data,
 *    and generates (kept between runs, never committed) an agency of BENCH_PEOPLE people in
 *    service all born on 6 October — the worst day an agency can have — with birthday cards on.
 * 2. The birthday job for that day, one year after another (BENCH_RUNS years): one message
 *    and one INSERT … SELECT recording (person, year) and delivering to everyone: the time.
 * 3. The job again on the same day (everyone served): the time of finding nothing to do.
 *
 *   BENCH_PEOPLE=10000  BENCH_RUNS=5
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { createDb, type Db } from '../src/platform/database';
import { freePort } from '../src/platform/net';
import { createServices } from '../src/services';
import { seedBenchDemo } from './demoData';
import { ensureBenchAgency } from './agency';

const here = path.dirname(fileURLToPath(import.meta.url));
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const AGENCY = 'BENCHCARD1';

/** The bench agency: PEOPLE people in service born on 6 October, birthday cards on (idempotent). */
async function generateAgency(db: Db): Promise<number> {
  const agencyId = await ensureBenchAgency(db, { code: AGENCY, name: '賀卡效能測試機關', people: PEOPLE, idLetter: 'Y', namePrefix: '壽星', birthDate: '1990-10-06', gender: 'F' });
  await db('card_birthday_setting').insert({ agency_id: agencyId, enabled: true, design: 'birthday', greeting: '祝您生日快樂！' }).onConflict('agency_id').merge(['enabled']);
  await db.raw('ANALYZE person');
  return agencyId;
}

async function main() {
  const config = loadConfig({ DATA_DIR: path.join(here, 'data', 'cards'), EMBEDDED_PG_PORT: String(await freePort()), NODE_ENV: 'production', PKI_DIR: path.join(here, 'data', 'cards', 'pki'), SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent' });
  process.stdout.write('Preparing the database (bench/data/cards)…\n');
  const { db: appDb, ownerUrl, embedded } = await prepareDatabase(config, createLogger('silent'));
  await seedBenchDemo(ownerUrl);
  await appDb.destroy();
  const db = createDb(ownerUrl);
  const services = createServices(db, config, createLogger('silent'));
  try {
    const agencyId = await generateAgency(db);
    // Years no earlier run used: the (person, year) key would find them served.
    const last = Number((await db('card_birthday_sent as x').join('person as p', 'p.id', 'x.person_id').where('p.agency_id', agencyId).max<{ y: number }[]>('x.year as y'))[0]?.y ?? 2049);
    process.stdout.write(`agency ${AGENCY}: ${PEOPLE} people born on 6 October, birthday cards on\n`);
    const sends: number[] = [];
    const again: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const now = new Date(`${last + i}-10-06T01:00:00Z`);
      const t0 = performance.now();
      const r = await services.cards.sendBirthdays(now);
      sends.push(performance.now() - t0);
      if (r.people < PEOPLE) throw new Error(`the birthday card reached ${r.people} people, not ${PEOPLE}`);
      const t1 = performance.now();
      const r2 = await services.cards.sendBirthdays(new Date(now.getTime() + 3600_000));
      again.push(performance.now() - t1);
      if (r2.people !== 0) throw new Error(`a second run sent ${r2.people} more cards`);
    }
    const fmt = (xs: number[]) => `${xs.map((n) => n.toFixed(0)).join(', ')} ms (median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0)} ms)`;
    process.stdout.write(`birthday cards to ${PEOPLE} people of one agency (one message + one INSERT … SELECT): ${fmt(sends)}\n`);
    process.stdout.write(`the job again the same day (everyone served, nothing sent): ${fmt(again)}\n`);
    fs.mkdirSync(path.join(here, 'results'), { recursive: true });
    fs.writeFileSync(path.join(here, 'results', `cards-${Date.now()}.json`), JSON.stringify({ people: PEOPLE, sendsMs: sends, againMs: again }, null, 2));
  } finally {
    await services.lifecycle.close();
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
