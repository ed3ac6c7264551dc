import type { Db } from './database';

/** What the start-up (src/bootstrap.ts) asks the database, as the schema's owner. */
export function createStartupRepository(db: Db) {
  return {
    /** Waits for the transaction-scoped advisory lock `key`: instances that start together take turns. */
    async takeTransactionLock(trx: Db, key: number): Promise<void> {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [key]);
    },
    async currentUser(trx: Db = db): Promise<string> {
      return (await trx.raw('SELECT current_user AS u')).rows[0].u as string;
    },
    /** True while the WebHR API key with this SHA-256 is active. */
    async apiKeyActive(keySha256: string): Promise<boolean> {
      return Boolean(await db('pics_api_credential').where({ key_sha256: keySha256, active: true }).first('id'));
    },
    /** Of these user names, those whose account can sign in with a password. */
    async accountsWithPassword(usernames: string[]): Promise<string[]> {
      return (await db('account').whereIn('username', usernames).whereNotNull('password_hash').pluck('username')) as string[];
    },
  };
}
