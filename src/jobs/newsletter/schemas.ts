import { z } from 'zod';
import { email, text } from '../../platform/validation';
import { COUNTY_NAME, SERIES_NAME } from '../codes';
import { blank } from '../fields';

export const subscribeSchema = z.object({
  email: email('電子郵件'),
  keyword: blank(text('關鍵字', { max: 50, optional: true })),
  county: z.string({ error: '工作地選項錯誤' }).optional().transform((s) => s ?? '').refine((s) => s === '' || COUNTY_NAME.has(s), { message: '工作地選項錯誤' }),
  seriesCode: z.string({ error: '職系選項錯誤' }).optional().transform((s) => s ?? '').refine((s) => s === '' || SERIES_NAME.has(s), { message: '職系選項錯誤' }),
});

export const unsubscribeSchema = z.object({ email: email('電子郵件') });
