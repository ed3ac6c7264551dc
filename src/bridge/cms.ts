/**
 * CMS SignedData (RFC 5652) for signatureType PKCS7, signed by the card: the content is
 * encapsulated, the signing certificate included, signed attributes contentType,
 * signingTime and messageDigest. Built from raw DER so the certificate's issuer name is
 * copied byte for byte (re-encoding it can break signer lookup).
 */
import crypto from 'node:crypto';
import type { HashAlgorithm } from './token';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  SHA256: '2.16.840.1.101.3.4.2.1',
  SHA384: '2.16.840.1.101.3.4.2.2',
  SHA512: '2.16.840.1.101.3.4.2.3',
} as const;

export function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
export const seq = (...c: Buffer[]) => tlv(0x30, ...c);
export const set = (...c: Buffer[]) => tlv(0x31, ...c);
export const int = (n: number) => tlv(0x02, Buffer.from([n]));
export const octets = (b: Buffer) => tlv(0x04, b);
export const NULL = Buffer.from([0x05, 0x00]);

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

export function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

/** One TLV at `offset`: tag, where the content starts and where the element ends. */
function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset]!;
  let l = der[offset + 1]!;
  let start = offset + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + der[start + i]!;
    start += n;
  }
  const end = start + l;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start, end };
}

/** The raw DER of the issuer Name and serial number INTEGER of a certificate. */
export function issuerAndSerial(certDer: Buffer): { issuer: Buffer; serial: Buffer } {
  const cert = readTlv(certDer, 0);
  const tbs = readTlv(certDer, cert.start);
  let at = tbs.start;
  let el = readTlv(certDer, at);
  if (el.tag === 0xa0) {
    at = el.end; // [0] version
    el = readTlv(certDer, at);
  }
  const serial = certDer.subarray(at, el.end);
  const sigAlg = readTlv(certDer, el.end);
  const issuerEl = readTlv(certDer, sigAlg.end);
  return { issuer: certDer.subarray(sigAlg.end, issuerEl.end), serial };
}

/**
 * Builds the SignedData; `signDigestInfo` gets the DER DigestInfo over the signed
 * attributes and returns the RSA PKCS#1 v1.5 signature (made on the card).
 */
export function cmsSignedData(content: Buffer, certDer: Buffer, hash: HashAlgorithm, signDigest: (digest: Buffer) => Buffer, now = new Date()): Buffer {
  const nodeHash = hash.toLowerCase();
  const digestAlg = seq(oid(OID[hash]), NULL);
  const attrs = [
    seq(oid(OID.contentType), set(oid(OID.data))),
    seq(oid(OID.signingTime), set(utcTime(now))),
    seq(oid(OID.messageDigest), set(octets(crypto.createHash(nodeHash).update(content).digest()))),
  ].sort(Buffer.compare); // DER: SET OF in encoding order
  const signedAttrs = Buffer.concat(attrs);
  const signature = signDigest(crypto.createHash(nodeHash).update(set(signedAttrs)).digest());
  const { issuer, serial } = issuerAndSerial(certDer);
  const signerInfo = seq(int(1), seq(issuer, serial), digestAlg, tlv(0xa0, signedAttrs), seq(oid(OID.rsaEncryption), NULL), octets(signature));
  const signedData = seq(int(1), set(digestAlg), seq(oid(OID.data), tlv(0xa0, octets(content))), tlv(0xa0, certDer), set(signerInfo));
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}
