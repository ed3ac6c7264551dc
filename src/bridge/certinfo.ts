import crypto from 'node:crypto';
import forge from 'node-forge';
import { certificateFromDer } from '../platform/pki/profiles';
import { decodeField } from '../platform/pki/profiles';

export type CertType = 'moica' | 'gca' | 'nhi' | 'unknown';

/** What the bridge tells about a certificate on a card. */
export interface CertInfo {
  subjectCN: string;
  issuerCN: string;
  /** Certificate serial number, upper-case hex. */
  serial: string;
  notBefore: string;
  notAfter: string;
  keyUsage: string[];
  type: CertType;
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
    return {
      subjectCN: cn(cert.subject),
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
      issuerCN,
      serial: x.serialNumber.toUpperCase(),
      notBefore: new Date(x.validFrom).toISOString(),
      notAfter: new Date(x.validTo).toISOString(),
      keyUsage: [],
      type: certTypeOf(issuerCN),
    };
  }
}
