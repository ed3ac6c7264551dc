import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHIVE_LIMITS, checkArchive } from '../../src/platform/zipCheck';
import { declareUncompressedSize, makeZip, renameEntries } from '../support/zips';

const MB = 1024 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(buf: Buffer): string {
  const p = path.join(dir, `z${n++}.zip`);
  fs.writeFileSync(p, buf);
  return p;
}

describe('checkArchive', () => {
  it('accepts an ordinary archive: text, a picture, folders', async () => {
    const zip = await makeZip([
      { name: '說明/報告.txt', data: Buffer.from('人事資料異動說明\n'.repeat(500)) },
      { name: '說明/截圖.png', data: crypto.randomBytes(200_000), store: true },
      { name: 'readme.txt', data: Buffer.from('hello') },
    ]);
    expect(await checkArchive(file(zip))).toBe('ok');
  });

  it('refuses a zip bomb: 300 MB of zeros in a few hundred KB', async () => {
    const zip = await makeZip([{ name: 'zeros.bin', data: Buffer.alloc(300 * MB) }]);
    expect(zip.length).toBeLessThan(4 * MB);
    expect(await checkArchive(file(zip))).toBe('too_large');
  });

  it('refuses an entry that inflates past the ratio even under the size limit (20 MB of zeros)', async () => {
    const zip = await makeZip([{ name: 'zeros.bin', data: Buffer.alloc(20 * MB) }]);
    expect(await checkArchive(file(zip))).toBe('too_large');
  });

  it('refuses an archive whose entries together unpack past the limit', async () => {
    const block = crypto.randomBytes(300_000);
    const zip = await makeZip([1, 2, 3, 4].map((i) => ({ name: `part${i}.bin`, data: block, store: true })));
    expect(await checkArchive(file(zip), { ...ARCHIVE_LIMITS, maxUnpackedBytes: 1 * MB })).toBe('too_large');
    expect(await checkArchive(file(zip), { ...ARCHIVE_LIMITS, maxUnpackedBytes: 2 * MB })).toBe('ok');
  });

  it('refuses an archive whose headers understate what it unpacks to', async () => {
    const zip = declareUncompressedSize(await makeZip([{ name: 'zeros.bin', data: Buffer.alloc(5 * MB) }]), 1000);
    expect(await checkArchive(file(zip))).not.toBe('ok');
  });

  it('refuses an archive inside the archive (nested bombs), unless nesting is allowed', async () => {
    const inner = await makeZip([{ name: 'a.txt', data: Buffer.from('a') }]);
    const zip = await makeZip([{ name: 'inner.zip', data: inner }]);
    expect(await checkArchive(file(zip))).toBe('nested');
    expect(await checkArchive(file(zip), { ...ARCHIVE_LIMITS, refuseNested: false })).toBe('ok');
  });

  it(`refuses more than ${ARCHIVE_LIMITS.maxEntries} entries`, async () => {
    const zip = await makeZip(Array.from({ length: ARCHIVE_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') })));
    expect(await checkArchive(file(zip))).toBe('too_many_entries');
  });

  it('refuses entry names that climb out of the folder (zip slip) and absolute ones', async () => {
    const zip = await makeZip([{ name: 'aa/evil.txt', data: Buffer.from('x') }]);
    expect(await checkArchive(file(renameEntries(zip, 'aa/evil.txt', '../evil.txt')))).toBe('broken');
    expect(await checkArchive(file(renameEntries(zip, 'aa/evil.txt', '/a/evil.txt')))).toBe('broken');
  });

  it('refuses a file that is not a whole archive', async () => {
    const zip = await makeZip([{ name: 'a.txt', data: Buffer.from('hello'.repeat(1000)) }]);
    expect(await checkArchive(file(zip.subarray(0, zip.length - 30)))).toBe('broken');
    expect(await checkArchive(file(Buffer.from('PK\u0003\u0004 not really')))).toBe('broken');
  });
});
