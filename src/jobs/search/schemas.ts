import { z } from 'zod';
import { dateText } from '../../platform/validation';
import { COUNTY_NAME, GRADES, PERSON_KIND_NAME, SERIES_NAME } from '../codes';
import { blank, pageParam, q } from '../fields';

/** 查詢職缺資料 (GET parameters). */
export const searchSchema = z.object({
  q: q('關鍵字', 50),
  agency: q('機關', 50),
  series: q('職系', 10).refine((s) => s === '' || SERIES_NAME.has(s), { message: '職系選項錯誤' }),
  grade: q('官等', 2).refine((s) => s === '' || GRADES.some((g) => g.code === s), { message: '官等選項錯誤' }),
  county: q('工作地', 2).refine((s) => s === '' || COUNTY_NAME.has(s), { message: '工作地選項錯誤' }),
  kind: q('人員區分', 2).refine((s) => s === '' || PERSON_KIND_NAME.has(s), { message: '人員區分選項錯誤' }),
  date: blank(dateText('日期', '2026-11-22', { optional: true })),
  page: pageParam,
  size: q('每頁筆數', 6)
    .refine((s) => s === '' || /^\d{1,6}$/.test(s), { message: '每頁筆數須為數字' })
    .transform((s) => Number(s || 20))
    .refine((n) => n >= 1 && n <= 100, { message: '每頁筆數須為 1 至 100' }),
});
export type SearchInput = z.infer<typeof searchSchema>;
