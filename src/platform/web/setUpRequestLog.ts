import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

type LogLine = (req: IncomingMessage, res: ServerResponse, val: { responseTime?: number }) => object;
/**
 * pino-http, loaded without its type declarations: they widen `IncomingMessage.id` to
 * `string | number | object` for the whole program, while the portal's `req.id` is a string
 * (src/types.d.ts). These are the options used here.
 */
const { pinoHttp } = createRequire(import.meta.url)('pino-http') as {
  pinoHttp(opts: {
    logger: Logger;
    genReqId: (req: IncomingMessage, res: ServerResponse) => string;
    quietReqLogger: boolean;
    quietResLogger: boolean;
    customSuccessObject: LogLine;
    customErrorObject: (req: IncomingMessage, res: ServerResponse, err: Error, val: { responseTime?: number }) => object;
    customSuccessMessage: () => string;
    customErrorMessage: () => string;
    customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) => 'info' | 'error';
  }): RequestHandler;
};

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
 * body or national ID. The same answer feeds the HTTP duration histogram.
 */
export function setUpRequestLog(logger: Logger, metrics: Metrics): Router {
  const router = express.Router();
  router.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route: routePattern(req), status_class: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
      // The card sign-in route names its result (ok, activate, or the refusal's code).
      if (typeof res.locals.cardLoginResult === 'string') metrics.cardLogins.inc({ result: res.locals.cardLoginResult });
    });
    next();
  });
  const line: LogLine = (req, res, val) => {
    const r = req as Request;
    const s = res as Response;
    return {
      method: r.method,
      route: routePattern(r),
      status: s.statusCode,
      durationMs: val.responseTime,
      accountId: r.user?.accountId ?? null,
      ...(s.writableFinished ? {} : { aborted: true }),
    };
  };
  router.use(
    pinoHttp({
      logger,
      genReqId: requestId,
      quietReqLogger: true,
      quietResLogger: true,
      customSuccessObject: line,
      customErrorObject: (req, res, _err, val) => line(req, res, val),
      customSuccessMessage: () => 'request',
      customErrorMessage: () => 'request',
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
  return router;
}
