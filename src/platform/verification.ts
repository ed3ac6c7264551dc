import crypto from 'node:crypto';
import type { Db } from './database';

/** Crockford base32 without I, L, O, U: easy to read aloud and type. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newVerificationCode(): string {
  const bytes = crypto.randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[bytes[i]! % 32];
  return out.match(/.{4}/g)!.join('-');
}

/** Accepts what people type: lower case, spaces, missing dashes, O for 0, I/L for 1. */
export function normalizeVerificationCode(input: string): string | null {
  const raw = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(raw)) return null;
  return raw.match(/.{4}/g)!.join('-');
}

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

/**
 * The register of issued documents. An area registers a document inside the
 * transaction that issues it, prints the code on the PDF, and stores the PDF's hash.
 */
export function createVerificationService(db: Db, opts: { clock?: () => Date } = {}) {
  const clock = opts.clock ?? (() => new Date());
  return {
    /** Reserves a code before the PDF is drawn (the code is printed on it). */
    newCode: newVerificationCode,
    async register(
      doc: { code?: string; kind: string; title: string; issuerName: string; issuerAgencyId?: number | null; sha256: string; signer: string; area: string; issuedAt?: Date },
      trx: Db = db,
    ): Promise<string> {
      const code = doc.code ?? newVerificationCode();
      await trx('issued_document').insert({
        code,
        kind: doc.kind,
        title: doc.title.slice(0, 200),
        issuer_name: doc.issuerName.slice(0, 200),
        issuer_agency_id: doc.issuerAgencyId ?? null,
        issued_at: doc.issuedAt ?? clock(),
        sha256: doc.sha256,
        signer: doc.signer.slice(0, 300),
        area: doc.area,
      });
      return code;
    },
    async lookup(input: string): Promise<IssuedDocument | null> {
      const code = normalizeVerificationCode(input);
      if (!code) return null;
      const row = await db('issued_document').where({ code }).first();
      if (!row) return null;
      return {
        code: row.code,
        kind: row.kind,
        title: row.title,
        issuerName: row.issuer_name,
        issuerAgencyId: row.issuer_agency_id,
        issuedAt: row.issued_at,
        sha256: row.sha256,
        signer: row.signer,
        area: row.area,
        revokedAt: row.revoked_at,
        revokedReason: row.revoked_reason,
      };
    },
    async revoke(code: string, reason: string, trx: Db = db) {
      await trx('issued_document').where({ code }).whereNull('revoked_at').update({ revoked_at: clock(), revoked_reason: reason.slice(0, 200) });
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
