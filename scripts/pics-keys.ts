/**
 * API keys of the WebHR channel (POST /api/pics/tickets), for the PICS administrators:
 *
 *   npm run pics:keys -- issue SYSTEM     issues a key to a system and prints it once
 *   npm run pics:keys -- list             keys issued: system, prefix, state, issued, last used
 *   npm run pics:keys -- revoke PREFIX    withdraws a key (PREFIX: the 8 hex digits after pics_)
 *
 * Only the SHA-256 of a key is stored; a lost key is revoked and a new one issued. Every
 * action is written to the audit trail. Runs against DATABASE_URL or the embedded server.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { demoData } from '../seeds';
import { createApiCredentials } from '../src/pics/webhr';
import { createAuditService } from '../src/platform/audit';
import { rocDateTime } from '../src/platform/dates';

const USAGE = 'usage: npm run pics:keys -- issue SYSTEM | list | revoke PREFIX\n';

async function main() {
  const [command, arg] = process.argv.slice(2).filter((a) => a !== '--');
  if (!['issue', 'list', 'revoke'].includes(command ?? '') || (command !== 'list' && !arg)) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  if (command === 'issue' && !/^[A-Za-z0-9_-]{2,30}$/.test(arg!)) {
    process.stderr.write('系統名稱須為 2 至 30 個英數字、底線或連字號，例如 WebHR。\n');
    process.exit(2);
  }
  const config = loadConfig({ ...process.env, SEED_DEMO: process.env.SEED_DEMO ?? 'false' });
  const { db, embedded } = await prepareDatabase(config, createLogger('warn'), demoData);
  try {
    const keys = createApiCredentials(db);
    const audit = createAuditService(db);
    const actor = { accountId: null, label: `cli:${process.env.USER ?? 'operator'}` };
    if (command === 'issue') {
      const key = await keys.issue(arg!);
      await audit.record({ actor, action: 'pics.api_key.issue', target: { type: 'pics_api_credential', id: key.split('_')[1]! }, details: { system: arg } });
      process.stdout.write(`已核發 ${arg} 的 API 金鑰（只顯示這一次，請妥善交付）：\n${key}\n`);
    } else if (command === 'list') {
      const rows = await keys.list();
      if (!rows.length) process.stdout.write('尚未核發任何 API 金鑰。\n');
      for (const r of rows) {
        process.stdout.write(`${r.system.padEnd(12)} pics_${r.prefix}_…  ${r.active ? '使用中' : '已停用'}  核發 ${rocDateTime(r.createdAt)}  最近使用 ${r.lastUsedAt ? rocDateTime(r.lastUsedAt) : '—'}\n`);
      }
    } else {
      const done = await keys.revoke(arg!);
      if (done) await audit.record({ actor, action: 'pics.api_key.revoke', target: { type: 'pics_api_credential', id: arg! } });
      process.stdout.write(done ? `已停用金鑰 pics_${arg}_…\n` : `查無使用中的金鑰 pics_${arg}_…\n`);
      if (!done) process.exitCode = 1;
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
