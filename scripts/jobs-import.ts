/**
 * npm run jobs:import -- [--dry-run] [--report REPORT.csv] FILE.xml
 * Reads a legacy-shaped vacancy feed (<ROOT><ANNOUNCE_DATE/><ROW>…</ROW></ROOT>, any of its
 * published shapes) into the vacancies as a stream, all of it in one transaction, idempotent
 * on the vacancy number (work_id in VIEW_URL). Prints what was added, updated and refused
 * (with the line) and the agencies added as 「匯入」; writes the same as CSV (by default next
 * to the feed: FILE.report.csv, or FILE.dry-run.csv). `--dry-run` writes nothing to the
 * database. Exit code 1 when the file was refused, 2 on a usage error, 0 otherwise.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { demoData } from '../seeds';
import { importFeed, REPORT_CSV_HEAD, reportCsvLine } from '../src/jobs/opendata/importer';
import { csvCell } from '../src/jobs/opendata/format';

const USAGE = 'usage: npm run jobs:import -- [--dry-run] [--report REPORT.csv] FILE.xml\n';

function args(argv: string[]): { file: string; dryRun: boolean; report: string } | null {
  let dryRun = false;
  let report: string | null = null;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    else if (a === '--dry-run') dryRun = true;
    else if (a === '--report') report = argv[++i] ?? null;
    else if (a.startsWith('--')) return null;
    else files.push(a);
  }
  if (files.length !== 1 || report === '') return null;
  const file = files[0]!;
  return { file, dryRun, report: report ?? `${file.replace(/\.xml$/i, '')}.${dryRun ? 'dry-run' : 'report'}.csv` };
}

async function main() {
  const a = args(process.argv.slice(2));
  if (!a) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  if (!fs.existsSync(a.file)) {
    process.stderr.write(`${a.file}: 找不到檔案\n`);
    process.exit(2);
  }
  const config = loadConfig({ ...process.env, SEED_DEMO: process.env.SEED_DEMO ?? 'false' });
  const { db, embedded } = await prepareDatabase(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel), demoData);
  const csv = fs.createWriteStream(a.report);
  csv.write(REPORT_CSV_HEAD);
  try {
    const r = await importFeed(db, fs.createReadStream(a.file, { highWaterMark: 256 * 1024 }), { dryRun: a.dryRun, onEntry: (e) => csv.write(reportCsvLine(e)) });
    csv.end();
    await once(csv, 'finish');
    if (r.fileError) {
      fs.writeFileSync(a.report, REPORT_CSV_HEAD + ['檔案無法匯入', '', '', '', r.fileError].map(csvCell).join(',') + '\r\n');
      process.stderr.write(`${a.file}: 無法匯入（未寫入任何資料）：${r.fileError}\n`);
      process.exitCode = 1;
      return;
    }
    const would = a.dryRun ? '（試算，未寫入）' : '';
    process.stdout.write(
      `${a.file}${would}: ${r.rows} 筆，新增 ${r.inserted} 筆，更新 ${r.updated} 筆，未變動 ${r.unchanged} 筆，無法匯入 ${r.errors.length} 筆，新增機關 ${r.agencies.length} 個\n`,
    );
    for (const u of r.updates) process.stdout.write(`  更新 第 ${u.line} 行（職缺編號 ${u.workId}）：${u.fields.join('、')}\n`);
    for (const e of r.errors) process.stdout.write(`  第 ${e.line} 行${e.workId ? `（職缺編號 ${e.workId}）` : ''}：${e.reason}\n`);
    for (const g of r.agencies) process.stdout.write(`  新增機關（匯入）：${g.name}${g.code ? `（${g.code}）` : ''}，第 ${g.line} 行\n`);
    process.stdout.write(`報表：${a.report}\n`);
  } finally {
    csv.end();
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`無法匯入：${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
