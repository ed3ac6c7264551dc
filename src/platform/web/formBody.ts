import express, { type RequestHandler } from 'express';

/**
 * Parses application/x-www-form-urlencoded bodies the way the URL standard does: bytes that
 * are not UTF-8, raw or percent-encoded (%FF), become U+FFFD, which the validators refuse with
 * a message on the form; a field sent twice becomes an array; `a[b]` stays a plain name.
 * Errors carry body-parser's types, so the error handler answers 413 / 415 / 400.
 */
export function formBody(opts: { limit: string; parameterLimit: number }): RequestHandler {
  const read = express.text({ type: 'application/x-www-form-urlencoded', limit: opts.limit });
  return (req, res, next) => {
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (typeof req.body !== 'string') return next();
      const body: Record<string, string | string[]> = {};
      let count = 0;
      for (const [key, value] of new URLSearchParams(req.body)) {
        if (++count > opts.parameterLimit) {
          return next(Object.assign(new Error('too many parameters'), { status: 413, type: 'parameters.too.many' }));
        }
        if (key === '__proto__') continue;
        const prev = Object.hasOwn(body, key) ? body[key] : undefined;
        body[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
      req.body = body;
      next();
    });
  };
}
