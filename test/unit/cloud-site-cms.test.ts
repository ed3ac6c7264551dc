import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it, inject } from 'vitest';
import forge from 'node-forge';
import { detachedSignature, envelopeStream, pemToDer } from '../../src/cloud/site/cms';
import { buildEncryptedFile, certb64ToPem } from '../../src/cloud/site/delivery';
import { parseEnvelopedData, findRecipient, checkSupported, unwrapKey, decryptContent } from '../../src/bridge/envelope';
import { loadPlatformPki } from '../../src/platform/pki/platform';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-site-cms-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const card = (n: string, f: string) => path.join(inject('pkiDir'), 'cards', n, f);

async function envelope(content: Buffer[], recipient = 'agency-ntunhs'): Promise<string> {
  const file = path.join(tmp, `${crypto.randomUUID()}.p7m`);
  await pipeline(Readable.from(content), envelopeStream(pemToDer(fs.readFileSync(card(recipient, 'cert.pem'), 'utf8'))), fs.createWriteStream(file));
  return file;
}
const opensslDecrypt = (file: string, who = 'agency-ntunhs') =>
  spawnSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-in', file, '-recip', card(who, 'cert.pem'), '-inkey', card(who, 'key.pem')]);

describe('streamed CMS EnvelopedData', () => {
  it.each([
    ['empty', [] as Buffer[]],
    ['one byte', [Buffer.from('x')]],
    ['exactly one AES block', [Buffer.alloc(16, 0x41)]],
    ['many chunks over 64 KiB pieces', Array.from({ length: 50 }, (_, i) => Buffer.from(`${i},中文資料,`.repeat(300)))],
  ])('openssl cms -decrypt opens it: %s', async (_label, parts) => {
    const file = await envelope(parts);
    const r = opensslDecrypt(file);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.equals(Buffer.concat(parts))).toBe(true);
  });

  it('is AES-256-CBC to the certificate, readable by the bridge parser', async () => {
    const text = Buffer.from('agency_id,name\r\n1,王小明\r\n'.repeat(1000));
    const file = await envelope([text]);
    const info = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file]).toString();
    expect(info).toContain('aes-256-cbc');
    const env = parseEnvelopedData(fs.readFileSync(file));
    const certDer = new crypto.X509Certificate(fs.readFileSync(card('agency-ntunhs', 'cert.pem'))).raw;
    const r = findRecipient(env, certDer)!;
    expect(r).not.toBeNull();
    checkSupported(env, r);
    const key = forge.pki.privateKeyFromPem(fs.readFileSync(card('agency-ntunhs', 'key.pem'), 'utf8'));
    const plain = decryptContent(env, unwrapKey(r, { decrypt: (s: string) => key.decrypt(s) }));
    expect(plain.equals(text)).toBe(true);
  });

  it('another key cannot open it', async () => {
    const file = await envelope([Buffer.from('secret')]);
    expect(opensslDecrypt(file, 'agency-dgpa').status).not.toBe(0);
  });

  it('refuses a recipient certificate that is not RSA', () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    void publicKey;
    void privateKey;
    expect(() => envelopeStream(Buffer.from('not a certificate'))).toThrow();
  });
});

describe('the platform signature and the delivery file', () => {
  it('the detached signature verifies with openssl against the platform CA, and fails on other content', () => {
    const pki = loadPlatformPki(inject('pkiDir'));
    const content = Buffer.from('delivery bytes');
    const sig = detachedSignature(crypto.createHash('sha256').update(content).digest(), pemToDer(pki.signerCertPem), pki.signerKeyObject);
    fs.writeFileSync(path.join(tmp, 'c.bin'), content);
    fs.writeFileSync(path.join(tmp, 'c.p7s'), sig);
    fs.writeFileSync(path.join(tmp, 'ca.pem'), pki.caCertPem);
    const verify = () => spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(tmp, 'c.p7s'), '-content', path.join(tmp, 'c.bin'), '-CAfile', path.join(tmp, 'ca.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(verify().status).toBe(0);
    fs.writeFileSync(path.join(tmp, 'c.bin'), Buffer.from('delivery bytez'));
    expect(verify().status).not.toBe(0);
  });

  it('buildEncryptedFile hashes exactly the written file and leaves nothing behind on failure', async () => {
    const pki = loadPlatformPki(inject('pkiDir'));
    const cert = fs.readFileSync(card('agency-ntunhs', 'cert.pem'), 'utf8');
    async function* rows() {
      yield Buffer.from('a,b\r\n');
      yield Buffer.from('1,2\r\n');
    }
    const dir = path.join(tmp, 'out');
    const built = await buildEncryptedFile(rows(), cert, { certPem: pki.signerCertPem, key: pki.signerKeyObject }, dir, { rows: 1 });
    expect(crypto.createHash('sha256').update(fs.readFileSync(built.tempPath)).digest('hex')).toBe(built.sha256);
    expect(opensslDecrypt(built.tempPath).stdout.toString()).toBe('a,b\r\n1,2\r\n');
    async function* broken() {
      yield Buffer.from('a');
      throw new Error('database went away');
    }
    const before = fs.readdirSync(dir).length;
    await expect(buildEncryptedFile(broken(), cert, { certPem: pki.signerCertPem, key: pki.signerKeyObject }, dir, { rows: 0 })).rejects.toThrow('database went away');
    expect(fs.readdirSync(dir).length).toBe(before);
  });

  it('certb64ToPem gives back the certificate', () => {
    const pem = fs.readFileSync(card('agency-ntunhs', 'cert.pem'), 'utf8');
    const b64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
    expect(new crypto.X509Certificate(certb64ToPem(b64)).fingerprint256).toBe(new crypto.X509Certificate(pem).fingerprint256);
  });
});
