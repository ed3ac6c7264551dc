import { z } from 'zod';
import { email, phone, text } from '../../platform/validation';
import { MESSAGE_MAX } from './service';

export const messageSchema = z.object({ body: text('訊息', { max: MESSAGE_MAX, multiline: true }) });

export const choiceSchema = z.object({
  choice: z.enum(['1', '2', '3'], { error: '請選擇 1、2 或 3' }).transform((v) => Number(v) as 1 | 2 | 3),
});

export const statusSchema = z.object({ status: z.enum(['available', 'away'], { error: '請選擇服務狀態' }) });

export const ticketSchema = z.object({
  subject: text('問題主旨', { max: 200 }),
  kind: z.enum(['問題', '建議'], { error: '請選擇問題來源（問題或建議）' }),
  phone: phone('提問者辦公室電話'),
  email: email('提問者 Email'),
});
