import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { makeZip } from '../support/zips';
import { UPLOAD_MESSAGES, createUploadStore, safeFileName, type StoredFile } from '../../src/platform/uploads';
import { UPLOAD_POLICIES } from '../../src/platform/uploadPolicies';

const ATTACHMENT_POLICY = UPLOAD_POLICIES.picsAttachments;
const IMAGE_POLICY = UPLOAD_POLICIES.picsChatImage;

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 1)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(200)]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const MB = 1024 * 1024;

const roots: string[] = [];
function setUp(policy = ATTACHMENT_POLICY, opts: { failSave?: boolean } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-uploads-'));
  roots.push(root);
  const store = createUploadStore(root);
  const saved: StoredFile[][] = [];
  const app = express();
  app.post('/up', store.receive(['files'], policy), async (req, res) => {
    if (req.uploadError) return res.status(400).json({ error: req.uploadError, body: req.body });
    try {
      await store.keep(req.uploads ?? [], async (stored) => {
        if (opts.failSave) throw new Error('the transaction failed');
        saved.push(stored);
      });
      res.json({ files: saved.at(-1), body: req.body });
    } catch {
      res.status(500).json({ error: 'failed' });
    }
  });
  const files = (dir: string) => (fs.existsSync(path.join(root, dir)) ? fs.readdirSync(path.join(root, dir), { recursive: true }).filter((n) => fs.statSync(path.join(root, dir, String(n))).isFile()) : []);
  return { app, store, root, saved, files };
}

afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

describe('safeFileName', () => {
  it('keeps only the last path segment', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..\\..\\boot.ini')).toBe('boot.ini');
    expect(safeFileName('C:\\Users\\王\\報告.pdf')).toBe('報告.pdf');
  });
  it('cuts a 300-character name to 100 characters, keeping the extension', () => {
    const name = safeFileName(`${'檔'.repeat(300)}.pdf`);
    expect([...name]).toHaveLength(100);
    expect(name.endsWith('.pdf')).toBe(true);
  });
  it('drops control and reserved characters and leading dots', () => {
    expect(safeFileName('a\u0000b\r\n<c>|d?.txt')).toBe('abcd.txt');
    expect(safeFileName('.htaccess')).toBe('htaccess');
    expect(safeFileName('...')).toBe('file');
  });
});

describe('receiving files', () => {
  let t: ReturnType<typeof setUp>;
  beforeEach(() => {
    t = setUp();
  });

  it('keeps accepted files under generated names, with size, type and hash, and the text fields', async () => {
    const res = await request(t.app).post('/up').field('subject', '主旨').attach('files', PNG, 'screen.png').attach('files', PDF, '說明.pdf').attach('files', Buffer.from('純文字內容\n'), 'note.txt');
    expect(res.status).toBe(200);
    expect(res.body.body.subject).toBe('主旨');
    expect(res.body.files.map((f: StoredFile) => [f.originalName, f.mime, f.kind])).toEqual([
      ['screen.png', 'image/png', 'image'],
      ['說明.pdf', 'application/pdf', 'pdf'],
      ['note.txt', 'text/plain; charset=utf-8', 'text'],
    ]);
    for (const f of res.body.files as StoredFile[]) {
      expect(f.storedName).toMatch(/^\d{4}\/\d{2}\/[0-9a-f-]{36}$/);
      expect(fs.existsSync(t.store.pathOf(f.storedName))).toBe(true);
    }
    expect(res.body.files[0].size).toBe(PNG.length);
    expect(t.files('incoming')).toEqual([]);
  });

  it('refuses a file of 4 MB + 1 byte while streaming and keeps nothing', async () => {
    const res = await request(t.app).post('/up').attach('files', Buffer.concat([PNG, Buffer.alloc(4 * MB + 1 - PNG.length)]), 'big.png');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(UPLOAD_MESSAGES.fileTooLarge(4 * MB));
    expect(t.files('incoming')).toEqual([]);
    expect(t.files('store')).toEqual([]);
  });

  it('accepts exactly 4 MB', async () => {
    const res = await request(t.app).post('/up').attach('files', Buffer.concat([PNG, Buffer.alloc(4 * MB - PNG.length)]), 'edge.png');
    expect(res.status).toBe(200);
  });

  it('refuses 11 files of 1 MB (more than 10 MB together, more than 10 files)', async () => {
    let req = request(t.app).post('/up');
    for (let i = 0; i < 11; i++) req = req.attach('files', Buffer.concat([PDF, Buffer.alloc(MB - PDF.length)]), `f${i}.pdf`);
    const res = await req;
    expect(res.status).toBe(400);
    expect([UPLOAD_MESSAGES.totalTooLarge(10 * MB), UPLOAD_MESSAGES.tooManyFiles(10)]).toContain(res.body.error);
    expect(t.files('incoming')).toEqual([]);
    expect(t.files('store')).toEqual([]);
  });

  it('refuses three files of 3.5 MB: over 10 MB together', async () => {
    let req = request(t.app).post('/up');
    for (let i = 0; i < 3; i++) req = req.attach('files', Buffer.concat([PDF, Buffer.alloc(3.5 * MB - PDF.length)]), `f${i}.pdf`);
    const res = await req;
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(UPLOAD_MESSAGES.totalTooLarge(10 * MB));
    expect(t.files('incoming')).toEqual([]);
  });

  it('refuses an .exe renamed .png, by its content', async () => {
    const res = await request(t.app).post('/up').attach('files', EXE, 'photo.png');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(UPLOAD_MESSAGES.mismatch('photo.png'));
    expect(t.files('incoming')).toEqual([]);
  });

  it('refuses a PDF named .png and a PNG named .txt', async () => {
    expect((await request(t.app).post('/up').attach('files', PDF, 'a.png')).body.error).toBe(UPLOAD_MESSAGES.mismatch('a.png'));
    expect((await request(t.app).post('/up').attach('files', PNG, 'a.txt')).body.error).toBe(UPLOAD_MESSAGES.mismatch('a.txt'));
  });

  it('refuses types outside the list (.exe, .svg, no extension) and binary "text"', async () => {
    expect((await request(t.app).post('/up').attach('files', EXE, 'setup.exe')).body.error).toBe(UPLOAD_MESSAGES.badType('setup.exe'));
    expect((await request(t.app).post('/up').attach('files', SVG, 'logo.svg')).body.error).toBe(UPLOAD_MESSAGES.badType('logo.svg'));
    expect((await request(t.app).post('/up').attach('files', PDF, 'README')).body.error).toBe(UPLOAD_MESSAGES.badType('README'));
    expect((await request(t.app).post('/up').attach('files', Buffer.from('abc\0def'), 'x.txt')).body.error).toBe(UPLOAD_MESSAGES.mismatch('x.txt'));
  });

  it('accepts an ordinary ZIP and refuses zip bombs, nested archives and bombs inside a .docx', async () => {
    const ok = await makeZip([{ name: '說明.txt', data: Buffer.from('人事資料\n'.repeat(200)) }]);
    const accepted = await request(t.app).post('/up').attach('files', ok, '資料.zip');
    expect(accepted.status).toBe(200);
    expect(accepted.body.files[0].kind).toBe('zip');
    const bomb = await makeZip([{ name: 'zeros.bin', data: Buffer.alloc(300 * MB) }]);
    const refused = await request(t.app).post('/up').field('subject', '主旨').attach('files', bomb, 'bomb.zip');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(UPLOAD_MESSAGES.archiveTooLarge('bomb.zip'));
    expect(refused.body.body.subject).toBe('主旨');
    const nested = await makeZip([{ name: 'inner.zip', data: ok }]);
    expect((await request(t.app).post('/up').attach('files', nested, 'nested.zip')).body.error).toBe(UPLOAD_MESSAGES.archiveNested('nested.zip'));
    const docx = await makeZip([
      { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'), store: true },
      { name: 'word/document.xml', data: Buffer.alloc(300 * MB, 0x20) },
    ]);
    const docxRes = await request(t.app).post('/up').attach('files', docx, '報告.docx');
    expect(docxRes.status).toBe(400);
    expect(docxRes.body.error).toBe(UPLOAD_MESSAGES.archiveTooLarge('報告.docx'));
    // A document of repeated content compresses past the ZIP ratio, yet is an ordinary file.
    const repetitive = await makeZip([
      { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'), store: true },
      { name: 'word/document.xml', data: Buffer.alloc(20 * MB, 0x20) },
    ]);
    const kept = await request(t.app).post('/up').attach('files', repetitive, '空白表格.docx');
    expect(kept.status).toBe(200);
    expect(kept.body.files[0].kind).toBe('office');
    expect(t.files('store')).toHaveLength(2);
    expect(t.files('incoming')).toEqual([]);
  });

  it('refuses an empty file', async () => {
    const res = await request(t.app).post('/up').attach('files', Buffer.alloc(0), 'empty.pdf');
    expect(res.body.error).toBe(UPLOAD_MESSAGES.empty('empty.pdf'));
  });

  it('stores a file whose name has ../ under a generated name, showing only its last segment', async () => {
    const res = await request(t.app).post('/up').attach('files', PDF, { filename: '../../../etc/x.pdf' });
    expect(res.status).toBe(200);
    expect(res.body.files[0].originalName).toBe('x.pdf');
    expect(fs.existsSync(path.join(t.root, '..', 'etc', 'x.pdf'))).toBe(false);
  });

  it('reads UTF-8 file names', async () => {
    const res = await request(t.app).post('/up').attach('files', PDF, '公文附件.pdf');
    expect(res.body.files[0].originalName).toBe('公文附件.pdf');
  });

  it('removes the kept files again when the saving transaction fails', async () => {
    const f = setUp(ATTACHMENT_POLICY, { failSave: true });
    const res = await request(f.app).post('/up').attach('files', PNG, 'a.png').attach('files', PDF, 'b.pdf');
    expect(res.status).toBe(500);
    expect(f.files('store')).toEqual([]);
    expect(f.files('incoming')).toEqual([]);
  });

  it('says clearly when the upload folder cannot be written, and keeps nothing', async () => {
    const f = setUp();
    fs.mkdirSync(path.join(f.root, 'incoming'), { recursive: true });
    fs.chmodSync(path.join(f.root, 'incoming'), 0o500);
    try {
      if (process.getuid?.() === 0) {
        // root writes anywhere: make the folder a file instead.
        fs.rmSync(path.join(f.root, 'incoming'), { recursive: true });
        fs.writeFileSync(path.join(f.root, 'incoming'), '');
      }
      const res = await request(f.app).post('/up').attach('files', PNG, 'a.png');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(UPLOAD_MESSAGES.unwritable);
    } finally {
      fs.rmSync(path.join(f.root, 'incoming'), { recursive: true, force: true });
    }
  });

  it('takes images only under the image policy', async () => {
    const f = setUp(IMAGE_POLICY);
    expect((await request(f.app).post('/up').attach('files', PNG, 'a.png')).status).toBe(200);
    expect((await request(f.app).post('/up').attach('files', PDF, 'a.pdf')).body.error).toBe(UPLOAD_MESSAGES.notImage('a.pdf'));
    expect((await request(f.app).post('/up').attach('files', EXE, 'a.png')).body.error).toBe(UPLOAD_MESSAGES.notImage('a.png'));
  });

  it('sweeps incoming files left by requests that died', async () => {
    fs.mkdirSync(path.join(t.root, 'incoming'), { recursive: true });
    const stale = path.join(t.root, 'incoming', 'left-over');
    fs.writeFileSync(stale, 'x');
    const old = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stale, old, old);
    fs.writeFileSync(path.join(t.root, 'incoming', 'fresh'), 'x');
    expect(await t.store.sweepIncoming()).toBe(1);
    expect(fs.readdirSync(path.join(t.root, 'incoming'))).toEqual(['fresh']);
  });
});
