/**
 * npm run jobs:import -- FILE.xml
 * Reads a legacy-shaped vacancy feed (<ROOT><ANNOUNCE_DATE/><ROW>…</ROW></ROOT>) into the
 * vacancies, idempotent on the vacancy number (work_id in VIEW_URL); prints the rows it
 * could not read with the reason. Exit code 1 when the file was refused, 0 otherwise.
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { demoData } from '../seeds';
import { importFeed } from '../src/jobs/opendata/importer';

async function main() {
  const file = process.argv.slice(2).find((a) => a !== '--');
  if (!file) {
    process.stderr.write('usage: npm run jobs:import -- FILE.xml\n');
    process.exit(2);
  }
  const xml = fs.readFileSync(file, 'utf8');
  const config = loadConfig({ ...process.env, SEED_DEMO: process.env.SEED_DEMO ?? 'false' });
  const { db, embedded } = await prepareDatabase(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel), demoData);
  try {
    const r = await importFeed(db, xml);
    if (r.fileError) {
      process.stderr.write(`${file}: 無法匯入：${r.fileError}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${file}: ${r.rows} 筆，新增 ${r.inserted} 筆，更新 ${r.updated} 筆，無法讀取 ${r.errors.length} 筆\n`);
    for (const e of r.errors) process.stdout.write(`  第 ${e.line} 行${e.workId ? `（職缺編號 ${e.workId}）` : ''}：${e.reason}\n`);
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
