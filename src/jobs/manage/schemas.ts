import { z } from 'zod';
import { dateText, email, phone, text } from '../../platform/validation';
import { COUNTY_NAME, PERSON_KIND_NAME, SERIES_NAME, TITLE_NAME } from '../codes';
import { pageParam, q } from '../fields';

/** The longest 有效期間 a posting may have. */
export const MAX_VALID_DAYS = 90;

const date = (label: string) => dateText(label, '2026-11-22');

const flag = (label: string) =>
  z
    .union([z.literal('on'), z.literal('Y'), z.literal('')], { error: `「${label}」格式錯誤` })
    .optional()
    .transform((v) => v === 'on' || v === 'Y');

const codeOf = (label: string, names: Map<string, string>, optional = false) =>
  z
    .string({ error: `請選擇${label}` })
    .refine((s) => (optional && s === '') || names.has(s), { message: `請選擇${label}` })
    .transform((s) => (s === '' ? null : s));

const level = (label: string) =>
  z
    .string({ error: `${label}格式錯誤` })
    .refine((s) => s === '' || (/^\d{1,2}$/.test(s) && +s >= 1 && +s <= 14), { message: `${label}請選擇委任第一職等至簡任第十四職等` })
    .transform((s) => (s === '' ? null : Number(s)));

/** 機關徵才登錄: every field of the manual's form. */
export const vacancySchema = z
  .object({
    agencyAddress: text('機關地址', { max: 200 }),
    fillerName: text('填寫人姓名', { max: 50 }),
    fillerPhone: phone('填寫人電話'),
    fillerExt: text('分機', { max: 10, optional: true }).refine((s) => s === '' || /^\d{1,10}$/.test(s), { message: '分機須為數字' }),
    fillerEmail: email('填寫人Email', true),
    personKind: codeOf('人員區分', PERSON_KIND_NAME),
    rankFrom: level('官等職等（起）'),
    rankTo: level('官等職等（迄）'),
    titleCode: codeOf('職稱', TITLE_NAME),
    seriesCode: codeOf('職系', SERIES_NAME, true),
    numberOf: z
      .string({ error: '名額格式錯誤' })
      .transform((s) => s.trim())
      .refine((s) => s !== '', { message: '請輸入名額' })
      .refine((s) => s === '' || s === '數名' || /^-?\d{1,4}$/.test(s), { message: '名額須為數字或「數名」' })
      .refine((s) => !/^-?\d{1,4}$/.test(s) || (+s >= 1 && +s <= 999), { message: '名額須為 1 至 999 的數字' })
      .transform((s) => (s === '數名' ? null : Number(s))),
    reserveNum: z
      .string({ error: '候用名額格式錯誤' })
      .transform((s) => s.trim())
      .refine((s) => s === '' || /^\d{1,3}$/.test(s), { message: '候用名額須為 0 至 999 的數字' })
      .transform((s) => (s === '' ? 0 : Number(s))),
    gender: z.enum(['M', 'F', 'A'], { error: '請選擇性別' }),
    genderReason: text('性別限制理由', { max: 200, optional: true, multiline: true }),
    workPlaces: z
      .union([z.string(), z.array(z.string()).max(30)], { error: '請勾選工作地' })
      .optional()
      .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
      .refine((xs) => xs.length > 0, { message: '請勾選工作地' })
      .refine((xs) => xs.every((x) => COUNTY_NAME.has(x)), { message: '工作地選項錯誤' })
      .transform((xs) => [...new Set(xs)].sort()),
    dateFrom: date('有效期間（起）').refine((s) => s !== '', { message: '請輸入有效期間（起）' }),
    dateTo: date('有效期間（迄）').refine((s) => s !== '', { message: '請輸入有效期間（迄）' }),
    workQuality: text('資格條件', { max: 2000, multiline: true }),
    workItem: text('工作項目', { max: 2000, multiline: true }),
    workAddress: text('工作地址', { max: 200 }),
    contactMethod: text('聯絡方式', { max: 500, multiline: true }),
    urlLink: text('相關網址', { max: 500, optional: true }).refine((s) => s === '' || /^https?:\/\/[^\s<>"]+$/.test(s), {
      message: '相關網址須以 http:// 或 https:// 開頭',
    }),
    isHandicap: flag('身心障礙者可應徵'),
    isOriginal: flag('原住民可應徵'),
    transferOnly: flag('限現職公務人員（商調）'),
    needsConsent: flag('調閱履歷須經應徵者同意'),
    hideContact: flag('聯絡人資料不於開放資料公開'),
  })
  .superRefine((v, ctx) => {
    if ((v.rankFrom === null) !== (v.rankTo === null)) {
      ctx.addIssue({ code: 'custom', path: [v.rankFrom === null ? 'rankFrom' : 'rankTo'], message: '官等職等請同時選擇起迄' });
    } else if (v.rankFrom !== null && v.rankTo !== null && v.rankTo < v.rankFrom) {
      ctx.addIssue({ code: 'custom', path: ['rankTo'], message: '官等職等（迄）不可低於（起）' });
    }
    if (v.gender !== 'A' && v.genderReason === '') {
      ctx.addIssue({ code: 'custom', path: ['genderReason'], message: '性別設有限制時，請說明工作性質僅適合特定性別之理由（性別工作平等法第7條）' });
    }
    if (v.dateFrom && v.dateTo) {
      if (v.dateTo < v.dateFrom) ctx.addIssue({ code: 'custom', path: ['dateTo'], message: '有效期間（迄）不可早於（起）' });
      else if ((Date.parse(v.dateTo) - Date.parse(v.dateFrom)) / 86_400_000 > MAX_VALID_DAYS) {
        ctx.addIssue({ code: 'custom', path: ['dateTo'], message: `有效期間最長 ${MAX_VALID_DAYS} 日` });
      }
    }
  });
export type VacancyInput = z.infer<typeof vacancySchema>;

export const manageListSchema = z.object({
  workId: q('職缺編號', 12).refine((s) => s === '' || /^\d{1,12}$/.test(s), { message: '職缺編號須為數字' }),
  history: q('歷史職缺', 1),
  page: pageParam,
  size: q('每頁筆數', 6)
    .refine((s) => s === '' || /^\d{1,6}$/.test(s), { message: '每頁筆數須為數字' })
    .transform((s) => Number(s || 10))
    .refine((n) => n >= 1 && n <= 100, { message: '每頁筆數須為 1 至 100' }),
});
