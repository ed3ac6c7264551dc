import { createHash } from 'node:crypto';
import pg from 'pg';

/** What the session read found for one session, as kept between its requests. */
export interface CachedSession {
  /** The stored session, as its JSON text (each request parses its own copy). */
  sess: string;
  /** The row's idle expiry, in ms since the epoch. */
  expireMs: number;
  accountId: number | null;
  personId: number | null;
  unreadMessages: number | null;
}

export interface SessionCache {
  /** The session's key in the cache and in the notifications: the SHA-256 of its id. */
  keyOf(sid: string): string;
  /**
   * Calls back with what is kept for the session once every change committed before this
   * call has been heard (see `sync`); undefined when nothing is kept or it may be stale.
   */
  get(key: string, fn: (found: CachedSession | undefined) => void): void;
  /** A token to take before reading a session from the database, for `put`. */
  epoch(): number | null;
  /** Keeps what a read found, unless something changed since `epoch` was taken. */
  put(key: string, entry: CachedSession, epoch: number | null): void;
  /** Drops the session (this instance changed or removed it). */
  drop(key: string): void;
  close(): Promise<void>;
}

const CHANNEL = 'session_cache';
const MAX_ENTRIES = 20_000;

/**
 * Each instance keeps the sessions it has read, so that a page does not read its session from
 * PostgreSQL again. Nothing kept is used unless it is known to be current:
 *
 * - the rows it came from announce every change (`session_cache`, see the migration
 *   20261210010000_session_cache_notify): a session saved or removed on any instance, an
 *   account's roles, the badge's message rows. Each drops what it concerns;
 * - before a kept session is used, one `SELECT 1` goes over the LISTEN connection, sent after
 *   the request came in. PostgreSQL delivers a listener's pending notifications before that
 *   query's answer, so every change committed before the request (a sign-out on another
 *   instance, a role taken away, a message read) has dropped its entry by then. The requests
 *   that wait at the same time share one such query;
 * - while the LISTEN connection is down (or not yet up) nothing is kept and every request
 *   reads the database, as without the cache;
 * - a read that was under way when anything changed is not kept (the epoch).
 */
export function createSessionCache(
  databaseUrl: string,
  opts: {
    onError?: (err: Error) => void;
    /** Told when everything kept is dropped at once: `notice` (a change to many sessions' rows) or `connection` (the LISTEN connection lost). */
    onClearAll?: (reason: 'notice' | 'connection') => void;
  } = {},
): SessionCache {
  const entries = new Map<string, CachedSession>();
  const byAccount = new Map<number, Set<string>>();
  const byPerson = new Map<number, Set<string>>();
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  // Raised by every notification and by a lost connection: a read begun before must not be kept.
  let epochCount = 0;
  // Requests waiting for the next sync (told whether it answered), and whether one is on its way.
  let waiting: ((synced: boolean) => void)[] = [];
  let syncing = false;

  const index = (map: Map<number, Set<string>>, id: number | null, key: string, add: boolean) => {
    if (id === null) return;
    let set = map.get(id);
    if (add) {
      if (!set) map.set(id, (set = new Set()));
      set.add(key);
    } else if (set) {
      set.delete(key);
      if (set.size === 0) map.delete(id);
    }
  };
  const remove = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    index(byAccount, e.accountId, key, false);
    index(byPerson, e.personId, key, false);
  };
  const clear = () => {
    entries.clear();
    byAccount.clear();
    byPerson.clear();
  };

  const clearAll = (reason: 'notice' | 'connection') => {
    clear();
    opts.onClearAll?.(reason);
  };

  const heard = (payload: string) => {
    epochCount++;
    if (payload === '*' || payload === 'p*') return clearAll('notice');
    const kind = payload.slice(0, 2);
    const rest = payload.slice(2);
    if (kind === 's:') return remove(rest);
    const ids = rest.split(',').map(Number);
    const map = kind === 'a:' ? byAccount : kind === 'p:' ? byPerson : null;
    if (!map) return clearAll('notice');
    for (const id of ids) for (const key of [...(map.get(id) ?? [])]) remove(key);
  };

  const lost = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = null;
    live = false;
    epochCount++;
    clearAll('connection');
    // Whoever waits reads the database instead.
    const w = waiting;
    waiting = [];
    for (const done of w) done(false);
    c.end().catch(() => {});
    if (err) opts.onError?.(err);
    connectLater();
  };

  const connectLater = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect();
    }, 1000);
    retry.unref();
  };

  const connect = () => {
    if (closed || client) return;
    // A sync that does not answer within 5 s counts as a lost connection (the requests waiting
    // for it read the database); keep-alive finds a connection that died without a word.
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'ecpa-session-cache', keepAlive: true, query_timeout: 5000 });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      if (n.channel === CHANNEL) heard(n.payload ?? '*');
    });
    c.connect()
      .then(() => c.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        if (closed) return void c.end().catch(() => {});
        if (client === c) live = true;
      })
      .catch((err: Error) => lost(c, err));
  };

  const sync = () => {
    const c = client;
    if (syncing || !c || !live || waiting.length === 0) return;
    syncing = true;
    const batch = waiting;
    waiting = [];
    c.query('SELECT 1').then(
      () => {
        syncing = false;
        for (const done of batch) done(true);
        sync();
      },
      (err: Error) => {
        // Not synced: nothing kept may be used for these requests, whatever the cache holds now.
        syncing = false;
        lost(c, err);
        for (const done of batch) done(false);
      },
    );
  };

  connect();

  return {
    keyOf: (sid) => createHash('sha256').update(sid, 'utf8').digest('hex'),
    get(key, fn) {
      if (!live || !entries.has(key)) return fn(undefined);
      waiting.push((synced) => {
        const e = synced && live ? entries.get(key) : undefined;
        fn(e && e.expireMs >= Math.ceil(Date.now() / 1000) * 1000 ? e : undefined);
      });
      sync();
    },
    epoch: () => (live ? epochCount : null),
    put(key, entry, epoch) {
      if (!live || epoch === null || epoch !== epochCount) return;
      remove(key);
      if (entries.size >= MAX_ENTRIES) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) remove(oldest);
      }
      entries.set(key, entry);
      index(byAccount, entry.accountId, key, true);
      index(byPerson, entry.personId, key, true);
    },
    drop: (key) => {
      epochCount++;
      remove(key);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      live = false;
      clear();
      const c = client;
      client = null;
      if (c) await c.end().catch(() => {});
    },
  };
}
