import type { Db } from '../../platform/database';
import type { AuditService } from '../../platform/audit';
import { FormError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { hashPassword } from '../../platform/identity/hashing';
import { generateTemporaryPassword } from '../../platform/identity/passwordPolicy';
import { TEMP_PASSWORD_HOURS } from '../../platform/identity/accountRules';
import { taipeiToday } from '../../platform/dates';
import { createAdministratorRepository } from './repository';
import { createAdministratorSchema } from './schemas';

export interface CreatedAdministrator {
  accountId: number;
  username: string;
  name: string;
  agency: { code: string; name: string };
  /** Shown once to the operator; only its hash is stored. */
  temporaryPassword: string;
  expiresAt: Date;
}

/**
 * Makes an administrator (portal_admin) for a person of the personnel master, adding the
 * person when missing: a one-time password that must be changed at the first sign-in,
 * valid TEMP_PASSWORD_HOURS hours; audited with the command line as the actor. All or
 * nothing. Bad input throws FormError with a zh-TW message per field.
 */
export async function createAdministrator(
  db: Db,
  audit: AuditService,
  raw: Record<string, unknown>,
  ctx: { actorLabel: string; clock?: () => Date },
): Promise<CreatedAdministrator> {
  const input = parseForm(createAdministratorSchema, raw);
  const repo = createAdministratorRepository(db);
  const now = ctx.clock?.() ?? new Date();
  const temporaryPassword = generateTemporaryPassword();
  const passwordHash = await hashPassword(temporaryPassword);
  const expiresAt = new Date(now.getTime() + TEMP_PASSWORD_HOURS * 3_600_000);
  return repo.transaction(async (trx) => {
    if (await repo.usernameTaken(trx, input.account)) throw new FormError({ account: `自訂帳號 ${input.account} 已有人使用，請改用其他帳號` });
    let person = await repo.personByNationalId(trx, input.nationalId);
    const added = !person;
    let agency;
    if (person) {
      if (input.name && input.name !== person.name) throw new FormError({ name: `身分證字號 ${input.nationalId} 在人事資料中的姓名不是「${input.name}」` });
      if (person.status !== '在職') throw new FormError({ nationalId: '此人員已卸職，不能成為管理者' });
      if (await repo.accountOfPerson(trx, person.id)) throw new FormError({ nationalId: '此人員已有人事服務網帳號；請由現有管理者授與權限' });
      agency = await repo.agencyById(trx, person.agencyId);
      if (input.agency && input.agency !== agency.code) throw new FormError({ agency: `此人員在人事資料中屬於 ${agency.code}（${agency.name}），不是 ${input.agency}` });
    } else {
      const missing: Record<string, string> = {};
      if (!input.name) missing.name = '人事資料中沒有這位人員：請輸入姓名（--name）';
      if (!input.agency) missing.agency = '人事資料中沒有這位人員：請輸入機關代碼（--agency）';
      if (!input.birthDate) missing.birthDate = '人事資料中沒有這位人員：請輸入出生日期（--birth-date，例如 1980-01-31）';
      if (Object.keys(missing).length) throw new FormError(missing);
      agency = await repo.agencyByCode(trx, input.agency);
      if (!agency) throw new FormError({ agency: `查無機關代碼 ${input.agency}` });
      const personId = await repo.insertPerson(trx, {
        nationalId: input.nationalId,
        name: input.name,
        agencyId: agency.id,
        title: input.title || '系統管理者',
        birthDate: input.birthDate,
        appointedOn: taipeiToday(now),
      });
      person = { id: personId, name: input.name, agencyId: agency.id, status: '在職' };
    }
    const accountId = await repo.insertAccount(trx, { personId: person.id, username: input.account, email: input.email, passwordHash, expiresAt }).catch((err: { code?: string }) => {
      // Taken a moment ago by another session (the unique index on lower(username)).
      if (err.code === '23505') throw new FormError({ account: `自訂帳號 ${input.account} 已有人使用，請改用其他帳號` });
      throw err;
    });
    await repo.grantPortalAdmin(trx, accountId);
    await audit.record(
      {
        actor: { accountId: null, label: ctx.actorLabel },
        action: 'admin.create_administrator',
        target: { type: 'account', id: accountId },
        details: { username: input.account, role: 'portal_admin', agency: agency.code, personAdded: added },
      },
      trx,
    );
    return { accountId, username: input.account, name: person.name, agency: { code: agency.code, name: agency.name }, temporaryPassword, expiresAt };
  });
}
