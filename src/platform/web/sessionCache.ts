import { createHash } from 'node:crypto';
import type { ChangeFeed } from '../changeFeed';

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
}

const MAX_ENTRIES = 20_000;
/** The table of the 網頁訊息 badge's rows, announced on `table_change` by person (migration 20261211010000). */
const BADGE_TABLE = 'message_recipient';

/**
 * Each instance keeps the sessions it has read, so that a page does not read its session from
 * PostgreSQL again. Nothing kept is used unless it is known to be current:
 *
 * - the rows it came from announce every change (`session_cache`, see the migration
 *   20261210010000_session_cache_notify): a session saved or removed on any instance, an
 *   account's roles; the badge's message rows on `table_change` (20261211010000), by person.
 *   Each drops what it concerns;
 * - before a kept session is used, the change feed's barrier (platform/changeFeed.ts) is
 *   passed: every change committed before the request (a sign-out on another instance, a role
 *   taken away, a message read) has dropped its entry by then;
 * - while the feed's LISTEN connection is down (or not yet up) nothing is kept and every
 *   request reads the database, as without the cache;
 * - a read that was under way when anything changed is not kept (the epoch).
 */
export function createSessionCache(
  feed: ChangeFeed,
  opts: {
    /** Told when everything kept is dropped at once: `notice` (a change to many sessions' rows) or `connection` (the LISTEN connection lost). */
    onClearAll?: (reason: 'notice' | 'connection') => void;
  } = {},
): SessionCache {
  const entries = new Map<string, CachedSession>();
  const keys = new Map<string, string>();
  const byAccount = new Map<number, Set<string>>();
  const byPerson = new Map<number, Set<string>>();
  // Raised by every notification about sessions or badges, a lost connection and a drop: a read begun before is not kept.
  let epochCount = 0;

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

  /** Drops the sessions of these ids (a comma-separated list) in `map`. */
  const removeAll = (map: Map<number, Set<string>>, ids: string) => {
    for (const id of ids.split(',').map(Number)) for (const key of [...(map.get(id) ?? [])]) remove(key);
  };
  const clearAll = (reason: 'notice' | 'connection') => {
    clear();
    opts.onClearAll?.(reason);
  };

  feed.listen({
    heard(channel, payload) {
      // The badge's rows: message_recipient's own notifications, by person (the whole table
      // when one statement touched more than 200 people).
      if (channel === 'table_change') {
        if (payload !== BADGE_TABLE && !payload.startsWith(`${BADGE_TABLE}:`)) return;
        epochCount++;
        if (payload === BADGE_TABLE) return clearAll('notice');
        return removeAll(byPerson, payload.slice(BADGE_TABLE.length + 1));
      }
      if (channel !== 'session_cache') return;
      epochCount++;
      if (payload === '*') return clearAll('notice');
      const kind = payload.slice(0, 2);
      const rest = payload.slice(2);
      if (kind === 's:') return remove(rest);
      if (kind !== 'a:') return clearAll('notice');
      removeAll(byAccount, rest);
    },
    lost() {
      epochCount++;
      clearAll('connection');
    },
  });

  return {
    keyOf(sid) {
      // Hashed once per session id seen recently, not on every request.
      let key = keys.get(sid);
      if (key === undefined) {
        if (keys.size >= MAX_ENTRIES) keys.clear();
        key = createHash('sha256').update(sid, 'utf8').digest('hex');
        keys.set(sid, key);
      }
      return key;
    },
    get(key, fn) {
      if (!feed.live() || !entries.has(key)) return fn(undefined);
      feed.whenHeard((heard) => {
        const e = heard ? entries.get(key) : undefined;
        fn(e && e.expireMs >= Math.ceil(Date.now() / 1000) * 1000 ? e : undefined);
      });
    },
    epoch: () => (feed.live() ? epochCount : null),
    put(key, entry, epoch) {
      if (!feed.live() || epoch === null || epoch !== epochCount) return;
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
  };
}
