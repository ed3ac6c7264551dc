import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkNewPassword, FORBIDDEN_PASSWORD_CHARS, generateTemporaryPassword, MIN_PASSWORD_LENGTH, PASSWORD_RULES } from '../../src/platform/identity/passwordPolicy';

const account = { username: 'wang.xiaoming', nationalId: 'A123456789' };
const check = (pw: string, confirm = pw, a: { username?: string | null; nationalId?: string | null } = account) => checkNewPassword(pw, confirm, a);

describe('checkNewPassword', () => {
  it('accepts a password of 8+ characters with a letter, a digit and a symbol, typed twice', () => {
    expect(check('Ecpa#2026')).toEqual({});
    expect(check('a1!aaaaa')).toEqual({});
    expect(check('Zz9~Zz9~Zz9~')).toEqual({});
  });

  it('asks for the new password when it is empty (and nothing else)', () => {
    expect(check('', '')).toEqual({ newPassword: '請輸入新密碼' });
  });

  it('refuses fewer than 8 characters', () => {
    expect(check('Ab1#xyz').newPassword).toBe('密碼長度須 8 碼以上');
  });

  it('refuses more than 64 characters', () => {
    expect(check(`Ab1#${'x'.repeat(61)}`).newPassword).toBe('密碼長度不可超過 64 碼');
    expect(check(`Ab1#${'x'.repeat(60)}`)).toEqual({});
  });

  it('needs a letter', () => {
    expect(check('1234#5678').newPassword).toBe('密碼須至少包含一個英文字母');
  });

  it('needs a digit', () => {
    expect(check('Abcd#efgh').newPassword).toBe('密碼須至少包含一個數字');
  });

  it('needs a special symbol', () => {
    expect(check('Abcd12345').newPassword).toBe('密碼須至少包含一個特殊符號');
  });

  it.each(FORBIDDEN_PASSWORD_CHARS)('refuses the forbidden character %s, naming it', (c) => {
    const msg = check(`Abcd#123${c}`).newPassword;
    expect(msg).toBe(`密碼請勿使用下列特殊字元：${c}`);
  });

  it('names every forbidden character used, once each', () => {
    expect(check('Ab1%&+*?<>\\/').newPassword).toBe('密碼請勿使用下列特殊字元：% & + * ? < > \\ /');
  });

  it('lists exactly the nine forbidden characters of the manual', () => {
    expect([...FORBIDDEN_PASSWORD_CHARS].sort()).toEqual(['%', '&', '*', '+', '/', '<', '>', '?', '\\'].sort());
  });

  it('refuses spaces and non-ASCII characters', () => {
    expect(check('Abcd 123#').newPassword).toBe('密碼僅能使用英文字母、數字及半形符號，不可含空白');
    expect(check('Abcd123#密碼').newPassword).toBe('密碼僅能使用英文字母、數字及半形符號，不可含空白');
    // A full-width symbol is not a half-width special symbol.
    expect(check('Abcd1234＃').newPassword).toContain('密碼須至少包含一個特殊符號');
  });

  it('refuses the account itself, whatever the case', () => {
    const a = { username: 'Lin.2026#ab', nationalId: 'A123456789' };
    expect(check('lin.2026#AB', 'lin.2026#AB', a).newPassword).toBe('密碼不可與帳號相同');
  });

  it('refuses the national ID (even in lower case)', () => {
    // A national ID alone breaks the symbol rule too; both messages are given.
    const msg = check('a123456789', 'a123456789').newPassword!;
    expect(msg).toContain('密碼不可與身分證字號相同');
    expect(msg).toContain('密碼須至少包含一個特殊符號');
  });

  it('works for an account without a custom account yet', () => {
    expect(check('Ecpa#2026', 'Ecpa#2026', { username: null, nationalId: 'A123456789' })).toEqual({});
  });

  it('gives one message per broken rule, joined, keyed by field', () => {
    const msg = check('ab').newPassword!;
    expect(msg.split('；')).toEqual(['密碼長度須 8 碼以上', '密碼須至少包含一個數字', '密碼須至少包含一個特殊符號']);
  });

  it('asks for the confirmation and checks it matches', () => {
    expect(check('Ecpa#2026', '')).toEqual({ confirmPassword: '請再輸入一次新密碼' });
    expect(check('Ecpa#2026', 'Ecpa#2027')).toEqual({ confirmPassword: '兩次輸入的新密碼不一致' });
    expect(check('short', 'other')).toEqual({ newPassword: expect.stringContaining('8 碼'), confirmPassword: '兩次輸入的新密碼不一致' });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(check('Ab1#😀😀😀').newPassword).toContain('密碼長度須 8 碼以上');
  });
});

describe('generateTemporaryPassword', () => {
  it('looks like K5L6H5W8: letter, digit, alternating, 8 characters, no look-alikes', () => {
    for (let i = 0; i < 500; i++) {
      const p = generateTemporaryPassword();
      expect(p).toMatch(/^([A-HJ-NP-Z][2-9]){4}$/);
      expect(p).not.toMatch(/[IO01]/);
    }
  });

  it('is random', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateTemporaryPassword()));
    expect(seen.size).toBeGreaterThan(195);
  });

  it('is accepted as a sign-in secret but is not a valid new password (no symbol), so it must be replaced', () => {
    expect(check(generateTemporaryPassword()).newPassword).toBe('密碼須至少包含一個特殊符號');
  });
});

describe('PASSWORD_RULES (the wording the pages show)', () => {
  it('states the length the check enforces and every forbidden character', () => {
    expect(PASSWORD_RULES.composition).toBe(`密碼長度 ${MIN_PASSWORD_LENGTH} 碼以上，且必須至少包含英文字母、數字及特殊符號`);
    expect(PASSWORD_RULES.forbidden).toBe('密碼請勿輸入下列特殊字元 % & + * ? < > \\ /');
    for (const c of FORBIDDEN_PASSWORD_CHARS) expect(PASSWORD_RULES.forbidden.split(' ')).toContain(c);
    const shortest = 'Ab1#'.padEnd(MIN_PASSWORD_LENGTH, 'x');
    expect(check(shortest)).toEqual({});
    expect(check(shortest.slice(1)).newPassword).toBe(`密碼長度須 ${MIN_PASSWORD_LENGTH} 碼以上`);
  });

  it('is the only place the views word the rules', () => {
    for (const view of ['views/auth/password.ejs', 'views/help/first-login.ejs']) {
      const text = fs.readFileSync(view, 'utf8');
      expect(text).toContain('passwordRules.composition');
      expect(text).toContain('passwordRules.forbidden');
      expect(text).not.toMatch(/\d\s*碼|特殊字元 %/);
    }
  });
});
