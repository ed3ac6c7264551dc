import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type forge from 'node-forge';
import { crlBlocks, issuerDer, parseCrlDer, subjectDer, verifyCrlSignature, type Crl } from './crl';
import { certificateFacts, certificateFromDer, type CardType, type CertificateFacts } from './profiles';

/** Seed 004's wording for an invalid card, then what exactly is wrong. */
const INVALID = '插入之自然人憑證或機關憑證無效，可能為憑證已過期、廢止…等情形，請確認所持憑證之有效性。';

export const CERT_ERRORS = {
  cert_malformed: `${INVALID}（無法讀取憑證內容）`,
  cert_untrusted: `${INVALID}（憑證非由受信任的憑證管理中心簽發）`,
  cert_not_yet_valid: `${INVALID}（憑證尚未生效）`,
  cert_expired: `${INVALID}（憑證已過期）`,
  cert_revoked: `${INVALID}（憑證已廢止）`,
  crl_unavailable: `${INVALID}（暫時無法確認憑證廢止狀態，請稍後再試）`,
  cert_key_usage: `${INVALID}（憑證用途不符，不可用於數位簽章）`,
  cert_enc_usage: `${INVALID}（憑證用途不符，不是加密用憑證）`,
  signature_invalid: '憑證簽章驗證失敗，請重新操作。',
} as const;

export type CertErrorCode = keyof typeof CERT_ERRORS;

export class CertificateError extends Error {
  constructor(readonly code: CertErrorCode) {
    super(CERT_ERRORS[code]);
    this.name = 'CertificateError';
  }
}

interface TrustedCa {
  type: CardType;
  /** Read by Node's crypto (OpenSSL): RSA and EC (P-256, P-384) CA keys alike. */
  cert: crypto.X509Certificate;
  /** The subject Name as the certificate's bytes have it (a CRL's issuer must be these bytes). */
  subject: Buffer;
  key: crypto.KeyObject;
  crl: Crl | null;
}

/** What card sign-in does once a CA's CRL is past its nextUpdate (CRL_STALE_POLICY). */
export type CrlStalePolicy = 'refuse' | 'allow-with-warning';

export interface TrustOptions {
  stalePolicy?: CrlStalePolicy;
  /** Told when a card was accepted on a stale CRL (allow-with-warning). */
  onStale?: (ca: CardType, nextUpdate: Date) => void;
}

/** What does not change for a given certificate: its facts and the CA that signed it. */
interface Chained {
  facts: CertificateFacts;
  ca: TrustedCa | null;
  publicKey: crypto.KeyObject;
}

const CHAIN_CACHE_LIMIT = 10_000;

/** Trusted roots per card type and their CRLs: the trust store is configuration. */
export class TrustStore {
  private readonly chained = new Map<string, Chained>();
  private constructor(
    private readonly cas: TrustedCa[],
    private readonly options: TrustOptions,
  ) {}

  /**
   * Reads `<dir>/ca/{moica,gca,nhi}.pem` and `<dir>/crl.pem` (several PEM CRLs); `fetched`
   * are CRLs the portal downloaded itself (CRL_URLS): for each CA the newest valid CRL counts.
   */
  static fromDirectory(dir: string, fetched: readonly Crl[] = [], options: TrustOptions = {}): TrustStore {
    const file = path.join(dir, 'crl.pem');
    const crls: Crl[] = [...fetched];
    if (fs.existsSync(file)) {
      for (const block of crlBlocks(fs.readFileSync(file))) {
        try {
          crls.push(parseCrlDer(block));
        } catch {
          // A block that does not parse counts for no CA.
        }
      }
    }
    const cas: TrustedCa[] = [];
    for (const type of ['moica', 'gca', 'nhi'] as const) {
      const certFile = path.join(dir, 'ca', `${type}.pem`);
      if (!fs.existsSync(certFile)) continue;
      const der = readPemBlocks(fs.readFileSync(certFile, 'utf8'), 'CERTIFICATE')[0];
      if (!der) continue;
      const cert = new crypto.X509Certificate(der);
      const key = cert.publicKey;
      const subject = subjectDer(der);
      // Only CRLs the CA itself signed count; the newest of them.
      const crl =
        crls
          .filter((c) => c.issuerDer.equals(subject) && verifyCrlSignature(c, key))
          .sort((a, b) => b.thisUpdate.getTime() - a.thisUpdate.getTime())[0] ?? null;
      cas.push({ type, cert, subject, crl, key });
    }
    return new TrustStore(cas, options);
  }

  /** The CA certificate of a card type with its subject bytes and key (a downloaded CRL is checked against it). */
  caOf(type: CardType): { subject: Buffer; key: crypto.KeyObject; crl: Crl | null } | null {
    const ca = this.cas.find((c) => c.type === type);
    return ca ? { subject: ca.subject, key: ca.key, crl: ca.crl } : null;
  }

  get size() {
    return this.cas.length;
  }

  /** Each trusted CA's CRL in use: its dates and number of entries (for the metrics). */
  crls(): { ca: CardType; thisUpdate: Date; nextUpdate: Date | null; entries: number }[] {
    return this.cas.flatMap((c) => (c.crl ? [{ ca: c.type, thisUpdate: c.crl.thisUpdate, nextUpdate: c.crl.nextUpdate, entries: c.crl.revokedSerials.size }] : []));
  }

  /**
   * Checks a card certificate in the order the portal promises: it parses, chains to a
   * trusted CA (which gives the card type), is within validity, is not revoked, and
   * may sign. Returns the facts and the card type.
   */
  check(certDer: Buffer, now = new Date()): CertificateFacts & { cardType: CardType; publicKey: crypto.KeyObject } {
    const found = this.checkValid(certDer, now);
    if (!found.keyUsage?.digitalSignature) throw new CertificateError('cert_key_usage');
    return found;
  }

  /**
   * The same checks for a card's ENCRYPTION certificate (cert2): trusted, valid, not revoked,
   * and its key may encipher keys (what a CMS envelope for it needs).
   */
  checkEncryption(certDer: Buffer, now = new Date()): CertificateFacts & { cardType: CardType; publicKey: crypto.KeyObject } {
    const found = this.checkValid(certDer, now);
    if (!found.keyUsage?.keyEncipherment) throw new CertificateError('cert_enc_usage');
    return found;
  }

  private checkValid(certDer: Buffer, now: Date): CertificateFacts & { cardType: CardType; publicKey: crypto.KeyObject } {
    const { facts, ca, publicKey } = this.chain(certDer);
    if (!ca) throw new CertificateError('cert_untrusted');
    if (now < facts.notBefore) throw new CertificateError('cert_not_yet_valid');
    if (now > facts.notAfter) throw new CertificateError('cert_expired');
    if (!ca.crl) throw new CertificateError('crl_unavailable');
    if (ca.crl.nextUpdate && ca.crl.nextUpdate < now) {
      if (this.options.stalePolicy !== 'allow-with-warning') throw new CertificateError('crl_unavailable');
      this.options.onStale?.(ca.type, ca.crl.nextUpdate);
    }
    if (ca.crl.revokedSerials.has(facts.serialHex.replace(/^0+(?=.)/, ''))) throw new CertificateError('cert_revoked');
    return { ...facts, cardType: ca.type, publicKey };
  }

  /**
   * Parses the certificate (node-forge for its fields, Node's crypto for its key) and finds the trusted CA whose name is its issuer and
   * whose key verifies its signature (Node's crypto). Both depend only on the bytes, so the
   * answer is kept per certificate; validity, revocation and usage are checked every time.
   */
  private chain(certDer: Buffer): Chained {
    const thumbprint = crypto.createHash('sha256').update(certDer).digest('hex');
    const known = this.chained.get(thumbprint);
    if (known) return known;
    let cert: forge.pki.Certificate;
    let facts: CertificateFacts;
    let x509: crypto.X509Certificate;
    try {
      cert = certificateFromDer(certDer);
      facts = certificateFacts(certDer, cert);
      x509 = new crypto.X509Certificate(certDer);
    } catch {
      throw new CertificateError('cert_malformed');
    }
    // The CA whose name is the certificate's issuer (the same bytes, or equal as OpenSSL compares
    // names) and whose key verifies its signature, whatever the algorithm (RSA, ECDSA).
    const issuer = issuerDer(certDer);
    const ca = this.cas.find((c) => (issuer.equals(c.subject) || x509.checkIssued(c.cert)) && safeVerify(x509, c.key)) ?? null;
    if (this.chained.size >= CHAIN_CACHE_LIMIT) this.chained.delete(this.chained.keys().next().value!);
    const result = { facts, ca, publicKey: x509.publicKey };
    this.chained.set(thumbprint, result);
    return result;
  }
}

function safeVerify(cert: crypto.X509Certificate, caKey: crypto.KeyObject): boolean {
  try {
    return cert.verify(caKey);
  } catch {
    return false;
  }
}

export function readPemBlocks(text: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/**
 * Verifies a signature over exactly `data` with the certificate's key: RSA PKCS#1 v1.5
 * or PSS (SHA-256/384/512), or ECDSA. Node's crypto does the arithmetic.
 */
export function verifySignature(
  cert: Buffer | crypto.KeyObject,
  data: Buffer,
  signature: Buffer,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): boolean {
  const key = Buffer.isBuffer(cert) ? new crypto.X509Certificate(cert).publicKey : cert;
  try {
    if (key.asymmetricKeyType === 'rsa') {
      return (
        crypto.verify(hash, data, { key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature) ||
        crypto.verify(hash, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_AUTO }, signature)
      );
    }
    if (key.asymmetricKeyType === 'ec') {
      return crypto.verify(hash, data, key, signature) || crypto.verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    return false;
  } catch {
    return false;
  }
}
