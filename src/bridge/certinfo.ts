import crypto from 'node:crypto';
import forge from 'node-forge';
import { certificateFacts, certificateFromDer, decodeField, dnString } from '../platform/pki/profiles';

export type CertType = 'moica' | 'gca' | 'nhi' | 'unknown';

/** What the bridge tells about a certificate on a card (our own fields). */
export interface CertInfo {
  subjectCN: string;
  issuerCN: string;
  /** Certificate serial number, upper-case hex. */
  serial: string;
  notBefore: string;
  notAfter: string;
  keyUsage: string[];
  type: CertType;
  /** HiPKI fields (see HipkiCert). */
  subjectDN: string;
  issuerDN: string;
  subjectID: string;
}

/** HiPKI's `usage` of a signing certificate and of an encryption certificate. */
export const USAGE_SIGNATURE = 'digitalSignature';
export const USAGE_ENCRYPTION = 'keyEncipherment|dataEncipherment';

/**
 * A certificate as HiPKI lists it in `slots[i].token.certs[j]`: clients pick one by `usage`
 * ("digitalSignature" to sign, "keyEncipherment|dataEncipherment" to encrypt to) and read
 * `certb64`, `subjectDN`, `subjectID`, `sn`, `label`, `notBeforeT` / `notAfterT` (seconds).
 * Our own fields (subjectCN, issuerCN, type, keyUsage as a list, ISO dates) stay beside.
 */
export interface HipkiCert extends CertInfo {
  label: string;
  usage: string;
  certb64: string;
  sn: string;
  notBeforeT: number;
  notAfterT: number;
}

/**
 * The HiPKI usage of a certificate: a signing certificate (digitalSignature, with or without
 * nonRepudiation) is "digitalSignature"; an encryption one "keyEncipherment|dataEncipherment";
 * a certificate with both (a single-certificate card) counts as the signing one; anything
 * else lists its key usages joined with "|".
 */
export function hipkiUsage(keyUsage: string[]): string {
  if (keyUsage.includes('digitalSignature')) return USAGE_SIGNATURE;
  if (keyUsage.includes('keyEncipherment') || keyUsage.includes('dataEncipherment')) return USAGE_ENCRYPTION;
  return keyUsage.join('|');
}

/** A card's certificate as HiPKI lists it; `index` gives the label cert1, cert2 … */
export function hipkiCert(der: Buffer, info: CertInfo, index: number): HipkiCert {
  return {
    label: `cert${index + 1}`,
    usage: hipkiUsage(info.keyUsage),
    certb64: der.toString('base64'),
    sn: info.serial,
    notBeforeT: Math.floor(Date.parse(info.notBefore) / 1000),
    notAfterT: Math.floor(Date.parse(info.notAfter) / 1000),
    ...info,
  };
}

const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;


/** The card type from the issuing CA's common name (MOICA, GCA, NHI). */
export function certTypeOf(issuerCN: string): CertType {
  if (issuerCN.includes('內政部憑證管理中心')) return 'moica';
  if (issuerCN.includes('政府憑證管理中心')) return 'gca';
  if (issuerCN.includes('健保卡') || issuerCN.includes('中央健康保險')) return 'nhi';
  return 'unknown';
}

/** Reads subject, issuer, validity and key usage of a DER certificate. Throws on garbage. */
export function describeCertificate(der: Buffer): CertInfo {
  try {
    const cert = certificateFromDer(der);
    const cn = (dn: forge.pki.Certificate['subject']) => {
      const f = dn.getField('CN');
      return f ? decodeField(f.value) : '';
    };
    const ku = cert.getExtension('keyUsage') as Record<string, unknown> | null;
    const issuerCN = cn(cert.issuer);
    const facts = certificateFacts(der, cert);
    return {
      subjectCN: cn(cert.subject),
      subjectDN: dnString(cert.subject.attributes),
      issuerDN: dnString(cert.issuer.attributes),
      // 自然人憑證: the last 4 characters of the national ID; 機關憑證: the agency code; 健保卡: the ID.
      subjectID: facts.idLast4 ?? facts.agencyCode ?? facts.nationalId ?? '',
      issuerCN,
      serial: cert.serialNumber.toUpperCase(),
      notBefore: cert.validity.notBefore.toISOString(),
      notAfter: cert.validity.notAfter.toISOString(),
      keyUsage: ku ? KEY_USAGES.filter((k) => ku[k] === true) : [],
      type: certTypeOf(issuerCN),
    };
  } catch {
    // node-forge reads RSA certificates only; Node reads the rest (key usage unknown then).
    const x = new crypto.X509Certificate(der);
    const cn = (dn: string) => /^CN=(.*)$/m.exec(dn)?.[1] ?? '';
    const issuerCN = cn(x.issuer);
    return {
      subjectCN: cn(x.subject),
      subjectDN: x.subject.split('\n').join(', '),
      issuerDN: x.issuer.split('\n').join(', '),
      subjectID: '',
      issuerCN,
      serial: x.serialNumber.toUpperCase(),
      notBefore: new Date(x.validFrom).toISOString(),
      notAfter: new Date(x.validTo).toISOString(),
      keyUsage: [],
      type: certTypeOf(issuerCN),
    };
  }
}
