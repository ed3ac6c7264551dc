import { describe, expect, it } from 'vitest';
import { coerceValue, displayValue } from '../../src/mydata/values';
import { maskNationalId } from '../../src/mydata/pdf';
import { SECTIONS } from '../../src/mydata/sections';

const f = (section: keyof typeof SECTIONS, field: string) => SECTIONS[section].fields[field]!;

describe('coerceValue', () => {
  it('accepts ROC and ISO dates and refuses others', () => {
    expect(coerceValue(f('basic', 'birth_date'), '79/05/04')).toEqual({ ok: true, value: '1990-05-04' });
    expect(coerceValue(f('basic', 'birth_date'), '1990-05-04')).toEqual({ ok: true, value: '1990-05-04' });
    expect(coerceValue(f('basic', 'birth_date'), '79/02/30')).toEqual({ ok: false, message: '出生日期格式錯誤，請輸入日期，例如 115/11/24' });
  });

  it('maps enum labels to their stored keys', () => {
    expect(coerceValue(f('basic', 'gender'), '女')).toEqual({ ok: true, value: 'F' });
    expect(coerceValue(f('basic', 'gender'), 'M')).toEqual({ ok: true, value: 'M' });
    expect(coerceValue(f('basic', 'gender'), '其他')).toEqual({ ok: false, message: '性別須為：男、女' });
  });

  it('checks text length per column and integers with their range', () => {
    expect(coerceValue(f('exams', 'grade'), '字'.repeat(21))).toEqual({ ok: false, message: '等級不可超過 20 個字' });
    expect(coerceValue(f('training', 'hours'), '12')).toEqual({ ok: true, value: 12 });
    expect(coerceValue(f('training', 'hours'), '0')).toMatchObject({ ok: false });
    expect(coerceValue(f('training', 'hours'), '十二')).toEqual({ ok: false, message: '時數請輸入數字' });
    // 年度 is typed in the ROC calendar.
    expect(coerceValue(f('ratings', 'year'), '114')).toEqual({ ok: true, value: 2025 });
  });

  it('lets optional fields be cleared and requires the others', () => {
    expect(coerceValue(f('career', 'end_on'), '')).toEqual({ ok: true, value: null });
    expect(coerceValue(f('post', 'title'), ' ')).toEqual({ ok: false, message: '請輸入職稱' });
  });
});

describe('displayValue and maskNationalId', () => {
  it('shows dates in the ROC calendar, enums by label and ROC years', () => {
    expect(displayValue(f('basic', 'birth_date'), '1990-05-04')).toBe('79/05/04');
    expect(displayValue(f('basic', 'gender'), 'F')).toBe('女');
    expect(displayValue(f('ratings', 'year'), 2025)).toBe('114');
    expect(displayValue(f('career', 'end_on'), null)).toBe('');
  });

  it('keeps only the first two and last three characters of a national ID', () => {
    expect(maskNationalId('A123456789')).toBe('A1*****789');
  });
});
