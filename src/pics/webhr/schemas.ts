import { z } from 'zod';
import { KINDS } from '../tickets/schemas';

/** What WebHR sends to file a W ticket. */
export const apiTicketSchema = z.object({
  nationalId: z.string().regex(/^[A-Z][0-9]{9}$/, { message: 'nationalId must be a national ID number, e.g. A123456789' }),
  kind: z.enum(KINDS).default('問題'),
  appCode: z.string().max(10).nullable().optional(),
  subject: z.string(),
  description: z.string(),
  phone: z.string(),
  email: z.string(),
});
export type ApiTicket = z.infer<typeof apiTicketSchema>;
