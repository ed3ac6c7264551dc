import { z } from 'zod';
import { text } from '../../platform/validation';
import { dateText, field } from '../content/schemas';

export const CALENDAR_KINDS = { holiday: '放假', workday: '補行上班' } as const;

/** 辦公日曆: one day of the table (the weekday rules are the service's). */
export const calendarDaySchema = z.object({
  day: dateText('日期'),
  kind: z.enum(['holiday', 'workday'], { error: '請選擇類別（放假或補行上班）' }),
  name: field(text('說明', { max: 50 })),
});
export type CalendarDayInput = z.infer<typeof calendarDaySchema>;
