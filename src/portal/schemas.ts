import { z } from 'zod';
import { parseDateInput } from '../platform/dates';
import { text } from '../platform/validation';
import { ANNOUNCEMENT_CATEGORIES, APP_CATEGORIES, ROLE_LABELS } from './catalog';

/** A date typed in ROC or ISO form, as 'YYYY-MM-DD'. */
export const date = (label: string) =>
  text(label, { max: 20 }).transform((s, ctx) => {
    const d = parseDateInput(s);
    if (!d) {
      ctx.addIssue({ code: 'custom', message: `${label}格式錯誤，請輸入如 115/11/22 或 2026-11-22` });
      return z.NEVER;
    }
    return d;
  });

export const optionalDate = (label: string) =>
  z
    .union([z.literal(''), date(label)], { error: `${label}格式錯誤，請輸入如 115/11/22 或 2026-11-22` })
    .optional()
    .transform((d) => d || null);

export const announcementSchema = z
  .object({
    title: text('標題', { max: 200 }),
    category: z.enum(ANNOUNCEMENT_CATEGORIES, { error: '請選擇公告類別' }),
    body: text('內容', { max: 20000, multiline: true }),
    publishOn: date('公告日期'),
    unpublishOn: optionalDate('下架日期'),
  })
  .refine((a) => !a.unpublishOn || a.unpublishOn >= a.publishOn, { message: '下架日期不可早於公告日期', path: ['unpublishOn'] });

export const appSchema = z.object({
  code: text('系統代碼', { max: 10 }).refine((s) => s === '' || /^[A-Z][A-Z0-9]{0,9}$/.test(s), {
    message: '系統代碼須為英文大寫字母開頭的英數字，例如 B6、DA1',
  }),
  name: text('系統名稱', { max: 100 }),
  category: z.enum(APP_CATEGORIES.map((c) => c.code) as ['A', 'B', 'C', 'D', 'X'], { error: '請選擇類別' }),
  url: text('連結網址', { max: 500 }).refine((s) => s === '' || /^(https?:\/\/[^\s<>"]+|\/[^\s<>"]*)$/.test(s), {
    message: '連結網址須以 http://、https:// 或 / 開頭',
  }),
  description: text('說明', { max: 300, optional: true }),
  requiredRole: z.union([z.literal(''), z.enum(Object.keys(ROLE_LABELS) as [string, ...string[]])], { error: '請選擇使用權限' }).transform((r) => r || null),
  sortOrder: text('排序', { max: 5 }).refine((s) => s === '' || /^\d{1,5}$/.test(s), { message: '排序須為數字' }).transform(Number),
  active: z.literal('on', { error: '「啟用」格式錯誤' }).optional().transform((v) => v === 'on'),
});

export const agencySearchSchema = z.object({
  q: text('機關代碼或名稱', { max: 50, optional: true }).optional().default(''),
});
