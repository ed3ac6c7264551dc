import crypto from 'node:crypto';
import { RevokedTableBuilder, type RevokedSerials } from './revoked';

/**
 * X.509 CRLs (RFC 5280 §5) read straight from their DER bytes: the signature is checked over
 * the tbsCertList exactly as the CA signed it (never a re-encoding), with the algorithm the
 * CRL names, and the revoked serials go into a Set, or in the worker thread (crlThread.ts) into
 * one hash table in a byte array (constant-time lookup either way). One pass over the bytes,
 * no ASN.1 object per entry (bench/crl.ts, BENCHMARKS.md).
 */
export interface Crl {
  /** The issuer Name, its DER bytes as in the CRL. */
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Serial numbers (looked up as upper-case hex without leading zeros): a Set, or a RevokedTable. */
  revokedSerials: RevokedSerials;
  /** The tbsCertList, the original bytes. */
  tbs: Buffer;
  /** signatureAlgorithm: its OID and parameters (DER). */
  algorithm: { oid: string; params: Buffer | null };
  signature: Buffer;
  /** SHA-256 of the whole CRL (to tell one download from another). */
  sha256: string;
}

interface Tlv {
  tag: number;
  /** Where the element starts (its tag byte). */
  at: number;
  start: number;
  end: number;
}

function readTlv(der: Buffer, offset: number, limit = der.length): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER');
  const tag = der[offset]!;
  let l = der[offset + 1]!;
  let start = offset + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad DER length');
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + der[start + i]!;
    start += n;
  }
  const end = start + l;
  if (end > limit) throw new Error('truncated DER');
  return { tag, at: offset, start, end };
}

function oidString(bytes: Buffer): string {
  const parts: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  return [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80, ...parts].join('.');
}

function time(der: Buffer, el: Tlv): Date {
  const s = der.toString('latin1', el.start, el.end);
  if (el.tag === 0x17) {
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new Error('bad UTCTime');
    const y = Number(m[1]);
    return new Date(Date.UTC(y < 50 ? 2000 + y : 1900 + y, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  if (el.tag === 0x18) {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new Error('bad GeneralizedTime');
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  throw new Error('not a time');
}

function algorithmOf(der: Buffer, el: Tlv): { oid: string; params: Buffer | null } {
  const oid = readTlv(der, el.start, el.end);
  if (oid.tag !== 0x06) throw new Error('bad AlgorithmIdentifier');
  const params = oid.end < el.end ? der.subarray(oid.end, el.end) : null;
  return { oid: oidString(der.subarray(oid.start, oid.end)), params: params && !(params.length === 2 && params[0] === 0x05) ? params : null };
}

/** A serial INTEGER's content as the portal writes serials: upper-case hex, no leading zeros. */
function serialHex(der: Buffer, el: Tlv): string {
  let from = el.start;
  while (from < el.end - 1 && der[from] === 0) from++;
  const hex = der.toString('hex', from, el.end).toUpperCase();
  return hex.replace(/^0(?=.)/, '');
}

/** Parses a DER CRL (or the first PEM block of one). Throws on anything malformed. */
export function parseCrlDer(input: Buffer): Crl & { revokedSerials: Set<string> } {
  const serials = new Set<string>();
  const crl = parseWith(input, (der, el) => serials.add(serialHex(der, el)));
  return { ...crl, revokedSerials: serials };
}

/**
 * The same parse with the serials in one RevokedTable (a byte array that moves between
 * threads without a copy): what the CRL worker thread does (crlThread.ts).
 */
export function parseCrlCompact(input: Buffer): Crl {
  let builder: RevokedTableBuilder | null = null;
  const crl = parseWith(
    input,
    (der, el) => builder!.add(der, el.start, el.end),
    // An entry of a 16-byte serial is 35 bytes; shorter serials make the table grow once.
    (bytes) => (builder = new RevokedTableBuilder(Math.ceil(bytes / 32))),
  );
  return { ...crl, revokedSerials: (builder ?? new RevokedTableBuilder(1)).build() };
}

function parseWith(input: Buffer, onSerial: (der: Buffer, el: Tlv) => void, onList?: (bytes: number) => void): Omit<Crl, 'revokedSerials'> {
  const der = pemToDer(input);
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error('not a CRL');
  const tbsEl = readTlv(der, outer.start, outer.end);
  const sigAlgEl = readTlv(der, tbsEl.end, outer.end);
  const sigEl = readTlv(der, sigAlgEl.end, outer.end);
  if (tbsEl.tag !== 0x30 || sigAlgEl.tag !== 0x30 || sigEl.tag !== 0x03 || sigEl.end !== outer.end) throw new Error('not a CRL');

  let el = readTlv(der, tbsEl.start, tbsEl.end);
  if (el.tag === 0x02) el = readTlv(der, el.end, tbsEl.end); // version
  if (el.tag !== 0x30) throw new Error('bad CRL signature algorithm');
  const innerAlg = der.subarray(el.at, el.end);
  const issuer = readTlv(der, el.end, tbsEl.end);
  if (issuer.tag !== 0x30) throw new Error('bad CRL issuer');
  const thisEl = readTlv(der, issuer.end, tbsEl.end);
  const thisUpdate = time(der, thisEl);
  let at = thisEl.end;
  let nextUpdate: Date | null = null;
  if (at < tbsEl.end) {
    el = readTlv(der, at, tbsEl.end);
    if (el.tag === 0x17 || el.tag === 0x18) {
      nextUpdate = time(der, el);
      at = el.end;
    }
  }
  if (at < tbsEl.end) {
    el = readTlv(der, at, tbsEl.end);
    if (el.tag === 0x30) {
      // revokedCertificates: SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate, extensions? }
      onList?.(el.end - el.start);
      for (let p = el.start; p < el.end; ) {
        const entry = readTlv(der, p, el.end);
        const serial = readTlv(der, entry.start, entry.end);
        if (entry.tag !== 0x30 || serial.tag !== 0x02) throw new Error('bad CRL entry');
        onSerial(der, serial);
        p = entry.end;
      }
    }
  }
  // RFC 5280 §5.1.1.2: the signature field inside must equal signatureAlgorithm outside.
  if (!innerAlg.equals(der.subarray(sigAlgEl.at, sigAlgEl.end))) throw new Error('CRL signature algorithms differ');
  if (der[sigEl.start] !== 0) throw new Error('bad CRL signature');
  return {
    issuerDer: Buffer.from(der.subarray(issuer.at, issuer.end)),
    thisUpdate,
    nextUpdate,
    tbs: Buffer.from(der.subarray(tbsEl.at, tbsEl.end)),
    algorithm: algorithmOf(der, sigAlgEl),
    signature: Buffer.from(der.subarray(sigEl.start + 1, sigEl.end)),
    sha256: crypto.createHash('sha256').update(der).digest('hex'),
  };
}

function pemToDer(input: Buffer): Buffer {
  const head = input.subarray(0, 64).toString('latin1');
  if (!head.includes('-----BEGIN')) return input;
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(input.toString('latin1'));
  if (!m) throw new Error('no X509 CRL block');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

const HASH_OF: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const DIGEST_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** RSASSA-PSS-params: the hash named in [0] (SHA-1 when absent). */
function pssHash(params: Buffer | null): string {
  if (!params) return 'sha1';
  const seq = readTlv(params, 0);
  for (let p = seq.start; p < seq.end; ) {
    const f = readTlv(params, p, seq.end);
    if (f.tag === 0xa0) {
      const alg = readTlv(params, f.start, f.end);
      const oid = readTlv(params, alg.start, alg.end);
      return DIGEST_OID[oidString(params.subarray(oid.start, oid.end))] ?? 'unsupported';
    }
    p = f.end;
  }
  return 'sha1';
}

/**
 * Whether `key` (the issuing CA's) signed the CRL: over the original tbsCertList bytes, with
 * the CRL's own algorithm (RSA PKCS#1 v1.5, RSASSA-PSS or ECDSA with SHA-1/256/384/512).
 */
export function verifyCrlSignature(crl: Crl, key: crypto.KeyObject): boolean {
  const spki = key.export({ type: 'spki', format: 'der' });
  if (verifiedWith.get(crl)?.some((k) => k.equals(spki))) return true;
  const ok = checkSignature(crl, key);
  if (ok) markVerified(crl, spki);
  return ok;
}

/**
 * The keys each CRL was found signed with (its SubjectPublicKeyInfo DER): a CRL checked once
 * (in the worker thread, or here) is not hashed again when the trust store is rebuilt.
 */
const verifiedWith = new WeakMap<Crl, Buffer[]>();

/** Records that `crl` was verified with the key whose SPKI DER is `spki`. */
export function markVerified(crl: Crl, spki: Buffer): void {
  verifiedWith.set(crl, [...(verifiedWith.get(crl) ?? []), spki]);
}

function checkSignature(crl: Crl, key: crypto.KeyObject): boolean {
  try {
    if (crl.algorithm.oid === RSASSA_PSS) {
      const hash = pssHash(crl.algorithm.params);
      if (hash === 'unsupported' || key.asymmetricKeyType !== 'rsa') return false;
      return crypto.verify(hash, crl.tbs, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO }, crl.signature);
    }
    const hash = HASH_OF[crl.algorithm.oid];
    if (!hash) return false;
    const ec = crl.algorithm.oid.startsWith('1.2.840.10045.');
    if (ec !== (key.asymmetricKeyType === 'ec')) return false;
    return crypto.verify(hash, crl.tbs, ec ? key : { key, padding: crypto.constants.RSA_PKCS1_PADDING }, crl.signature);
  } catch {
    return false;
  }
}

/** Where a certificate's issuer and subject Names lie in its DER bytes (TBSCertificate order). */
function certNames(certDer: Buffer): { issuer: Tlv; subject: Tlv } {
  const cert = readTlv(certDer, 0);
  const tbs = readTlv(certDer, cert.start, cert.end);
  let el = readTlv(certDer, tbs.start, tbs.end);
  if (el.tag === 0xa0) el = readTlv(certDer, el.end, tbs.end); // version
  const sigAlg = readTlv(certDer, el.end, tbs.end); // after the serial
  const issuer = readTlv(certDer, sigAlg.end, tbs.end);
  const validity = readTlv(certDer, issuer.end, tbs.end);
  return { issuer, subject: readTlv(certDer, validity.end, tbs.end) };
}

/** The subject Name of a certificate, its DER bytes (compared byte for byte with a CRL's issuer). */
export function subjectDer(certDer: Buffer): Buffer {
  const { subject } = certNames(certDer);
  return certDer.subarray(subject.at, subject.end);
}

/** The issuer Name of a certificate, its DER bytes. */
export function issuerDer(certDer: Buffer): Buffer {
  const { issuer } = certNames(certDer);
  return certDer.subarray(issuer.at, issuer.end);
}

/** Every X509 CRL block of a PEM file (or the file itself when DER). */
export function crlBlocks(file: Buffer): Buffer[] {
  const text = file.toString('latin1');
  if (!text.includes('-----BEGIN')) return file.length ? [file] : [];
  return [...text.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
