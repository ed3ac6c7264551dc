import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

/** A well-formed incoming X-Request-Id (a load balancer's) is kept; otherwise a new one. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * The route pattern that answered (`/pics/tickets/:id`, with the router's mount path), never
 * the URL itself: a URL can carry a national ID or a token. Static files are `/public/*`;
 * answers given before any route (CSRF, rate limits, body limits, 404) are `(none)`.
 */
export function routePattern(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route?.path !== undefined) {
    const p = Array.isArray(route.path) ? route.path.map(String).join('|') : String(route.path);
    return `${req.baseUrl}${p}` || '/';
  }
  return req.baseUrl ? `${req.baseUrl}/*` : '(none)';
}

/**
 * One JSON line per request when its response ends (or the client goes away): request id
 * (also the X-Request-Id response header), method, route pattern, status, duration and the
 * signed-in account. Nothing else of the request: no URL or query string, header, cookie,
 * body or national ID. The same answer feeds the HTTP duration histogram. Written straight to
 * the logger when the response closes: no child logger per request.
 */
export function setUpRequestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    req.id = requestId(req, res);
    // A response closes once (after it finished, or when the client went away).
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const route = routePattern(req);
      metrics.httpDuration.observe({ method: req.method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` }, ms / 1000);
      // The card sign-in route names its result (ok, activate, or the refusal's code).
      if (typeof res.locals.cardLoginResult === 'string') metrics.cardLogins.inc({ result: res.locals.cardLoginResult });
      const line = {
        reqId: req.id,
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(ms),
        accountId: req.user?.accountId ?? null,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
