import express, { type Router } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import pg from 'pg';
import type { Config } from '../config';

const PgStore = connectPgSimple(session);

/**
 * Sessions live in PostgreSQL so any instance serves any user. The idle timeout is
 * enforced from `lastSeenAt` (refreshed at most once a minute, so reads stay reads)
 * and the absolute one from `createdAt`.
 */
export function setUpSession(config: Config, databaseUrl: string): { router: Router; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const store = new PgStore({
    pool,
    tableName: 'session',
    ttl: Math.ceil(config.sessionIdleMs / 1000),
    disableTouch: true,
    pruneSessionInterval: 300,
  });
  const router = express.Router();
  router.use(
    session({
      name: 'ecpa.sid',
      secret: config.sessionSecret,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      proxy: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
    }),
  );
  router.use((req, res, next) => {
    const s = req.session;
    const now = Date.now();
    if (s.createdAt === undefined) {
      if (!s.passport?.user) return next();
      s.createdAt = now;
      s.lastSeenAt = now;
      return next();
    }
    const idle = now - (s.lastSeenAt ?? now) > config.sessionIdleMs;
    const expired = now - s.createdAt > config.sessionAbsoluteMs;
    if (idle || expired) {
      // Continue as a signed-out visitor with a fresh session.
      return s.regenerate((err) => {
        res.locals.sessionEnded = true;
        next(err);
      });
    }
    if (now - (s.lastSeenAt ?? 0) > 60_000) s.lastSeenAt = now;
    next();
  });
  return {
    router,
    close: async () => {
      store.close();
    },
  };
}

declare module 'express-session' {
  interface SessionData {
    createdAt?: number;
    lastSeenAt?: number;
    passport?: { user?: import('../auth/sessionUser').SessionUser };
    flash?: { type: 'success' | 'error' | 'info'; text: string }[];
    returnTo?: string;
  }
}
