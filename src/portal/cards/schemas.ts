import { z } from 'zod';
import { dateText, text } from '../../platform/validation';
import { ids, RECIPIENTS_MAX } from '../messages/schemas';
import { DESIGN_KEYS } from './designs';

/**
 * A greeting fits beneath the card at a readable size (about 20 lines of the reading page)
 * and is what a card holds, not a letter: at most 500 characters, like the 簽名檔.
 */
export const GREETING_MAX = 500;

const design = z.enum(DESIGN_KEYS, { error: '請選擇賀卡樣式' });
const greeting = text('祝福語', { max: GREETING_MAX, multiline: true });

/** What 預覽 needs: the design and the greeting. */
export const previewSchema = z.object({ design, greeting });

export const cardSchema = z.object({
  design,
  greeting,
  to: ids('收件人').refine((list) => list.length <= RECIPIENTS_MAX, { message: `個別收件人最多 ${RECIPIENTS_MAX} 位，人數較多時請使用群組` }),
  groups: ids('收件群組'),
  sendOn: dateText('寄送日期', '2026-12-25', { optional: true }).optional().default(''),
});

export const birthdaySchema = z.object({
  enabled: z.literal('on', { error: '「啟用」格式錯誤' }).optional().transform((v) => v === 'on'),
  design,
  greeting,
});
