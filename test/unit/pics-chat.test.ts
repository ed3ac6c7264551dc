import { describe, expect, it } from 'vitest';
import { clockTime, maskNationalIds, withinServiceTime } from '../../src/pics/chat/text';

describe('national ID masking for agents', () => {
  it.each([
    ['A123456789', 'A12****789'],
    ['我是a123456789喔', '我是A12****789喔'],
    ['居留證 AC01234567', '居留證 AC0****567'],
    ['新式居留證 A800000014', 'A80****014'],
    ['兩個 A123456789、B220012340', '兩個 A12****789、B22****340'],
  ])('%s → %s', (input, expected) => {
    expect(maskNationalIds(input)).toContain(expected);
  });

  it.each([['電話 0223979108'], ['XA123456789'], ['A1234567890'], ['A323456789'], ['訂單 AB12']])('leaves %s alone', (input) => {
    expect(maskNationalIds(input)).toBe(input);
  });
});

describe('chat times and service hours (Asia/Taipei)', () => {
  it('shows HH:MM:SS in Taipei', () => {
    expect(clockTime(new Date('2026-11-24T09:01:50Z'))).toBe('17:01:50');
    expect(clockTime('2026-11-24T00:58:55Z')).toBe('08:58:55');
  });

  it.each([
    ['2026-11-24T08:59:59+08:00', false],
    ['2026-11-24T09:00:00+08:00', true],
    ['2026-11-24T11:59:59+08:00', true],
    ['2026-11-24T12:00:00+08:00', false],
    ['2026-11-24T13:59:00+08:00', false],
    ['2026-11-24T14:00:00+08:00', true],
    ['2026-11-24T16:59:59+08:00', true],
    ['2026-11-24T17:00:00+08:00', false],
  ])('%s within service time: %s', (at, expected) => {
    expect(withinServiceTime(new Date(at))).toBe(expected);
  });
});
