import { z } from 'zod';

export const publishingSchema = z.object({
  reviewBeforePublish: z.enum(['on', 'off'], { error: '請選擇刊登方式' }).transform((v) => v === 'on'),
});
