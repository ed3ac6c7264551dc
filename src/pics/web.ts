import type { Request } from 'express';

/** The form field of a ticket's attachments. */
export const FILES = 'attachments';

/** Query values as plain strings (a value sent twice becomes invalid). */
export function queryValues(req: Request, keys: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of keys) {
    const v = req.query[k];
    out[k] = typeof v === 'string' ? v : v === undefined ? undefined : '\u0000';
  }
  return out;
}

/** A query string of the values set. */
export const qs = (o: Record<string, string | undefined | null>) =>
  Object.entries(o)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
    .join('&');
