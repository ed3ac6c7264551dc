import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const fontDir = path.dirname(require.resolve('@expo-google-fonts/noto-sans-tc/package.json'));

let fonts: { regular: Buffer; bold: Buffer } | null = null;
function loadFonts() {
  return (fonts ??= {
    regular: fs.readFileSync(path.join(fontDir, '400Regular', 'NotoSansTC_400Regular.ttf')),
    bold: fs.readFileSync(path.join(fontDir, '700Bold', 'NotoSansTC_700Bold.ttf')),
  });
}

export type Pdf = PDFKit.PDFDocument;

/**
 * An A4 document with Noto Sans TC embedded (subset) as 'zh' and 'zh-bold', so Chinese
 * text is real text that `pdftotext` reads back. The caller pipes it and calls `end()`.
 */
export function createPdf(info: { title: string; author?: string; subject?: string }, opts: { margin?: number; layout?: 'portrait' | 'landscape' } = {}): Pdf {
  const f = loadFonts();
  const doc = new PDFDocument({ size: 'A4', margin: opts.margin ?? 50, layout: opts.layout ?? 'portrait', info: { Title: info.title, Author: info.author ?? '人事服務網', ...(info.subject ? { Subject: info.subject } : {}) }, lang: 'zh-TW', displayTitle: true, pdfVersion: '1.7' } as PDFKit.PDFDocumentOptions);
  doc.registerFont('zh', f.regular);
  doc.registerFont('zh-bold', f.bold);
  doc.font('zh');
  return doc;
}

/** Renders a whole PDF into a buffer (for documents that are stored or signed). */
export function pdfToBuffer(build: (doc: Pdf) => void, info: Parameters<typeof createPdf>[0], opts?: Parameters<typeof createPdf>[1]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = createPdf(info, opts);
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      build(doc);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * Draws a two-column form table (label | value) like the paper forms: returns the y below it.
 * Rows grow with their text.
 */
export function drawFormTable(doc: Pdf, rows: Array<[label: string, value: string]>, opts: { x?: number; y?: number; width?: number; labelWidth?: number; fontSize?: number } = {}): number {
  const x = opts.x ?? doc.page.margins.left;
  const width = opts.width ?? doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const labelWidth = opts.labelWidth ?? 120;
  const size = opts.fontSize ?? 10;
  let y = opts.y ?? doc.y;
  doc.fontSize(size);
  for (const [label, value] of rows) {
    const h = Math.max(doc.heightOfString(label, { width: labelWidth - 8 }), doc.heightOfString(value || ' ', { width: width - labelWidth - 8 })) + 8;
    if (y + h > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      y = doc.page.margins.top;
    }
    doc.rect(x, y, labelWidth, h).fillAndStroke('#eeeeee', '#000000');
    doc.rect(x + labelWidth, y, width - labelWidth, h).stroke('#000000');
    doc.fillColor('#000000').font('zh-bold').text(label, x + 4, y + 4, { width: labelWidth - 8 });
    doc.font('zh').text(value || ' ', x + labelWidth + 4, y + 4, { width: width - labelWidth - 8 });
    y += h;
  }
  doc.x = x;
  doc.y = y + 6;
  return y;
}
