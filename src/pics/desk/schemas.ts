import { z } from 'zod';
import { text } from '../../platform/validation';
import { DESCRIPTION_MAX } from '../tickets/schemas';

export const replySchema = z.object({
  body: text('回覆內容', { max: DESCRIPTION_MAX, multiline: true, optional: true }),
  cannedId: z.string().optional(),
});

export const noteSchema = z.object({ note: text('內部註記', { max: DESCRIPTION_MAX, multiline: true }) });
export const closeSchema = z.object({ resolution: text('處理結果', { max: DESCRIPTION_MAX, multiline: true }) });
export const reopenSchema = z.object({ reason: text('重新開啟原因', { max: 500, multiline: true }) });
export const assignSchema = z.object({ assignee: z.string({ error: '請選擇承辦人' }).regex(/^\d{1,9}$/, { message: '請選擇承辦人' }).transform(Number) });

export const hotlineSchema = z.object({
  nationalId: z
    .string({ error: '請輸入來電者身分證統一編號' })
    .trim()
    .toUpperCase()
    .refine((s) => s.length > 0, { message: '請輸入來電者身分證統一編號' })
    .refine((s) => s.length === 0 || /^[A-Z][0-9]{9}$/.test(s), { message: '身分證統一編號格式錯誤，例如 A123456789' }),
});
