import crypto from 'node:crypto';
import forge from 'node-forge';
import { OID, subjectDirectoryAttributes } from './profiles';

const { asn1, pki } = forge;

export interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

/** An RSA key made by Node's crypto (fast), handed to forge for certificates. */
export function newRsaKey(bits = 2048): KeyPair {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: pki.setRsaPublicKey(key.n, key.e) };
}

// forge encodes UTF8String values itself.
const utf8 = (name: string, value: string) => ({ name, value, valueTagClass: asn1.Type.UTF8 as never });

function randomSerial(): string {
  // Positive, 16 bytes.
  const b = crypto.randomBytes(16);
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

export interface CaInfo {
  cert: forge.pki.Certificate;
  key: KeyPair;
}

export function createCa(commonName: string, organization: string, opts: { notBefore?: Date; years?: number } = {}): CaInfo {
  const key = newRsaKey();
  const cert = pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerial();
  const nb = opts.notBefore ?? new Date(Date.now() - 86_400_000);
  cert.validity.notBefore = nb;
  cert.validity.notAfter = new Date(nb.getTime() + (opts.years ?? 20) * 365 * 86_400_000);
  const subject = [{ name: 'countryName', value: 'TW' }, utf8('organizationName', organization), utf8('commonName', commonName)];
  cert.setSubject(subject as never);
  cert.setIssuer(subject as never);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key.privateKey, forge.md.sha256.create());
  return { cert, key };
}

export interface CardProfile {
  type: 'moica' | 'gca' | 'nhi';
  name: string;
  /** moica: the national ID (only its last 4 go into the certificate); nhi: the full ID. */
  nationalId?: string;
  agencyCode?: string;
  agencyName?: string;
  cardNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** Defaults to digitalSignature + nonRepudiation + keyEncipherment. */
  keyUsage?: { digitalSignature?: boolean; nonRepudiation?: boolean; keyEncipherment?: boolean; dataEncipherment?: boolean };
}

/** Issues a card certificate following the MOICA / GCA / NHI-like profiles. */
export function issueCardCertificate(ca: CaInfo, publicKey: forge.pki.rsa.PublicKey, p: CardProfile): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = p.notBefore;
  cert.validity.notAfter = p.notAfter;
  const subject: object[] = [{ name: 'countryName', value: 'TW' }];
  const dirAttrs: Record<string, string> = {};
  if (p.type === 'gca') {
    subject.push(utf8('organizationName', p.agencyName ?? p.name));
    subject.push(utf8('commonName', p.agencyName ?? p.name));
    dirAttrs[OID.agencyCode] = p.agencyCode ?? '';
  } else {
    subject.push(utf8('commonName', p.name));
  }
  if (p.type === 'moica' && p.nationalId) dirAttrs[OID.idLast4] = p.nationalId.slice(-4);
  subject.push({ type: OID.serialNumber, value: p.type === 'nhi' ? p.nationalId ?? '' : p.cardNumber, valueTagClass: asn1.Type.PRINTABLESTRING });
  cert.setSubject(subject as never);
  cert.setIssuer(ca.cert.subject.attributes);
  const ku = p.keyUsage ?? { digitalSignature: true, nonRepudiation: true, keyEncipherment: true };
  const exts: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: Boolean(ku.digitalSignature), nonRepudiation: Boolean(ku.nonRepudiation), keyEncipherment: Boolean(ku.keyEncipherment), dataEncipherment: Boolean(ku.dataEncipherment) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (Object.keys(dirAttrs).length) exts.push({ id: OID.subjectDirectoryAttributes, value: subjectDirectoryAttributes(dirAttrs) });
  cert.setExtensions(exts as never);
  cert.sign(ca.key.privateKey, forge.md.sha256.create());
  return cert;
}

const utcOrGeneralized = (d: Date) =>
  d.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));

const sha256WithRsa = () =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(pki.oids.sha256WithRSAEncryption!).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);

const integerFromHex = (hex: string) => {
  let bytes = forge.util.hexToBytes(hex.length % 2 ? `0${hex}` : hex);
  if (bytes.charCodeAt(0) & 0x80) bytes = `\x00${bytes}`;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes);
};

/** Extension ::= SEQUENCE { extnID, extnValue OCTET STRING (DER of the value) } */
const extension = (oid: string, value: forge.asn1.Asn1) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(value).getBytes()),
  ]);

/** An X.509 v2 CRL (RFC 5280 §5) signed by the CA: node-forge has no CRL writer. */
export function createCrl(ca: CaInfo, revoked: { serialHex: string; at: Date }[], crlNumber: number, now = new Date()): Buffer {
  const entries = revoked.map((r) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [integerFromHex(r.serialHex), utcOrGeneralized(r.at)]),
  );
  const crlNumberExt = extension('2.5.29.20', asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(crlNumber).getBytes()));
  const akiExt = extension(
    '2.5.29.35',
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, ca.cert.generateSubjectKeyIdentifier().getBytes()),
    ]),
  );
  const tbsParts = [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    sha256WithRsa(),
    pki.distinguishedNameToAsn1(ca.cert.subject),
    utcOrGeneralized(now),
    utcOrGeneralized(new Date(now.getTime() + 30 * 86_400_000)),
  ];
  if (entries.length) tbsParts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, entries));
  tbsParts.push(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [akiExt, crlNumberExt])]));
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, tbsParts);
  const md = forge.md.sha256.create();
  md.update(asn1.toDer(tbs).getBytes());
  const signature = ca.key.privateKey.sign(md);
  const crl = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    sha256WithRsa(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${signature}`),
  ]);
  return Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
}

export interface ParsedCrl {
  issuerDn: forge.pki.CertificateField[];
  thisUpdate: Date;
  nextUpdate: Date | null;
  revokedSerials: Set<string>;
  tbsDer: Buffer;
  signature: Buffer;
}

/** Reads a DER CRL; the caller checks its signature against the issuing CA. */
export function parseCrl(der: Buffer): ParsedCrl {
  const root = asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const [tbs, , sig] = root.value as forge.asn1.Asn1[];
  const parts = tbs!.value as forge.asn1.Asn1[];
  let i = 0;
  if (parts[0]!.type === asn1.Type.INTEGER) i++; // version
  i++; // signature algorithm
  const issuer = (pki as unknown as { RDNAttributesAsArray(n: forge.asn1.Asn1): forge.pki.CertificateField[] }).RDNAttributesAsArray(parts[i++]!);
  const time = (n: forge.asn1.Asn1) =>
    n.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(n.value as string) : asn1.generalizedTimeToDate(n.value as string);
  const thisUpdate = time(parts[i++]!);
  let nextUpdate: Date | null = null;
  if (parts[i] && (parts[i]!.type === asn1.Type.UTCTIME || parts[i]!.type === asn1.Type.GENERALIZEDTIME)) nextUpdate = time(parts[i++]!);
  const revokedSerials = new Set<string>();
  if (parts[i] && parts[i]!.tagClass === asn1.Class.UNIVERSAL && parts[i]!.type === asn1.Type.SEQUENCE) {
    for (const entry of parts[i]!.value as forge.asn1.Asn1[]) {
      const serial = forge.util.bytesToHex((entry.value as forge.asn1.Asn1[])[0]!.value as string).replace(/^0+(?=.)/, '');
      revokedSerials.add(serial.toUpperCase());
    }
  }
  return {
    issuerDn: issuer,
    thisUpdate,
    nextUpdate,
    revokedSerials,
    tbsDer: Buffer.from(asn1.toDer(tbs!).getBytes(), 'binary'),
    signature: Buffer.from((sig!.value as string).slice(1), 'binary'),
  };
}
