import { parseDateInput, rocShort } from '../platform/dates';
import type { FieldDef } from './sections';

/** A value as the record shows it. */
export function displayValue(def: FieldDef, value: unknown): string {
  if (value == null || value === '') return '';
  if (def.type === 'date') return rocShort(String(value));
  if (def.type === 'enum') return def.options?.[String(value)] ?? String(value);
  if (def.type === 'int' && def.label === '年度') return `${Number(value) - 1911}`;
  return String(value);
}

/** Checks a corrected value against its field; returns what the column stores. */
export function coerceValue(def: FieldDef, raw: string): { ok: true; value: string | number | null } | { ok: false; message: string } {
  const s = raw.trim();
  if (s === '' && def.optional) return { ok: true, value: null };
  if (s === '') return { ok: false, message: `請輸入${def.label}` };
  switch (def.type) {
    case 'text':
      return [...s].length > (def.max ?? 200) ? { ok: false, message: `${def.label}不可超過 ${def.max} 個字` } : { ok: true, value: s };
    case 'date': {
      const d = parseDateInput(s);
      return d ? { ok: true, value: d } : { ok: false, message: `${def.label}格式錯誤，請輸入日期，例如 115/11/24` };
    }
    case 'int': {
      if (!/^\d{1,4}$/.test(s)) return { ok: false, message: `${def.label}請輸入數字` };
      let n = Number(s);
      // 年度 is typed in the ROC calendar (e.g. 114) and stored as the Western year.
      if (def.label === '年度') n = n < 1000 ? n + 1911 : n;
      else if (n < (def.min ?? 0) || n > (def.maxInt ?? 9999)) return { ok: false, message: `${def.label}須介於 ${def.min ?? 0} 至 ${def.maxInt} 之間` };
      return { ok: true, value: n };
    }
    case 'enum': {
      const opts = def.options ?? {};
      const key = Object.keys(opts).find((k) => k === s || opts[k] === s);
      return key ? { ok: true, value: key } : { ok: false, message: `${def.label}須為：${Object.values(opts).join('、')}` };
    }
  }
}
