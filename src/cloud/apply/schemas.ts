import { isIP } from 'node:net';
import { z } from 'zod';
import { email, phone, text } from '../../platform/validation';
import { parseDateInput } from '../../platform/dates';

/** 步驟三 介接系統使用之對象. */
export const USER_SCOPES = { personal: '公務同仁個人使用', internal: '機關內部使用', external: '對外介接使用' } as const;
export type UserScope = keyof typeof USER_SCOPES;

/** 步驟四 資料交換服務提供方式. */
export const KINDS = { file: '單次服務(檔案交換)', ws: '即時Web Service連線服務' } as const;

export const STATUS_LABELS = { pending: '尚未審核', rejected: '不通過', approved: '通過', partial: '部分通過' } as const;
export type ApplicationStatus = keyof typeof STATUS_LABELS;
export const RESULT_LABELS = { pending: '尚未審核', approved: '通過', rejected: '不通過', suspended: '停用', expired: '逾期' } as const;

export const MAX_IPS = 20;

/** A checkbox group: absent → [], one value → [value], repeated → the list. */
const list = (label: string, allowed: readonly string[], min: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z
      .array(z.string({ error: `${label}格式錯誤` }), { error: `${label}格式錯誤` })
      .max(50, { message: `${label}格式錯誤` })
      .refine((xs) => xs.every((x) => allowed.includes(x)), { message: `${label}格式錯誤，請重新選擇` })
      .transform((xs) => [...new Set(xs)])
      .refine((xs) => xs.length >= min, { message: `請選擇${label}` }),
  );

/** A field the form always sends: missing counts as empty (「請輸入…」). */
const given = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === undefined ? '' : v), schema);

const date = (label: string) =>
  text(label, { max: 20 })
    .refine((s) => s === '' || parseDateInput(s) !== null, { message: `${label}格式錯誤，例如 115/12/01` })
    .transform((s) => parseDateInput(s) ?? '');

export const PERIOD_PAST = '服務使用起日不可早於今天';
export const PERIOD_ORDER = '服務使用迄日必須晚於起日';

/** 步驟一 機關基本資料 (the period's order and start are checked by `periodErrors`). */
export function step1Schema() {
  return z.object({
    contactName: given(text('聯絡人姓名', { max: 50 })),
    contactPhone: given(phone('連絡電話')),
    contactEmail: given(email('電子郵件')),
    periodFrom: given(date('服務使用起日')),
    periodTo: given(date('服務使用迄日')),
    purpose: given(text('介接用途', { max: 500, multiline: true })),
    legalBasis: given(text('法規依據', { max: 500, multiline: true })),
    specificPurpose: given(text('特定目的', { max: 500, multiline: true })),
  });
}

/** 服務使用起迄: not in the past (`today` is 'YYYY-MM-DD' in Taipei), end after start. */
export function periodErrors(body: unknown, today: string): Record<string, string> {
  const raw = (body ?? {}) as Record<string, unknown>;
  const from = typeof raw.periodFrom === 'string' ? parseDateInput(raw.periodFrom) : null;
  const to = typeof raw.periodTo === 'string' ? parseDateInput(raw.periodTo) : null;
  const errors: Record<string, string> = {};
  if (from && from < today) errors.periodFrom = PERIOD_PAST;
  if (from && to && to <= from) errors.periodTo = PERIOD_ORDER;
  return errors;
}

/** Splits 「IP位置」 into addresses: commas, semicolons, 、 or spaces between them. */
export function splitIps(s: string): string[] {
  return s.split(/[\s,;，、；]+/).filter(Boolean);
}

export const step2Schema = z.object({
  systemName: given(text('介接系統名稱', { max: 100 })),
  os: given(text('作業系統', { max: 100 })),
  language: given(text('程式語言', { max: 100 })),
  databaseName: given(text('資料庫', { max: 100 })),
  computerName: given(text('電腦名稱', { max: 100 })),
  ipAddresses: given(
    text('IP位置', { max: 800 })
      .refine((s) => s === '' || splitIps(s).every((ip) => isIP(ip) !== 0), { message: 'IP位置格式錯誤，例如 192.168.10.21；多個位置以逗號分隔' })
      .refine((s) => splitIps(s).length <= MAX_IPS, { message: `IP位置最多 ${MAX_IPS} 個` })
      .transform((s) => [...new Set(splitIps(s))].join(', ')),
  ),
});

export const step3Schema = z.object({ userScopes: list('介接系統使用之對象', Object.keys(USER_SCOPES), 1) });

export const step4Schema = z.object({
  kind: z.enum(['file', 'ws'], { error: '請選擇資料交換服務提供方式' }),
});

export function step5aSchema(serviceCodes: readonly string[]) {
  return z.object({
    conditions: given(text('特殊條件說明', { max: 2000, multiline: true })),
    services: list('申請之服務', serviceCodes, 1),
  });
}

export function step5bSchema(serviceCodes: readonly string[]) {
  return z.object({ services: list('資料交換需求', serviceCodes, 1) });
}

/** 步驟六: what the card form posts (a browser sends the tbs's line breaks as CRLF). */
export const signedSchema = z.object({
  tbs: z
    .string()
    .max(20_000)
    .default('')
    .transform((s) => s.replace(/\r\n/g, '\n')),
  signature: z.string().max(20_000).default(''),
  certb64: z.string().max(20_000).default(''),
  /** The card's encryption certificate (cert2) as card.js read it from the bridge's listing. */
  enccertb64: z.string().max(20_000).default(''),
});

/** 進度查詢 / 申請審核管理 filters (GET query). */
export const searchSchema = z.object({
  agency: text('申請機關', { max: 100, optional: true }).default(''),
  number: text('申請案號', { max: 12, optional: true })
    .refine((s) => s === '' || /^[A-Za-z0-9]{1,12}$/.test(s), { message: '申請案號格式錯誤，例如 APFQ11500001' })
    .default(''),
  from: text('申請日期起日', { max: 20, optional: true })
    .refine((s) => s === '' || parseDateInput(s) !== null, { message: '申請日期起日格式錯誤，例如 115/12/01' })
    .default(''),
  to: text('申請日期迄日', { max: 20, optional: true })
    .refine((s) => s === '' || parseDateInput(s) !== null, { message: '申請日期迄日格式錯誤，例如 115/12/31' })
    .default(''),
  status: list('審核狀態', Object.keys(STATUS_LABELS), 0),
  kind: list('資料提供方式', Object.keys(KINDS), 0),
});
export type Search = z.infer<typeof searchSchema>;

/** One decision per service line: result_<lineId> = approved|rejected, note_<lineId>. */
export function reviewSchema(lineIds: number[]) {
  const shape: Record<string, z.ZodType> = { reviewNote: text('審核說明', { max: 1000, optional: true, multiline: true }).default('') };
  for (const id of lineIds) {
    shape[`result_${id}`] = z.enum(['approved', 'rejected'], { error: '請選擇每一項服務的審核結果（通過或不通過）' });
    shape[`note_${id}`] = text('服務審核說明', { max: 500, optional: true, multiline: true }).default('');
  }
  return z.object(shape);
}

export const NOTE_REQUIRED = '不通過的服務請填寫審核說明';
