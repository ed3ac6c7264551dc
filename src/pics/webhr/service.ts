import crypto from 'node:crypto';
import type { Db } from '../../platform/database';
import { createApiCredentialRepository } from './repository';

/** API keys look like `pics_<prefix>_<secret>`; only the SHA-256 of the whole key is stored. */
export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

export function newApiKey(): { key: string; prefix: string; sha256: string } {
  const prefix = crypto.randomBytes(4).toString('hex');
  const key = `pics_${prefix}_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, prefix, sha256: hashApiKey(key) };
}

export function createApiCredentials(db: Db) {
  const repo = createApiCredentialRepository(db);
  return {
    /** The system a bearer key belongs to, or null. Constant-time comparison of the hashes. */
    async verify(authorization: string | undefined): Promise<{ id: number; system: string } | null> {
      const m = /^Bearer (pics_([0-9a-f]{8})_[A-Za-z0-9_-]{20,64})$/.exec(authorization ?? '');
      if (!m) return null;
      const row = await repo.activeByPrefix(m[2]!);
      if (!row) return null;
      const a = Buffer.from(hashApiKey(m[1]!), 'hex');
      const b = Buffer.from(row.keySha256, 'hex');
      if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return null;
      await repo.markUsed(row.id);
      return { id: row.id, system: row.system };
    },
    /** Issues a key to a system; the key is shown once and never stored. */
    async issue(system: string): Promise<string> {
      const k = newApiKey();
      await repo.insert({ system, prefix: k.prefix, sha256: k.sha256 });
      return k.key;
    },
    /** Every key issued, without secrets: which system, its prefix, when issued and last used. */
    list: () => repo.list(),
    /** Withdraws a key by its prefix (the 8 hex digits after `pics_`); true when one was active. */
    async revoke(prefix: string): Promise<boolean> {
      if (!/^[0-9a-f]{8}$/.test(prefix)) return false;
      return repo.deactivate(prefix);
    },
  };
}

export type ApiCredentials = ReturnType<typeof createApiCredentials>;
