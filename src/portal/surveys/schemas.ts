import { z } from 'zod';
import { text } from '../../platform/validation';
import { ROLE_LABELS } from '../catalog';
import { date } from '../schemas';

export const QUESTION_KINDS = {
  single: '單選題',
  multiple: '複選題',
  short: '簡答題',
  long: '問答題',
  scale: '1–5 分量表',
} as const;
export type QuestionKind = keyof typeof QUESTION_KINDS;
export const CHOICE_KINDS: readonly QuestionKind[] = ['single', 'multiple'];

export const MAX_OPTIONS = 200;
export const OPTION_MAX = 100;
export const SHORT_MAX = 200;
export const LONG_MAX = 2000;

const checkbox = (label: string) =>
  z
    .literal('on', { error: `「${label}」格式錯誤` })
    .optional()
    .transform((v) => v === 'on');

/** One option a line, blank lines dropped. */
const optionText = (label: string) =>
  text(label, { max: (OPTION_MAX + 2) * (MAX_OPTIONS + 50), multiline: true, optional: true }).transform((s) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );

/** 2 to MAX_OPTIONS options, each at most OPTION_MAX characters, none twice: the message, or null. */
function optionsProblem(label: string, lines: string[]): string | null {
  if (lines.length < 2) return `請輸入至少 2 個${label}，一行一個`;
  if (lines.length > MAX_OPTIONS) return `${label}最多 ${MAX_OPTIONS} 個（目前 ${lines.length} 個）`;
  if (lines.some((l) => [...l].length > OPTION_MAX)) return `每個${label}不可超過 ${OPTION_MAX} 個字`;
  if (new Set(lines).size !== lines.length) return `${label}不可重複`;
  return null;
}

const roleList = z
  .union([z.string(), z.array(z.string())], { error: '對象身分格式錯誤' })
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .refine((roles) => roles.every((r) => Object.hasOwn(ROLE_LABELS, r)), { message: '請從清單中選擇對象身分' })
  .transform((roles) => [...new Set(roles)]);

const agencyCodes = text('對象機關', { max: 11 * 500, multiline: true, optional: true })
  .transform((s) => s.toUpperCase().split(/[\s,，、;；]+/).filter(Boolean))
  .refine((codes) => codes.every((c) => /^[A-Z0-9]{10}$/.test(c)), { message: '機關代碼為 10 碼英文字母或數字，多個代碼以逗號或換行分隔' })
  .refine((codes) => codes.length <= 500, { message: '對象機關最多 500 個' })
  .transform((codes) => [...new Set(codes)]);

const period = <T extends { openFrom: string; openTo: string }>(v: T) => v.openTo >= v.openFrom;
const periodError = { message: '截止日期不可早於開始日期', path: ['openTo'] };

export const questionnaireSchema = z
  .object({
    title: text('問卷名稱', { max: 200 }),
    intro: text('問卷說明', { max: 2000, multiline: true, optional: true }).default(''),
    openFrom: date('開始日期'),
    openTo: date('截止日期'),
    anonymous: checkbox('匿名填答'),
    audienceAgencies: agencyCodes.default([]),
    audienceRoles: roleList,
  })
  .refine(period, periodError);
export type QuestionnaireInput = z.infer<typeof questionnaireSchema>;

export const questionSchema = z
  .object({
    kind: z.enum(Object.keys(QUESTION_KINDS) as [QuestionKind, ...QuestionKind[]], { error: '請選擇題型' }),
    text: text('題目', { max: 500 }),
    required: checkbox('必答'),
    options: optionText('選項').default([]),
  })
  .superRefine((q, ctx) => {
    if (!CHOICE_KINDS.includes(q.kind)) return;
    const problem = q.options.length === 0 ? '單選題及複選題請輸入至少 2 個選項，一行一個' : optionsProblem('選項', q.options);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['options'] });
  })
  .transform((q) => ({ ...q, options: CHOICE_KINDS.includes(q.kind) ? q.options : [] }));
export type QuestionInput = z.infer<typeof questionSchema>;

export const moveSchema = z.object({ direction: z.enum(['up', 'down'], { error: '移動方向錯誤' }) });

export const pollSchema = z
  .object({
    title: text('投票主題', { max: 200 }),
    description: text('說明', { max: 2000, multiline: true, optional: true }).default(''),
    openFrom: date('開始日期'),
    openTo: date('截止日期'),
    options: optionText('選項').superRefine((lines, ctx) => {
      const problem = optionsProblem('選項', lines);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  })
  .refine(period, periodError);
export type PollInput = z.infer<typeof pollSchema>;

export const voteSchema = z.object({
  optionId: z.string({ error: '請選擇一個選項' }).regex(/^\d{1,9}$/, '請選擇一個選項').transform(Number),
});
