import type { Db } from '../platform/database';
import { createBatcher } from '../platform/batcher';
import { keptRead } from '../platform/readCache';

export interface ChallengeRow {
  nonce: string;
  purpose: string;
  origin: string;
  tbs: string;
}

export interface BindingRow {
  id: number;
  accountId: number;
  cardType: 'moica' | 'nhi';
  cardNumber: string | null;
  thumbprint: string;
  notAfter: Date;
  boundAt: Date;
  lastUsedAt: Date | null;
}

const bindingColumns = [
  'id',
  'account_id as accountId',
  'card_type as cardType',
  'card_number as cardNumber',
  'thumbprint',
  'not_after as notAfter',
  'bound_at as boundAt',
  'last_used_at as lastUsedAt',
];

export function createCardRepository(db: Db) {
  // Sign-in challenges are the hottest writes of card login: concurrent ones are written
  // together (one INSERT, one UPDATE for a whole batch).
  const insertChallenges = createBatcher(async (items: { c: ChallengeRow; expiresAt: Date }[]) => {
    await db('login_challenge').insert(items.map(({ c, expiresAt }) => ({ ...c, expires_at: expiresAt })));
    return items.map(() => undefined);
  });
  const consumeChallenges = createBatcher(async (items: { nonce: string; now: Date }[]) => {
    const { rows } = await db.raw(
      `UPDATE login_challenge c SET used_at = v.at
         FROM unnest(?::text[], ?::timestamptz[]) AS v(nonce, at)
        WHERE c.nonce = v.nonce AND c.used_at IS NULL AND c.expires_at > v.at
        RETURNING c.nonce, c.purpose, c.origin, c.tbs`,
      [items.map((i) => i.nonce), items.map((i) => i.now.toISOString())],
    );
    const byNonce = new Map((rows as ChallengeRow[]).map((r) => [r.nonce, r]));
    return items.map((i) => byNonce.get(i.nonce) ?? null);
  });
  return {
    async insertChallenge(c: ChallengeRow, expiresAt: Date): Promise<void> {
      await insertChallenges({ c, expiresAt });
    },
    /** Marks a challenge used, once; returns it only if it was unused and unexpired. */
    async consumeChallenge(nonce: string, now: Date): Promise<(ChallengeRow & { state: 'ok' }) | { state: 'unknown' | 'used' | 'expired' }> {
      const consumed = await consumeChallenges({ nonce, now });
      if (consumed) return { ...consumed, state: 'ok' };
      const row = await db('login_challenge').where({ nonce }).first('used_at', 'expires_at');
      if (!row) return { state: 'unknown' };
      return { state: row.used_at ? 'used' : 'expired' };
    },
    async purgeChallenges(before: Date): Promise<number> {
      return db('login_challenge').where('expires_at', '<', before).delete();
    },
    async bindingByThumbprint(thumbprint: string): Promise<BindingRow | undefined> {
      return db('card_binding').select(bindingColumns).where({ thumbprint }).first();
    },
    /** An account's bound cards (kept by the instance until that account's bindings change). */
    bindings(accountId: number): Promise<readonly BindingRow[]> {
      return keptRead(db, `auth.bindings:${accountId}`, [`card_binding:${accountId}`], () => db('card_binding').select(bindingColumns).where({ account_id: accountId }).orderBy('bound_at'));
    },
    async bind(
      accountId: number,
      c: { cardType: 'moica' | 'nhi'; issuerDn: string; serialHex: string; thumbprint: string; cardNumber: string | null; notAfter: Date },
      trx: Db = db,
    ): Promise<void> {
      await trx('card_binding').insert({
        account_id: accountId,
        card_type: c.cardType,
        issuer_dn: c.issuerDn.slice(0, 500),
        serial_hex: c.serialHex,
        thumbprint: c.thumbprint,
        card_number: c.cardNumber,
        not_after: c.notAfter,
      });
    },
    async touchBinding(id: number, now: Date): Promise<void> {
      await db('card_binding').where({ id }).update({ last_used_at: now });
    },
    async personByNationalId(nationalId: string) {
      return db('person as p')
        .join('agency as g', 'g.id', 'p.agency_id')
        .where('p.national_id', nationalId)
        .first('p.id', 'p.national_id as nationalId', 'p.name', 'p.status', 'g.id as agencyId');
    },
    async personByUsername(username: string) {
      return db('account as a')
        .join('person as p', 'p.id', 'a.person_id')
        .whereRaw('lower(a.username) = lower(?)', [username])
        .first('p.id', 'p.national_id as nationalId', 'p.name', 'p.status', 'p.agency_id as agencyId');
    },
    async accountIdOfPerson(personId: number, trx: Db = db): Promise<number | null> {
      const row = await trx('account').where({ person_id: personId }).first('id');
      return row ? (row.id as number) : null;
    },
    /** An account for a person activating with a card: no password yet, so one must be set. */
    async createCardAccount(personId: number, trx: Db = db): Promise<number> {
      const [row] = await trx('account').insert({ person_id: personId, must_change_password: true }).returning('id');
      return (row as { id: number }).id;
    },
  };
}

export type CardRepository = ReturnType<typeof createCardRepository>;
