import { z } from 'zod';
import { text } from '../../platform/validation';
import { field } from '../content/schemas';
import { QUESTION_MAX, normalizeQuestion } from './grams';

/** A 智慧客服 question: up to 1,000 characters, with at least one letter or digit. */
export const questionSchema = z.object({
  q: field(
    text('問題', { max: QUESTION_MAX, multiline: true }).refine((s) => s === '' || normalizeQuestion(s).length > 0, {
      message: '問題須包含文字或數字，不可只有標點符號',
    }),
  ),
});
