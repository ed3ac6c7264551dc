import { z } from 'zod';
import { text } from '../../platform/validation';

/** 簡要自述: at most 500 characters. */
export const SELF_DESCRIPTION_MAX = 500;

export const selfDescriptionSchema = z.object({
  body: text('簡要自述', { max: SELF_DESCRIPTION_MAX, multiline: true }),
});
