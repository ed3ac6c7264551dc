import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crlBlocks, parseCrlDer, subjectDer, verifyCrlSignature } from '../../src/platform/pki/crl';
import { parseCrlOffThread } from '../../src/platform/pki/crlThread';
import { CertificateError, TrustStore, verifySignature } from '../../src/platform/pki/verify';
import { buildCrl } from '../support/crl';

// A trust store of EC CAs made with openssl: a P-256 自然人憑證 CA and a P-384 機關憑證 CA, each
// issuing EC card certificates and an openssl CRL (ecdsa-with-SHA256 / -SHA384); and an
// impostor P-256 CA with the same name as the first, whose certificates and CRL must not count.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-ec-pki-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (...p: string[]) => path.join(dir, ...p);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

const CA_EXT = 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
const CARD_EXT = 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,nonRepudiation\nauthorityKeyIdentifier=keyid\n';

function makeCa(name: string, curve: string, subject: string) {
  fs.writeFileSync(at(`${name}.ext`), CA_EXT);
  openssl('ecparam', '-name', curve, '-genkey', '-noout', '-out', `${name}.key`);
  openssl('req', '-new', '-x509', '-utf8', '-key', `${name}.key`, '-subj', subject, '-days', '365', '-out', `${name}.pem`, '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  fs.mkdirSync(at(`${name}-db`));
  fs.writeFileSync(at(`${name}-db`, 'index.txt'), '');
  fs.writeFileSync(at(`${name}-db`, 'crlnumber'), '01\n');
  fs.writeFileSync(
    at(`${name}.cnf`),
    `[ca]\ndefault_ca = d\n[d]\ndatabase = ${at(`${name}-db`, 'index.txt')}\ncrlnumber = ${at(`${name}-db`, 'crlnumber')}\ndefault_md = ${curve === 'secp384r1' ? 'sha384' : 'sha256'}\ndefault_crl_days = 7\n`,
  );
  return name;
}

let serial = 0x1000;
function issue(ca: string, card: string, subject: string) {
  fs.writeFileSync(at('card.ext'), CARD_EXT);
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${card}.key`);
  openssl('req', '-new', '-utf8', '-key', `${card}.key`, '-subj', subject, '-out', `${card}.csr`);
  openssl('x509', '-req', '-in', `${card}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(++serial), '-days', '30', '-extfile', 'card.ext', '-out', `${card}.pem`);
  return { der: new crypto.X509Certificate(fs.readFileSync(at(`${card}.pem`))).raw, key: crypto.createPrivateKey(fs.readFileSync(at(`${card}.key`))) };
}

function crlOf(ca: string, revoke: string[]): Buffer {
  for (const card of revoke) openssl('ca', '-config', `${ca}.cnf`, '-keyfile', `${ca}.key`, '-cert', `${ca}.pem`, '-revoke', `${card}.pem`);
  openssl('ca', '-config', `${ca}.cnf`, '-keyfile', `${ca}.key`, '-cert', `${ca}.pem`, '-gencrl', '-out', `${ca}.crl`);
  return fs.readFileSync(at(`${ca}.crl`));
}

const MOICA_NAME = '/C=TW/O=內政部/CN=EC 自然人憑證測試 CA';
makeCa('moica', 'prime256v1', MOICA_NAME);
makeCa('gca', 'secp384r1', '/C=TW/O=國家發展委員會/CN=EC 機關憑證測試 CA');
makeCa('impostor', 'prime256v1', MOICA_NAME);
const good = issue('moica', 'good', '/C=TW/CN=王小明/serialNumber=TP03000000000001');
const revoked = issue('moica', 'revoked', '/C=TW/CN=李小華/serialNumber=TP03000000000002');
const agencyCard = issue('gca', 'agency', '/C=TW/O=國立臺北護理健康大學/CN=國立臺北護理健康大學/serialNumber=GC00000000000099');
const forged = issue('impostor', 'forged', '/C=TW/CN=王小明/serialNumber=TP03000000000001');
const moicaCrl = crlOf('moica', ['revoked']);
const gcaCrl = crlOf('gca', []);
// The impostor's CRL names the same CA, is newer and revokes nothing: it must not count.
const caDer = (name: string) => new crypto.X509Certificate(fs.readFileSync(at(`${name}.pem`))).raw;
const impostorCrl = buildCrl({ issuer: subjectDer(caDer('moica')), key: crypto.createPrivateKey(fs.readFileSync(at('impostor.key'))), algorithm: 'ecdsa-sha256', serials: [], thisUpdate: new Date(Date.now() + 60_000) });
fs.mkdirSync(at('trust', 'ca'), { recursive: true });
fs.copyFileSync(at('moica.pem'), at('trust', 'ca', 'moica.pem'));
fs.copyFileSync(at('gca.pem'), at('trust', 'ca', 'gca.pem'));
const pem = (der: Buffer) => `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`;
fs.writeFileSync(at('trust', 'crl.pem'), moicaCrl.toString() + gcaCrl.toString() + pem(impostorCrl));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CertificateError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('a trust store of EC CAs', () => {
  const trust = TrustStore.fromDirectory(at('trust'));

  it('loads P-256 and P-384 CA certificates and their ECDSA-signed CRLs', () => {
    expect(trust.size).toBe(2);
    expect(trust.caOf('moica')!.key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(trust.caOf('gca')!.key.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    const crls = trust.crls();
    expect(crls.map((c) => c.ca).sort()).toEqual(['gca', 'moica']);
    expect(crls.find((c) => c.ca === 'moica')!.entries).toBe(1);
    // ecdsa-with-SHA256 and ecdsa-with-SHA384, checked over the bytes openssl signed.
    const [m, g] = [parseCrlDer(crlBlocks(moicaCrl)[0]!), parseCrlDer(crlBlocks(gcaCrl)[0]!)];
    expect(m.algorithm.oid).toBe('1.2.840.10045.4.3.2');
    expect(g.algorithm.oid).toBe('1.2.840.10045.4.3.3');
    expect(verifyCrlSignature(m, trust.caOf('moica')!.key)).toBe(true);
    expect(verifyCrlSignature(g, trust.caOf('gca')!.key)).toBe(true);
    expect(verifyCrlSignature(parseCrlDer(impostorCrl), trust.caOf('moica')!.key)).toBe(false);
  });

  it('accepts an EC card of each CA, whose key then verifies the card’s login signature', () => {
    const found = trust.check(good.der);
    expect(found.cardType).toBe('moica');
    expect(found.subjectName).toBe('王小明');
    expect(found.cardNumber).toBe('TP03000000000001');
    const tbs = Buffer.from('portal challenge');
    expect(verifySignature(found.publicKey, tbs, crypto.sign('sha256', tbs, good.key))).toBe(true);
    expect(verifySignature(found.publicKey, tbs, crypto.sign('sha256', tbs, forged.key))).toBe(false);
    const agency = trust.check(agencyCard.der);
    expect(agency.cardType).toBe('gca');
    expect(agency.organization).toBe('國立臺北護理健康大學');
  });

  it('refuses a card the CA revoked (its own CRL counts, the impostor’s newer one does not)', () => {
    expect(refusal(() => trust.check(revoked.der))).toBe('cert_revoked');
  });

  it('refuses a certificate from a different EC CA with the same name', () => {
    expect(refusal(() => trust.check(forged.der))).toBe('cert_untrusted');
  });

  it('checks an EC CA’s CRL in the worker thread too', async () => {
    const ca = trust.caOf('moica')!;
    const { crl, verified } = await parseCrlOffThread(crlBlocks(moicaCrl)[0]!, ca.key);
    expect(verified).toBe(true);
    expect(crl.issuerDer.equals(ca.subject)).toBe(true);
    expect(crl.revokedSerials.has((serial - 2).toString(16))).toBe(true);
    expect((await parseCrlOffThread(impostorCrl, ca.key)).verified).toBe(false);
  }, 60_000);
});
