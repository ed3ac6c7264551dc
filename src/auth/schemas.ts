import { z } from 'zod';
import { USERNAME_RULE } from '../platform/identity/accountRules';
import { email, isValidNationalId, phone, text } from '../platform/validation';

export const loginSchema = z.object({
  account: text('帳號', { max: 30 }),
  password: z.string({ error: '請輸入密碼' }).min(1, '請輸入密碼').max(200, '密碼不可超過 200 個字'),
  // returnTo is not validated here: safeReturnTo turns anything but a local path into /my.
});

const password = (label: string) => z.string({ error: `${label}格式錯誤` }).max(200, `${label}不可超過 200 個字`);

export const changePasswordSchema = z.object({
  currentPassword: password('目前密碼').optional(),
  newPassword: password('新密碼').default(''),
  confirmPassword: password('確認新密碼').default(''),
});

export const profileSchema = z.object({
  username: text('自訂帳號', { max: 30 })
    .refine((s) => s === '' || /^[A-Za-z][A-Za-z0-9._-]{3,29}$/.test(s), { message: USERNAME_RULE })
    .refine((s) => !isValidNationalId(s.toUpperCase()), { message: '自訂帳號不可使用身分證字號' }),
  email: email('電子郵件'),
  phone: phone('個人電話', true),
  egovOptIn: z.enum(['yes', 'no'], { error: '請選擇是否允許e公務接收訊息' }).transform((v) => v === 'yes'),
});

export const forgotSchema = z.object({
  account: text('帳號', { max: 30 }),
  email: email('電子郵件'),
});

export const resetLookupSchema = z.object({
  query: text('身分證字號或自訂帳號', { max: 30 }),
});
