import type { Db } from '../platform/database';
import { keptRead } from '../platform/readCache';
import type { RoleGrant } from '../platform/identity/sessionUser';

export interface AccountRow {
  id: number;
  personId: number;
  username: string | null;
  passwordHash: string | null;
  email: string | null;
  phone: string | null;
  egovOptIn: boolean;
  mustChangePassword: boolean;
  tempPasswordExpiresAt: Date | null;
  failedLogins: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  currentLoginAt: Date | null;
  nationalId: string;
  name: string;
  status: '在職' | '卸職';
  agencyId: number;
  agencyCode: string;
  agencyName: string;
  officePhone: string | null;
}

/** What 個人資料修改 shows and edits of one's account: no password hash, no national ID. */
export interface ProfileRow {
  username: string | null;
  email: string | null;
  phone: string | null;
  egovOptIn: boolean;
}

const columns = [
  'a.id',
  'a.person_id as personId',
  'a.username',
  'a.password_hash as passwordHash',
  'a.email',
  'a.phone',
  'a.egov_opt_in as egovOptIn',
  'a.must_change_password as mustChangePassword',
  'a.temp_password_expires_at as tempPasswordExpiresAt',
  'a.failed_logins as failedLogins',
  'a.locked_until as lockedUntil',
  'a.last_login_at as lastLoginAt',
  'a.current_login_at as currentLoginAt',
  'p.national_id as nationalId',
  'p.name',
  'p.status',
  'p.agency_id as agencyId',
  'g.code as agencyCode',
  'g.name as agencyName',
  'p.office_phone as officePhone',
];

export function createAccountRepository(db: Db) {
  const base = (trx: Db = db) =>
    trx('account as a').join('person as p', 'p.id', 'a.person_id').join('agency as g', 'g.id', 'p.agency_id').select(columns);

  return {
    /** By custom account (case-insensitive) or by national ID. */
    async findByLogin(login: string): Promise<AccountRow | undefined> {
      return base()
        .whereRaw('lower(a.username) = lower(?)', [login])
        .orWhere('p.national_id', login.toUpperCase())
        .orderByRaw('a.username IS NULL')
        .first();
    },
    async findById(id: number, trx?: Db): Promise<AccountRow | undefined> {
      return base(trx).where('a.id', id).first();
    },
    /** The account's 個人資料修改 fields, kept until that account's row changes (platform/readCache.ts). */
    async profile(id: number): Promise<ProfileRow | undefined> {
      return keptRead(db, `auth.profile:${id}`, [`account:${id}`], () =>
        db('account').where({ id }).first('username', 'email', 'phone', 'egov_opt_in as egovOptIn'),
      );
    },
    async findByPersonId(personId: number): Promise<AccountRow | undefined> {
      return base().where('a.person_id', personId).first();
    },
    async roles(accountId: number): Promise<RoleGrant[]> {
      return db('role_grant').where({ account_id: accountId }).select('role', 'agency_id as agencyId');
    },
    async usernameTaken(username: string, exceptAccountId: number): Promise<boolean> {
      const row = await db('account')
        .whereRaw('lower(username) = lower(?)', [username])
        .whereNot('id', exceptAccountId)
        .first('id');
      return Boolean(row);
    },
    /** Counts one failure atomically; locks when the count reaches `limit`. */
    async recordFailure(id: number, limit: number, lockUntil: Date): Promise<{ locked: boolean }> {
      const rows = await db.raw(
        `UPDATE account SET
           failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,
           locked_until = CASE WHEN failed_logins + 1 >= ? THEN ?::timestamptz ELSE locked_until END
         WHERE id = ? RETURNING locked_until`,
        [limit, limit, lockUntil.toISOString(), id],
      );
      const lockedUntil = rows.rows[0]?.locked_until as Date | null;
      return { locked: lockedUntil !== null && lockedUntil.getTime() === lockUntil.getTime() };
    },
    async recordSuccess(id: number, now: Date, method: string, ip: string | null): Promise<void> {
      await db.transaction(async (trx) => {
        await trx.raw(
          `UPDATE account SET failed_logins = 0, locked_until = NULL,
             last_login_at = current_login_at, current_login_at = ? WHERE id = ?`,
          [now.toISOString(), id],
        );
        await trx('login_event').insert({ account_id: id, method, ip, at: now });
      });
    },
    async setPassword(id: number, hash: string, now: Date, trx: Db = db): Promise<void> {
      await trx('account').where({ id }).update({
        password_hash: hash,
        must_change_password: false,
        temp_password_expires_at: null,
        password_changed_at: now,
      });
    },
    async setTemporaryPassword(id: number, hash: string, expiresAt: Date, trx: Db = db): Promise<void> {
      await trx('account').where({ id }).update({
        password_hash: hash,
        must_change_password: true,
        temp_password_expires_at: expiresAt,
        failed_logins: 0,
        locked_until: null,
      });
    },
    async updateProfile(
      id: number,
      p: { username: string; email: string; phone: string; egovOptIn: boolean },
    ): Promise<void> {
      await db('account').where({ id }).update({ username: p.username, email: p.email, phone: p.phone || null, egov_opt_in: p.egovOptIn });
    },
    /** Ends every session of an account (after a reset or a role change). */
    async endSessions(accountId: number, exceptSid?: string, trx: Db = db): Promise<void> {
      const q = trx('session').whereRaw("(sess->'passport'->'user'->>'accountId')::int = ?", [accountId]);
      if (exceptSid) q.whereNot('sid', exceptSid);
      await q.delete();
    },
  };
}

export type AccountRepository = ReturnType<typeof createAccountRepository>;
