import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { buildApp } from '../support/app';
import { createDb } from '../../src/platform/database';
import { grantAppRole } from '../../src/platform/dbRole';
import { normalizeVerificationCode } from '../../src/platform/verification';
import { pdfToBuffer, drawFormTable } from '../../src/platform/pdf';
import { chartSvg } from '../../src/platform/svgChart';

const t = buildApp();
afterAll(() => t.close());

describe('/verify', () => {
  it('confirms a registered code, typed loosely, and shows what was issued by whom', async () => {
    const code = await t.services.verification.register({ kind: '獎勵令', title: '嘉獎一次', issuerName: '國立臺北護理健康大學', sha256: 'a'.repeat(64), signer: '人事服務網文件簽章', area: 'test' });
    const res = await request(t.app).get(`/verify?code=${encodeURIComponent(code.toLowerCase().replace(/-/g, ' '))}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('此驗證碼有效');
    expect(res.text).toContain('嘉獎一次');
    expect(res.text).toContain('國立臺北護理健康大學');
    expect(res.text).toContain('a'.repeat(64));
  });

  it('says a tampered or unknown code is not found', async () => {
    const code = await t.services.verification.register({ kind: '服務證明書', title: '服務證明書', issuerName: '內政部', sha256: 'b'.repeat(64), signer: 'x', area: 'test' });
    const tampered = code.slice(0, -1) + (code.endsWith('2') ? '3' : '2');
    const res = await request(t.app).get(`/verify?code=${tampered}`);
    expect(res.status).toBe(404);
    expect(res.text).toContain('查無此驗證碼');
    expect(res.text).not.toContain('內政部');
  });

  it('explains a code of the wrong shape on the same form, keeping what was typed', async () => {
    const res = await request(t.app).get('/verify?code=%3Cb%3E12');
    expect(res.status).toBe(400);
    expect(res.text).toContain('驗證碼格式錯誤');
    expect(res.text).toContain('value="&lt;b&gt;12"');
  });

  it('shows a revoked document as revoked', async () => {
    const code = await t.services.verification.register({ kind: '獎勵令', title: '記功一次', issuerName: '內政部', sha256: 'c'.repeat(64), signer: 'x', area: 'test' });
    await t.services.verification.revoke(code, '誤發');
    const res = await request(t.app).get(`/verify?code=${code}`);
    expect(res.text).toContain('撤銷：誤發');
  });

  it('normalizes what people type', () => {
    expect(normalizeVerificationCode('abcd efgh 2345 6789')).toBe('ABCD-EFGH-2345-6789');
    expect(normalizeVerificationCode('oooo-llll-iiii-0000')).toBe('0000-1111-1111-0000');
    expect(normalizeVerificationCode('ABCD-EFGH-2345-678U')).toBeNull();
    expect(normalizeVerificationCode('short')).toBeNull();
  });
});

describe('PDF with Traditional Chinese', () => {
  it('embeds the font so pdftotext reads the Chinese back', async () => {
    const pdf = await pdfToBuffer((doc) => {
      doc.font('zh-bold').fontSize(16).text('資料交換服務申請表');
      drawFormTable(doc, [['申請機關', '國立臺北護理健康大學'], ['聯絡人', '林淑芬']]);
    }, { title: '測試' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-pdf-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.pdf'), pdf);
      const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('資料交換服務申請表');
      expect(text).toContain('國立臺北護理健康大學');
      expect(text).toContain('林淑芬');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SVG charts', () => {
  it('draws stacked bars with a title, a description and escaped labels', () => {
    const svg = chartSvg({ title: '每日掛號數', categories: ['11/1', '11/2<'], series: [{ name: '網路', values: [3, 4] }, { name: '電話', values: [1, 0] }] });
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(svg).toContain('<title id=');
    expect(svg).toContain('網路：11/1 3、11/2&lt; 4');
    expect(svg).not.toContain('11/2<');
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3);
  });
});

describe('the orphan sweep of kept files', () => {
  it('removes old files no stored_name or *_stored_name column names, and keeps the rest', async () => {
    const { createUploadStore } = await import('../../src/platform/uploads');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-sweep-'));
    const store = createUploadStore(root);
    // A table added by a migration: made by the owner, granted to the app's role at start.
    const owner = createDb(inject('ownerDatabaseUrl'), 1);
    await owner.raw('CREATE TABLE IF NOT EXISTS test_sweep_ref (stored_name text, image_stored_name text)');
    try {
      const [named, imaged, orphan, young] = await Promise.all([1, 2, 3, 4].map((n) => store.put(Buffer.from(`file ${n}`))));
      await owner('test_sweep_ref').insert([{ stored_name: named }, { image_stored_name: imaged }]);
      const old = new Date(Date.now() - 3600_000);
      for (const f of [named, imaged, orphan]) fs.utimesSync(store.pathOf(f!), old, old);
      // Not granted yet: the sweep must fail rather than take its files for orphans.
      await expect(store.sweepOrphans(t.db, 10 * 60_000)).rejects.toThrow(/permission denied/);
      for (const f of [named, imaged, orphan, young]) expect(fs.existsSync(store.pathOf(f!))).toBe(true);
      expect(await grantAppRole(owner)).toBe(true);
      expect(await store.sweepOrphans(t.db, 10 * 60_000)).toBe(1);
      expect(fs.existsSync(store.pathOf(orphan!))).toBe(false);
      for (const f of [named, imaged, young]) expect(fs.existsSync(store.pathOf(f!))).toBe(true);
    } finally {
      await owner.raw('DROP TABLE test_sweep_ref');
      await owner.destroy();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
