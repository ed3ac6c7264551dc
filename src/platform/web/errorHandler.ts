import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { DomainError } from '../errors';
import { isBadCharacterError, NUL_MESSAGE } from './rejectNul';
import { routePattern } from './setUpRequestLog';

export const notFound: RequestHandler = (req, res) => {
  res.status(404).render('errors/error', { title: '找不到網頁', status: 404, message: '您要找的網頁不存在或已移除。' });
};

/** The database is away (restarting, failing over): a temporary condition, not a bug. */
const DB_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string } | null;
  if (!e) return false;
  if (e.code && DB_UNAVAILABLE_CODES.has(e.code)) return true;
  return /Connection terminated|Knex: Timeout acquiring a connection|Client has encountered a connection error|the database system is (starting up|shutting down)/.test(e.message ?? '');
}

/** Users never see a stack or a database message; the log gets the request id. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = '系統發生問題，請稍後再試。';
    const e = err as { status?: number; statusCode?: number; type?: string; code?: string; message?: string };
    if (err instanceof DomainError) {
      status = err.status;
      message = err.message;
    } else if (e.type === 'entity.too.large' || e.type === 'parameters.too.many') {
      status = 413;
      message = '送出的資料量過大，請減少內容後再試。';
    } else if (e.code === 'EBADCSRFTOKEN' || e.message === 'invalid csrf token') {
      status = 403;
      message = '表單已逾時或來源不明，請重新整理頁面後再送出。';
    } else if (e.type === 'entity.parse.failed' || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported' || e.status === 400) {
      status = 400;
      message = '送出的資料格式錯誤，請確認後再試。';
    } else if (isBadCharacterError(err)) {
      status = 400;
      message = NUL_MESSAGE;
    } else if (e.status === 415) {
      status = 415;
      message = '不支援的資料格式。';
    } else if (isDatabaseUnavailable(err)) {
      status = 503;
      message = '系統暫時無法提供服務，請稍後再試。';
      res.setHeader('Retry-After', '5');
    }
    // The route pattern, never the URL: a query string can carry a national ID or a token.
    if (status === 503) logger.warn({ err: { code: e.code, message: e.message }, requestId: req.id, route: routePattern(req) }, 'database unavailable');
    else if (status >= 500) logger.error({ err, requestId: req.id, route: routePattern(req), accountId: req.user?.accountId }, 'unhandled error');
    if (res.headersSent) return;
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json' && !req.accepts('html')) {
      res.json({ error: { code: err instanceof DomainError ? err.code : String(status), message, requestId: req.id } });
      return;
    }
    // A body-parser error comes before the middleware that sets the layout's locals.
    res.locals.user ??= req.user;
    res.locals.path ??= req.path;
    res.render(
      'errors/error',
      { title: status === 404 ? '找不到網頁' : status === 403 ? '沒有權限' : status === 503 ? '暫停服務' : '錯誤', status, message, requestId: req.id },
      (renderErr, html) => {
        if (!renderErr) return void res.send(html);
        logger.error({ err: renderErr, requestId: req.id }, 'error page failed to render');
        res.type('text/plain; charset=utf-8').send(message);
      },
    );
  };
}
