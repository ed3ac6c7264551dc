import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import pg from 'pg';
import type { Config } from '../../config';
import type { RoleGrant } from '../identity/sessionUser';
import { createSessionCache, type SessionCache } from './sessionCache';
import { createChangeFeed, type ChangeFeed } from '../changeFeed';
import { chain } from './routers';

const PgStore = connectPgSimple(session);

/**
 * connect-pg-simple's store, with the read that every request makes sent as a named
 * (prepared) statement: PostgreSQL parses and plans it once per connection instead of
 * on each request, which halves the database's CPU time for it. Same expiry check and
 * same answers as PgStore.get, plus the roles re-check below.
 *
 * A signed-in person's roles are copied into the session; the same read also fetches the
 * account's roles version (raised by a trigger on every change of role_grant). When it
 * differs from the version the session carries, the current roles come in the same round
 * trip, replace the session's and are stored back with the new version: a role granted or
 * taken away applies on that person's next request, in every open session and on every
 * instance, at the cost of a primary-key join per request.
 *
 * What a read found is kept by the instance (sessionCache.ts) and used again for the same
 * session's next requests for as long as no change to its rows has been announced; a request
 * that finds it kept costs one shared `SELECT 1` instead of this read. A session this store
 * saves or destroys is dropped from the cache first.
 */
class PreparedPgStore extends PgStore {
  private readonly db: pg.Pool;
  private readonly readQuery: string;
  private readonly rolesWrite: string;
  private readonly cache: SessionCache;
  private readonly onRead: (source: 'kept' | 'database') => void;

  constructor(
    options: ConstructorParameters<typeof PgStore>[0] & {
      pool: pg.Pool;
      tableName: string;
      unreadBadgeSql?: (personIdSql: string) => string;
      cache: SessionCache;
      onRead?: (source: 'kept' | 'database') => void;
    },
  ) {
    super(options);
    // Touching is off (`disableTouch`: the idle timeout is kept by `lastSeenAt`, saved with the
    // session at most once a minute). With no `touch` at all, express-session does not hash
    // every session a third time per request only to find it has nothing to touch.
    Object.defineProperty(this, 'touch', { value: undefined });
    this.db = options.pool;
    this.cache = options.cache;
    this.onRead = options.onRead ?? (() => {});
    // The signed-in user's fields are taken out of the stored session once (a LATERAL that
    // OFFSET 0 keeps from being folded back into each use): the column is json text, and each
    // `->` on it parses all of it again, so the badge's count, evaluated per message_recipient
    // row, cost a parse of the whole session per row (about 1 ms of PostgreSQL's CPU per page).
    const unread = options.unreadBadgeSql ? `CASE WHEN a.id IS NOT NULL THEN ${options.unreadBadgeSql('u.person_id')} END` : 'NULL::int';
    this.readQuery = `SELECT s.sess::text AS sess, (extract(epoch FROM s.expire) * 1000)::float8 AS "expireMs",
        u.account_id AS "accountId", u.person_id AS "personId",
        a.roles_version AS "rolesVersion", ${unread} AS "unreadMessages",
        CASE WHEN a.roles_version IS DISTINCT FROM u.roles_version THEN
          (SELECT coalesce(json_agg(json_build_object('role', r.role, 'agencyId', r.agency_id) ORDER BY r.id), '[]'::json)
             FROM role_grant r WHERE r.account_id = a.id)
        END AS roles
      FROM "${options.tableName.replace(/"/g, '""')}" s
      CROSS JOIN LATERAL (SELECT s.sess::jsonb -> 'passport' -> 'user' AS usr OFFSET 0) j
      CROSS JOIN LATERAL (SELECT j.usr ->> 'kind' AS kind, (j.usr ->> 'accountId')::int AS account_id,
          (j.usr ->> 'personId')::int AS person_id, (j.usr ->> 'rolesVersion')::int AS roles_version OFFSET 0) u
      LEFT JOIN account a ON u.kind = 'person' AND a.id = u.account_id
      WHERE s.sid = $1 AND s.expire >= to_timestamp($2)`;
    this.rolesWrite = `UPDATE "${options.tableName.replace(/"/g, '""')}" SET sess = $1 WHERE sid = $2`;
  }

  override get(sid: string, fn: (err: unknown, session?: session.SessionData | null) => void): void {
    const key = this.cache.keyOf(sid);
    this.cache.get(key, (kept) => {
      if (!kept) return this.read(sid, fn, key);
      let data: session.SessionData;
      try {
        data = JSON.parse(kept.sess) as session.SessionData;
      } catch {
        return this.read(sid, fn, key);
      }
      withExtras(data, kept.unreadMessages);
      this.onRead('kept');
      process.nextTick(fn, null, data);
    });
  }

  override set(sid: string, sess: session.SessionData, fn?: (err?: unknown) => void): void {
    const key = this.cache.keyOf(sid);
    this.cache.drop(key);
    super.set(sid, sess, (err?: unknown) => {
      this.cache.drop(key);
      fn?.(err);
    });
  }

  override destroy(sid: string, fn?: (err?: unknown) => void): void {
    const key = this.cache.keyOf(sid);
    this.cache.drop(key);
    super.destroy(sid, (err?: unknown) => {
      this.cache.drop(key);
      fn?.(err);
    });
  }

  /** The session from the database; kept in the cache (under `key`) when it needs no update. */
  private read(sid: string, fn: (err: unknown, session?: session.SessionData | null) => void, key: string): void {
    // Callbacks run on the next tick, outside the promise, as in PgStore: an exception
    // further down the middleware chain must not turn into an unhandled rejection.
    type Row = {
      sess: string;
      expireMs: number;
      accountId: number | null;
      personId: number | null;
      rolesVersion: number | null;
      roles: RoleGrant[] | null;
      unreadMessages: number | null;
    };
    const epoch = this.cache.epoch();
    this.db.query<Row>({ name: 'ecpa-session-read-roles', text: this.readQuery, values: [sid, Math.ceil(Date.now() / 1000)] }).then(
      ({ rows }) => {
        const row = rows[0];
        if (!row) return process.nextTick(fn, null, null);
        this.onRead('database');
        let data: session.SessionData;
        try {
          data = JSON.parse(row.sess) as session.SessionData;
        } catch {
          // An unreadable session is dropped, as PgStore does.
          return this.destroy(sid, (err) => fn(err ?? null, null));
        }
        const user = data.passport?.user;
        if (user && row.unreadMessages !== null) withExtras(data, row.unreadMessages);
        if (!user || !row.roles || row.rolesVersion === null) {
          const { sess, expireMs, accountId, personId, unreadMessages } = row;
          this.cache.put(key, { sess, expireMs, accountId, personId, unreadMessages: user ? unreadMessages : null }, epoch);
          return process.nextTick(fn, null, data);
        }
        // The account's roles changed since this session was stored: take the current ones and
        // keep them with their version, so the next request finds the session up to date.
        user.roles = row.roles;
        user.rolesVersion = row.rolesVersion;
        // An update, never an insert: a session ended meanwhile (signed out) stays ended.
        this.db.query({ name: 'ecpa-session-roles-write', text: this.rolesWrite, values: [JSON.stringify(data), sid] }).then(
          () => process.nextTick(fn, null, data),
          (err: unknown) => process.nextTick(fn, err ?? new Error('session write failed')),
        );
      },
      (err: unknown) => process.nextTick(fn, err ?? new Error('session read failed')),
    );
  }

  /** What the session read found beside the session goes on the request (`req.sessionExtras`). */
  override createSession(req: Request, data: session.SessionData): session.Session & Partial<session.SessionData> {
    const extras = (data as { [EXTRAS]?: SessionExtras })[EXTRAS];
    if (extras) req.sessionExtras = extras;
    return super.createSession(req, data);
  }
}

const EXTRAS = Symbol('sessionExtras');

/** Puts the header's figures beside a signed-in person's session (see SessionExtras). */
function withExtras(data: session.SessionData, unreadMessages: number | null): void {
  const user = data.passport?.user;
  if (!user || unreadMessages === null) return;
  // Beside the session, never in it: a symbol is neither stored nor hashed by express-session.
  Object.defineProperty(data, EXTRAS, { value: { personId: user.personId, unreadMessages } satisfies SessionExtras, enumerable: false });
}

/**
 * Per-person figures of the page header read in the same round trip as the session, at the
 * start of the request: the 網頁訊息 badge's unread count (up to its cap) when the portal
 * passes its SQL (src/portal/messages). A page that changes them itself reads them again.
 */
export interface SessionExtras {
  personId: number;
  unreadMessages: number;
}

/**
 * Sessions live in PostgreSQL so any instance serves any user. The idle timeout is
 * enforced from `lastSeenAt` (refreshed at most once a minute, so reads stay reads)
 * and the absolute one from `createdAt`.
 */
export function setUpSession(
  config: Config,
  databaseUrl: string,
  onPoolError?: (err: Error) => void,
  opts: {
    unreadBadgeSql?: (personIdSql: string) => string;
    /** Told where each session found came from (the metrics' `ecpa_session_reads_total`). */
    onRead?: (source: 'kept' | 'database') => void;
    /** Told when every kept session is dropped at once (the metrics' `ecpa_session_cache_cleared_total`). */
    onCacheCleared?: (reason: 'notice' | 'connection') => void;
    /** The instance's change feed (one LISTEN connection for all it keeps); one of its own otherwise. */
    feed?: ChangeFeed;
  } = {},
): { router: RequestHandler; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle client losing its server (a database restart) must not crash the process:
  // the pool drops it and the next request connects again.
  pool.on('error', (err) => onPoolError?.(err));
  // What each instance keeps of the sessions it read, current to the last committed change.
  const feed = opts.feed ?? createChangeFeed(databaseUrl, { onError: onPoolError });
  const cache = createSessionCache(feed, { onClearAll: opts.onCacheCleared });
  const store = new PreparedPgStore({
    pool,
    tableName: 'session',
    ttl: Math.ceil(config.sessionIdleMs / 1000),
    disableTouch: true,
    // Expired rows are removed by the job queue's `platform.sessions.prune`, once across instances.
    pruneSessionInterval: false,
    unreadBadgeSql: opts.unreadBadgeSql,
    cache,
    onRead: opts.onRead,
  });
  const sessionMiddleware = session({
    name: 'ecpa.sid',
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    proxy: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
  });
  // express-session saves a changed session while it writes the response: the headers
  // (a 303's Location included) go out before the save is done, and a browser follows
  // the redirect at once. The next page could then read the session before the save and
  // lose the flash message set for it (seen in the browser tests under load). So a
  // redirect carrying a flash message waits for the session to be saved.
  // The same holds for any form that changes the session (signing in, a card waiting for its
  // activation): the new session must be stored before the browser asks for the next page
  // with its cookie, or that page finds none. So a redirect after a form whose session
  // changed waits too (a GET changes nothing worth waiting for but a flash message).
  const savedBeforeRedirect: RequestHandler = (req, res, next) => {
    const before = req.method === 'GET' || req.method === 'HEAD' ? null : JSON.stringify(req.session);
    const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
    res.redirect = ((...args: unknown[]) => {
      const s = req.session;
      const changed = before !== null && s !== undefined && JSON.stringify(s) !== before;
      if (!s || (!s.flash?.length && !changed)) return redirect(...args);
      s.save((err) => (err ? next(err) : redirect(...args)));
    }) as typeof res.redirect;
    next();
  };
  const timeouts: RequestHandler = (req, res, next) => {
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
  };
  return {
    router: chain(sessionMiddleware, savedBeforeRedirect, timeouts),
    close: async () => {
      store.close();
      if (!opts.feed) await feed.close();
      await pool.end();
    },
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Read with the session (see SessionExtras); absent when the session was not read from the store. */
    sessionExtras?: SessionExtras;
  }
}

declare module 'express-session' {
  interface SessionData {
    createdAt?: number;
    lastSeenAt?: number;
    passport?: { user?: import('../identity/sessionUser').SessionUser };
    flash?: { type: 'success' | 'error' | 'info'; text: string }[];
    returnTo?: string;
  }
}
