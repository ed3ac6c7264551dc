import type { RequestHandler } from 'express';

/** A middleware with its parts listed as layers, for listings of every route (test/support/routeTable.ts). */
export type Listed<Part extends RequestHandler = RequestHandler> = RequestHandler & { stack: { handle: Part }[] };

/**
 * Tries each of `parts` in turn: an area's pages made of its parts, or the app's areas (each
 * gated to its own paths). One layer (`chain`), not a router of routers; `stack` lists the parts.
 */
export function routerOf<Part extends RequestHandler>(...parts: Part[]): Listed<Part> {
  return Object.assign(chain(...parts), { stack: parts.map((handle) => ({ handle })) });
}

/**
 * One middleware that runs `handlers` in turn, as Express would run them one after the other
 * (an error, thrown, passed to `next` or rejected by a handler's promise, skips the rest and
 * goes on as Express's error), but as one layer of the app's router: every request passes the
 * app's shared steps, and each layer of Express's router costs its own matching and dispatch.
 */
export function chain(...handlers: RequestHandler[]): RequestHandler {
  return (req, res, done) => {
    let i = 0;
    const next = (err?: unknown): void => {
      // `next('route')` outside a route means no more than `next()`, as in Express's router.
      if (err !== undefined && err !== null && err !== false && err !== 'route') return done(err);
      const handler = handlers[i++];
      if (!handler) return done();
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise) result.catch((e: unknown) => done(e ?? new Error('Rejected promise')));
      } catch (e) {
        done(e);
      }
    };
    next();
  };
}
