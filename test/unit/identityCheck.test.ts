/**
 * The certificate authority's identity check: the HTTP client against real local servers
 * (HTTP and HTTPS, started here), the demo records, and the configuration rules.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createIdentityCheck, demoIdentityCheck, httpIdentityCheck, IdentityCheckUnavailable, type IdentityQuery } from '../../src/platform/pki/identityCheck';
import { createCa, newRsaKey } from '../../src/platform/pki/ca';
import { readIssued } from '../../src/platform/pki/issued';
import { loadConfig } from '../../src/config';

const query: IdentityQuery = { certB64: 'MIIBcert', serialHex: '00ABCDEF', issuerDn: 'C=TW, O=內政部 (示範), CN=內政部憑證管理中心 (示範)', nationalId: 'F223456786' };

type Behaviour = (body: Record<string, unknown>, res: http.ServerResponse) => void;
let behaviour: Behaviour = () => {};
const seen: Record<string, unknown>[] = [];
const handler: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    seen.push({ ...body, method: req.method, contentType: req.headers['content-type'] });
    behaviour(body, res);
  });
};
const open: { close: () => void }[] = [];
async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => (server.closeAllConnections(), server.close()) });
  return (server.address() as AddressInfo).port;
}
afterAll(() => open.forEach((s) => s.close()));

const json = (res: http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};

describe('HTTP identity check (MOICA-like JSON service)', () => {
  it('sends serial, issuer, certificate and the full national ID, and reads {"match": true|false}', async () => {
    const port = await listen(http.createServer(handler));
    const check = httpIdentityCheck({ url: `http://127.0.0.1:${port}/idcheck`, timeoutMs: 2000 });
    behaviour = (body, res) => json(res, 200, JSON.stringify({ match: body.nationalId === 'F223456786' }));
    expect(await check.holds(query)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', contentType: 'application/json', serialNumber: 'ABCDEF', issuer: query.issuerDn, certificate: 'MIIBcert', nationalId: 'F223456786' });
    expect(await check.holds({ ...query, nationalId: 'P223456786' })).toBe(false);
  });

  it('a server answering garbage, an error status, no "match", or too much: unavailable, never a yes', async () => {
    const port = await listen(http.createServer(handler));
    const check = httpIdentityCheck({ url: `http://127.0.0.1:${port}/idcheck`, timeoutMs: 2000 });
    const answers: Behaviour[] = [
      (_b, res) => json(res, 200, '<html>not json</html>'),
      (_b, res) => json(res, 500, '{"match": true}'),
      (_b, res) => json(res, 200, '{"match": "yes"}'),
      (_b, res) => json(res, 200, 'true'),
      (_b, res) => json(res, 200, JSON.stringify({ match: true, padding: 'x'.repeat(64 * 1024) })),
      (_b, res) => res.destroy(),
    ];
    for (const answer of answers) {
      behaviour = answer;
      await expect(check.holds(query)).rejects.toBeInstanceOf(IdentityCheckUnavailable);
    }
  });

  it('a slow server (no answer within the timeout) and a server that is down: unavailable', async () => {
    const port = await listen(http.createServer(handler));
    behaviour = () => {}; // never answers
    const slow = httpIdentityCheck({ url: `http://127.0.0.1:${port}/idcheck`, timeoutMs: 200 });
    await expect(slow.holds(query)).rejects.toMatchObject({ name: 'IdentityCheckUnavailable', reason: 'unavailable', message: expect.stringMatching(/within 200 ms/) });

    const gone = http.createServer(handler);
    const downPort = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
    const down = httpIdentityCheck({ url: `http://127.0.0.1:${downPort}/idcheck`, timeoutMs: 2000 });
    await expect(down.holds(query)).rejects.toMatchObject({ name: 'IdentityCheckUnavailable', message: expect.stringMatching(/unreachable/) });
  });

  it('over HTTPS: trusts the CA file given, refuses a server certificate it cannot verify', async () => {
    const ca = createCa('Identity Check Test CA', 'Test');
    const key = newRsaKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.publicKey;
    cert.serialNumber = '0a1b2c';
    cert.validity.notBefore = new Date(Date.now() - 86_400_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
    cert.setIssuer(ca.cert.subject.attributes);
    cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
    cert.sign(ca.key.privateKey, forge.md.sha256.create());
    const server = https.createServer({ key: forge.pki.privateKeyToPem(key.privateKey), cert: forge.pki.certificateToPem(cert) }, handler);
    const port = await listen(server);
    const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-idcheck-')), 'ca.pem');
    fs.writeFileSync(caFile, forge.pki.certificateToPem(ca.cert));
    behaviour = (_b, res) => json(res, 200, '{"match": true}');
    expect(await httpIdentityCheck({ url: `https://127.0.0.1:${port}/idcheck`, timeoutMs: 2000, caFile }).holds(query)).toBe(true);
    await expect(httpIdentityCheck({ url: `https://127.0.0.1:${port}/idcheck`, timeoutMs: 2000 }).holds(query)).rejects.toBeInstanceOf(IdentityCheckUnavailable);
  });
});

describe('demo identity check', () => {
  it('answers from the demo CA’s issuance records: yes only for the ID the card was issued to', async () => {
    const pkiDir = inject('pkiDir');
    const record = readIssued(pkiDir, 'moica').find((r) => r.cardNumber === 'TP03000000000003')!;
    expect(record.nationalId).toBe('F223456786');
    const check = demoIdentityCheck(pkiDir);
    expect(await check.holds({ ...query, serialHex: `00${record.serialHex.toLowerCase()}` })).toBe(true);
    expect(await check.holds({ ...query, serialHex: record.serialHex, nationalId: 'P223456786' })).toBe(false);
    expect(await check.holds({ ...query, serialHex: 'DEADBEEF' })).toBe(false);
    await expect(demoIdentityCheck(os.tmpdir()).holds(query)).rejects.toBeInstanceOf(IdentityCheckUnavailable);
  });
});

describe('configuration', () => {
  const prod = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) };
  it('uses the demo records outside production, never in production', () => {
    expect(loadConfig({}).identityCheck).toEqual({ kind: 'demo' });
    expect(loadConfig({ ...prod }).identityCheck.kind).toBe('off');
    expect(loadConfig({ ...prod, IDENTITY_CHECK: 'demo' }).identityCheck.kind).toBe('off');
    expect(loadConfig({ ...prod, MOICA_ID_CHECK_URL: 'https://idcheck.example.gov.tw/v1/check' }).identityCheck).toEqual({
      kind: 'http',
      url: 'https://idcheck.example.gov.tw/v1/check',
      timeoutMs: 5000,
      caFile: undefined,
    });
  });

  it('refuses an identity check without a URL, or without TLS in production, at start', () => {
    expect(() => loadConfig({ IDENTITY_CHECK: 'http' })).toThrow(/MOICA_ID_CHECK_URL: required/);
    expect(() => loadConfig({ ...prod, MOICA_ID_CHECK_URL: 'http://idcheck.example.gov.tw/' })).toThrow(/https:\/\/ in production/);
  });

  it('without a check, activation is refused with the reason, never answered yes', async () => {
    const off = createIdentityCheck({ kind: 'off', reason: 'not configured' }, os.tmpdir());
    await expect(off.holds(query)).rejects.toMatchObject({ name: 'IdentityCheckUnavailable', reason: 'off' });
  });
});
