import crypto from 'node:crypto';
import type { Db } from './database';
import { createVerificationRepository } from './verificationRepository';

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

import type { IssuedDocument } from './verificationRepository';
export type { IssuedDocument };

/**
 * The register of issued documents. An area registers a document inside the
 * transaction that issues it, prints the code on the PDF, and stores the PDF's hash.
 */
export function createVerificationService(db: Db, opts: { clock?: () => Date } = {}) {
  const clock = opts.clock ?? (() => new Date());
  const repo = createVerificationRepository(db);
  return {
    /** Reserves a code before the PDF is drawn (the code is printed on it). */
    newCode: newVerificationCode,
    async register(
      doc: { code?: string; kind: string; title: string; issuerName: string; issuerAgencyId?: number | null; sha256: string; signer: string; area: string; issuedAt?: Date },
      trx: Db = db,
    ): Promise<string> {
      const code = doc.code ?? newVerificationCode();
      await repo.insert(
        {
          code,
          kind: doc.kind,
          title: doc.title.slice(0, 200),
          issuerName: doc.issuerName.slice(0, 200),
          issuerAgencyId: doc.issuerAgencyId ?? null,
          issuedAt: doc.issuedAt ?? clock(),
          sha256: doc.sha256,
          signer: doc.signer.slice(0, 300),
          area: doc.area,
        },
        trx,
      );
      return code;
    },
    async lookup(input: string): Promise<IssuedDocument | null> {
      const code = normalizeVerificationCode(input);
      if (!code) return null;
      return repo.findByCode(code);
    },
    async revoke(code: string, reason: string, trx: Db = db) {
      await repo.revoke(code, clock(), reason.slice(0, 200), trx);
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
