import crypto from 'node:crypto';

export const FORBIDDEN_PASSWORD_CHARS = ['%', '&', '+', '*', '?', '<', '>', '\\', '/'];
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 64;

/** The rules as the pages state them (修改密碼, 第一次登入說明), worded from the checks below. */
export const PASSWORD_RULES = {
  composition: `密碼長度 ${MIN_PASSWORD_LENGTH} 碼以上，且必須至少包含英文字母、數字及特殊符號`,
  forbidden: `密碼請勿輸入下列特殊字元 ${FORBIDDEN_PASSWORD_CHARS.join(' ')}`,
} as const;

/**
 * The rules of the manual (seed 004): at least 8 characters with a letter, a digit and a
 * special symbol; none of % & + * ? < > \ /; typed twice; not the account itself.
 * Returns one zh-TW message per broken rule, keyed by form field.
 */
export function checkNewPassword(
  password: string,
  confirm: string,
  account: { username?: string | null; nationalId?: string | null },
): Record<string, string> {
  const errors: string[] = [];
  if (password.length === 0) return { newPassword: '請輸入新密碼' };
  if ([...password].length < MIN_PASSWORD_LENGTH) errors.push(`密碼長度須 ${MIN_PASSWORD_LENGTH} 碼以上`);
  if ([...password].length > MAX_PASSWORD_LENGTH) errors.push(`密碼長度不可超過 ${MAX_PASSWORD_LENGTH} 碼`);
  if (!/[A-Za-z]/.test(password)) errors.push('密碼須至少包含一個英文字母');
  if (!/[0-9]/.test(password)) errors.push('密碼須至少包含一個數字');
  if (!/[!-/:-@[-`{-~]/.test(password)) errors.push('密碼須至少包含一個特殊符號');
  const bad = FORBIDDEN_PASSWORD_CHARS.filter((c) => password.includes(c));
  if (bad.length) errors.push(`密碼請勿使用下列特殊字元：${bad.join(' ')}`);
  if (/[^\x21-\x7E]/.test(password)) errors.push('密碼僅能使用英文字母、數字及半形符號，不可含空白');
  const lower = password.toLowerCase();
  if (account.username && lower === account.username.toLowerCase()) errors.push('密碼不可與帳號相同');
  if (account.nationalId && lower === account.nationalId.toLowerCase()) errors.push('密碼不可與身分證字號相同');
  const out: Record<string, string> = {};
  if (errors.length) out.newPassword = errors.join('；');
  if (confirm.length === 0) out.confirmPassword = '請再輸入一次新密碼';
  else if (confirm !== password) out.confirmPassword = '兩次輸入的新密碼不一致';
  return out;
}

/** A temporary password like K5L6H5W8: alternating letters and digits, no look-alikes. */
export function generateTemporaryPassword(): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  const digits = '23456789';
  let out = '';
  for (let i = 0; i < 8; i++) {
    const set = i % 2 === 0 ? letters : digits;
    out += set[crypto.randomInt(set.length)];
  }
  return out;
}
