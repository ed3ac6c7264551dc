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

/**
 * A link the 應用系統 menu may send people to: an http(s) address with a host, or a path of
 * this site. Anything else (javascript:, data:, vbscript:, a protocol-relative //host or the
 * /\host browsers read the same way) is refused.
 */
export function isSafeAppLink(s: string): boolean {
  if (/[\s<>"'`\\]/.test(s) || [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  if (s.startsWith('/')) return !s.startsWith('//');
  if (!/^https?:\/\/[^/]/i.test(s)) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.length > 0 && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** 機關代碼 typed one per line, or separated by commas or spaces; '' for every agency. */
const agencyCodes = text('限定機關', { max: 2000, optional: true, multiline: true }).transform((s, ctx) => {
  const codes = [...new Set(s.toUpperCase().split(/[\s,，、]+/).filter(Boolean))];
  const bad = codes.find((c) => !/^[A-Z0-9]{10}$/.test(c));
  if (bad) {
    ctx.addIssue({ code: 'custom', message: `限定機關「${bad.slice(0, 20)}」不是 10 碼的機關代碼` });
    return z.NEVER;
  }
  if (codes.length > 200) {
    ctx.addIssue({ code: 'custom', message: '限定機關最多 200 個' });
    return z.NEVER;
  }
  return codes;
});

export const appSchema = z.object({
  code: text('系統代碼', { max: 10 }).refine((s) => s === '' || /^[A-Z][A-Z0-9]{0,9}$/.test(s), {
    message: '系統代碼須為英文大寫字母開頭的英數字，例如 B6、DA1',
  }),
  name: text('系統名稱', { max: 100 }),
  category: z.enum(APP_CATEGORIES.map((c) => c.code) as ['A', 'B', 'C', 'D', 'X'], { error: '請選擇類別' }),
  url: text('連結網址', { max: 500 }).refine((s) => s === '' || isSafeAppLink(s), {
    message: '連結網址須以 http://、https:// 或 / 開頭',
  }),
  description: text('說明', { max: 300, optional: true }),
  requiredRole: z.union([z.literal(''), z.enum(Object.keys(ROLE_LABELS) as [string, ...string[]])], { error: '請選擇使用權限' }).transform((r) => r || null),
  agencies: agencyCodes.optional().transform((a) => a ?? []),
  sortOrder: text('排序', { max: 5 }).refine((s) => s === '' || /^\d{1,5}$/.test(s), { message: '排序須為數字' }).transform(Number),
  showCode: z.literal('on', { error: '「選單顯示代碼」格式錯誤' }).optional().transform((v) => v === 'on'),
  active: z.literal('on', { error: '「啟用」格式錯誤' }).optional().transform((v) => v === 'on'),
});

export const agencySearchSchema = z.object({
  q: text('機關代碼或名稱', { max: 50, optional: true }).optional().default(''),
});
