import { insertReturningId, type Db } from '../../platform/database';

/** The SQL of `npm run admin:create` (the first administrator of an installation). */
export function createAdministratorRepository(db: Db) {
  return {
    agencyByCode: (trx: Db, code: string) => trx('agency').where({ code }).first<{ id: number; code: string; name: string } | undefined>('id', 'code', 'name'),
    agencyById: (trx: Db, id: number) => trx('agency').where({ id }).first<{ id: number; code: string; name: string }>('id', 'code', 'name'),
    personByNationalId: (trx: Db, nationalId: string) =>
      trx('person').where({ national_id: nationalId }).first<{ id: number; name: string; agencyId: number; status: string } | undefined>('id', 'name', 'agency_id as agencyId', 'status'),
    accountOfPerson: (trx: Db, personId: number) => trx('account').where({ person_id: personId }).first<{ id: number } | undefined>('id'),
    async usernameTaken(trx: Db, username: string): Promise<boolean> {
      return Boolean(await trx('account').whereRaw('lower(username) = lower(?)', [username]).first('id'));
    },
    async insertPerson(trx: Db, p: { nationalId: string; name: string; agencyId: number; title: string; birthDate: string; appointedOn: string }): Promise<number> {
      return insertReturningId(trx, 'person', {
        national_id: p.nationalId,
        name: p.name,
        agency_id: p.agencyId,
        status: '在職',
        title: p.title,
        rank: '',
        series: '',
        unit: '',
        personnel_kind: '',
        appointed_on: p.appointedOn,
        birth_date: p.birthDate,
        // The second character of a national ID: 1 (or 8) men, 2 (or 9) women.
        gender: p.nationalId[1] === '2' || p.nationalId[1] === '9' ? 'F' : 'M',
      });
    },
    async insertAccount(trx: Db, a: { personId: number; username: string; email: string; passwordHash: string; expiresAt: Date }): Promise<number> {
      return insertReturningId(trx, 'account', {
        person_id: a.personId,
        username: a.username,
        email: a.email,
        password_hash: a.passwordHash,
        must_change_password: true,
        temp_password_expires_at: a.expiresAt,
      });
    },
    // 權限管理 shows who granted it: the command, not a person.
    grantPortalAdmin: (trx: Db, accountId: number) =>
      trx('role_grant').insert({ account_id: accountId, role: 'portal_admin', agency_id: null, granted_by_label: '系統管理指令（admin:create）', reason: '建立第一位人事服務網管理者' }),
    transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction(fn),
  };
}
