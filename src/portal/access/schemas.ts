import { z } from 'zod';
import { text } from '../../platform/validation';

/** The reason every grant and withdrawal carries (授權原因 / 取消原因). */
const reason = (label: string) => text(label, { max: 200 });

/** 權限管理: find a person by name, national ID or custom account. */
export const personSearchSchema = z.object({
  q: text('查詢條件', { max: 50, optional: true }).default(''),
});

/** A role to grant: any string here, so an unknown role gets its own message in the service. */
export const roleGrantSchema = z.object({
  role: text('角色', { max: 30 }).refine((s) => s === '' || /^[a-z_]{1,30}$/.test(s), { message: '無此角色，請重新選擇' }),
  reason: reason('授權原因'),
});

export const roleRevokeSchema = z.object({
  revokeReason: reason('取消原因'),
});

/** 機關授權: find an agency by code or name. */
export const agencySearchSchema = z.object({
  q: text('查詢條件', { max: 50, optional: true }).default(''),
});

export const AREAS = ['portal', 'cloud', 'jobs'] as const;
export type Area = (typeof AREAS)[number];

export const areaChangeSchema = z.object({
  area: z.enum(AREAS, { error: '請選擇授權範圍' }),
  change: z.enum(['grant', 'revoke'], { error: '請選擇授權或取消授權' }),
  reason: reason('原因'),
});
