import { describe, expect, it } from 'vitest';
import { parseDateInput, rocCompact, rocDateTime, rocLong, rocShort, startOfTaipeiDay, taipeiParts, taipeiToday } from '../../src/platform/dates';

describe('ROC display', () => {
  it('formats a plain date in the three ROC forms', () => {
    expect(rocLong('2026-11-22')).toBe('民國 115 年 11 月 22 日');
    expect(rocShort('2026-11-22')).toBe('115/11/22');
    expect(rocCompact('2026-11-22')).toBe('1151122');
  });

  it('pads months, days and (in the compact form) the year', () => {
    expect(rocShort('2026-01-05')).toBe('115/01/05');
    expect(rocLong('2026-01-05')).toBe('民國 115 年 01 月 05 日');
    expect(rocCompact('2010-03-04')).toBe('0990304');
    expect(rocCompact('1912-01-01')).toBe('0010101');
    expect(rocShort('1912-01-01')).toBe('1/01/01');
  });

  it('shows an instant in Taipei time, across the day boundary (UTC+8)', () => {
    // 2026-11-21 15:59:59 UTC is 23:59:59 in Taipei; one second later it is the 22nd.
    expect(rocShort(new Date('2026-11-21T15:59:59Z'))).toBe('115/11/21');
    expect(rocShort(new Date('2026-11-21T16:00:00Z'))).toBe('115/11/22');
    expect(rocDateTime(new Date('2026-11-21T16:00:00Z'))).toBe('115/11/22 00:00:00');
    expect(rocDateTime(new Date('2026-11-22T06:05:09Z'))).toBe('115/11/22 14:05:09');
    // New year in Taipei comes 8 hours before UTC's.
    expect(rocLong(new Date('2025-12-31T16:00:00Z'))).toBe('民國 115 年 01 月 01 日');
    expect(rocCompact(new Date('2025-12-31T15:59:59Z'))).toBe('1141231');
  });

  it('treats a DATE column value as a calendar day, not as midnight UTC', () => {
    // new Date('2026-11-22') would be 08:00 in Taipei — still the 22nd, but never shifted.
    expect(taipeiParts('2026-11-22')).toEqual({ year: 2026, month: 11, day: 22, hour: 0, minute: 0, second: 0 });
  });

  it('gives today in Taipei and the instant the Taipei day began', () => {
    const lateUtc = new Date('2026-11-21T17:30:00Z'); // 01:30 on the 22nd in Taipei
    expect(taipeiToday(lateUtc)).toBe('2026-11-22');
    expect(startOfTaipeiDay(lateUtc).toISOString()).toBe('2026-11-21T16:00:00.000Z');
    const earlyUtc = new Date('2026-11-22T15:59:59Z'); // 23:59:59 on the 22nd in Taipei
    expect(taipeiToday(earlyUtc)).toBe('2026-11-22');
    expect(startOfTaipeiDay(earlyUtc).toISOString()).toBe('2026-11-21T16:00:00.000Z');
  });
});

describe('parseDateInput', () => {
  it.each([
    ['115/11/22', '2026-11-22'],
    ['115-11-22', '2026-11-22'],
    ['115.11.22', '2026-11-22'],
    ['115/1/5', '2026-01-05'],
    ['1151122', '2026-11-22'],
    ['民國115年11月22日', '2026-11-22'],
    ['民國 115 年 11 月 22 日', '2026-11-22'],
    ['115年11月22日', '2026-11-22'],
    ['115年11月22', '2026-11-22'],
    ['99/12/31', '2010-12-31'],
    ['0991231', '2010-12-31'],
    ['2026-11-22', '2026-11-22'],
    ['2026/11/22', '2026-11-22'],
    ['2026.1.2', '2026-01-02'],
    ['20261122', '2026-11-22'],
    ['  115/11/22  ', '2026-11-22'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseDateInput(input)).toBe(expected);
  });

  it.each(['115/02/30', '115/02/29', '115/04/31', '115/13/01', '115/00/10', '115/01/00', '115/01/32', '2026-02-29', '2100-02-29', '1150230', '20260230', '民國115年2月30日'])(
    'refuses the impossible date %j',
    (input) => {
      expect(parseDateInput(input)).toBeNull();
    },
  );

  it('knows the leap years in both calendars', () => {
    expect(parseDateInput('113/02/29')).toBe('2024-02-29'); // 2024 is a leap year
    expect(parseDateInput('89/02/29')).toBe('2000-02-29'); // 2000: divisible by 400
    expect(parseDateInput('2000-02-29')).toBe('2000-02-29');
    expect(parseDateInput('189/02/29')).toBeNull(); // 2100: a century, not a leap year
    expect(parseDateInput('114/02/29')).toBeNull();
  });

  it.each(['', ' ', 'abc', '115/11', '115//11/22', '11/22', '1/1/1', '115/11/22/1', '115-11/22x', '2026-11-22T00:00', '115/11/22; DROP TABLE announcement', '<script>'])(
    'refuses the malformed %j',
    (input) => {
      expect(parseDateInput(input)).toBeNull();
    },
  );

  it('refuses ROC year 0 (民國 starts at 1 = 1912)', () => {
    expect(parseDateInput('00/01/01')).toBeNull();
    expect(parseDateInput('000/01/01')).toBeNull();
    expect(parseDateInput('0000101')).toBeNull();
    expect(parseDateInput('民國0年1月1日')).toBeNull();
    expect(parseDateInput('01/01/01')).toBe('1912-01-01');
  });

  it('round-trips with rocShort and rocCompact', () => {
    for (const iso of ['2026-11-22', '2024-02-29', '2010-01-01', '1990-12-31']) {
      expect(parseDateInput(rocShort(iso))).toBe(iso);
      expect(parseDateInput(rocCompact(iso))).toBe(iso);
      expect(parseDateInput(rocLong(iso))).toBe(iso);
    }
  });
});
