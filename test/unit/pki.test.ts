import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { describe, expect, inject, it } from 'vitest';
import { certificateFacts } from '../../src/platform/pki/profiles';
import { createCa, createCrl, issueCardCertificate, newRsaKey, parseCrl } from '../../src/platform/pki/ca';
import { CertificateError, TrustStore, readPemBlocks, verifySignature } from '../../src/platform/pki/verify';
import { parseTbs } from '../../src/auth/cardLogin';

const pki = () => inject('pkiDir');
const der = (card: string) => readPemBlocks(fs.readFileSync(path.join(pki(), 'cards', card, 'cert.pem'), 'utf8'), 'CERTIFICATE')[0]!;

describe('certificate profiles', () => {
  it('reads a MOICA-like card: holder name, last 4 of the ID, 16-character card number', () => {
    const f = certificateFacts(der('wang-xiaoming'));
    expect(f).toMatchObject({ subjectName: '王小明', idLast4: '6789', cardNumber: 'TP03000000000001', agencyCode: null });
    // The signing certificate (cert.pem); the encryption one is enc-cert.pem.
    expect(f.keyUsage).toEqual({ digitalSignature: true, nonRepudiation: true, keyEncipherment: false });
    const enc = readPemBlocks(fs.readFileSync(path.join(pki(), 'cards', 'wang-xiaoming', 'enc-cert.pem'), 'utf8'), 'CERTIFICATE')[0]!;
    expect(certificateFacts(enc)).toMatchObject({ subjectName: '王小明', idLast4: '6789', cardNumber: 'TP03000000000001', keyUsage: { digitalSignature: false, nonRepudiation: false, keyEncipherment: true } });
    expect(f.thumbprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a GCA-like card: organization and agency code', () => {
    expect(certificateFacts(der('agency-ntunhs'))).toMatchObject({ organization: '國立臺北護理健康大學', agencyCode: 'A096C0000Q', cardNumber: 'GC00000000000010' });
  });

  it('reads an NHI-like card: the holder ID', () => {
    expect(certificateFacts(der('chen-meiling-nhi'))).toMatchObject({ subjectName: '陳美玲', nationalId: 'B220012340' });
  });

  it('throws on garbage', () => {
    expect(() => certificateFacts(Buffer.from('garbage'))).toThrow();
  });
});

describe('trust store: chain, validity, CRL, key usage', () => {
  const store = () => TrustStore.fromDirectory(pki());
  const code = (card: string) => {
    try {
      store().check(der(card));
      return 'ok';
    } catch (e) {
      return (e as CertificateError).code;
    }
  };

  it('accepts valid cards and tells their type', () => {
    expect(store().check(der('wang-xiaoming')).cardType).toBe('moica');
    expect(store().check(der('agency-ntunhs')).cardType).toBe('gca');
    expect(store().check(der('chen-meiling-nhi')).cardType).toBe('nhi');
  });

  it('refuses untrusted, expired, revoked, not-for-signing and garbage certificates', () => {
    expect(code('untrusted')).toBe('cert_untrusted');
    expect(code('expired')).toBe('cert_expired');
    expect(code('revoked')).toBe('cert_revoked');
    expect(code('no-signature-usage')).toBe('cert_key_usage');
    expect(() => store().check(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(CertificateError);
  });

  it('is not yet valid before notBefore', () => {
    const f = certificateFacts(der('wang-xiaoming'));
    expect(() => store().check(der('wang-xiaoming'), new Date(f.notBefore.getTime() - 1000))).toThrow('尚未生效');
  });

  it('fails closed when the CRL is past its next update', () => {
    expect(() => store().check(der('wang-xiaoming'), new Date(Date.now() + 60 * 86_400_000))).toThrow('廢止狀態');
  });

  it('ignores a CRL not signed by the CA', () => {
    const dir = fs.mkdtempSync(path.join(pki(), '..', 'forged-'));
    fs.mkdirSync(path.join(dir, 'ca'));
    fs.copyFileSync(path.join(pki(), 'ca', 'moica.pem'), path.join(dir, 'ca', 'moica.pem'));
    const impostor = createCa('內政部憑證管理中心 (示範)', '內政部 (示範)');
    const crl = createCrl(impostor, [], 1);
    fs.writeFileSync(path.join(dir, 'crl.pem'), `-----BEGIN X509 CRL-----\n${crl.toString('base64')}\n-----END X509 CRL-----\n`);
    expect(() => TrustStore.fromDirectory(dir).check(der('wang-xiaoming'))).toThrow('廢止狀態');
    fs.rmSync(dir, { recursive: true });
  });
});

describe('CRL writer and reader', () => {
  it('round-trips revoked serials, including ones with a leading zero nibble', () => {
    const ca = createCa('Test CA', 'Test');
    const crl = parseCrl(createCrl(ca, [{ serialHex: '0abc', at: new Date() }, { serialHex: '7f01', at: new Date() }], 5));
    expect([...crl.revokedSerials].sort()).toEqual(['7F01', 'ABC']);
    expect(crl.nextUpdate!.getTime()).toBeGreaterThan(crl.thisUpdate.getTime());
  });
});

describe('signature check', () => {
  it('verifies RSA PKCS#1 v1.5 and PSS over exactly the data', () => {
    const ca = createCa('Test CA', 'Test');
    const key = newRsaKey();
    const cert = issueCardCertificate(ca, key.publicKey, { type: 'moica', name: '測試', nationalId: 'A123456789', cardNumber: 'TP00000000000099', notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + 86_400_000) });
    const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
    const pem = forge.pki.privateKeyToPem(key.privateKey);
    const data = Buffer.from('ecpa-login\nx');
    expect(verifySignature(certDer, data, crypto.sign('sha256', data, pem))).toBe(true);
    expect(verifySignature(certDer, data, crypto.sign('sha256', data, { key: pem, padding: crypto.constants.RSA_PKCS1_PSS_PADDING }))).toBe(true);
    expect(verifySignature(certDer, Buffer.from('ecpa-login\ny'), crypto.sign('sha256', data, pem))).toBe(false);
  });
});

describe('tbs format', () => {
  it('parses the four lines and refuses anything else', () => {
    const nonce = Buffer.alloc(32, 1).toString('base64url');
    expect(parseTbs(`ecpa-login\norigin=http://a\nnonce=${nonce}\ntime=2026-11-24T00:00:00Z`)).toMatchObject({ purpose: 'login', origin: 'http://a' });
    expect(parseTbs(`ecpa-admin\norigin=http://a\nnonce=${nonce}\ntime=x`)).toBeNull();
    expect(parseTbs(`ecpa-login\norigin=http://a\nnonce=short\ntime=x`)).toBeNull();
    expect(parseTbs('{"json":true}')).toBeNull();
  });
});

describe('interoperability with openssl', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  it('openssl verify -CRLfile accepts the demo certificates and refuses the revoked one', () => {
    expect(hasOpenssl).toBe(true);
    const dir = pki();
    const bundle = path.join(dir, 'trusted.pem');
    fs.writeFileSync(bundle, ['moica', 'gca', 'nhi'].map((c) => fs.readFileSync(path.join(dir, 'ca', `${c}.pem`), 'utf8')).join(''));
    for (const card of ['wang-xiaoming', 'agency-ntunhs', 'chen-meiling-nhi']) {
      const out = execFileSync('openssl', ['verify', '-CAfile', bundle, '-CRLfile', path.join(dir, 'crl.pem'), '-crl_check', path.join(dir, 'cards', card, 'cert.pem')]).toString();
      expect(out).toContain(': OK');
    }
    const revoked = spawnSync('openssl', ['verify', '-CAfile', bundle, '-CRLfile', path.join(dir, 'crl.pem'), '-crl_check', path.join(dir, 'cards', 'revoked', 'cert.pem')]);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stdout.toString() + revoked.stderr.toString()).toContain('certificate revoked');
  });
});
