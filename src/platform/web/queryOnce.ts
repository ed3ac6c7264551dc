import express, { type Express, type Request } from 'express';

/**
 * Express 5 parses the query string again on every read of `req.query` (a getter): a route that
 * reads five parameters parses it five times. On this app a request parses it on its first read
 * and keeps that object for the rest of the request, as Express 4 did. Nothing in the portal
 * rewrites `req.url`'s query during a request, so the kept object stays what a new parse would give.
 */
export function parseQueryOnce(app: Express): void {
  const parse = Object.getOwnPropertyDescriptor(express.request, 'query')?.get;
  if (!parse) throw new Error('express.request has no query getter');
  Object.defineProperty(app.request, 'query', {
    configurable: true,
    enumerable: true,
    get(this: Request) {
      const query: unknown = parse.call(this);
      Object.defineProperty(this, 'query', { value: query, configurable: true, enumerable: true, writable: true });
      return query;
    },
  });
}
