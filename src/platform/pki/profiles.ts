import crypto from 'node:crypto';
import forge from 'node-forge';

const { asn1, pki } = forge;

/** OIDs of the Taiwanese certificate profiles (MOICA, GCA, NHI-like). */
export const OID = {
  subjectDirectoryAttributes: '2.5.29.9',
  idLast4: '2.16.886.1.100.2.51',
  agencyCode: '2.16.886.1.100.2.102',
  /** Card type policy markers put in certificatePolicies by the demo CAs. */
  serialNumber: '2.5.4.5',
};

export type CardType = 'moica' | 'gca' | 'nhi';

export const CARD_TYPE_LABELS: Record<CardType, string> = {
  moica: '自然人憑證',
  gca: '機關憑證',
  nhi: '健保卡',
};

export interface CertificateFacts {
  subjectName: string;
  organization: string | null;
  /** MOICA: last 4 characters of the national ID. */
  idLast4: string | null;
  /** GCA: 機關代碼. */
  agencyCode: string | null;
  /** NHI: the holder's national ID. */
  nationalId: string | null;
  /** 16-character card number (subject serialNumber). */
  cardNumber: string | null;
  issuerDn: string;
  serialHex: string;
  thumbprint: string;
  notBefore: Date;
  notAfter: Date;
  keyUsage: { digitalSignature: boolean; keyEncipherment: boolean; nonRepudiation: boolean } | null;
}

/** A certificate field's value as text (forge may hand UTF8String bytes undecoded). */
export const decodeField = (v: unknown) => {
  const s = String(v ?? '');
  try {
    return forge.util.decodeUtf8(s);
  } catch {
    return s;
  }
};

export function dnString(attrs: forge.pki.CertificateField[]): string {
  return attrs.map((a) => `${a.shortName ?? a.type}=${decodeField(a.value)}`).join(', ');
}

/** subjectDirectoryAttributes: SEQUENCE OF Attribute { type, SET OF value }. */
export function subjectDirectoryAttributes(attrs: Record<string, string>): forge.asn1.Asn1 {
  return asn1.create(
    asn1.Class.UNIVERSAL,
    asn1.Type.SEQUENCE,
    true,
    Object.entries(attrs).map(([oid, value]) =>
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.PRINTABLESTRING, false, value),
        ]),
      ]),
    ),
  );
}

function readDirectoryAttributes(cert: forge.pki.Certificate): Record<string, string> {
  const ext = cert.getExtension({ id: OID.subjectDirectoryAttributes } as never) as { value?: string } | null;
  const out: Record<string, string> = {};
  if (!ext?.value) return out;
  const seq = asn1.fromDer(ext.value);
  for (const attr of seq.value as forge.asn1.Asn1[]) {
    const [type, set] = attr.value as forge.asn1.Asn1[];
    const oid = asn1.derToOid(type!.value as string);
    const first = (set!.value as forge.asn1.Asn1[])[0];
    if (first) out[oid] = String(first.value);
  }
  return out;
}

/** An RSA SubjectPublicKeyInfo that stands in for a key node-forge cannot read (see below). */
const PLACEHOLDER_SPKI = pki.publicKeyToAsn1(pki.setRsaPublicKey(new forge.jsbn.BigInteger('1'), new forge.jsbn.BigInteger('65537')));

/**
 * Reads a certificate's fields with node-forge. Forge reads only RSA keys: a certificate with
 * another key (ECDSA P-256/P-384) is read with a placeholder in its key's place and gets no
 * `publicKey` — its key and signature are Node's crypto's business (X509Certificate), never forge's.
 */
export function certificateFromDer(der: Buffer): forge.pki.Certificate {
  const obj = asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  try {
    return pki.certificateFromAsn1(obj);
  } catch (err) {
    if (!/OID is not RSA/.test((err as Error).message)) throw err;
    const tbs = (obj.value as forge.asn1.Asn1[])[0]!;
    const fields = tbs.value as forge.asn1.Asn1[];
    // tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
    const spkiAt = (fields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0) + 5;
    fields[spkiAt] = PLACEHOLDER_SPKI;
    const cert = pki.certificateFromAsn1(obj);
    (cert as { publicKey: unknown }).publicKey = undefined;
    return cert;
  }
}

export function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/** Reads what the portal needs from a card certificate. Throws on garbage. */
export function certificateFacts(der: Buffer, parsed?: forge.pki.Certificate): CertificateFacts {
  const cert = parsed ?? certificateFromDer(der);
  const dir = readDirectoryAttributes(cert);
  const field = (name: string) => {
    const f = cert.subject.getField(/^\d/.test(name) ? ({ type: name } as never) : name);
    return f ? decodeField(f.value) : null;
  };
  const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean; keyEncipherment?: boolean; nonRepudiation?: boolean } | null;
  const serialNumberAttr = field(OID.serialNumber);
  return {
    subjectName: field('CN') ?? '',
    organization: field('O'),
    idLast4: dir[OID.idLast4] ?? null,
    agencyCode: dir[OID.agencyCode] ?? null,
    nationalId: serialNumberAttr && /^[A-Z]\d{9}$/.test(serialNumberAttr) ? serialNumberAttr : null,
    cardNumber: serialNumberAttr && serialNumberAttr.length === 16 ? serialNumberAttr : null,
    issuerDn: dnString(cert.issuer.attributes),
    serialHex: cert.serialNumber.toUpperCase(),
    thumbprint: crypto.createHash('sha256').update(der).digest('hex'),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    keyUsage: ku
      ? { digitalSignature: Boolean(ku.digitalSignature), keyEncipherment: Boolean(ku.keyEncipherment), nonRepudiation: Boolean(ku.nonRepudiation) }
      : null,
  };
}
