/**
 * CMS (RFC 5652) for delivered data files, written as a stream:
 * - EnvelopedData, BER with indefinite lengths so any size streams through: one
 *   KeyTransRecipientInfo (RSA PKCS#1 v1.5, recipient by issuer + serial number) and
 *   AES-256-CBC content in 64 KiB OCTET STRING chunks (`openssl cms -decrypt` and the
 *   bridge's decrypt open it);
 * - the platform's detached SignedData over the finished file (`.p7s`), verified with
 *   `openssl cms -verify -binary -inform DER -in x.p7s -content x.p7m -CAfile ca.pem`.
 */
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
// The DER writers are the bridge's (its CMS SignedData uses the same ones).
import { issuerAndSerial, int, len, NULL, octets, oid, seq, set, tlv, utcTime } from '../../platform/pki/der';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256: '2.16.840.1.101.3.4.2.1',
  aes256cbc: '2.16.840.1.101.3.4.1.42',
} as const;

/** Start of a constructed element with indefinite length; closed by EOC (00 00). */
const open = (tag: number) => Buffer.from([tag, 0x80]);
const EOC = Buffer.from([0, 0]);

export function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('not a PEM certificate');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

const CHUNK = 64 * 1024;

/**
 * A Transform that encrypts what is written to it into a CMS EnvelopedData for the
 * certificate (DER). The recipient's key must be RSA.
 */
export function envelopeStream(recipientCertDer: Buffer): Transform {
  const cert = new crypto.X509Certificate(recipientCertDer);
  if (cert.publicKey.asymmetricKeyType !== 'rsa') throw new Error('recipient key is not RSA');
  const key = crypto.randomBytes(32);
  const iv = crypto.randomBytes(16);
  const encryptedKey = crypto.publicEncrypt({ key: cert.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, key);
  const { issuer, serial } = issuerAndSerial(recipientCertDer);
  const ktri = seq(int(0), seq(issuer, serial), seq(oid(OID.rsaEncryption), NULL), octets(encryptedKey));
  const head = Buffer.concat([
    open(0x30), // ContentInfo
    oid(OID.envelopedData),
    open(0xa0),
    open(0x30), // EnvelopedData
    int(0),
    set(ktri),
    open(0x30), // EncryptedContentInfo
    oid(OID.data),
    seq(oid(OID.aes256cbc), octets(iv)),
    open(0xa0), // [0] IMPLICIT encryptedContent, constructed
  ]);
  const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
  key.fill(0);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let started = false;
  const emit = (t: Transform, final: boolean) => {
    if (!pendingBytes) return;
    if (!final && pendingBytes < CHUNK) return;
    const all = Buffer.concat(pending);
    let at = 0;
    while (all.length - at >= CHUNK || (final && at < all.length)) {
      const piece = all.subarray(at, Math.min(at + CHUNK, all.length));
      t.push(Buffer.concat([Buffer.from([0x04]), len(piece.length), piece]));
      at += piece.length;
    }
    pending = at < all.length ? [all.subarray(at)] : [];
    pendingBytes = all.length - at;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        this.push(head);
        started = true;
      }
      const out = cipher.update(chunk);
      if (out.length) {
        pending.push(out);
        pendingBytes += out.length;
        emit(this, false);
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(head);
      const last = cipher.final();
      pending.push(last);
      pendingBytes += last.length;
      emit(this, true);
      // encryptedContent, EncryptedContentInfo, EnvelopedData, [0], ContentInfo
      this.push(Buffer.concat([EOC, EOC, EOC, EOC, EOC]));
      cb();
    },
  });
}

/** The platform's detached CMS SignedData (DER) over content with SHA-256 `digest`. */
export function detachedSignature(digest: Buffer, signerCertDer: Buffer, signerKey: crypto.KeyObject, now = new Date()): Buffer {
  const digestAlg = seq(oid(OID.sha256), NULL);
  const attrs = [
    seq(oid(OID.contentType), set(oid(OID.data))),
    seq(oid(OID.signingTime), set(utcTime(now))),
    seq(oid(OID.messageDigest), set(octets(digest))),
  ].sort(Buffer.compare);
  const signedAttrs = Buffer.concat(attrs);
  const signature = crypto.sign('sha256', set(signedAttrs), signerKey);
  const { issuer, serial } = issuerAndSerial(signerCertDer);
  const signerInfo = seq(int(1), seq(issuer, serial), digestAlg, tlv(0xa0, signedAttrs), seq(oid(OID.rsaEncryption), NULL), octets(signature));
  const signedData = seq(int(1), set(digestAlg), seq(oid(OID.data)), tlv(0xa0, signerCertDer), set(signerInfo));
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}
