/**
 * CMS SignedData (RFC 5652) for signatureType PKCS7, signed by the card: the content is
 * encapsulated, the signing certificate included, signed attributes contentType,
 * signingTime and messageDigest. Built from raw DER so the certificate's issuer name is
 * copied byte for byte (re-encoding it can break signer lookup).
 */
import crypto from 'node:crypto';
import type { HashAlgorithm } from './token';
import { NULL, int, octets, oid, seq, set, tlv, utcTime, issuerAndSerial } from '../platform/pki/der';

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
