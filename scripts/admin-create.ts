/**
 * `npm run admin:create -- --national-id A123456789 --account admin.wang --email wang@agency.gov.tw
 *    [--name 王大明 --agency A096C0000Q --birth-date 1980-01-31] [--title 科長]`
 *
 * The first administrator (portal_admin) of a real installation, against the configured
 * database (DATABASE_URL + DATABASE_OWNER_URL, or the embedded server under DATA_DIR).
 * The person is taken from the personnel master, or added to it when --name, --agency and
 * --birth-date are given. The one-time password is printed here, once, for the operator to
 * hand over; it is not mailed and not stored in the clear. It must be changed at the first
 * sign-in and expires after 72 hours. The audit trail records the command and the OS user.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/logger';
import { prepareDatabase } from '../src/bootstrap';
import { demoData } from '../seeds';
import { createAuditService } from '../src/platform/audit';
import { createAdministrator } from '../src/portal/admin/firstAdministrator';
import { FormError } from '../src/platform/errors';

const OPTIONS = {
  'national-id': 'nationalId',
  account: 'account',
  email: 'email',
  name: 'name',
  agency: 'agency',
  'birth-date': 'birthDate',
  title: 'title',
} as const;

const FLAG_OF = Object.fromEntries(Object.entries(OPTIONS).map(([flag, field]) => [field, `--${flag}`])) as Record<string, string>;

async function main(): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: npm run admin:create -- --national-id <身分證字號> --account <帳號> --email <電子郵件> [--name <姓名> --agency <機關代碼> --birth-date <YYYY-MM-DD>] [--title <職稱>]\n`);
    return 2;
  }
  const input = Object.fromEntries(Object.entries(OPTIONS).map(([flag, field]) => [field, values[flag] ?? ''])) as Record<string, string>;
  // Reference data only: an administrator is made for a real installation, never with the demo.
  const config = loadConfig({ ...process.env, SEED_DEMO: 'false' });
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { db, embedded } = await prepareDatabase(config, logger, demoData);
  try {
    let user = 'unknown';
    try {
      user = os.userInfo().username;
    } catch {
      // No passwd entry for this uid (a container): keep "unknown".
    }
    const created = await createAdministrator(db, createAuditService(db), input, { actorLabel: `command line admin:create (OS user ${user})` });
    process.stdout.write(
      [
        `已建立管理者帳號 ${created.username}（${created.name}，${created.agency.code} ${created.agency.name}），權限：portal_admin`,
        `一次性密碼：${created.temporaryPassword}`,
        `請親自交付本人；首次登入須立即變更密碼，此密碼於 ${created.expiresAt.toISOString()} 前有效。`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (err instanceof FormError) {
      process.stderr.write(`無法建立管理者：\n${Object.entries(err.errors).map(([field, message]) => `  ${FLAG_OF[field] ?? field}: ${message}`).join('\n')}\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
