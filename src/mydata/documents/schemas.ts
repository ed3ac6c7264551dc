import { z } from 'zod';
import { isValidNationalId, text } from '../../platform/validation';
import { DOCUMENT_KINDS } from '../sections';

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
