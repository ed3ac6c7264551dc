import { z } from 'zod';
import { text } from '../../platform/validation';

export const reviewSchema = z
  .object({
    decision: z.enum(['approve', 'return'], { error: '請選擇審核結果' }),
    reason: text('退回理由', { max: 500, optional: true, multiline: true }),
  })
  .refine((r) => r.decision === 'approve' || r.reason !== '', { message: '退回時請輸入退回理由', path: ['reason'] });

/** 下架: a published vacancy taken down, always with a reason (mailed to the agency). */
export const withdrawSchema = z.object({
  reason: text('下架理由', { max: 500, multiline: true }),
});
