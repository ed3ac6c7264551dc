import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../errors';

export const NUL_MESSAGE = '送出的資料含有不允許的控制字元，請確認後再試。';

/** True when a parsed body or query holds a NUL character anywhere (keys included). */
export function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
  return false;
}

function keysContainNul(value: unknown, depth = 0): boolean {
  if (depth > 20 || !value || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || keysContainNul(v, depth + 1));
}

/**
 * No person types NUL, and PostgreSQL text cannot hold it. A NUL in the path or in a field's
 * name is refused here; a NUL in a field's value is left to the form's schema, so the person
 * sees the field's own message on the same form with what was typed kept. Whatever still
 * reaches the database is refused there and answered 400 (see errorHandler). Multipart
 * fields are checked in the upload middleware, which runs later.
 */
export function rejectNul(req: Request, _res: Response, next: NextFunction) {
  // A query's names can only hold a NUL written as `%00` (or as itself): any other address
  // skips parsing its query here (a page without parameters never parses it at all).
  const url = req.url;
  const queryMayHoldNul = url.includes('%00') || url.includes('\u0000');
  if (req.path.includes('\u0000') || (queryMayHoldNul && keysContainNul(req.query)) || keysContainNul(req.body)) return next(new DomainError('bad_characters', NUL_MESSAGE, 400));
  next();
}

/** PostgreSQL's answer to a NUL (or an unconvertible character) in a text parameter. */
export function isBadCharacterError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '22021' || code === '22P05';
}
