import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../platform/errors';

export const NUL_MESSAGE = '送出的資料含有不允許的控制字元，請確認後再試。';

/** True when a parsed body or query holds a NUL character anywhere (keys included). */
export function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
  return false;
}

/**
 * No form field or query value may carry NUL: PostgreSQL text cannot hold it, and no
 * person types it. Refused before any route sees it (multipart fields: in the upload
 * middleware, which runs later).
 */
export function rejectNul(req: Request, _res: Response, next: NextFunction) {
  if (containsNul(req.query) || containsNul(req.body) || req.path.includes('\u0000')) return next(new DomainError('bad_characters', NUL_MESSAGE, 400));
  next();
}
