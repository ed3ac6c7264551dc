import { pdfToBuffer, type Pdf } from '../../platform/pdf';
import { rocDateTime, rocShort } from '../../platform/dates';
import type { Application, ApplicationLine } from './repository';
import { RESULT_LABELS, USER_SCOPES } from './schemas';

type Row = [string, string] | [string, string, string, string];

/** Draws rows of label|value (or label|value|label|value) cells; returns the y below. */
function grid(doc: Pdf, rows: Row[], x: number, y: number, width: number): number {
  const label = 95;
  doc.fontSize(10);
  for (const row of rows) {
    const half = width / 2;
    const cells: Array<{ x: number; w: number; text: string; head: boolean }> =
      row.length === 2
        ? [
            { x, w: label, text: row[0], head: true },
            { x: x + label, w: width - label, text: row[1], head: false },
          ]
        : [
            { x, w: label, text: row[0], head: true },
            { x: x + label, w: half - label, text: row[1], head: false },
            { x: x + half, w: label, text: row[2], head: true },
            { x: x + half + label, w: half - label, text: row[3], head: false },
          ];
    const h = Math.max(...cells.map((c) => doc.font(c.head ? 'zh-bold' : 'zh').heightOfString(c.text || ' ', { width: c.w - 8 }))) + 8;
    if (y + h > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      y = doc.page.margins.top;
    }
    for (const c of cells) {
      if (c.head) doc.rect(c.x, y, c.w, h).fillAndStroke('#eeeeee', '#000000');
      else doc.rect(c.x, y, c.w, h).stroke('#000000');
      doc.fillColor('#000000').font(c.head ? 'zh-bold' : 'zh').text(c.text || ' ', c.x + 4, y + 4, { width: c.w - 8 });
    }
    y += h;
  }
  return y;
}

const box = (on: boolean) => (on ? '■' : '□');

/** 銓敘部 人事雲端服務平台資料交換服務申請表 (seed 002 六 10), with the verification code. */
export function applicationPdf(app: Application, lines: ApplicationLine[]): Promise<Buffer> {
  return pdfToBuffer(
    (doc) => {
      const x = doc.page.margins.left;
      const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
      doc.font('zh-bold').fontSize(16).text('銓敘部 人事雲端服務平台資料交換服務申請表', x, doc.page.margins.top, { width, align: 'center' });
      doc.moveDown(0.5);
      doc.font('zh').fontSize(11).text(`申請案件號碼：${app.number}`, { width, align: 'left' });
      doc.moveDown(0.3);
      const services =
        lines.map((l) => `${l.code} ${l.name}（${RESULT_LABELS[l.result as keyof typeof RESULT_LABELS] ?? l.result}）`).join('\n') || ' ';
      const scopes = Object.entries(USER_SCOPES)
        .map(([k, v]) => `${box(app.userScopes.includes(k))} ${v}`)
        .join('　');
      const rows: Row[] = [
        ['申請機關', `${app.agencyName}（${app.agencyCode}）`, '申請日期', rocShort(app.submittedAt)],
        ['聯絡人姓名', app.contactName, '聯絡電話', app.contactPhone],
        ['電子郵件', app.contactEmail, '服務使用起迄', `${rocShort(app.periodFrom)}~${rocShort(app.periodTo)}`],
        ['介接用途', app.purpose],
        ['法源依據', app.legalBasis],
        ['特定目的', app.specificPurpose],
        ['介接系統名稱', app.systemName, '作業系統', app.os],
        ['程式語言', app.language, '資料庫', app.databaseName],
        ['電腦名稱', app.computerName, 'IP 位置', app.ipAddresses.join(', ')],
        ['介接系統使用之對象', scopes],
        ['資料交換需求（申請之服務）', app.kind === 'file' && app.conditions ? `${app.conditions}\n${services}` : services],
        ...(app.kind === 'file' && app.file ? ([['上傳之檔案', `${app.file.originalName}（SHA-256 ${app.file.sha256.slice(0, 16)}…）`]] as Row[]) : []),
        ['資料交換服務提供方式', app.kind === 'file' ? '一次性（檔案下載服務）' : '即時 Web Service 連線服務', '憑證上之卡號', app.cardNumber ?? ''],
      ];
      let y = grid(doc, rows, x, doc.y, width);
      y += 10;
      // 申請機關/單位印信 | 審核窗口簽章 | 注意事項
      const third = width / 3;
      const heads = ['申請機關／單位印信', '審核窗口簽章', '注意事項'];
      if (y + 130 > doc.page.height - doc.page.margins.bottom) {
        doc.addPage();
        y = doc.page.margins.top;
      }
      heads.forEach((h, i) => {
        doc.rect(x + i * third, y, third, 20).fillAndStroke('#eeeeee', '#000000');
        doc.fillColor('#000000').font('zh-bold').fontSize(10).text(h, x + i * third + 4, y + 5, { width: third - 8, align: 'center' });
      });
      const bodies = [
        '',
        `${box(app.status === 'approved' || app.status === 'partial')} 同意　${box(app.status === 'rejected')} 不同意`,
        '1. 提出申請後不得變更，若需異動請重新提出申請。\n2. 本申請書已由申請機關以機關憑證IC卡線上簽章。',
      ];
      bodies.forEach((b, i) => {
        doc.rect(x + i * third, y + 20, third, 90).stroke('#000000');
        doc.font('zh').fontSize(9).text(b || ' ', x + i * third + 4, y + 26, { width: third - 8 });
      });
      y += 120;
      doc.font('zh').fontSize(9).text(`線上簽章時間：${rocDateTime(app.submittedAt)}　文件摘要（SHA-256）：${app.digest}`, x, y, { width });
      doc.text(`驗證碼：${app.verificationCode}（可於人事服務網 /verify 查驗本申請書）`, { width });
    },
    { title: `人事雲端服務平台資料交換服務申請表 ${app.number}`, author: app.agencyName, subject: '資料交換服務申請表' },
  );
}
