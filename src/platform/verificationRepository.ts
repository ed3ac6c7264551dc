import type { Db } from './database';

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

export interface NewIssuedDocument {
  code: string;
  kind: string;
  title: string;
  issuerName: string;
  issuerAgencyId: number | null;
  issuedAt: Date;
  sha256: string;
  signer: string;
  area: string;
}

/** An `issued_document` row as the services read it. */
export function toIssuedDocument(row: Record<string, unknown>): IssuedDocument {
  return {
    code: row.code as string,
    kind: row.kind as string,
    title: row.title as string,
    issuerName: row.issuer_name as string,
    issuerAgencyId: row.issuer_agency_id as number | null,
    issuedAt: row.issued_at as Date,
    sha256: row.sha256 as string,
    signer: row.signer as string,
    area: row.area as string,
    revokedAt: row.revoked_at as Date | null,
    revokedReason: row.revoked_reason as string | null,
  };
}

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
      const row = await db('issued_document').where({ code }).first();
      return row ? toIssuedDocument(row) : null;
    },
    async revoke(code: string, at: Date, reason: string, trx: Db = db): Promise<void> {
      await trx('issued_document').where({ code }).whereNull('revoked_at').update({ revoked_at: at, revoked_reason: reason });
    },
  };
}
