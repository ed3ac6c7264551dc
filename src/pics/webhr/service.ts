import crypto from 'node:crypto';
import type { Db } from '../../platform/database';
import type { RequestContext } from '../../platform/identity/context';
import type { PicsDeps } from '../deps';
import type { TicketService } from '../tickets/service';
import type { ApiTicket } from './schemas';
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

/**
 * The WebHR channel: a bearer key names the calling system (a refusal is audited and
 * counted like any anonymous one); a ticket is filed for a person of the personnel master
 * on channel W and audited with the system as actor.
 */
export function createWebhrChannel(core: Pick<PicsDeps, 'db' | 'audit'>, tickets: Pick<TicketService, 'personByNationalId' | 'fileTicket'>) {
  const credentials = createApiCredentials(core.db);
  return {
    /** The calling system, or null (refused and audited). */
    async caller(authorization: string | undefined, ctx: RequestContext): Promise<{ id: number; system: string } | null> {
      const cred = await credentials.verify(authorization);
      if (!cred) {
        await core.audit.recordRefusal({ action: 'pics.api.denied', outcome: 'denied', reason: 'unauthorized', target: { type: 'api', id: '/api/pics/tickets' }, ip: ctx.ip, requestId: ctx.requestId });
      }
      return cred;
    },

    /** Files the W ticket; null when the national id is not in the personnel master. FormError per field. */
    async file(cred: { id: number; system: string }, data: ApiTicket, ctx: RequestContext): Promise<{ id: number; receiptNo: string } | null> {
      const p = await tickets.personByNationalId(data.nationalId);
      if (!p) return null;
      const r = await tickets.fileTicket({ ...data, appCode: data.appCode ?? null, personId: p.id, channel: 'W', files: [], enteredBy: null }, ctx);
      await core.audit.record({ action: 'pics.api.ticket', actor: { accountId: null, label: cred.system }, target: { type: 'pics_ticket', id: r.receiptNo }, ip: ctx.ip, requestId: ctx.requestId, details: { credential: cred.id } });
      return r;
    },
  };
}

export type WebhrChannel = ReturnType<typeof createWebhrChannel>;
