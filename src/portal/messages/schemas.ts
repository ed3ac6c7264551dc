import { z } from 'zod';
import { dateText, text } from '../../platform/validation';

export const SUBJECT_MAX = 100;
export const BODY_MAX = 5000;
export const SIGNATURE_MAX = 500;
export const SIGNATURE_LINES = 5;
/** People named one by one (outside groups) on one message. */
export const RECIPIENTS_MAX = 200;
export const GROUP_MAX = 200;
export const ATTACHMENTS_MAX = 3;

/** Checkbox values: none, one or several ids. */
export const ids = (label: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: `${label}格式錯誤` })
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((s) => s !== ''))
    .refine((list) => list.every((s) => /^\d{1,9}$/.test(s)), { message: `${label}格式錯誤` })
    .transform((list) => [...new Set(list.map(Number))]);

const optionalId = z
  .string()
  .optional()
  .transform((s) => (s && /^\d{1,15}$/.test(s) ? Number(s) : null));

export const composeSchema = z.object({
  to: ids('收件人').refine((list) => list.length <= RECIPIENTS_MAX, { message: `個別收件人最多 ${RECIPIENTS_MAX} 位，人數較多時請使用群組` }),
  groups: ids('收件群組'),
  subject: text('主旨', { max: SUBJECT_MAX }),
  body: text('內容', { max: BODY_MAX, multiline: true }),
  replyTo: optionalId,
  forwardOf: optionalId,
});

export const NOTICE_SCOPES = { all: '本機關全體人員', unit: '指定單位', hr: '本機關人事人員' } as const;

export const noticeSchema = z
  .object({
    scope: z.enum(Object.keys(NOTICE_SCOPES) as [keyof typeof NOTICE_SCOPES], { error: '請選擇發送對象' }),
    unit: text('單位', { max: 50, optional: true }).optional().default(''),
    subject: text('主旨', { max: SUBJECT_MAX }),
    body: text('內容', { max: BODY_MAX, multiline: true }),
  })
  .refine((n) => n.scope !== 'unit' || n.unit !== '', { message: '請選擇單位', path: ['unit'] });

export const searchSchema = z.object({
  sender: text('寄件人', { max: 50, optional: true }).optional().default(''),
  subject: text('主旨', { max: SUBJECT_MAX, optional: true }).optional().default(''),
  from: dateText('起日', '2026-12-01', { optional: true }).optional().default(''),
  to: dateText('迄日', '2026-12-31', { optional: true }).optional().default(''),
});

export const deleteSchema = z.object({ ids: ids('訊息').refine((l) => l.length > 0, { message: '請勾選要刪除的訊息' }) });

export const signatureSchema = z.object({
  signature: text('簽名檔', { max: SIGNATURE_MAX, multiline: true, optional: true })
    .optional()
    .default('')
    .refine((s) => s.split('\n').length <= SIGNATURE_LINES, { message: `簽名檔最多 ${SIGNATURE_LINES} 行` }),
});

export const digestSchema = z.object({
  mailDigest: z.literal('on', { error: '「以電子郵件通知」格式錯誤' }).optional().transform((v) => v === 'on'),
});

export const directorySearchSchema = z.object({
  q: text('姓名、機關、職稱或單位', { max: 50, optional: true }).optional().default(''),
});

export const addContactSchema = z.object({
  personId: z.string({ error: '請選擇要加入的人員' }).regex(/^\d{1,9}$/, '請選擇要加入的人員').transform(Number),
  note: text('備註', { max: 100, optional: true }).optional().default(''),
});

export const groupSchema = z.object({ name: text('群組名稱', { max: 50 }) });

export const membersSchema = z.object({
  members: ids('成員').refine((l) => l.length > 0, { message: '請勾選要加入群組的聯絡人' }),
});
