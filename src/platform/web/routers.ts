import { Router } from 'express';

/** One router that tries each of `routers` in turn: an area's pages made of its parts. */
export function routerOf(...routers: Router[]): Router {
  const r = Router();
  for (const part of routers) r.use(part);
  return r;
}
