import { ensurePlatformPki } from '../src/platform/pki/platform';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { createCa, createCrl, issueCardCertificate, newRsaKey, type CaInfo, type CardProfile } from '../src/platform/pki/ca';
import { decodeField, derOf } from '../src/platform/pki/profiles';
import { issuedFile, normalSerial, readIssued, type IssuanceRecord } from '../src/platform/pki/issued';
import { DEMO_ACCOUNTS } from './demo';
import { importToToken, initToken, writeSoftHsmConfig, DEFAULT_PKCS11_MODULE } from '../src/platform/pki/softhsm';

const { pki } = forge;

export const DEMO_PIN = '123456';
export const DEMO_SO_PIN = '12345678';

export interface DemoCard {
  /** Folder and token label. */
  name: string;
  ca: 'moica' | 'gca' | 'nhi' | 'untrusted';
  profile: Omit<CardProfile, 'notBefore' | 'notAfter' | 'type'> & { type: CardProfile['type'] };
  validity: 'valid' | 'expired';
  revoked?: boolean;
  note: string;
}

const DAY = 86_400_000;

/** The demo people's and agencies' cards (people from seeds/demo-accounts.json). */
export const DEMO_CARDS: DemoCard[] = [
  { name: 'wang-xiaoming', ca: 'moica', validity: 'valid', note: '王小明 自然人憑證', profile: { type: 'moica', name: '王小明', nationalId: '', cardNumber: 'TP03000000000001' } },
  { name: 'hr-chief', ca: 'moica', validity: 'valid', note: '林淑芬 (人事主管) 自然人憑證', profile: { type: 'moica', name: '林淑芬', nationalId: '', cardNumber: 'TP03000000000002' } },
  { name: 'first-login', ca: 'moica', validity: 'valid', note: '許雅婷 自然人憑證 (first activation)', profile: { type: 'moica', name: '許雅婷', nationalId: 'F223456786', cardNumber: 'TP03000000000003' } },
  { name: 'chen-meiling-nhi', ca: 'nhi', validity: 'valid', note: '陳美玲 健保卡', profile: { type: 'nhi', name: '陳美玲', nationalId: '', cardNumber: '0000123456780001' } },
  { name: 'expired', ca: 'moica', validity: 'expired', note: '陳美玲 自然人憑證, expired', profile: { type: 'moica', name: '陳美玲', nationalId: '', cardNumber: 'TP03000000000004' } },
  { name: 'revoked', ca: 'moica', validity: 'valid', revoked: true, note: '張志豪 自然人憑證, revoked', profile: { type: 'moica', name: '張志豪', nationalId: '', cardNumber: 'TP03000000000005' } },
  { name: 'untrusted', ca: 'untrusted', validity: 'valid', note: '王小明 certificate from an untrusted CA', profile: { type: 'moica', name: '王小明', nationalId: '', cardNumber: 'XX99000000000006' } },
  { name: 'retired', ca: 'moica', validity: 'valid', note: '林志明 自然人憑證 (卸職)', profile: { type: 'moica', name: '林志明', nationalId: '', cardNumber: 'TP03000000000007' } },
  { name: 'not-in-master', ca: 'moica', validity: 'valid', note: '趙大同 自然人憑證 (not in the personnel master)', profile: { type: 'moica', name: '趙大同', nationalId: 'K121212126', cardNumber: 'TP03000000000008' } },
  { name: 'no-signature-usage', ca: 'moica', validity: 'valid', note: '王小明 certificate without digitalSignature', profile: { type: 'moica', name: '王小明', nationalId: '', cardNumber: 'TP03000000000009', keyUsage: { keyEncipherment: true } } },
  { name: 'agency-ntunhs', ca: 'gca', validity: 'valid', note: '國立臺北護理健康大學 機關憑證', profile: { type: 'gca', name: '國立臺北護理健康大學', agencyName: '國立臺北護理健康大學', agencyCode: 'A096C0000Q', cardNumber: 'GC00000000000010' } },
  { name: 'agency-dgpa', ca: 'gca', validity: 'valid', note: '行政院人事行政總處 機關憑證', profile: { type: 'gca', name: '行政院人事行政總處', agencyName: '行政院人事行政總處', agencyCode: '376470000A', cardNumber: 'GC00000000000011' } },
  { name: 'agency-unknown', ca: 'gca', validity: 'valid', note: '未登錄機關 機關憑證 (agency not in the directory)', profile: { type: 'gca', name: '測試機關', agencyName: '測試機關', agencyCode: 'Z999Z9999Z', cardNumber: 'GC00000000000012' } },
];

export interface DemoPkiManifest {
  createdAt: string;
  pin: string;
  soPin: string;
  softhsmConf: string | null;
  modulePath: string;
  cas: Record<string, string>;
  cards: {
    name: string;
    ca: string;
    note: string;
    tokenLabel: string | null;
    thumbprint: string;
    serialHex: string;
    cardNumber: string;
    /** 自然人憑證 and 機關憑證: the encryption certificate's serial (cards/<name>/enc-cert.pem). */
    encSerialHex?: string;
  }[];
}

/** Signing certificate of a two-certificate card; the encryption one is ENCRYPTION_KEY_USAGE. */
const SIGNATURE_KEY_USAGE = { digitalSignature: true, nonRepudiation: true };
const ENCRYPTION_KEY_USAGE = { keyEncipherment: true, dataEncipherment: true };

/**
 * Whether a demo card carries two certificates as real 自然人憑證 and 機關憑證 do (signature
 * and encryption, two keys, labels cert1 / cert2); NHI-like cards and cards with a key usage
 * of their own (a test case) carry one.
 */
function twoCertificates(c: DemoCard): boolean {
  return (c.ca === 'moica' || c.ca === 'gca') && !c.profile.keyUsage;
}

// The demo people's national IDs come from seeds/demo-accounts.json (by name).
for (const c of DEMO_CARDS) {
  if (!c.profile.nationalId) c.profile.nationalId = DEMO_ACCOUNTS.find((a) => a.name === c.profile.name)?.nationalId ?? '';
}

const pem = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o600 });
};

/**
 * Creates the demo PKI under `out`: CAs, a CRL, each card as PEM and (when SoftHSM2
 * is there) as a token. Idempotent: an existing complete manifest is kept.
 */
export function createDemoPki(out: string, opts: { softhsmDir?: string | null; modulePath?: string; force?: boolean } = {}): DemoPkiManifest {
  const manifestFile = path.join(out, 'manifest.json');
  if (!opts.force && fs.existsSync(manifestFile)) {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as DemoPkiManifest;
    const tokensOk = !m.softhsmConf || fs.existsSync(m.softhsmConf);
    const issuedOk = fs.existsSync(issuedFile(out, 'moica')) && fs.existsSync(caKeyFile(out, 'moica')) && m.cards.some((c) => c.encSerialHex);
    if (m.cards.length === DEMO_CARDS.length && tokensOk && issuedOk && (opts.softhsmDir === undefined || Boolean(m.softhsmConf) === Boolean(opts.softhsmDir))) {
      ensurePlatformPki(out);
      return m;
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  if (opts.softhsmDir) fs.rmSync(opts.softhsmDir, { recursive: true, force: true });
  const now = Date.now();
  const cas: Record<string, CaInfo> = {
    moica: createCa('內政部憑證管理中心 (示範)', '內政部 (示範)'),
    gca: createCa('政府憑證管理中心 (示範)', '國家發展委員會 (示範)'),
    nhi: createCa('衛生福利部醫事憑證管理中心 健保卡 (示範)', '衛生福利部中央健康保險署 (示範)'),
    untrusted: createCa('Untrusted Demo CA', 'Nobody'),
  };
  for (const [name, ca] of Object.entries(cas)) {
    pem(path.join(out, 'ca', `${name}.pem`), pki.certificateToPem(ca.cert));
    // The demo CAs keep their keys (outside ca/, which is the trust store) to issue more demo cards.
    pem(caKeyFile(out, name), pki.privateKeyToPem(ca.key.privateKey));
  }
  const issued: Record<string, IssuanceRecord[]> = { moica: [], gca: [], nhi: [] };

  const conf = opts.softhsmDir ? writeSoftHsmConfig(opts.softhsmDir) : null;
  const modulePath = opts.modulePath ?? DEFAULT_PKCS11_MODULE;
  const cards: DemoPkiManifest['cards'] = [];
  const revokedBy: Record<string, { serialHex: string; at: Date }[]> = { moica: [], gca: [], nhi: [] };
  for (const c of DEMO_CARDS) {
    const key = newRsaKey();
    const validity = c.validity === 'expired' ? { notBefore: new Date(now - 3 * 365 * DAY), notAfter: new Date(now - 30 * DAY) } : { notBefore: new Date(now - DAY), notAfter: new Date(now + 5 * 365 * DAY) };
    const two = twoCertificates(c);
    const cert = issueCardCertificate(cas[c.ca]!, key.publicKey, { ...c.profile, ...(two ? { keyUsage: SIGNATURE_KEY_USAGE } : {}), ...validity });
    const der = derOf(cert);
    if (c.revoked) revokedBy[c.ca]!.push({ serialHex: cert.serialNumber, at: new Date(now - DAY / 2) });
    pem(path.join(out, 'cards', c.name, 'cert.pem'), pki.certificateToPem(cert));
    pem(path.join(out, 'cards', c.name, 'key.pem'), pki.privateKeyInfoToPem(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(key.privateKey))));
    // The encryption certificate: its own key, same subject and validity.
    const enc = two ? { key: newRsaKey() } : null;
    const encCert = enc ? issueCardCertificate(cas[c.ca]!, enc.key.publicKey, { ...c.profile, keyUsage: ENCRYPTION_KEY_USAGE, ...validity }) : null;
    if (c.revoked && encCert) revokedBy[c.ca]!.push({ serialHex: encCert.serialNumber, at: new Date(now - DAY / 2) });
    if (enc && encCert) {
      pem(path.join(out, 'cards', c.name, 'enc-cert.pem'), pki.certificateToPem(encCert));
      pem(path.join(out, 'cards', c.name, 'enc-key.pem'), pki.privateKeyInfoToPem(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(enc.key.privateKey))));
    }
    let tokenLabel: string | null = null;
    if (conf) {
      tokenLabel = c.name.slice(0, 32);
      initToken(conf, tokenLabel, DEMO_PIN, DEMO_SO_PIN);
      const subjectDer = Buffer.from(forge.asn1.toDer(pki.distinguishedNameToAsn1(cert.subject)).getBytes(), 'binary');
      importToToken(modulePath, conf, tokenLabel, DEMO_PIN, key.privateKey, der, subjectDer, c.note.slice(0, 60));
      if (enc && encCert) importToToken(modulePath, conf, tokenLabel, DEMO_PIN, enc.key.privateKey, derOf(encCert), subjectDer, `${c.note.slice(0, 54)} 加密`);
    }
    const thumbprint = crypto.createHash('sha256').update(der).digest('hex');
    cards.push({ name: c.name, ca: c.ca, note: c.note, tokenLabel, thumbprint, serialHex: cert.serialNumber.toUpperCase(), cardNumber: c.profile.cardNumber, ...(encCert ? { encSerialHex: encCert.serialNumber.toUpperCase() } : {}) });
    if (c.ca !== 'untrusted' && c.profile.type !== 'gca') {
      issued[c.ca]!.push({ serialHex: normalSerial(cert.serialNumber), thumbprint, cardNumber: c.profile.cardNumber, nationalId: c.profile.nationalId ?? '' });
    }
  }
  for (const name of ['moica', 'nhi'] as const) writeIssued(out, name, issued[name]!);
  const crls = (['moica', 'gca', 'nhi'] as const).map((name, i) => {
    const der = createCrl(cas[name]!, revokedBy[name]!, i + 1);
    return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END X509 CRL-----\n`;
  });
  pem(path.join(out, 'crl.pem'), crls.join(''));
  const manifest: DemoPkiManifest = { createdAt: new Date(now).toISOString(), pin: DEMO_PIN, soPin: DEMO_SO_PIN, softhsmConf: conf, modulePath, cas: Object.fromEntries(Object.keys(cas).map((k) => [k, `ca/${k}.pem`])), cards };
  ensurePlatformPki(out);
  pem(manifestFile, JSON.stringify(manifest, null, 2));
  return manifest;
}

const caKeyFile = (pkiDir: string, ca: string) => path.join(pkiDir, 'ca-keys', `${ca}.key.pem`);

function writeIssued(pkiDir: string, ca: string, records: IssuanceRecord[]): void {
  const file = issuedFile(pkiDir, ca);
  const tmp = `${file}.${process.pid}.tmp`;
  pem(tmp, `${JSON.stringify({ ca, certificates: records }, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/**
 * Issues one more card from a demo CA of an existing demo PKI (e.g. a namesake's genuine
 * card for tests), as `cards/<name>/{cert,key}.pem`, and adds it to the CA's issuance records.
 */
export function issueDemoCard(pkiDir: string, card: { name: string; ca: 'moica' | 'nhi'; holderName: string; nationalId: string; cardNumber: string }): { thumbprint: string; serialHex: string } {
  const caCert = pki.certificateFromPem(fs.readFileSync(path.join(pkiDir, 'ca', `${card.ca}.pem`), 'utf8'));
  // forge keeps parsed UTF8String values as bytes and would encode them again as the issuer.
  for (const a of caCert.subject.attributes) if ((a.valueTagClass as unknown) === forge.asn1.Type.UTF8) a.value = decodeField(a.value);
  const caKey = pki.privateKeyFromPem(fs.readFileSync(caKeyFile(pkiDir, card.ca), 'utf8')) as forge.pki.rsa.PrivateKey;
  const ca: CaInfo = { cert: caCert, key: { privateKey: caKey, publicKey: caCert.publicKey as forge.pki.rsa.PublicKey } };
  const key = newRsaKey();
  const now = Date.now();
  const cert = issueCardCertificate(ca, key.publicKey, { type: card.ca, name: card.holderName, nationalId: card.nationalId, cardNumber: card.cardNumber, notBefore: new Date(now - DAY), notAfter: new Date(now + 5 * 365 * DAY) });
  const der = derOf(cert);
  pem(path.join(pkiDir, 'cards', card.name, 'cert.pem'), pki.certificateToPem(cert));
  pem(path.join(pkiDir, 'cards', card.name, 'key.pem'), pki.privateKeyInfoToPem(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(key.privateKey))));
  const thumbprint = crypto.createHash('sha256').update(der).digest('hex');
  const serialHex = normalSerial(cert.serialNumber);
  writeIssued(pkiDir, card.ca, [...readIssued(pkiDir, card.ca), { serialHex, thumbprint, cardNumber: card.cardNumber, nationalId: card.nationalId }]);
  return { thumbprint, serialHex };
}
