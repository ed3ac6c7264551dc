import { z } from 'zod';
import { email, phone, text } from '../../platform/validation';
import { parseDateInput } from '../../platform/dates';

/** A field the form may leave out entirely (counts as empty). */
const opt = <S extends z.ZodType>(schema: S) => z.preprocess((v) => v ?? '', schema);

const date = (label: string, optional = false) =>
  (optional ? opt(text(label, { max: 20, optional })) : text(label, { max: 20, optional }))
    .refine((s) => (optional && s === '') || parseDateInput(s) !== null, { message: `${label}格式錯誤，請輸入如 115/11/24 的日期` })
    .transform((s) => (s === '' ? null : parseDateInput(s)!));

/** 錯誤回報 (seed 002 八): 聯絡資料 and 問題描述. */
export const reportSchema = z.object({
  reporterName: text('姓名', { max: 50 }),
  phone: phone('連絡電話'),
  email: email('電子郵件'),
  occurredOn: date('問題發生日期'),
  occurredTime: opt(text('時間', { max: 5, optional: true }).refine((s) => s === '' || /^([01]\d|2[0-3]):[0-5]\d$/.test(s), { message: '時間格式錯誤，請輸入如 14:30 的時間' })),
  applicationNumber: opt(text('申請案號', { max: 12, optional: true }).refine((s) => s === '' || /^AP(FQ|SQ)\d{8}$/.test(s), { message: '申請案號格式錯誤，例如 APFQ11500001' })),
  serviceCode: opt(text('服務代碼', { max: 20, optional: true })),
  content: text('問題內容', { max: 2000, multiline: true }),
});
export type ReportInput = z.infer<typeof reportSchema>;

export const reportQuerySchema = z.object({
  from: date('日期區間起日', true),
  to: date('日期區間迄日', true),
  applicationNumber: opt(text('申請案號', { max: 12, optional: true })),
});

export const handleReportSchema = z.object({
  status: z.enum(['open', 'closed'], { error: '請選擇處理狀態' }),
  handling: text('處理說明', { max: 2000, multiline: true }),
});

export const newsSchema = z.object({
  title: text('公告標題', { max: 200 }),
  body: text('公告內容', { max: 5000, multiline: true }),
  publishedOn: date('公告日期'),
});

export const faqSchema = z.object({
  question: text('標題', { max: 300 }),
  answer: text('內容', { max: 5000, multiline: true }),
  sortOrder: text('排序', { max: 6 }).refine((s) => /^\d{1,6}$/.test(s), { message: '排序請輸入數字' }).transform(Number),
});

export const fileSchema = z.object({
  title: text('檔案名稱', { max: 200 }),
  description: opt(text('檔案說明', { max: 500, optional: true, multiline: true })),
  publishedOn: date('公告日期'),
});

export const serviceSchema = z.object({
  code: text('服務代碼', { max: 20 }).refine((s) => /^SQ_[A-Z]{2,3}_[0-9A-Z]{2,3}$/.test(s), { message: '服務代碼格式錯誤，例如 SQ_TA_009' }),
  name: text('服務名稱', { max: 100 }),
  description: text('服務說明', { max: 500 }),
  category: text('服務分類', { max: 50 }),
  tableId: text('資料表', { max: 9 }).refine((s) => /^\d{1,9}$/.test(s), { message: '請選擇資料表' }).transform(Number),
  supportsFile: z.string().optional().transform((v) => v === 'on'),
  supportsWs: z.string().optional().transform((v) => v === 'on'),
  sortOrder: text('排序', { max: 6 }).refine((s) => /^\d{1,6}$/.test(s), { message: '排序請輸入數字' }).transform(Number),
}).refine((v) => v.supportsFile || v.supportsWs, { message: '請至少勾選一種提供方式', path: ['supportsFile'] });

export const tableSchema = z.object({
  title: text('資料表名稱', { max: 100 }),
  description: opt(text('資料表說明', { max: 500, optional: true })),
  sortOrder: text('排序', { max: 6 }).refine((s) => /^\d{1,6}$/.test(s), { message: '排序請輸入數字' }).transform(Number),
});

export const fieldSchema = z.object({
  columnName: text('欄位代碼', { max: 63 }).refine((s) => /^[a-z][a-z0-9_]{0,62}$/.test(s), { message: '欄位代碼格式錯誤，僅限小寫英文字母、數字及底線' }),
  label: text('欄位名稱', { max: 100 }),
  description: opt(text('欄位說明', { max: 500, optional: true })),
  delivered: z.string().optional().transform((v) => v === 'on'),
  sortOrder: text('排序', { max: 6 }).refine((s) => /^\d{1,6}$/.test(s), { message: '排序請輸入數字' }).transform(Number),
});

export const auditQuerySchema = z.object({
  agency: opt(text('機關', { max: 100, optional: true })),
  user: opt(text('使用者', { max: 100, optional: true })),
  event: opt(text('事件', { max: 60, optional: true })),
  from: date('起日', true),
  to: date('迄日', true),
});
