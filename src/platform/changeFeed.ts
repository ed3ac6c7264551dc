import pg from 'pg';

/** Told of every notification heard on the feed's channels, and of a lost connection. */
export interface ChangeListener {
  heard(channel: string, payload: string): void;
  /** The connection was lost: anything kept from before may be stale. */
  lost(): void;
}

export interface ChangeFeed {
  /** Whether notifications are being heard now (the LISTEN connection is up). */
  live(): boolean;
  /**
   * Calls back with `true` once every change committed before this call has been heard, or
   * with `false` when that cannot be known (the connection is down or the query failed).
   */
  whenHeard(fn: (heard: boolean) => void): void;
  listen(listener: ChangeListener): void;
  close(): Promise<void>;
}

/** The channels every instance listens on (see the migrations that create their triggers). */
export const CHANGE_CHANNELS = ['session_cache', 'table_change'] as const;

/**
 * One LISTEN connection per instance, for what it keeps between requests (the sessions it
 * read, the reads of platform/readCache.ts). What it offers is a barrier: `whenHeard` sends
 * one `SELECT 1` on that connection after it is called, and PostgreSQL delivers a listener's
 * pending notifications before that query's answer. So once it answers, every change
 * committed before the call has been heard, on whatever instance or by whatever hand it was
 * made. The callers waiting at the same time share one such query.
 *
 * While the connection is down (or not yet up) nothing may be kept: `live()` is false and
 * the listeners were told `lost()`. It reconnects every second. A sync query that fails or is
 * unanswered after 5 s counts as a lost connection.
 */
export function createChangeFeed(databaseUrl: string, opts: { onError?: (err: Error) => void } = {}): ChangeFeed {
  const listeners: ChangeListener[] = [];
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  // Callers waiting for the next sync, and whether one is on its way.
  let waiting: ((heard: boolean) => void)[] = [];
  let syncing = false;

  const lost = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = null;
    live = false;
    for (const l of listeners) l.lost();
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
    // Keep-alive finds a connection that died without a word.
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'ecpa-change-feed', keepAlive: true, query_timeout: 5000 });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      for (const l of listeners) l.heard(n.channel, n.payload ?? '*');
    });
    c.connect()
      .then(() => c.query(CHANGE_CHANNELS.map((ch) => `LISTEN ${ch}`).join('; ')))
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
        for (const done of batch) done(live && client === c);
        sync();
      },
      (err: Error) => {
        // Not synced: nothing kept may be used for these callers, whatever is kept now.
        syncing = false;
        lost(c, err);
        for (const done of batch) done(false);
      },
    );
  };

  connect();

  return {
    live: () => live,
    whenHeard(fn) {
      if (!live) return fn(false);
      waiting.push(fn);
      sync();
    },
    listen(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      live = false;
      for (const l of listeners) l.lost();
      const c = client;
      client = null;
      const w = waiting;
      waiting = [];
      for (const done of w) done(false);
      if (c) await c.end().catch(() => {});
    },
  };
}
