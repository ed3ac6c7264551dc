import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../support/app';
import { buildCrl, serials, type CrlAlgorithm } from '../support/crl';
import { createCa, issueCardCertificate, newRsaKey, type CaInfo } from '../../src/platform/pki/ca';
import { parseCrlDer, subjectDer, verifyCrlSignature } from '../../src/platform/pki/crl';
import { CertificateError } from '../../src/platform/pki/verify';
import { RevokedTable } from '../../src/platform/pki/revoked';
import { loadConfig } from '../../src/config';

const certDer = (cert: forge.pki.Certificate) => Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
const keyOf = (ca: CaInfo) => crypto.createPrivateKey(forge.pki.privateKeyToPem(ca.key.privateKey));

function card(ca: CaInfo) {
  const cert = issueCardCertificate(ca, newRsaKey().publicKey, { type: 'moica', name: '測試', nationalId: 'A123456789', cardNumber: 'TP0000000000001', notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) });
  return { der: certDer(cert), serial: cert.serialNumber.toUpperCase().replace(/^0+/, '') };
}

/** What a real local HTTP server hands out at each path (changed by the tests). */
const served = new Map<string, Buffer>();
const server = http.createServer((req, res) => {
  const body = served.get(req.url ?? '');
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.length }).end(body);
});
let base = '';

// A trust store of this file's own (RSA CAs, as the trust store reads them), and an ECDSA CA
// for the signature checks.
const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-crl-'));
const moica = createCa('測試 MOICA CRL CA', '內政部');
fs.mkdirSync(path.join(pkiDir, 'ca'));
fs.writeFileSync(path.join(pkiDir, 'ca/moica.pem'), forge.pki.certificateToPem(moica.cert));
const gca = createCa('測試 GCA CRL CA', '國家發展委員會');
fs.writeFileSync(path.join(pkiDir, 'ca/gca.pem'), forge.pki.certificateToPem(gca.cert));
const gcaSubject = subjectDer(certDer(gca.cert));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/C=TW/O=EC/CN=Test EC CA', '-days', '30', '-keyout', path.join(pkiDir, 'ec-key.pem'), '-out', path.join(pkiDir, 'ec.pem')], { stdio: 'ignore' });
const ecKey = crypto.createPrivateKey(fs.readFileSync(path.join(pkiDir, 'ec-key.pem')));
const ecSubject = subjectDer(new crypto.X509Certificate(fs.readFileSync(path.join(pkiDir, 'ec.pem'))).raw);
const moicaSubject = subjectDer(certDer(moica.cert));

const revokedCard = card(moica);
const goodCard = card(moica);
const BIG = 500_000;

let t: ReturnType<typeof buildApp>;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = buildApp({ PKI_DIR: pkiDir, CRL_URLS: `moica=${base}/moica.crl,gca=${base}/gca.crl` });
});
afterAll(async () => {
  await t.db('pki_crl').delete();
  await t.close();
  server.close();
  fs.rmSync(pkiDir, { recursive: true, force: true });
});

describe('CRL signature: over the original bytes, with the CRL’s own algorithm', () => {
  it.each<CrlAlgorithm>(['sha256', 'sha384', 'sha512', 'pss-sha256'])('accepts an RSA CRL signed with %s, and refuses it with one byte changed', (algorithm) => {
    const der = buildCrl({ issuer: moicaSubject, key: keyOf(moica), algorithm, serials: serials(3) });
    const key = crypto.createPublicKey(forge.pki.publicKeyToPem(moica.cert.publicKey));
    const crl = parseCrlDer(der);
    expect(verifyCrlSignature(crl, key)).toBe(true);
    const tampered = Buffer.from(der);
    tampered[tampered.indexOf(Buffer.from(serials(3)[1]!, 'hex'))! + 5]! ^= 1;
    expect(verifyCrlSignature(parseCrlDer(tampered), key)).toBe(false);
  });

  it('accepts an ECDSA CRL from an EC CA, and refuses it against an RSA key', () => {
    const crl = parseCrlDer(buildCrl({ issuer: ecSubject, key: ecKey, algorithm: 'ecdsa-sha256', serials: serials(2) }));
    expect(verifyCrlSignature(crl, crypto.createPublicKey(ecKey))).toBe(true);
    expect(verifyCrlSignature(crl, crypto.createPublicKey(forge.pki.publicKeyToPem(moica.cert.publicKey)))).toBe(false);
  });

  it('checks the bytes the CA signed, even when they are not the shortest encoding (a re-encoding would not verify)', () => {
    const der = buildCrl({ issuer: moicaSubject, key: keyOf(moica), serials: serials(2), longFormTime: true });
    const crl = parseCrlDer(der);
    expect(verifyCrlSignature(crl, crypto.createPublicKey(forge.pki.publicKeyToPem(moica.cert.publicKey)))).toBe(true);
  });

  it('refuses a CRL whose inner and outer signature algorithms differ', () => {
    const der = buildCrl({ issuer: moicaSubject, key: keyOf(moica), serials: [], algorithm: 'sha256' });
    const swapped = Buffer.from(der);
    // The outer AlgorithmIdentifier is the last one: make it sha384WithRSA.
    const at = swapped.lastIndexOf(Buffer.from('2a864886f70d01010b', 'hex'));
    swapped[at + 8] = 0x0c;
    expect(() => parseCrlDer(swapped)).toThrow(/differ/);
  });
});

describe('CRLs fetched on a schedule from CRL_URLS', () => {
  it(`downloads ${BIG.toLocaleString('en')} entries over HTTP, checks them and swaps them in: a revoked card is refused, another accepted`, async () => {
    // Without a CRL no card is accepted.
    expect(() => t.services.trustStore().check(goodCard.der)).toThrow(expect.objectContaining({ code: 'crl_unavailable' }));
    served.set('/moica.crl', buildCrl({ issuer: moicaSubject, key: keyOf(moica), serials: [...serials(BIG), revokedCard.serial] }));
    served.set('/gca.crl', buildCrl({ issuer: gcaSubject, key: keyOf(gca), algorithm: 'sha384', serials: serials(10, 7) }));
    const before = t.services.trustStore();
    expect(await t.services.crls.refresh()).toEqual({ moica: 'stored', gca: 'stored' });
    const after = t.services.trustStore();
    // A new trust store, swapped in whole; the one before is unchanged.
    expect(after).not.toBe(before);
    expect(before.caOf('moica')!.crl).toBeNull();
    const crl = after.caOf('moica')!.crl!;
    // Parsed in a worker thread: its serials came over as one hash table (constant-time lookup).
    expect(crl.revokedSerials).toBeInstanceOf(RevokedTable);
    expect(crl.revokedSerials.size).toBe(BIG + 1);
    expect(() => after.check(revokedCard.der)).toThrow(expect.objectContaining({ code: 'cert_revoked' }));
    expect(after.check(goodCard.der).cardType).toBe('moica');
    expect(await t.db('pki_crl').where({ ca: 'moica' }).first('entries', 'source_url')).toEqual({ entries: BIG + 1, source_url: `${base}/moica.crl` });

    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain(`ecpa_crl_entries{ca="moica"} ${BIG + 1}`);
    expect(metrics).toContain('ecpa_crl_fetches_total{ca="moica",result="stored"} 1');
    expect(metrics).toMatch(/ecpa_crl_next_update_seconds\{ca="gca"\} 6\d{5}/);
  }, 240_000);

  it('runs as the scheduled job pki.crl.refresh, and a second instance loads what the first stored', async () => {
    expect(t.services.scheduler.jobs()).toContain('pki.crl.refresh');
    const other = buildApp({ PKI_DIR: pkiDir, CRL_URLS: `moica=${base}/moica.crl` });
    try {
      await other.services.crls.sync();
      expect(other.services.trustStore().caOf('moica')!.crl!.revokedSerials.size).toBe(BIG + 1);
      expect(() => other.services.trustStore().check(revokedCard.der)).toThrow(CertificateError);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('keeps the CRL in use when a download is tampered with, older, unreachable or not a CRL', async () => {
    const good = served.get('/moica.crl')!;
    const tampered = Buffer.from(good);
    tampered[200]! ^= 1;
    served.set('/moica.crl', tampered);
    expect((await t.services.crls.refresh()).moica).toBe('bad_signature');
    served.set('/moica.crl', buildCrl({ issuer: moicaSubject, key: keyOf(moica), serials: [], thisUpdate: new Date(Date.now() - 86_400_000) }));
    expect((await t.services.crls.refresh()).moica).toBe('older');
    served.set('/moica.crl', Buffer.from('<html>maintenance</html>'));
    expect((await t.services.crls.refresh()).moica).toBe('malformed');
    served.set('/moica.crl', buildCrl({ issuer: gcaSubject, key: keyOf(gca), serials: [] }));
    expect((await t.services.crls.refresh()).moica).toBe('wrong_issuer');
    served.delete('/moica.crl');
    expect((await t.services.crls.refresh()).moica).toBe('http_error');
    expect(t.services.trustStore().caOf('moica')!.crl!.revokedSerials.size).toBe(BIG + 1);
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain('ecpa_crl_fetches_total{ca="moica",result="bad_signature"} 1');
  }, 120_000);
});

describe('a CRL past its nextUpdate (CRL_STALE_POLICY)', () => {
  const staleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-crl-stale-'));
  fs.mkdirSync(path.join(staleDir, 'ca'));
  fs.writeFileSync(path.join(staleDir, 'ca/moica.pem'), forge.pki.certificateToPem(moica.cert));
  const stale = buildCrl({ issuer: moicaSubject, key: keyOf(moica), serials: [revokedCard.serial], thisUpdate: new Date(Date.now() - 10 * 86_400_000), nextUpdate: new Date(Date.now() - 86_400_000) });
  fs.writeFileSync(path.join(staleDir, 'crl.pem'), `-----BEGIN X509 CRL-----\n${stale.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`);
  afterAll(() => fs.rmSync(staleDir, { recursive: true, force: true }));

  it('refuses every card by default, and shows as a negative time to nextUpdate', async () => {
    const app = buildApp({ PKI_DIR: staleDir });
    try {
      expect(() => app.services.trustStore().check(goodCard.der)).toThrow(expect.objectContaining({ code: 'crl_unavailable' }));
      const metrics = (await request(app.app).get('/metrics')).text;
      expect(Number(/ecpa_crl_next_update_seconds\{ca="moica"\} (\S+)/.exec(metrics)![1])).toBeLessThan(-86_000);
    } finally {
      await app.close();
    }
  });

  it('with allow-with-warning accepts a card not on it (a revoked one stays refused)', async () => {
    const app = buildApp({ PKI_DIR: staleDir, CRL_STALE_POLICY: 'allow-with-warning' });
    try {
      expect(app.services.trustStore().check(goodCard.der).cardType).toBe('moica');
      expect(() => app.services.trustStore().check(revokedCard.der)).toThrow(expect.objectContaining({ code: 'cert_revoked' }));
    } finally {
      await app.close();
    }
  });

  it('refuses a wrong CRL_URLS or CRL_STALE_POLICY, naming the variable', () => {
    expect(() => loadConfig({ CRL_URLS: 'moica=ftp://x/crl' })).toThrow(/CRL_URLS/);
    expect(() => loadConfig({ CRL_URLS: 'other=http://x/crl' })).toThrow(/CRL_URLS/);
    expect(() => loadConfig({ CRL_URLS: 'moica=http://a/crl,moica=http://b/crl' })).toThrow(/CRL_URLS/);
    expect(() => loadConfig({ CRL_STALE_POLICY: 'ignore' })).toThrow(/CRL_STALE_POLICY/);
    expect(loadConfig({ CRL_URLS: 'moica=http://moica.nat.gov.tw/repository/MOICA/CRL2/complete.crl' }).crlUrls).toEqual([{ type: 'moica', url: 'http://moica.nat.gov.tw/repository/MOICA/CRL2/complete.crl' }]);
  });
});
