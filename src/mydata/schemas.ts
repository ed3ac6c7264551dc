import { z } from 'zod';
import { isValidNationalId, text } from '../platform/validation';
import { DOCUMENT_KINDS } from './sections';

export const REASON_MAX = 500;
export const PROPOSED_MAX = 200;
/** 簡要自述: at most 500 characters. */
export const SELF_DESCRIPTION_MAX = 500;

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

export const selfDescriptionSchema = z.object({
  body: text('簡要自述', { max: SELF_DESCRIPTION_MAX, multiline: true }),
});

export const acceptSchema = z.object({
  value: text('更正後內容', { max: PROPOSED_MAX }),
});

export const rejectSchema = z.object({
  note: text('不予更正理由', { max: REASON_MAX, multiline: true }),
});

export const consentSchema = z.object({
  decision: z.enum(['grant', 'withdraw'], { error: '請選擇同意或撤回' }),
});

export const issueSchema = z
  .object({
    nationalId: text('身分證統一編號', { max: 10 })
      .transform((s) => s.toUpperCase())
      .refine((s) => s === '' || isValidNationalId(s), { message: '身分證統一編號格式錯誤' }),
    kind: z.enum(Object.keys(DOCUMENT_KINDS) as [string, ...string[]], { error: '請選擇文件類別' }),
    rewardKind: z.string().optional().default(''),
    reason: text('事由', { max: 200, optional: true, multiline: true }).optional().default(''),
    purpose: text('用途', { max: 100, optional: true }).optional().default(''),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'reward_order' && !v.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: '請輸入事由' });
    if (v.kind === 'reward_order' && !v.rewardKind) ctx.addIssue({ code: 'custom', path: ['rewardKind'], message: '請選擇獎勵種類' });
    if (v.kind !== 'reward_order' && !v.purpose) ctx.addIssue({ code: 'custom', path: ['purpose'], message: '請輸入用途' });
  });

export const payMonthSchema = z.string().regex(/^\d{4}-\d{2}$/);
