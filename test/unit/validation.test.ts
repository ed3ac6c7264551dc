import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dateText, email, isValidNationalId, keepValues, pageNumber, parseForm, phone, text } from '../../src/platform/validation';
import { FormError } from '../../src/platform/errors';

const ok = <T>(schema: z.ZodType<T>, v: unknown) => schema.parse(v);
const msg = (schema: z.ZodType, v: unknown) => {
  const r = schema.safeParse(v);
  expect(r.success).toBe(false);
  return r.error!.issues[0]!.message;
};

describe('text()', () => {
  const name = text('姓名', { max: 5 });

  it('trims and accepts up to max characters (code points, not UTF-16 units)', () => {
    expect(ok(name, '  王小明  ')).toBe('王小明');
    expect(ok(name, '𠀀𠀀𠀀𠀀𠀀')).toBe('𠀀𠀀𠀀𠀀𠀀'); // 5 astral characters = 10 UTF-16 units
    expect(ok(name, '😀abcd')).toBe('😀abcd');
  });

  it('gives zh-TW messages: empty, too long, too short, wrong type', () => {
    expect(msg(name, '')).toBe('請輸入姓名');
    expect(msg(name, '   ')).toBe('請輸入姓名');
    expect(msg(name, '王小明王小明')).toBe('姓名不可超過 5 個字');
    expect(msg(text('帳號', { max: 30, min: 4 }), 'abc')).toBe('帳號至少 4 個字');
    expect(msg(name, undefined)).toBe('姓名格式錯誤');
    expect(msg(name, ['a', 'b'])).toBe('姓名格式錯誤');
    expect(msg(name, 12)).toBe('姓名格式錯誤');
    expect(msg(name, { $gt: '' })).toBe('姓名格式錯誤');
    expect(msg(name, null)).toBe('姓名格式錯誤');
  });

  it.each(['a\u0000b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\ufffdb', '\ufffd'])('refuses control characters and U+FFFD (%j)', (v) => {
    expect(msg(name, v)).toBe('姓名含有無法辨識的字元，請重新輸入');
  });

  it('refuses line breaks in a single-line field, keeps them in a multiline one', () => {
    expect(msg(name, 'a\nb')).toBe('姓名含有無法辨識的字元，請重新輸入');
    expect(msg(name, 'a\rb')).toBe('姓名含有無法辨識的字元，請重新輸入');
    const body = text('內容', { max: 100, multiline: true });
    expect(ok(body, ' 第一段\r\n\r\n第二段\t結束 ')).toBe('第一段\n\n第二段\t結束');
  });

  it('lets an optional field be empty, still checking its length and characters', () => {
    const note = text('說明', { max: 3, optional: true });
    expect(ok(note, '')).toBe('');
    expect(ok(note, '  ')).toBe('');
    expect(msg(note, 'abcd')).toBe('說明不可超過 3 個字');
    expect(msg(note, '\ufffd')).toBe('說明含有無法辨識的字元，請重新輸入');
  });

  it('keeps SQL and HTML metacharacters as typed (escaping is the view\'s and the driver\'s job)', () => {
    const t = text('標題', { max: 100 });
    expect(ok(t, "'; DROP TABLE account;--")).toBe("'; DROP TABLE account;--");
    expect(ok(t, '<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });
});

describe('email()', () => {
  const e = email();
  it.each(['name@example.gov.tw', 'a.b-c_d+e%f@sub-1.example.com', '  x@y.tw  '])('accepts %j', (v) => {
    expect(ok(e, v)).toBe(v.trim());
  });
  it.each(['', 'name', 'name@', '@example.com', 'name@example', 'name@@example.com', 'a b@example.com', 'name@exa mple.com', '名字@example.com', 'a@b..com', '<a@b.com>'])(
    'refuses %j with a zh-TW message',
    (v) => {
      expect(msg(e, v)).toMatch(v === '' ? /^請輸入電子郵件$/ : /^電子郵件格式錯誤，例如 name@example\.gov\.tw$/);
    },
  );
  it('refuses more than 254 characters', () => {
    expect(msg(e, `${'a'.repeat(64)}@${'b'.repeat(190)}.tw`)).toBe('電子郵件不可超過 254 個字');
  });
  it('may be optional', () => {
    expect(ok(email('備用信箱', true), '')).toBe('');
    expect(msg(email('備用信箱', true), 'x')).toBe('備用信箱格式錯誤，例如 name@example.gov.tw');
  });
});

describe('phone()', () => {
  it('accepts Taiwanese phone shapes and refuses letters', () => {
    const p = phone('個人電話', true);
    expect(ok(p, '02-23979108')).toBe('02-23979108');
    expect(ok(p, '0912-345-678')).toBe('0912-345-678');
    expect(ok(p, '(02)2397-9108 #123')).toBe('(02)2397-9108 #123');
    expect(ok(p, '+886 2 2397 9108')).toBe('+886 2 2397 9108');
    expect(ok(p, '')).toBe('');
    expect(msg(p, 'call me')).toBe('個人電話格式錯誤，請輸入數字，例如 02-23979108');
    expect(msg(p, '12345')).toBe('個人電話格式錯誤，請輸入數字，例如 02-23979108');
    expect(msg(p, '1'.repeat(31))).toBe('個人電話不可超過 30 個字');
    expect(msg(phone('辦公室電話'), '')).toBe('請輸入辦公室電話');
  });
});

describe('isValidNationalId', () => {
  // An independent implementation of the checksum with the official letter table.
  const CODES: Record<string, number> = {
    A: 10, B: 11, C: 12, D: 13, E: 14, F: 15, G: 16, H: 17, I: 34, J: 18, K: 19, L: 20, M: 21,
    N: 22, O: 35, P: 23, Q: 24, R: 25, S: 26, T: 27, U: 28, V: 29, W: 32, X: 30, Y: 31, Z: 33,
  };
  const complete = (first9: string) => {
    const n = CODES[first9[0]!]!;
    let sum = Math.floor(n / 10) + (n % 10) * 9;
    for (let i = 1; i < 9; i++) sum += Number(first9[i]) * (9 - i);
    return first9 + String((10 - (sum % 10)) % 10);
  };

  it('accepts well-known valid numbers', () => {
    for (const id of ['A123456789', 'F223456786', 'B220012340', 'E120033448', 'H121100558']) expect(isValidNationalId(id)).toBe(true);
  });

  it('checks the check digit for every first letter', () => {
    for (const letter of Object.keys(CODES)) {
      const id = complete(`${letter}1${'2345678'}`);
      expect(isValidNationalId(id), id).toBe(true);
      const wrong = id.slice(0, 9) + String((Number(id[9]) + 1) % 10);
      expect(isValidNationalId(wrong), wrong).toBe(false);
    }
  });

  it('accepts the residents\' new numbers (second digit 8 or 9)', () => {
    expect(isValidNationalId(complete('A80000001'))).toBe(true);
    expect(isValidNationalId(complete('Z91234567'))).toBe(true);
  });

  it.each(['A123456788', 'a123456789', 'A323456789', 'A023456789', '1123456789', 'A12345678', 'A1234567890', ' A123456789', 'AA23456789', 'Ａ123456789', ''])(
    'refuses %j',
    (id) => {
      expect(isValidNationalId(id)).toBe(false);
    },
  );
});

describe('parseForm', () => {
  const schema = z.object({ name: text('姓名', { max: 10 }), note: text('備註', { max: 10, optional: true }).optional() });

  it('returns the parsed values and drops unknown fields (no mass assignment)', () => {
    const out = parseForm(schema, { name: ' 王 ', role: 'portal_admin', must_change_password: 'false', __proto__: { x: 1 }, _csrf: 't' });
    expect(out).toEqual({ name: '王' });
    expect(Object.keys(out)).toEqual(['name']);
  });

  it('treats a field sent twice (an array) as a format error', () => {
    try {
      parseForm(schema, { name: ['王', '陳'] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FormError);
      expect((err as FormError).errors).toEqual({ name: '姓名格式錯誤' });
      expect((err as FormError).status).toBe(400);
    }
  });

  it('collects the first message of every field', () => {
    try {
      parseForm(schema, { name: '', note: 'x'.repeat(11) });
      expect.unreachable();
    } catch (err) {
      expect((err as FormError).errors).toEqual({ name: '請輸入姓名', note: '備註不可超過 10 個字' });
      expect((err as FormError).message).toBe('請輸入姓名');
    }
  });

  it('refuses U+FFFD and control characters', () => {
    expect(() => parseForm(schema, { name: '王\ufffd' })).toThrow(FormError);
    expect(() => parseForm(schema, { name: '王\u0000' })).toThrow(FormError);
  });

  it('treats a missing body as empty', () => {
    expect(() => parseForm(schema, undefined)).toThrow(FormError);
    expect(() => parseForm(schema, null)).toThrow(FormError);
  });
});

describe('keepValues', () => {
  it('keeps strings, joins arrays, blanks other types, and never keeps secrets or the CSRF token', () => {
    expect(
      keepValues({ account: 'wang', password: 'Secret#1', _csrf: 'tok', twice: ['a', 'b'], obj: { $gt: '' }, n: 5 }, ['password']),
    ).toEqual({ account: 'wang', twice: 'a,b', obj: '', n: '' });
    expect(keepValues(undefined)).toEqual({});
    expect(keepValues('x=1')).toEqual({});
  });
});

describe('pageNumber', () => {
  it.each([
    ['3', 3],
    ['1', 1],
    ['0', 1],
    ['-1', 1],
    ['abc', 1],
    ['2.5', 1],
    ['1e3', 1],
    ['9999999', 1],
    ['999999', 999999],
    [undefined, 1],
    [['2', '3'], 1],
  ])('reads %j as %d', (v, n) => {
    expect(pageNumber(v)).toBe(n);
  });
});

describe('dateText (the one ROC/ISO date field)', () => {
  const schema = z.object({ on: dateText('公告日期', '2026-11-25'), day: dateText('日期', '2026-11-22', { optional: true }) });
  it('reads ROC and ISO dates as YYYY-MM-DD and words the example both ways', () => {
    expect(schema.parse({ on: '115/11/25', day: '2026-11-22' })).toEqual({ on: '2026-11-25', day: '2026-11-22' });
    expect(() => parseForm(schema, { on: '115/13/40', day: '' })).toThrow(expect.objectContaining({ errors: { on: '公告日期格式錯誤，請輸入如 115/11/25 或 2026-11-25' } }));
    expect(() => parseForm(schema, { on: '', day: 'x' })).toThrow(expect.objectContaining({ errors: { on: '請輸入公告日期', day: '日期格式錯誤，請輸入如 115/11/22 或 2026-11-22' } }));
    expect(schema.parse({ on: '2026-11-25', day: '' }).day).toBe('');
  });
});
