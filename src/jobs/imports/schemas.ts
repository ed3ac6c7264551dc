import { z } from 'zod';

/** 確認 or 併入: merging names the agency (by its 機關代碼) the imported one becomes. */
export const agencyDecisionSchema = z
  .object({
    decision: z.enum(['confirm', 'merge'], { error: '請選擇確認為新機關或併入既有機關' }),
    target: z
      .string({ error: '機關代碼為 10 碼英數字，例如 301000000A' })
      .max(40, '機關代碼為 10 碼英數字，例如 301000000A')
      .optional()
      .transform((s) => (s ?? '').normalize('NFKC').trim().toUpperCase()),
  })
  .superRefine((r, ctx) => {
    if (r.decision !== 'merge') return;
    if (r.target === '') ctx.addIssue({ code: 'custom', message: '併入既有機關時請輸入該機關的機關代碼', path: ['target'] });
    else if (!/^[A-Z0-9]{10}$/.test(r.target)) ctx.addIssue({ code: 'custom', message: '機關代碼為 10 碼英數字，例如 301000000A', path: ['target'] });
  });
