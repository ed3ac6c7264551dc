import { drawFormTable, pdfToBuffer, type Pdf } from '../platform/pdf';
import { rocLong, rocShort } from '../platform/dates';
import type { PersonRecord } from './record/repository';
import { GENDERS } from './sections';

const roc = (d: unknown) => (typeof d === 'string' && d ? rocShort(d) : '');
const rocYear = (y: unknown) => (typeof y === 'number' ? `${y - 1911} 年` : '');

/** The national ID as printed on a resume: only the first and last digits. */
export function maskNationalId(id: string): string {
  return id.length === 10 ? `${id.slice(0, 2)}*****${id.slice(7)}` : id;
}

function ensureRoom(doc: Pdf, h: number) {
  if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

/** A bordered grid with a header row, growing with its text; returns nothing, moves doc.y. */
function drawGrid(doc: Pdf, heading: string, headers: string[], rows: string[][], widths: number[]) {
  const x = doc.page.margins.left;
  const total = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const sum = widths.reduce((a, b) => a + b, 0);
  const w = widths.map((v) => (v / sum) * total);
  ensureRoom(doc, 60);
  doc.font('zh-bold').fontSize(12).fillColor('#000000').text(heading, x, doc.y);
  doc.moveDown(0.2);
  doc.fontSize(9.5);
  const line = (cells: string[], header: boolean) => {
    const h = Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: w[i]! - 6 }))) + 6;
    ensureRoom(doc, h);
    let cx = x;
    const y = doc.y;
    cells.forEach((c, i) => {
      if (header) doc.rect(cx, y, w[i]!, h).fillAndStroke('#eeeeee', '#000000');
      else doc.rect(cx, y, w[i]!, h).stroke('#000000');
      doc.fillColor('#000000').font(header ? 'zh-bold' : 'zh').text(c || ' ', cx + 3, y + 3, { width: w[i]! - 6 });
      cx += w[i]!;
    });
    doc.x = x;
    doc.y = y + h;
  };
  line(headers, true);
  if (rows.length === 0) line(['（無資料）', ...headers.slice(1).map(() => '')], false);
  for (const r of rows) line(r, false);
  doc.moveDown(0.6);
}

/**
 * 公務人員履歷表: basic data and current post as a form, then one grid per section, the
 * self-description and (for job applications) the applicant's extra text.
 */
export function resumeBuffer(record: PersonRecord, selfDescription: string | null, opts: { extraText?: string; printedAt: Date }): Promise<Buffer> {
  const p = record.person;
  return pdfToBuffer(
    (doc) => {
      doc.font('zh-bold').fontSize(18).text('公務人員履歷表', { align: 'center' });
      doc.font('zh').fontSize(9).text(`列印日期：${rocLong(opts.printedAt)}`, { align: 'right' });
      doc.moveDown(0.5);
      doc.font('zh-bold').fontSize(12).text('一、基本資料');
      doc.moveDown(0.2);
      drawFormTable(doc, [
        ['姓名', p.name],
        ['性別', GENDERS[p.gender] ?? ''],
        ['出生日期', rocLong(p.birth_date)],
        ['身分證統一編號', maskNationalId(p.national_id)],
      ]);
      doc.font('zh-bold').fontSize(12).text('二、現職');
      doc.moveDown(0.2);
      drawFormTable(doc, [
        ...postRows({ agency: p.agency_name, unit: p.unit, title: p.title, rank: p.rank }),
        ['職系', p.series],
        ['人員區分', p.personnel_kind],
        ['到職日期', rocLong(p.appointed_on)],
      ]);
      drawGrid(doc, '三、學歷', ['學校名稱', '院系科別', '學位', '畢業日期'], record.education.map((r) => [String(r.school), String(r.department), String(r.degree), roc(r.graduated_on)]), [3, 3, 1.2, 1.5]);
      drawGrid(doc, '四、考試', ['考試名稱', '類科', '等級', '及格日期'], record.exams.map((r) => [String(r.exam_name), String(r.category), String(r.grade), roc(r.passed_on)]), [3.5, 2.5, 1.2, 1.5]);
      drawGrid(
        doc,
        '五、經歷',
        ['服務機關', '職稱', '官職等', '起迄日期'],
        record.career.map((r) => [String(r.agency_name), String(r.title), String(r.rank), `${roc(r.start_on)} ～ ${r.end_on ? roc(r.end_on) : '迄今'}`]),
        [3, 1.6, 1.8, 2.4],
      );
      drawGrid(doc, '六、考績', ['年度', '考績等次', '分數'], record.ratings.map((r) => [rocYear(r.year), String(r.grade), r.score == null ? '' : String(r.score)]), [1, 1, 1]);
      drawGrid(
        doc,
        '七、獎懲',
        ['核定日期', '獎懲類別', '事由', '核定文號'],
        record.rewards.map((r) => [roc(r.decided_on), String(r.kind), String(r.reason), String(r.order_no)]),
        [1.4, 1.4, 4, 2],
      );
      drawGrid(
        doc,
        '八、訓練進修',
        ['課程名稱', '訓練機構', '時數', '結訓日期'],
        record.training.map((r) => [String(r.course), String(r.organizer), String(r.hours), roc(r.finished_on)]),
        [3.5, 3, 0.8, 1.5],
      );
      ensureRoom(doc, 80);
      doc.font('zh-bold').fontSize(12).text('九、簡要自述', doc.page.margins.left);
      doc.moveDown(0.2);
      doc.font('zh').fontSize(10).text(selfDescription?.trim() || '（未填寫）', { width: doc.page.width - doc.page.margins.left - doc.page.margins.right });
      if (opts.extraText?.trim()) {
        doc.moveDown(0.8);
        ensureRoom(doc, 80);
        doc.font('zh-bold').fontSize(12).text('十、補充說明');
        doc.moveDown(0.2);
        doc.font('zh').fontSize(10).text(opts.extraText.trim());
      }
    },
    { title: `公務人員履歷表－${p.name}`, subject: '公務人員履歷表' },
  );
}

export interface DocumentContent {
  kindLabel: string;
  title: string;
  personName: string;
  nationalIdMasked: string;
  agencyName: string;
  unit: string;
  jobTitle: string;
  rank: string;
  appointedOn: string;
  leftOn: string | null;
  rewardKind?: string;
  reason?: string;
  purpose?: string;
  orderNo: string;
  code: string;
  issuedAt: Date;
  signer: string;
  delivery: 'online' | 'paper';
}

/** 獎勵令 / 在職、離職、服務證明書 with the verification code printed on it. */
/** 服務機關, 服務單位, 職稱, 官職等: the post as the record and the issued documents print it. */
function postRows(p: { agency: string; unit: string; title: string; rank: string }): Array<[string, string]> {
  return [
    ['服務機關', p.agency],
    ['服務單位', p.unit],
    ['職稱', p.title],
    ['官職等', p.rank],
  ];
}

export function documentBuffer(c: DocumentContent): Promise<Buffer> {
  return pdfToBuffer(
    (doc) => {
      doc.font('zh-bold').fontSize(16).text(c.agencyName, { align: 'center' });
      doc.font('zh-bold').fontSize(20).text(c.kindLabel, { align: 'center' });
      doc.moveDown(0.4);
      doc.font('zh').fontSize(10).text(`發文日期：${rocLong(c.issuedAt)}`, { align: 'right' });
      doc.text(`發文字號：${c.orderNo}`, { align: 'right' });
      doc.moveDown(0.6);
      const rows: Array<[string, string]> = [
        ['姓名', c.personName],
        ['身分證統一編號', c.nationalIdMasked],
        ...postRows({ agency: c.agencyName, unit: c.unit, title: c.jobTitle, rank: c.rank }),
      ];
      if (c.rewardKind) {
        rows.push(['獎勵', c.rewardKind], ['事由', c.reason ?? '']);
      } else {
        rows.push(['到職日期', rocLong(c.appointedOn)]);
        if (c.leftOn) rows.push(['離職日期', rocLong(c.leftOn)]);
        rows.push(['用途', c.purpose ?? '']);
      }
      drawFormTable(doc, rows, { labelWidth: 130, fontSize: 11 });
      doc.moveDown(0.6);
      const statement = c.rewardKind
        ? `依公務人員考績法及相關規定，核予${c.rewardKind}，特此令知。`
        : c.kindLabel === '在職證明書'
          ? `茲證明 ${c.personName} 君現任本機關${c.unit}${c.jobTitle}，自${rocLong(c.appointedOn)}到職迄今。`
          : c.kindLabel === '離職證明書'
            ? `茲證明 ${c.personName} 君曾任本機關${c.unit}${c.jobTitle}，已於${rocLong(c.leftOn ?? c.issuedAt)}離職。`
            : `茲證明 ${c.personName} 君自${rocLong(c.appointedOn)}起服務於本機關，現任${c.unit}${c.jobTitle}。`;
      doc.font('zh').fontSize(12).text(statement);
      doc.moveDown(1);
      doc.fontSize(10).text(`核發機關：${c.agencyName}`);
      doc.text(`電子簽章：${c.signer}`);
      doc.text(`驗證碼：${c.code}`);
      doc.text('本文件之真偽，可至人事服務網「文件驗證」頁面（/verify）輸入驗證碼查證。');
      if (c.delivery === 'paper') {
        doc.moveDown(0.6);
        doc.font('zh-bold').text('（紙本送達）');
      }
    },
    { title: c.title, subject: c.kindLabel, author: c.agencyName },
  );
}
