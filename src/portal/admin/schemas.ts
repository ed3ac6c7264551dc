import { z } from 'zod';
import { email, isValidNationalId, text } from '../../platform/validation';
import { USERNAME_RULE } from '../../platform/identity/accountRules';

/**
 * `npm run admin:create`: the first administrator of a real installation. The person is
 * one of the personnel master, or is added to it (name, agency and birth date then required).
 */
export const createAdministratorSchema = z.object({
  nationalId: text('身分證字號', { max: 10 })
    .transform((s) => s.toUpperCase())
    .refine((s) => isValidNationalId(s), { message: '身分證字號格式錯誤（英文字母加 9 位數字，檢查碼須正確）' }),
  account: text('自訂帳號', { max: 30 })
    .refine((s) => /^[A-Za-z][A-Za-z0-9._-]{3,29}$/.test(s), { message: USERNAME_RULE })
    .refine((s) => !isValidNationalId(s.toUpperCase()), { message: '自訂帳號不可使用身分證字號' }),
  email: email('電子郵件'),
  name: text('姓名', { max: 50, optional: true }).default(''),
  agency: text('機關代碼', { max: 10, optional: true })
    .transform((s) => s.toUpperCase())
    .refine((s) => s === '' || /^[A-Z0-9]{10}$/.test(s), { message: '機關代碼格式錯誤（10 碼英文字母或數字）' })
    .default(''),
  birthDate: text('出生日期', { max: 10, optional: true })
    .refine((s) => s === '' || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))), { message: '出生日期格式錯誤，例如 1980-01-31' })
    .default(''),
  title: text('職稱', { max: 50, optional: true }).default(''),
});

export type CreateAdministratorInput = z.infer<typeof createAdministratorSchema>;
