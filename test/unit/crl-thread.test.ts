import crypto from 'node:crypto';
import { threadId as mainThreadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { parseCrlDer, verifyCrlSignature } from '../../src/platform/pki/crl';
import { parseCrlOffThread } from '../../src/platform/pki/crlThread';
import { RevokedTableBuilder } from '../../src/platform/pki/revoked';
import { seq } from '../../src/platform/pki/der';
import { buildCrl, serials } from '../support/crl';

const issuer = seq(Buffer.from('310f300d06035504030c0654657374204341', 'hex'));
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('CRL parsing in a worker thread', () => {
  it('parses and verifies a 500 000-entry CRL on another thread; the event loop runs meanwhile; lookups match the list', async () => {
    const list = serials(500_000);
    const der = buildCrl({ issuer, key: rsa.privateKey, serials: list });
    const parsing = parseCrlOffThread(der, rsa.publicKey);
    // A parse on this thread would have finished before this line: the timer would lose the race.
    const first = await Promise.race([parsing.then(() => 'parse'), new Promise((r) => setTimeout(() => r('event loop'), 0))]);
    expect(first).toBe('event loop');
    const { crl, verified, threadId } = await parsing;
    expect(threadId).not.toBe(mainThreadId);
    expect(threadId).toBeGreaterThan(0);
    expect(verified).toBe(true);
    expect(crl.revokedSerials.size).toBe(500_000);
    for (const s of [list[0]!, list[123_456]!, list[499_999]!]) expect(crl.revokedSerials.has(s)).toBe(true);
    expect(crl.revokedSerials.has(list[7]!.toLowerCase())).toBe(true);
    for (const s of serials(1000, 77)) expect(crl.revokedSerials.has(s)).toBe(false);
    expect(crl.issuerDer.equals(issuer)).toBe(true);
    // Verified once in the worker: the main thread does not hash it again (and it does verify).
    expect(verifyCrlSignature(crl, rsa.publicKey)).toBe(true);
    expect(verifyCrlSignature(crl, crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).toBe(false);
  }, 180_000);

  it('gives the same dates, algorithm and answers as the parse on the main thread (ECDSA, short serials, serial 0)', async () => {
    const list = ['0', '1', '7F', '80', 'FF', '0100', 'ABCDEF0123456789', ...serials(50)];
    const der = buildCrl({ issuer, key: ec.privateKey, algorithm: 'ecdsa-sha256', serials: list, nextUpdate: new Date('2027-01-01T00:00:00Z') });
    const here = parseCrlDer(der);
    const { crl, verified } = await parseCrlOffThread(der, ec.publicKey);
    expect(verified).toBe(true);
    expect(crl.thisUpdate).toEqual(here.thisUpdate);
    expect(crl.nextUpdate).toEqual(here.nextUpdate);
    expect(crl.algorithm.oid).toBe(here.algorithm.oid);
    expect(crl.sha256).toBe(here.sha256);
    expect(crl.tbs.equals(here.tbs)).toBe(true);
    expect(crl.signature.equals(here.signature)).toBe(true);
    expect(crl.revokedSerials.size).toBe(here.revokedSerials.size);
    for (const s of [...here.revokedSerials, '00', '0001', '00FF']) expect(crl.revokedSerials.has(s), s).toBe(true);
    for (const s of ['2', '0101', 'ABCDEF012345678A', 'not hex']) expect(crl.revokedSerials.has(s), s).toBe(false);
  }, 60_000);

  it('says a CRL signed by another key is not verified, and rejects one that does not parse', async () => {
    const der = buildCrl({ issuer, key: rsa.privateKey, serials: serials(10) });
    expect((await parseCrlOffThread(der, ec.publicKey)).verified).toBe(false);
    expect((await parseCrlOffThread(der)).verified).toBeNull();
    await expect(parseCrlOffThread(Buffer.from('not a CRL'))).rejects.toThrow();
    await expect(parseCrlOffThread(der.subarray(0, der.length - 10))).rejects.toThrow();
  }, 60_000);
});

describe('RevokedTableBuilder', () => {
  it('grows past its first size, ignores duplicates and keeps serials over 20 bytes aside', () => {
    const b = new RevokedTableBuilder(1);
    const bytes = (hex: string) => Buffer.from(hex, 'hex');
    for (let i = 0; i < 1000; i++) {
      const d = bytes(i.toString(16).padStart(8, '0'));
      b.add(d, 0, d.length);
    }
    const dup = bytes('000001');
    b.add(dup, 0, dup.length);
    const long = bytes('01'.repeat(25));
    b.add(long, 0, long.length);
    const t = b.build();
    expect(t.size).toBe(1001);
    expect(t.has('3E7')).toBe(true);
    expect(t.has('3E8')).toBe(false);
    expect(t.has('01'.repeat(25))).toBe(true);
    expect(t.has('02'.repeat(25))).toBe(false);
  });
});
