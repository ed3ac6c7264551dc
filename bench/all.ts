/**
 * `npm run bench`: every benchmark of the product in one go, one after another (they
 * would disturb each other in parallel on two cores). Each one measures bare Express
 * hello in the same run and reports its figures as a ratio to it; this prints them all
 * and keeps the whole output in bench/results/all-<time>.txt.
 *
 *   npm run bench                   all of them
 *   npm run bench -- portal jobs    only those whose name starts with one of the words
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const BENCHMARKS: { name: string; file: string; what: string }[] = [
  { name: 'portal', file: 'run.ts', what: 'eCPA home page, signed in (foundation)' },
  { name: 'pages', file: 'pages.ts', what: 'every signed-in page beside bare Express sending its same bytes; mixed click load (issue 19)' },
  { name: 'card-login', file: 'card-login.ts', what: 'certificate login: challenge + verify (smart-card)' },
  { name: 'pics-tickets', file: 'pics-tickets.ts', what: '掛號查詢 by receipt number and date range, 10 k vs 1 M tickets (pics)' },
  { name: 'pics-chat', file: 'pics-chat.ts', what: 'chat delivery latency across two instances, 500 open chats (pics)' },
  { name: 'cloud-ws', file: 'cloud-ws.ts', what: 'web service over mutual TLS with keep-alive (cloud)' },
  { name: 'cloud-delivery', file: 'cloud-delivery.ts', what: '100,000-row encrypted delivery: time and memory (cloud)' },
  { name: 'jobs-search', file: 'jobs-search.ts', what: 'public vacancy search over 200 k vacancies; open-data XML export (jobs)' },
  { name: 'jobs-import', file: 'jobs-import.ts', what: 'importing a 100,000-vacancy feed in the older shape: time and peak memory (jobs)' },
  { name: 'messages', file: 'messages.ts', what: '網頁訊息: agency notice to 10,000 people; inbox of 10,000 messages vs signed-in home (portal)' },
  { name: 'cards', file: 'cards.ts', what: '電子賀卡: birthday cards to 10,000 people of one agency born the same day (portal)' },
];

async function run(file: string): Promise<{ code: number; out: string; secs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, file)], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, out, secs: (Date.now() - started) / 1000 }));
  });
}

async function main() {
  const only = process.argv.slice(2);
  const chosen = BENCHMARKS.filter((b) => !only.length || only.some((w) => b.name.startsWith(w)));
  const report: string[] = [`Benchmarks at ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`, ''];
  let failed = 0;
  for (const b of chosen) {
    const file = path.join(here, b.file);
    if (!fs.existsSync(file)) {
      report.push(`## ${b.name}: ${b.what}\n(missing: bench/${b.file})\n`);
      failed++;
      continue;
    }
    process.stdout.write(`\n===== ${b.name}: ${b.what} =====\n`);
    const r = await run(b.file);
    if (r.code !== 0) failed++;
    const tail = r.out.trim().split('\n').slice(-14).join('\n');
    report.push(`## ${b.name}: ${b.what} (${r.secs.toFixed(0)} s${r.code ? `, exit ${r.code}` : ''})`, tail, '');
  }
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `all-${Date.now()}.txt`);
  fs.writeFileSync(file, report.join('\n'));
  process.stdout.write(`\n\n${report.join('\n')}\nWritten to ${path.relative(process.cwd(), file)}\n`);
  process.exit(failed ? 1 : 0);
}

main();
