import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { createCa, newRsaKey, type CaInfo } from './ca';

const { pki } = forge;

/**
 * The platform's own PKI, kept under `<PKI_DIR>/platform/`:
 * - `ca.pem` + `ca-key.pem`: the platform CA that issues web-service client certificates
 *   (mutual TLS of the cloud platform) and the platform's TLS server certificate;
 * - `signer.pem` + `signer-key.pem`: the key that signs what the platform issues (CMS
 *   deliveries, documents when no agency card signs them).
 * Made on first use (operators may put their own files there; see docs/OPERATIONS.md).
 */
export interface PlatformPki {
  dir: string;
  ca: CaInfo;
  caCertPem: string;
  signerCertPem: string;
  signerKeyPem: string;
  signerCert: forge.pki.Certificate;
  signerKey: forge.pki.rsa.PrivateKey;
  /** Node KeyObject of the signer, for crypto.sign. */
  signerKeyObject: crypto.KeyObject;
  /** A TLS server certificate for `hosts` (DNS names or IPs), issued by the platform CA. */
  serverCertificate(hosts: string[]): { certPem: string; keyPem: string };
  /** A client certificate for mutual TLS, e.g. for one approved application. */
  issueClientCertificate(commonName: string, opts?: { organization?: string; days?: number; organizationalUnit?: string }): {
    certPem: string;
    keyPem: string;
    serialHex: string;
    thumbprint: string;
    notAfter: Date;
    pkcs12: (password: string) => Buffer;
  };
}

const DAY = 86_400_000;

function serial(): string {
  const b = crypto.randomBytes(16);
  b[0] = (b[0]! & 0x7f) || 1;
  return b.toString('hex');
}

const keyPem = (k: forge.pki.rsa.PrivateKey) => pki.privateKeyInfoToPem(pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(k)));

function issue(ca: CaInfo, subject: forge.pki.CertificateField[], exts: object[], days: number) {
  const key = newRsaKey();
  const cert = pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + days * DAY);
  cert.setSubject(subject);
  // Parsed UTF8String values are raw bytes; forge would encode them a second time.
  cert.setIssuer(
    ca.cert.subject.attributes.map((a) =>
      // eslint-disable-next-line no-control-regex -- a byte string (each char 0x00-0xFF) holds UTF-8 to decode
      (a.valueTagClass as unknown) === forge.asn1.Type.UTF8 && typeof a.value === 'string' && /^[\x00-\xff]*$/.test(a.value) ? { ...a, value: forge.util.decodeUtf8(a.value) } : a,
    ),
  );
  cert.setExtensions([{ name: 'subjectKeyIdentifier' }, { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() }, ...exts]);
  cert.sign(ca.key.privateKey, forge.md.sha256.create());
  return { cert, key };
}

const utf8 = (name: string, value: string) => ({ name, value, valueTagClass: forge.asn1.Type.UTF8 as never }) as forge.pki.CertificateField;

function create(dir: string) {
  const ca = createCa('人事服務網平台憑證中心', '人事服務網', { years: 10 });
  const signer = issue(
    ca,
    [{ name: 'countryName', value: 'TW' }, utf8('organizationName', '人事服務網'), utf8('commonName', '人事服務網文件簽章')],
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    ],
    5 * 365,
  );
  fs.mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string, mode = 0o644) => {
    const tmp = path.join(dir, `.${name}.${process.pid}`);
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, path.join(dir, name));
  };
  write('ca-key.pem', keyPem(ca.key.privateKey), 0o600);
  write('signer.pem', pki.certificateToPem(signer.cert));
  write('signer-key.pem', keyPem(signer.key.privateKey), 0o600);
  // Written last: its presence means the set is complete.
  write('ca.pem', pki.certificateToPem(ca.cert));
}

/** Makes the platform PKI once; concurrent processes wait for the first one. */
export function ensurePlatformPki(pkiDir: string): string {
  const dir = path.join(pkiDir, 'platform');
  if (fs.existsSync(path.join(dir, 'ca.pem'))) return dir;
  fs.mkdirSync(pkiDir, { recursive: true });
  const lock = path.join(pkiDir, '.platform.lock');
  let mine = false;
  try {
    fs.mkdirSync(lock);
    mine = true;
  } catch {
    // Another process is making it.
  }
  if (mine) {
    try {
      if (!fs.existsSync(path.join(dir, 'ca.pem'))) create(dir);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  } else {
    const until = Date.now() + 30_000;
    while (!fs.existsSync(path.join(dir, 'ca.pem'))) {
      if (Date.now() > until) throw new Error(`platform PKI in ${dir} was not completed`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  return dir;
}

const cache = new Map<string, PlatformPki>();

export function loadPlatformPki(pkiDir: string): PlatformPki {
  const hit = cache.get(pkiDir);
  if (hit) return hit;
  const dir = ensurePlatformPki(pkiDir);
  const read = (n: string) => fs.readFileSync(path.join(dir, n), 'utf8');
  const caCertPem = read('ca.pem');
  const caKey = pki.privateKeyFromPem(read('ca-key.pem')) as forge.pki.rsa.PrivateKey;
  const ca: CaInfo = { cert: pki.certificateFromPem(caCertPem), key: { privateKey: caKey, publicKey: pki.setRsaPublicKey(caKey.n, caKey.e) } };
  const signerCertPem = read('signer.pem');
  const signerKeyPem = read('signer-key.pem');
  const result: PlatformPki = {
    dir,
    ca,
    caCertPem,
    signerCertPem,
    signerKeyPem,
    signerCert: pki.certificateFromPem(signerCertPem),
    signerKey: pki.privateKeyFromPem(signerKeyPem) as forge.pki.rsa.PrivateKey,
    signerKeyObject: crypto.createPrivateKey(signerKeyPem),
    serverCertificate(hosts) {
      const altNames = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
      const { cert, key } = issue(
        ca,
        [{ name: 'countryName', value: 'TW' }, utf8('organizationName', '人事服務網'), utf8('commonName', hosts[0] ?? 'localhost')],
        [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames },
        ],
        825,
      );
      return { certPem: pki.certificateToPem(cert), keyPem: keyPem(key.privateKey) };
    },
    issueClientCertificate(commonName, opts = {}) {
      const subject = [{ name: 'countryName', value: 'TW' }, utf8('organizationName', opts.organization ?? '人事服務網'), ...(opts.organizationalUnit ? [utf8('organizationalUnitName', opts.organizationalUnit)] : []), utf8('commonName', commonName)];
      const { cert, key } = issue(
        ca,
        subject,
        [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', clientAuth: true },
        ],
        opts.days ?? 365,
      );
      const certPem = pki.certificateToPem(cert);
      const der = Buffer.from(forge.asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
      return {
        certPem,
        keyPem: keyPem(key.privateKey),
        serialHex: cert.serialNumber.toUpperCase(),
        thumbprint: crypto.createHash('sha256').update(der).digest('hex'),
        notAfter: cert.validity.notAfter,
        pkcs12: (password: string) => {
          const p12 = forge.pkcs12.toPkcs12Asn1(key.privateKey, [cert, ca.cert], password, { algorithm: '3des', friendlyName: commonName });
          return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
        },
      };
    },
  };
  cache.set(pkiDir, result);
  return result;
}
