/**
 * Delivered data files (人事雲端服務平台 單次服務): CMS EnvelopedData (RFC 5652) with RSA
 * key transport (PKCS#1 v1.5, recipient named by issuer and serial number) and AES-CBC
 * content, as `openssl cms -encrypt -aes256 -recip cert.pem` writes it. Input is DER,
 * BER (streamed) or PEM (`-----BEGIN CMS-----` / `PKCS7`); an EnvelopedData inside a
 * SignedData (encrypted, then signed by the platform) is unwrapped (its signature is not
 * checked here).
 *
 * node-forge parses the message and matches the recipient to the card's certificate
 * (`msg.findRecipient`); the content-encryption key is unwrapped by an adapter with
 * forge's private-key `decrypt(bytes)` shape that calls the card (CKM_RSA_PKCS), and the
 * content is then decrypted with Node's crypto (OpenSSL): same algorithms as forge's
 * `msg.decrypt`, but milliseconds instead of seconds on large files (20 MB: ~5 s in forge)
 * and with a full padding check.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { issuerAndSerial } from '../platform/pki/der';

const { asn1, pki } = forge;
// Present in node-forge, missing from its type definitions.
const fromDerWith = asn1.fromDer as unknown as (bytes: string, options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }) => forge.asn1.Asn1;
const rdnAttributes = (pki as unknown as { RDNAttributesAsArray(rdn: forge.asn1.Asn1): forge.pki.CertificateField[] }).RDNAttributesAsArray;

export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
} as const;

/** Content-encryption algorithms read here (the ones forge's msg.decrypt knows, minus single DES). */
const CONTENT_CIPHERS: Record<string, { name: string; keyLength: number; label: string }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16, label: 'AES-128-CBC' },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24, label: 'AES-192-CBC' },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32, label: 'AES-256-CBC' },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24, label: '3DES-CBC' },
};

const ALGORITHM_NAMES: Record<string, string> = {
  [CMS_OID.rsaesOaep]: 'RSAES-OAEP',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
  '2.16.840.1.101.3.4.1.6': 'AES-128-GCM',
  '2.16.840.1.101.3.4.1.46': 'AES-256-GCM',
};
const algName = (oid: string) => ALGORITHM_NAMES[oid] ?? CONTENT_CIPHERS[oid]?.label ?? `OID ${oid}`;

/**
 * Why a data file cannot be opened: `malformed` (not CMS / not an EnvelopedData),
 * `unsupported` (a format or algorithm this bridge does not do), `decrypt` (the content
 * does not decrypt with the unwrapped key: damaged file or wrong key).
 */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
  constructor(
    readonly kind: 'malformed' | 'unsupported' | 'decrypt',
    message: string,
  ) {
    super(message);
  }
}

/** A RecipientInfo as forge reads it (KeyTransRecipientInfo with issuerAndSerialNumber). */
export type Recipient = forge.pkcs7.Recipient;

/** The parsed EnvelopedData (forge's message object with its runtime fields typed). */
export interface EnvelopedMessage {
  msg: forge.pkcs7.PkcsEnvelopedData;
  recipients: Recipient[];
  /** Content-encryption algorithm OID, IV and ciphertext (binary strings, as forge keeps them). */
  contentAlgorithm: string;
  iv: Buffer;
  ciphertext: Buffer;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 #]+)-----\r?\n([\s\S]*?)-----END \1-----/;

/** DER/BER bytes of a data file given as DER, BER or PEM. */
export function cmsBytes(input: Buffer): Buffer {
  const head = input.subarray(0, 64).toString('latin1').trimStart();
  if (!head.startsWith('-----BEGIN')) return input;
  const m = PEM_RE.exec(input.toString('latin1'));
  if (!m) throw new EnvelopeError('malformed', 'PEM 格式不完整');
  const b64 = m[2]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || !b64.length) throw new EnvelopeError('malformed', 'PEM 內容不是 base64');
  return Buffer.from(b64, 'base64');
}

const bin = (b: Buffer) => b.toString('binary');
const buf = (s: string) => Buffer.from(s, 'binary');

/** The bytes of an OCTET STRING, primitive or (BER) constructed. */
function octets(node: forge.asn1.Asn1): string {
  if (node.type !== asn1.Type.OCTETSTRING) throw new EnvelopeError('malformed', '應為 OCTET STRING');
  if (typeof node.value === 'string') return node.value;
  return node.value.map(octets).join('');
}

function contentInfo(node: forge.asn1.Asn1): { type: string; content: forge.asn1.Asn1 | undefined } {
  const v = node.value;
  if (node.type !== asn1.Type.SEQUENCE || !Array.isArray(v) || !v[0] || v[0].type !== asn1.Type.OID || typeof v[0].value !== 'string') {
    throw new EnvelopeError('malformed', '不是 CMS ContentInfo');
  }
  const explicit = v[1];
  const content = explicit && explicit.tagClass === asn1.Class.CONTEXT_SPECIFIC && explicit.type === 0 && Array.isArray(explicit.value) ? explicit.value[0] : undefined;
  return { type: asn1.derToOid(v[0].value), content };
}

const wrapEnveloped = (envelopedData: forge.asn1.Asn1) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(CMS_OID.envelopedData).getBytes()),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [envelopedData]),
  ]);

function fromDer(bytes: string): forge.asn1.Asn1 {
  try {
    return fromDerWith(bytes, { strict: true, parseAllBytes: true, decodeBitStrings: false });
  } catch (e) {
    throw new EnvelopeError('malformed', `不是 CMS 格式（${e instanceof Error ? e.message : String(e)}）`);
  }
}

/** The ContentInfo of the EnvelopedData: the file itself, or inside a SignedData. */
function envelopeContentInfo(root: forge.asn1.Asn1, depth = 0): forge.asn1.Asn1 {
  const { type, content } = contentInfo(root);
  if (type === CMS_OID.envelopedData) return root;
  if (type === CMS_OID.authEnvelopedData) throw new EnvelopeError('unsupported', '不支援 AuthEnvelopedData（AES-GCM）加密的檔案');
  if (type === CMS_OID.signedData && depth === 0) {
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, ... }
    const encap = Array.isArray(content?.value) ? content.value[2] : undefined;
    const ev = encap && Array.isArray(encap.value) ? encap.value : undefined;
    if (!ev?.[0] || ev[0].type !== asn1.Type.OID || typeof ev[0].value !== 'string') throw new EnvelopeError('malformed', 'SignedData 格式錯誤');
    const eType = asn1.derToOid(ev[0].value);
    const eContent = ev[1] && Array.isArray(ev[1].value) ? ev[1].value[0] : undefined;
    if (!eContent) throw new EnvelopeError('malformed', '簽章資料中沒有內容（分離式簽章）');
    const inner = fromDer(octets(eContent));
    // eContentType envelopedData: the EnvelopedData itself; id-data: a whole ContentInfo.
    if (eType === CMS_OID.envelopedData) return wrapEnveloped(inner);
    if (eType === CMS_OID.data) return envelopeContentInfo(inner, depth + 1);
    throw new EnvelopeError('unsupported', `簽章資料的內容類型不支援（${eType}）`);
  }
  throw new EnvelopeError('malformed', `不是加密資料（EnvelopedData），內容類型 ${type}`);
}

/** Parses a data file (DER, BER or PEM) into its EnvelopedData. Throws EnvelopeError. */
export function parseEnvelopedData(input: Buffer): EnvelopedMessage {
  const der = cmsBytes(input);
  if (!der.length) throw new EnvelopeError('malformed', '沒有資料');
  const ci = envelopeContentInfo(fromDer(bin(der)));
  let msg: forge.pkcs7.PkcsEnvelopedData;
  try {
    msg = forge.pkcs7.messageFromAsn1(ci) as forge.pkcs7.PkcsEnvelopedData;
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/RecipientInfo/.test(text)) throw new EnvelopeError('unsupported', '不支援的收件者格式（僅支援以憑證簽發者與序號指定的 RSA 收件者）');
    if (/Only wrapped ContentType Data/.test(text)) throw new EnvelopeError('unsupported', '加密內容類型不是 data');
    throw new EnvelopeError('malformed', `加密資料（EnvelopedData）格式錯誤（${text}）`);
  }
  const ec = (msg as unknown as { encryptedContent?: { algorithm?: string; parameter?: forge.util.ByteStringBuffer; content?: forge.util.ByteStringBuffer } }).encryptedContent;
  if (!ec?.algorithm || !ec.content || !ec.parameter) throw new EnvelopeError('malformed', '加密資料沒有加密內容');
  // forge reads the IV as the parameter's raw value; for CBC it is an OCTET STRING.
  let iv: Buffer;
  try {
    iv = buf(ec.parameter.bytes());
  } catch {
    iv = Buffer.alloc(0);
  }
  return { msg, recipients: msg.recipients, contentAlgorithm: ec.algorithm, iv, ciphertext: buf(ec.content.bytes()) };
}

/**
 * forge's view of a certificate for msg.findRecipient: the parsed certificate, or (when
 * forge cannot parse it, e.g. a non-RSA key) just its issuer and serial number.
 */
export function forgeCertificate(certDer: Buffer): Pick<forge.pki.Certificate, 'issuer' | 'serialNumber'> {
  try {
    return pki.certificateFromAsn1(asn1.fromDer(bin(certDer)));
  } catch {
    const { issuer, serial } = issuerAndSerial(certDer);
    const serialValue = asn1.fromDer(bin(serial)).value as string;
    return { issuer: { attributes: rdnAttributes(asn1.fromDer(bin(issuer))) } as forge.pki.Certificate['issuer'], serialNumber: forge.util.bytesToHex(serialValue) };
  }
}

/** The recipient meant for the certificate (issuer + serial), or null. */
export function findRecipient(env: EnvelopedMessage, certDer: Buffer): Recipient | null {
  let cert;
  try {
    cert = forgeCertificate(certDer);
  } catch {
    return null; // a certificate we cannot read cannot be a recipient
  }
  return env.msg.findRecipient(cert as forge.pki.Certificate);
}

/** Throws EnvelopeError('unsupported') when the key transport or the content cipher is not one we do. */
export function checkSupported(env: EnvelopedMessage, recipient: Recipient): void {
  const kt = recipient.encryptedContent.algorithm;
  if (kt !== CMS_OID.rsaEncryption) throw new EnvelopeError('unsupported', `不支援的金鑰加密演算法 ${algName(kt)}（僅支援 RSA PKCS#1 v1.5）`);
  const cipher = CONTENT_CIPHERS[env.contentAlgorithm];
  if (!cipher) throw new EnvelopeError('unsupported', `不支援的內容加密演算法 ${algName(env.contentAlgorithm)}`);
  if (env.iv.length !== (cipher.name.startsWith('aes') ? 16 : 8)) throw new EnvelopeError('malformed', '加密參數（IV）長度錯誤');
}

/** What forge's msg.decrypt expects of a private key: decrypt(binary string) → binary string. */
export interface RsaDecryptKey {
  decrypt(encrypted: string): string;
}

/** The card as forge's private key: CKM_RSA_PKCS decryption of the wrapped content key. */
export function cardKeyAdapter(rsaDecrypt: (encrypted: Buffer) => Buffer): RsaDecryptKey {
  return { decrypt: (encrypted) => bin(rsaDecrypt(buf(encrypted))) };
}

/** Unwraps the content-encryption key of `recipient` with `key` (the card adapter). */
export function unwrapKey(recipient: Recipient, key: RsaDecryptKey): Buffer {
  return buf(key.decrypt(recipient.encryptedContent.content));
}

/** Decrypts the content with the unwrapped key. Throws EnvelopeError('decrypt') on a wrong key or damaged data. */
export function decryptContent(env: EnvelopedMessage, key: Buffer): Buffer {
  const cipher = CONTENT_CIPHERS[env.contentAlgorithm];
  if (!cipher) throw new EnvelopeError('unsupported', `不支援的內容加密演算法 ${algName(env.contentAlgorithm)}`);
  if (key.length !== cipher.keyLength) throw new EnvelopeError('decrypt', '解開的金鑰長度不符，檔案可能已損毀或不是加密給此卡片');
  try {
    const d = crypto.createDecipheriv(cipher.name, key, env.iv);
    return Buffer.concat([d.update(env.ciphertext), d.final()]);
  } catch {
    throw new EnvelopeError('decrypt', '加密內容無法解開，檔案可能已損毀');
  } finally {
    key.fill(0);
  }
}
