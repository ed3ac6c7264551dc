import { z } from 'zod';
import { text } from '../../platform/validation';
import { blank } from '../fields';

export const applySchema = z.object({
  freeText: blank(text('自述', { max: 2000, optional: true, multiline: true })),
  agree: z.literal('on', { error: '請確認履歷內容正確並同意送出' }),
});
