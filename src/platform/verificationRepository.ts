import type { Db } from './database';
import { camelCased } from './rows';

export interface IssuedDocument {
  code: string;
  kind: string;
  title: string;
  issuerName: string;
  issuerAgencyId: number | null;
  issuedAt: Date;
  sha256: string;
  signer: string;
  area: string;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export type NewIssuedDocument = Omit<IssuedDocument, 'revokedAt' | 'revokedReason'>;

const ISSUED_COLUMNS = ['code', 'kind', 'title', 'issuer_name', 'issuer_agency_id', 'issued_at', 'sha256', 'signer', 'area', 'revoked_at', 'revoked_reason'];

/** An `issued_document` row as the services read it. */
export const toIssuedDocument = (row: Record<string, unknown>) => camelCased<IssuedDocument>(row);

/** The register of issued documents (`issued_document`). */
export function createVerificationRepository(db: Db) {
  return {
    async insert(doc: NewIssuedDocument, trx: Db = db): Promise<void> {
      await trx('issued_document').insert({
        code: doc.code,
        kind: doc.kind,
        title: doc.title,
        issuer_name: doc.issuerName,
        issuer_agency_id: doc.issuerAgencyId,
        issued_at: doc.issuedAt,
        sha256: doc.sha256,
        signer: doc.signer,
        area: doc.area,
      });
    },
    async findByCode(code: string): Promise<IssuedDocument | null> {
      const row = await db('issued_document').where({ code }).first(ISSUED_COLUMNS);
      return row ? toIssuedDocument(row) : null;
    },
    async revoke(code: string, at: Date, reason: string, trx: Db = db): Promise<void> {
      await trx('issued_document').where({ code }).whereNull('revoked_at').update({ revoked_at: at, revoked_reason: reason });
    },
  };
}
