import { z } from 'zod';

/** A field the form may leave out altogether counts as empty. */
export const blank = <S extends z.ZodType>(schema: S) => z.preprocess((v) => v ?? '', schema);

/** A trimmed query parameter of at most `max` characters. */
export const q = (label: string, max: number) =>
  z
    .string({ error: `${label}格式錯誤` })
    .optional()
    .transform((s) => (s ?? '').trim())
    .refine((s) => [...s].length <= max, { message: `${label}不可超過 ${max} 個字` });

/** 頁數 of a result list. */
export const pageParam = q('頁數', 6).refine((s) => s === '' || /^\d{1,6}$/.test(s), { message: '頁數須為數字' }).transform((s) => Math.max(1, Number(s || 1)));
