import { z } from 'zod';
import { text } from '../../platform/validation';

export const REASON_MAX = 500;
export const PROPOSED_MAX = 200;

const recordId = z
  .string({ error: '請選擇要更正的資料' })
  .optional()
  .transform((s) => (s && /^\d{1,9}$/.test(s) ? Number(s) : null));

export const correctionSchema = z.object({
  recordId,
  field: z.string({ error: '請選擇要更正的欄位' }).min(1, { error: '請選擇要更正的欄位' }).max(40, { error: '請選擇要更正的欄位' }),
  reason: text('申請更正原因', { max: REASON_MAX, multiline: true }),
  proposed: text('建議更正內容', { max: PROPOSED_MAX }),
});

export const acceptSchema = z.object({
  value: text('更正後內容', { max: PROPOSED_MAX }),
});

export const rejectSchema = z.object({
  note: text('不予更正理由', { max: REASON_MAX, multiline: true }),
});
