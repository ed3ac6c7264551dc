import type { NextFunction, Request, Response, Router } from 'express';
import type { Listed } from './routers';

/** Which paths an area answers: each of `pages` alone, and everything at or below each of `prefixes`. */
export interface AreaPaths {
  prefixes: readonly string[];
  pages?: readonly string[];
}

/** A router run only for its area's paths; `stack` is the router's, for listings of every route. */
export type GatedRouter = ((req: Request, res: Response, next: NextFunction) => void) & { stack: Router['stack'] | Listed['stack'] } & AreaPaths;

/**
 * Runs `router` only for its area's paths: one of `pages`, or a prefix itself or below it after
 * a `/`. Every other request passes it with one check instead of trying each of its routes in
 * turn. Paths compare without case and without a trailing slash, as Express's routes do. The
 * router's routes keep their full paths (nothing is stripped from the URL).
 */
export function under(paths: AreaPaths, router: Router | Listed): GatedRouter {
  const exact = new Set([...paths.prefixes, ...(paths.pages ?? [])].map((p) => p.toLowerCase()));
  const below = paths.prefixes.map((p) => `${p.toLowerCase()}/`);
  const gate = (req: Request, res: Response, next: NextFunction) => {
    let path = req.path.toLowerCase();
    // `/my/` is `/my`, as Express's routes take it.
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (exact.has(path) || below.some((p) => path.startsWith(p))) return router(req, res, next);
    next();
  };
  return Object.assign(gate, { stack: router.stack, prefixes: paths.prefixes, pages: paths.pages ?? [] });
}
