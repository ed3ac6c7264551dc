import type { Request } from 'express';

/** Where a request came from, for audit entries and logs. */
export interface RequestContext {
  ip: string | null;
  requestId: string | null;
}

export function ctxOf(req: Request): RequestContext & { sid?: string } {
  return { ip: req.ip ?? null, requestId: req.id, sid: req.sessionID };
}
