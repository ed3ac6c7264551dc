import type { Db } from '../../platform/database';

/** The API keys of the WebHR channel (only their SHA-256 is stored). */
export function createApiCredentialRepository(db: Db) {
  return {
    async activeByPrefix(prefix: string): Promise<{ id: number; system: string; keySha256: string } | undefined> {
      return db('pics_api_credential').where({ key_prefix: prefix, active: true }).first('id', 'system', 'key_sha256 as keySha256');
    },
    async markUsed(id: number): Promise<void> {
      await db('pics_api_credential').where({ id }).update({ last_used_at: db.fn.now() });
    },
    async insert(k: { system: string; prefix: string; sha256: string }): Promise<void> {
      await db('pics_api_credential').insert({ system: k.system, key_prefix: k.prefix, key_sha256: k.sha256 });
    },
    list(): Promise<{ system: string; prefix: string; active: boolean; createdAt: Date; lastUsedAt: Date | null }[]> {
      return db('pics_api_credential')
        .select('system', 'key_prefix as prefix', 'active', 'created_at as createdAt', 'last_used_at as lastUsedAt')
        .orderBy('id');
    },
    /** True when an active key had this prefix. */
    async deactivate(prefix: string): Promise<boolean> {
      return (await db('pics_api_credential').where({ key_prefix: prefix, active: true }).update({ active: false })) > 0;
    },
  };
}
