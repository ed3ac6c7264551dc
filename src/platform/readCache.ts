import type { ChangeFeed } from './changeFeed';

export interface ReadCache {
  /**
   * `load()`'s value, kept by this instance under `key` until what it was read from changes,
   * on any instance or by any hand. Each of `tables` names a table (`'content_item'`: any
   * change to it) or, for a table announced by a key column, the rows with one value of it
   * (`'pics_ticket:42'`: the rows of person 42). The value is shared by every request that
   * reads it: it is frozen when kept, and must be treated as read-only by callers.
   *
   * `opts.rows`, for a read whose rows of keyed tables are known only once it has run (the
   * people of one's 通訊錄): the tables (`of`) and, from the value, the keys it came from (`tags`,
   * `'person:42'`). Such a read is kept only if none of those tables changed at all while it
   * ran; it then stays kept until one of the rows named changes.
   *
   * `opts.group`, for reads of one kind with many possible keys (each search asked): at most
   * `max` of them are kept, the oldest kept first to go.
   */
  read<T>(key: string, tables: readonly string[], load: () => Promise<T>, opts?: KeptReadOptions<T>): Promise<T>;
}

/** See ReadCache.read. */
export interface KeptReadOptions<T> {
  rows?: { of: readonly string[]; tags: (value: T) => readonly string[] };
  group?: { name: string; max: number };
}

const MAX_ENTRIES = 50_000;
/** Keys whose changes are counted one by one; beyond this, the counts start again (and everything kept is dropped). */
const MAX_KEYS = 200_000;

interface Entry {
  value: unknown;
  tables: readonly string[];
  versions: number[];
}

/** A read from the database under way: the tables it depends on (`watched`) and their versions when it began. */
interface Running {
  promise: Promise<unknown>;
  gen: number;
  watched: readonly string[];
  at: number[];
}

/** Freezes plain objects and arrays all the way down (a shared value mutated by one request would show in every other). */
function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/**
 * Reads kept by each instance between requests, each until one of the tables it came from
 * changes. Every table a kept read depends on announces each statement that changes it on
 * the channel `table_change` (the migration 20261211010000_table_change_notify), the keyed
 * ones with the key values of the rows it touched; the instance counts a version per table
 * and per key. A kept read is used only if the versions it was read
 * at are still current after the change feed's barrier (platform/changeFeed.ts), passed after
 * the read was asked for: every change committed before then has been heard. So a write is
 * seen by the next request on every instance, as without the cache.
 *
 * While the feed is down nothing is kept and every read goes to the database; a read begun
 * while it was down is not kept either, even if it is back when the read ends. A load that
 * was under way while its table changed is not kept: it may be older than a read begun since.
 */
export function createReadCache(feed: ChangeFeed | null, opts: { onRead?: (source: 'kept' | 'shared' | 'database') => void } = {}): ReadCache {
  const entries = new Map<string, Entry>();
  // Per table: changes of any kind (`any`), changes of the whole table (`whole`); per `table:key`: changes of those rows.
  const any = new Map<string, number>();
  const whole = new Map<string, number>();
  const keyed = new Map<string, number>();
  // Raised when the connection is lost: nothing read before it may be kept.
  let generation = 0;
  // The keys kept of each group, oldest first (a key may outlive its entry: it then counts until it goes).
  const groups = new Map<string, Set<string>>();
  // Reads from the database under way, by key: what they watch and its versions when they began.
  const running = new Map<string, Running>();

  const bump = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);
  const dropAll = () => {
    generation++;
    entries.clear();
    groups.clear();
  };
  /** The version of a table (any change) or of a table's rows with one key (their changes and the whole table's). */
  const versionOf = (tag: string) => {
    const colon = tag.indexOf(':');
    if (colon < 0) return any.get(tag) ?? 0;
    return (whole.get(tag.slice(0, colon)) ?? 0) + (keyed.get(tag) ?? 0);
  };

  feed?.listen({
    heard(channel, payload) {
      if (channel !== 'table_change') return;
      const colon = payload.indexOf(':');
      if (colon < 0) {
        bump(any, payload);
        bump(whole, payload);
        return;
      }
      const table = payload.slice(0, colon);
      bump(any, table);
      if (keyed.size > MAX_KEYS) {
        // Counts that start again could match a kept read's old ones: nothing kept survives.
        keyed.clear();
        dropAll();
      }
      for (const key of payload.slice(colon + 1).split(',')) bump(keyed, `${table}:${key}`);
    },
    lost: dropAll,
  });

  const current = (e: Entry) => e.tables.every((t, i) => versionOf(t) === e.versions[i]);

  /** Whether nothing a read depends on has changed since it began, nor the feed been lost meanwhile. */
  const unchanged = (r: Running) => r.gen === generation && r.watched.every((t, i) => versionOf(t) === r.at[i]);

  /** Starts a read from the database, shared with the same reads asked while it runs (see `read`). */
  function start<T>(key: string, tables: readonly string[], fn: () => Promise<T>, options: KeptReadOptions<T> = {}): Promise<T> {
    // Any change to a table is counted under the table's name too (`any`): the tables of `rows` are watched whole.
    const watched = options.rows ? [...tables, ...options.rows.of] : tables;
    const run: Running = { promise: null as unknown as Promise<unknown>, gen: generation, watched, at: watched.map(versionOf) };
    // Kept or joined only if the feed is heard all along: a change made while it was down is never announced.
    const heardAllAlong = feed?.live() ?? false;
    const promise = load(key, tables, fn, options, run, heardAllAlong).finally(() => {
      if (running.get(key) === run) running.delete(key);
    });
    run.promise = promise;
    if (heardAllAlong) running.set(key, run);
    return promise;
  }

  async function load<T>(key: string, tables: readonly string[], fn: () => Promise<T>, options: KeptReadOptions<T>, run: Running, heardAllAlong: boolean): Promise<T> {
    const { rows, group } = options;
    opts.onRead?.('database');
    const value = await fn();
    if (!heardAllAlong) return value;
    // Whoever joined holds the same value, kept or not: frozen as a kept one is.
    deepFreeze(value);
    // A table changed while the read ran: what it read may already be old, and must not take the
    // place of a read made since.
    if (!feed?.live() || !unchanged(run)) return value;
    let kept = tables;
    let versions = run.at.slice(0, tables.length);
    if (rows) {
      // Nothing heard about these tables while the read ran: each row's count now is what it was
      // when the read began, so it can stand for the rows the read found.
      const found = rows.tags(value);
      kept = [...tables, ...found];
      versions = [...versions, ...found.map(versionOf)];
    }
    entries.delete(key);
    if (entries.size >= MAX_ENTRIES) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(key, { value, tables: kept, versions });
    if (group) {
      let keys = groups.get(group.name);
      if (!keys) groups.set(group.name, (keys = new Set()));
      keys.delete(key);
      keys.add(key);
      if (keys.size > group.max) {
        const oldest = keys.values().next().value!;
        keys.delete(oldest);
        entries.delete(oldest);
      }
    }
    return value;
  }

  return {
    read<T>(key: string, tables: readonly string[], fn: () => Promise<T>, options?: KeptReadOptions<T>): Promise<T> {
      if (!feed?.live() || (!entries.has(key) && !running.has(key))) return start(key, tables, fn, options);
      // What is kept, or a read of the same key under way, is used only once every change
      // committed before this request has been heard, and only if none of them touched what it
      // was read from: a read under way began before this request, and its snapshot may
      // predate a change this request must see.
      return new Promise<T>((resolve, reject) => {
        feed.whenHeard((heard) => {
          const e = heard ? entries.get(key) : undefined;
          if (e && current(e)) {
            opts.onRead?.('kept');
            return resolve(e.value as T);
          }
          const r = heard ? running.get(key) : undefined;
          if (r && unchanged(r)) {
            opts.onRead?.('shared');
            return (r.promise as Promise<T>).then(resolve, reject);
          }
          start(key, tables, fn, options).then(resolve, reject);
        });
      });
    },
  };
}

/** The read cache of each database client (the whole app's `db`); a transaction has none. */
const cacheOf = new WeakMap<object, ReadCache>();

/** Makes `keptRead` on this database client use `cache`. */
export function keepReadsFor(db: object, cache: ReadCache): void {
  cacheOf.set(db, cache);
}

/**
 * A repository's read that may be kept (see createReadCache): through the cache the app set
 * for `db`, or straight to the database for a client without one, such as a transaction,
 * whose reads must see its own writes.
 */
export function keptRead<T>(db: object, key: string, tables: readonly string[], load: () => Promise<T>, opts?: KeptReadOptions<T>): Promise<T> {
  const cache = cacheOf.get(db);
  return cache ? cache.read(key, tables, load, opts) : load();
}
