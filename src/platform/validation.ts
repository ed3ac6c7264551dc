import { z } from 'zod';
import { FormError } from './errors';
import { parseDateInput, rocShort } from './dates';

// Control characters other than tab/newline, and U+FFFD (what undecodable bytes become).
// eslint-disable-next-line no-control-regex -- these are the characters refused
const BAD_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

/** The messages every text field shares, with its zh-TW label. */
export function text(label: string, opts: { max: number; min?: number; optional?: boolean; multiline?: boolean }) {
  const base = z
    .string({ error: `${label}格式錯誤` })
    .transform((s) => (opts.multiline ? s.replace(/\r\n/g, '\n').trim() : s.trim()))
    .refine((s) => !BAD_CHARS.test(s) && (opts.multiline || !/[\n\r]/.test(s)), {
      message: `${label}含有無法辨識的字元，請重新輸入`,
    })
    .refine((s) => [...s].length <= opts.max, { message: `${label}不可超過 ${opts.max} 個字` });
  if (opts.optional) return base;
  return base.refine((s) => s.length > 0, { message: `請輸入${label}` }).refine((s) => s.length === 0 || [...s].length >= (opts.min ?? 1), {
    message: `${label}至少 ${opts.min ?? 1} 個字`,
  });
}

/**
 * A date typed in ROC or ISO form (115/11/25, 2026-11-25, …), as 'YYYY-MM-DD'; '' when left
 * empty. `example` (ISO) is shown both ways in the message.
 */
export function dateText(label: string, example: string, opts: { optional?: boolean } = {}) {
  return text(label, { max: 20, optional: opts.optional }).transform((s, ctx) => {
    if (s === '') return '';
    const d = parseDateInput(s);
    if (!d) {
      ctx.addIssue({ code: 'custom', message: `${label}格式錯誤，請輸入如 ${rocShort(example)} 或 ${example}` });
      return z.NEVER;
    }
    return d;
  });
}

export const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function email(label = '電子郵件', optional = false) {
  return text(label, { max: 254, optional }).refine((s) => (optional && s === '') || EMAIL_RE.test(s), {
    message: `${label}格式錯誤，例如 name@example.gov.tw`,
  });
}

export const PHONE_RE = /^[0-9()+\- #]{6,30}$/;

export function phone(label: string, optional = false) {
  return text(label, { max: 30, optional }).refine((s) => (optional && s === '') || PHONE_RE.test(s), {
    message: `${label}格式錯誤，請輸入數字，例如 02-23979108`,
  });
}

/** Taiwan national ID: letter, 1/2 (or 8/9 for residents), 8 digits, checksum. */
export function isValidNationalId(id: string): boolean {
  if (!/^[A-Z][1289]\d{8}$/.test(id)) return false;
  const letters = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';
  const n = letters.indexOf(id[0]!) + 10;
  const weights = [8, 7, 6, 5, 4, 3, 2, 1];
  let sum = Math.floor(n / 10) + (n % 10) * 9;
  for (let i = 0; i < 8; i++) sum += Number(id[i + 1]) * weights[i]!;
  sum += Number(id[9]);
  return sum % 10 === 0;
}

/**
 * Parses a form body with a schema; unknown fields are dropped, a field sent
 * twice is a format error, and every failure becomes a zh-TW message per field.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    if (!errors[field]) errors[field] = issue.message;
  }
  throw new FormError(errors);
}

/** The values to put back into a form: strings only, never secrets. */
export function keepValues(body: unknown, omit: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (omit.includes(k) || k === '_csrf') continue;
      out[k] = typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(',') : '';
    }
  }
  return out;
}

export function pageNumber(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : 1;
  return Math.max(1, n);
}
