import type { Db } from '../database';

export interface StoredCrl {
  ca: 'moica' | 'gca' | 'nhi';
  der: Buffer;
  sha256: string;
  thisUpdate: Date;
}

/** The downloaded CRLs (`pki_crl`), one row per CA, shared by every instance. */
export function createCrlRepository(db: Db) {
  return {
    /** Each CA's stored CRL: its hash only (cheap to poll). */
    async stamps(): Promise<Map<string, string>> {
      const rows: { ca: string; sha256: string }[] = await db('pki_crl').select('ca', 'sha256');
      return new Map(rows.map((r) => [r.ca, r.sha256]));
    },
    async load(ca: string): Promise<StoredCrl | null> {
      const row = await db('pki_crl').where({ ca }).first('ca', 'der', 'sha256', 'this_update');
      return row ? { ca: row.ca, der: row.der, sha256: row.sha256, thisUpdate: new Date(row.this_update) } : null;
    },
    /** Stores a CRL unless one at least as new is there already; true when stored. */
    async store(c: { ca: string; der: Buffer; sha256: string; thisUpdate: Date; nextUpdate: Date | null; entries: number; sourceUrl: string }): Promise<boolean> {
      const stored = await db('pki_crl')
        .insert({ ca: c.ca, der: c.der, sha256: c.sha256, this_update: c.thisUpdate, next_update: c.nextUpdate, entries: c.entries, source_url: c.sourceUrl, fetched_at: db.fn.now() })
        .onConflict('ca')
        .merge()
        .where('pki_crl.this_update', '<', c.thisUpdate)
        .returning('ca');
      return stored.length > 0;
    },
  };
}
