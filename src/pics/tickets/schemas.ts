import { z } from 'zod';
import { email, phone, text } from '../../platform/validation';
import { parseDateInput } from '../../platform/dates';

export const CHANNELS = ['M', 'C', 'W', 'H'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = { M: '線上掛號', C: '文字客服', W: 'WebHR', H: '客服專線' };
export const KINDS = ['問題', '建議'] as const;

export const RECEIPT_RE = /^\d{6}[MCWH]\d{5}$/;
export const SUBJECT_MAX = 200;
export const DESCRIPTION_MAX = 4000;

const optionalCode = z
  .string({ error: '系統類別格式錯誤' })
  .trim()
  .max(10, { message: '系統類別格式錯誤' })
  .optional()
  .transform((s) => (s ? s : null));

/** The fields of a ticket, whichever channel files it. */
export const ticketSchema = z.object({
  kind: z.enum(KINDS, { error: '請選擇問題來源（問題或建議）' }),
  appCode: optionalCode,
  subject: text('問題主旨', { max: SUBJECT_MAX }),
  description: text('問題說明', { max: DESCRIPTION_MAX, multiline: true }),
  phone: phone('辦公室電話'),
  email: email('Email'),
});

function dateField(label: string) {
  return z
    .string({ error: `${label}格式錯誤` })
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (!s) return null;
      const d = parseDateInput(s);
      if (!d) {
        ctx.addIssue({ code: 'custom', message: `${label}格式錯誤，請輸入例如 115/11/24 或 2026-11-24` });
        return z.NEVER;
      }
      return d;
    });
}

/** 掛號查詢: a receipt number, or a date range. */
export const lookupSchema = z
  .object({
    receiptNo: z
      .string({ error: '收件序號格式錯誤' })
      .trim()
      .toUpperCase()
      .optional()
      .transform((s) => s || null)
      .refine((s) => s === null || RECEIPT_RE.test(s), { message: '收件序號格式錯誤，應為年月 6 碼、來源 1 碼及序號 5 碼，例如 201911M00006' }),
    from: dateField('開始日期'),
    to: dateField('結束日期'),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.to < v.from) ctx.addIssue({ code: 'custom', path: ['to'], message: '結束日期不可早於開始日期' });
  });

/** The desk queue's filters (a value not offered becomes no filter). */
export const queueSchema = z.object({
  app: z.string().max(10).optional().default(''),
  status: z.enum(['', 'open', 'closed']).optional().default('open'),
  channel: z.enum(['', ...CHANNELS]).optional().default(''),
  assignee: z.string().regex(/^(|me|none|\d{1,9})$/).optional().default(''),
  age: z.enum(['', '1', '3', '7', '30']).optional().default(''),
});
export type QueueFilter = z.infer<typeof queueSchema>;
