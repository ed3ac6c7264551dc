import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { rateLimit } from 'express-rate-limit';
import type { Config } from './config';
import type { Logger } from './platform/logger';
import type { Services } from './services';
import { databaseAnswers, projectRoot } from './platform/database';
import { rocLong, rocShort, rocDateTime } from './platform/dates';
import { DomainError } from './platform/errors';
import { setUpWebSecurity } from './platform/web/setUpWebSecurity';
import { createViewEngine } from './platform/web/viewEngine';
import { setUpRequestLog } from './platform/web/setUpRequestLog';
import { type EtagFn, withoutPageEtags } from './platform/web/etag';
import { metricsEndpoint } from './platform/metrics';
import { createDrain, type Drain } from './platform/web/drain';
import { setUpSession } from './platform/web/setUpSession';
import { setUpCsrf } from './platform/web/setUpCsrf';
import { PgRateLimitStore } from './platform/web/rateLimitStore';
import { formBody } from './platform/web/formBody';
import { chain, routerOf } from './platform/web/routers';
import { rejectNul } from './platform/web/rejectNul';
import { parseQueryOnce } from './platform/web/queryOnce';
import { answerScriptedUploads, showStoredAnswers } from './platform/web/scriptedUpload';
import { enforceAccountCompletion, userFromSession } from './platform/identity/guards';
import { errorHandler, notFound } from './platform/web/errorHandler';
import { hasRole } from './platform/identity/sessionUser';
import { PASSWORD_RULES } from './platform/identity/passwordPolicy';
import { authRoutes } from './auth/routes';
import { cardRoutes } from './auth/cardRoutes';
import { portalRoutes } from './portal/routes';
import { adminRoutes } from './portal/admin/routes';
import { verificationRoutes } from './platform/verificationRoutes';
import { picsRoutes } from './pics';
import { cloudRoutes } from './cloud';
import { jobsRoutes } from './jobs';
import { mydataRoutes } from './mydata';
import { headerUnreadSql, messagesRoutes } from './portal/messages';
import { cardsRoutes } from './portal/cards';
import { UPLOAD_POLICIES, formatBytes, uploadHint } from './platform/uploadPolicies';

export interface AppDeps {
  config: Config;
  logger: Logger;
  services: Services;
  databaseUrl: string;
}

/** Builds the whole portal; opens no port, so tests drive it with supertest. */
export function createApp({ config, logger, services, databaseUrl }: AppDeps): Express & { close: () => Promise<void>; drain: Drain } {
  const app = express() as Express & { close: () => Promise<void>; drain: Drain };
  // Requests in flight, and whether the process is shutting down (src/server.ts).
  app.drain = createDrain();
  app.set('trust proxy', config.trustProxy === 'true' ? true : config.trustProxy === 'false' ? false : config.trustProxy);
  const viewsDir = path.join(projectRoot, 'views');
  app.set('views', viewsDir);
  // Templates are compiled once (but in development, where they are edited), each include's
  // path is resolved once, and a page's locals are shared with its includes rather than copied
  // (src/platform/web/viewEngine.ts). Production leaves out EJS's line tracking.
  const viewCache = config.env !== 'development';
  const views = createViewEngine({ root: viewsDir, cache: viewCache, debug: config.env !== 'production' });
  app.engine('ejs', views.express);
  app.set('view engine', 'ejs');
  app.set('view cache', viewCache);
  app.disable('x-powered-by');
  parseQueryOnce(app);
  // A rendered page carries its own CSP nonce, so its ETag could never match a later request:
  // it is not hashed. Other bodies sent whole (JSON, text) keep Express's weak ETag and 304.
  app.set('etag', 'weak');
  app.set('etag', withoutPageEtags(app.get('etag fn') as EtagFn));
  app.locals.rocLong = rocLong;
  app.locals.rocShort = rocShort;
  app.locals.rocDateTime = rocDateTime;
  app.locals.hasRole = hasRole;
  app.locals.passwordRules = PASSWORD_RULES;
  app.locals.uploadPolicies = UPLOAD_POLICIES;
  app.locals.uploadHint = uploadHint;
  app.locals.formatBytes = formatBytes;
  app.locals.bridgeOrigin = config.bridgeOrigin;

  // Requests in flight; then one access-log line and one histogram observation per request,
  // with its request id. (`chain`: steps every request takes, as one layer of the router.)
  app.use(chain(app.drain.track, setUpRequestLog(logger, services.metrics)));

  // Health checks and metrics answer before sessions and CSRF.
  app.get('/metrics', metricsEndpoint(services.metrics, config.metricsAllow));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (app.drain.draining) return void res.status(503).json({ status: 'draining' });
    if (await databaseAnswers(services.db)) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable' });
  });

  app.use(setUpWebSecurity(config));
  app.use('/public', express.static(path.join(projectRoot, 'public'), { maxAge: config.production ? '7d' : 0, index: false }));

  // Room for a 20 000-character announcement in Chinese (9 bytes a character once percent-encoded).
  // A request without a body (every GET of a page) skips the body parsers, which would find none.
  const bodies = chain(formBody({ limit: '256kb', parameterLimit: 200 }), express.json({ limit: '100kb' }));
  const hasBody = (req: express.Request) => req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  app.use(chain((req, res, next) => (hasBody(req) ? bodies(req, res, next) : next()), rejectNul, answerScriptedUploads));

  // The header's unread count comes with the session read (one round trip per page, not two).
  const sessions = setUpSession(config, databaseUrl, (err) => logger.warn({ err }, 'session database connection lost'), {
    unreadBadgeSql: headerUnreadSql,
    onRead: (source) => services.metrics.sessionReads.inc({ source }),
    onCacheCleared: (reason) => services.metrics.sessionCacheCleared.inc({ reason }),
    feed: services.changes,
  });
  app.use(sessions.router);

  // One Passport per app, so several apps (tests, instances) never share strategies.
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'account', passwordField: 'password', passReqToCallback: true }, (req, account, password, done) => {
      services.auth
        .login(String(account).trim().slice(0, 100), String(password).slice(0, 200), { ip: req.ip ?? null, requestId: req.id })
        .then((user) => done(null, user))
        .catch((err) => (err instanceof DomainError ? done(null, false, { message: err.message }) : done(err)));
    }),
  );
  passport.serializeUser((user, done) => done(null, user));
  // Passport (req.logIn, req.logOut, its strategies) where people sign in and out; every other
  // request only takes the user from its session, without Passport's per-request strategy objects.
  app.use(['/login', '/logout'], passport.initialize());
  // Pages of a signed-in user are never kept by the browser or a shared cache.
  const noStoreWhenSignedIn: RequestHandler = (req, res, next) => {
    if (req.user) res.setHeader('Cache-Control', 'no-store');
    next();
  };
  const csrf = setUpCsrf(config);
  // Messages for the next page are taken when a page is rendered, so that a stray request
  // (a 404, a prefetch) cannot swallow them. Set once on this app's response prototype, not
  // wrapped around each response's render.
  const render = app.response.render;
  app.response.render = function (this: express.Response, ...args: unknown[]) {
    const session = this.req.session;
    if (session?.flash && this.statusCode < 400) {
      this.locals.flash = session.flash;
      delete session.flash;
    }
    return (render as (...a: unknown[]) => void).apply(this, args);
  } as express.Response['render'];
  const pageLocals: RequestHandler = (req, res, next) => {
    res.locals.user = req.user;
    res.locals.path = req.path;
    res.locals.flash = [];
    res.locals.values = {};
    res.locals.errors = {};
    next();
  };
  // Machine APIs under /api authenticate each request with a credential header, never
  // with the session cookie, so cross-site forgery does not apply to them.
  // The session's user is taken off those requests, so a cookie can never authorize them.
  const protectForms: RequestHandler = (req, res, next) => {
    if (!req.path.startsWith('/api/')) return csrf.protect(req, res, next);
    req.user = undefined;
    res.locals.user = undefined;
    next();
  };
  // The user from the session; a page answered to a file form's scripted post, shown at `?r=<id>`
  // (platform/web/scriptedUpload.ts); the CSRF token, then the check; a new account completes
  // its profile before anything else.
  app.use(chain(userFromSession, noStoreWhenSignedIn, showStoredAnswers, csrf.provideToken, pageLocals, protectForms, enforceAccountCompletion));

  const limiter = (prefix: string, limit: number, opts: Partial<Parameters<typeof rateLimit>[0]> = {}) =>
    rateLimit({
      windowMs: 15 * 60_000,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      store: new PgRateLimitStore(services.db, prefix),
      handler: (req, res) =>
        req.path.startsWith('/api/')
          ? res.status(429).json({ error: { code: 'rate_limited', message: '請求過於頻繁，請稍後再試。' } })
          : res.status(429).render('errors/error', { title: '請求過於頻繁', status: 429, message: '嘗試次數過多，請稍後再試。' }),
      ...opts,
    });
  // Anonymous requests that write: refusals (only failed ones count) and newsletter mail,
  // per IP and, for the newsletter, per address too.
  const refusals = (prefix: string, refused: (status: number) => boolean) =>
    limiter(prefix, config.refusalRateLimit, { skipSuccessfulRequests: true, requestWasSuccessful: (_req, res) => !refused(res.statusCode) });
  app.post('/api/pics/tickets', refusals('api-refused', (status) => status === 401));
  app.post('/login/certificate', refusals('card-refused', (status) => status >= 400));
  const perAddress = limiter('mail-address', 3, {
    keyGenerator: (req) => (typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase().slice(0, 254) : ''),
    skip: (req) => typeof req.body?.email !== 'string' || !req.body.email.trim(),
  });
  app.post(['/jobs/subscribe', '/jobs/unsubscribe'], limiter('subscribe', config.subscribeRateLimit), perAddress);

  // Each area's routes get only what they declare (src/services.ts, ROUTE_DEPS).
  const areas = services.routes;
  // First, so every signed-in page (any area's, and error pages) shows the unread count.
  app.use(messagesRoutes(areas.messages));
  app.use('/admin', adminRoutes(areas.admin));
  // The other areas in turn, each under its own paths (none under /admin), as one layer.
  app.use(
    routerOf(
      authRoutes(areas.auth, passport, { loginLimiter: limiter('login', config.loginRateLimit), resetLimiter: limiter('reset', 10) }),
      cardRoutes(areas.auth, config, passport, { challengeLimiter: limiter('challenge', config.challengeRateLimit) }),
      portalRoutes(areas.portal, config),
      verificationRoutes(areas.verification),
      picsRoutes(areas.pics, config),
      cloudRoutes(areas.cloud, config),
      jobsRoutes(areas.jobs, config),
      mydataRoutes(areas.mydata, config),
      cardsRoutes(areas.cards),
    ),
  );

  app.use(notFound);
  app.use(errorHandler(logger));

  app.close = async () => {
    await services.lifecycle.close();
    await sessions.close();
  };
  return app;
}
