import crypto from 'node:crypto';
import type { Response } from 'express';
import type pg from 'pg';
import type { Db } from '../../platform/database';
import type { Logger } from '../../platform/logger';
import { INLINE_PREFIX, NOTIFY_CHANNEL, listenerClient, startListening, type ChatRepository, type MessageRow } from './repository';

/** One open event stream (a browser tab) of an asker or an agent. */
export interface Subscriber {
  /** The chat it follows; null for the agent console (queue only). */
  chatId: number | null;
  viewer: 'asker' | 'agent';
  accountId: number;
  /** The session the stream was opened in: it ends when the session ends or expires. */
  sessionId: string;
  /** A role the stream needs (an agent's): it ends when the account no longer holds it. */
  role?: string | null;
  /** sessionKey(sessionId), as a sign-out names it; set when the stream is registered. */
  sessionKey?: string;
  /** The last line sent; a reconnect resumes after it. */
  lastId: number;
  res: Response;
  pumping?: boolean;
  again?: boolean;
  /**
   * Caught up: every line up to `lastId` was sent and the LISTEN connection has been up
   * since, so the next notification of its chat is its next line. Until then (a new
   * stream, or after the connection was lost) lines are read from the database.
   */
  live?: boolean;
}

export interface HubOptions {
  /** Where the streams' sessions and roles are read (the chat repository). */
  store: Pick<ChatRepository, 'liveSessions' | 'roleHolders'>;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  /** How often every stream's session and role are checked against the database. */
  checkMs?: number;
  /** Open streams a session may hold on an instance. */
  streamsPerSession?: number;
}

/** How a session is named in a notification: the SHA-256 of its id, never the id. */
export const sessionKey = (sid: string) => crypto.createHash('sha256').update(sid, 'utf8').digest('hex');
export const SESSION_ENDED_PREFIX = 's:';

export interface HubHandlers {
  /** Sends the lines after `sub.lastId` and advances it. */
  pump(sub: Subscriber): Promise<void>;
  /** Sends one line that came with its notification and advances `sub.lastId`. */
  deliver(sub: Subscriber, line: MessageRow): void;
  /** Sends the queue state to these streams (positions, waiting count). */
  queue(subs: Subscriber[]): Promise<void>;
}

/**
 * Fans the database's NOTIFY messages out to this instance's event streams. Each app
 * instance holds ONE connection that LISTENs; it is opened with the first stream and
 * reopened after an error, and every stream then catches up from its last line.
 */
export function createChatHub(db: Db, logger: Logger, handlers: HubHandlers, opts: HubOptions) {
  const streamsPerSession = opts.streamsPerSession ?? 4;
  const byChat = new Map<number, Set<Subscriber>>();
  const consoles = new Set<Subscriber>();
  let client: pg.Client | null = null;
  let starting: Promise<void> | null = null;
  let closed = false;
  let draining = false;
  let retry: NodeJS.Timeout | null = null;
  let queuePending = false;
  const ping = setInterval(() => {
    for (const set of [...byChat.values(), consoles]) for (const s of set) s.res.write(': ping\n\n');
  }, 20_000);
  ping.unref();
  // Sessions end on other instances or by time, and roles are taken away in role_grant:
  // every few seconds each stream's session and role are checked, and a stream without
  // them ends (a sign-out is also announced at once, see dispatch).
  const check = setInterval(() => {
    void checkStreams().catch((err) => logger.warn({ err }, 'chat stream check failed'));
  }, opts.checkMs ?? 5000);
  check.unref();

  /** Ends a stream: its session or its role is gone. The browser's reconnect then meets the sign-in page. */
  function endStream(sub: Subscriber, reason: 'session' | 'role') {
    unsubscribe(sub);
    // A pump or a queue update under way may still write to it: that write is dropped.
    sub.res.on('error', () => {});
    if (!sub.res.writableEnded) sub.res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  async function checkStreams(): Promise<void> {
    const subs = all();
    if (!subs.length) return;
    const sids = [...new Set(subs.map((s) => s.sessionId))];
    const owner = await opts.store.liveSessions(sids, Date.now(), { idleMs: opts.sessionIdleMs, absoluteMs: opts.sessionAbsoluteMs });
    const roles = [...new Set(subs.filter((s) => s.role).map((s) => s.role!))];
    const holders = new Set<string>();
    for (const role of roles) {
      const ids = [...new Set(subs.filter((s) => s.role === role).map((s) => s.accountId))];
      for (const id of await opts.store.roleHolders(role, ids)) holders.add(`${role}:${id}`);
    }
    for (const sub of subs) {
      if (owner.get(sub.sessionId) !== sub.accountId) endStream(sub, 'session');
      else if (sub.role && !holders.has(`${sub.role}:${sub.accountId}`)) endStream(sub, 'role');
    }
  }

  function unsubscribe(sub: Subscriber) {
    if (sub.chatId === null) consoles.delete(sub);
    else {
      const set = byChat.get(sub.chatId);
      set?.delete(sub);
      if (set && set.size === 0) byChat.delete(sub.chatId);
    }
  }

  function all(): Subscriber[] {
    return [...[...byChat.values()].flatMap((s) => [...s]), ...consoles];
  }

  async function start(): Promise<void> {
    if (closed || client) return;
    const c = listenerClient(db);
    const lost = (err?: Error) => {
      if (client !== c) return;
      client = null;
      // Notifications are missed from now on: every stream reads from the database again.
      for (const sub of all()) sub.live = false;
      if (closed) return;
      logger.warn({ err }, 'chat LISTEN connection lost; reconnecting');
      c.end().catch(() => {});
      retry = setTimeout(() => {
        retry = null;
        listen().catch(() => {});
      }, 1000);
      retry.unref();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    c.on('notification', (n) => {
      if (n.channel === NOTIFY_CHANNEL && n.payload) dispatch(n.payload);
    });
    await startListening(c);
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    // What was said while the connection was down.
    for (const sub of all()) if (sub.chatId !== null) void pump(sub);
    scheduleQueue();
  }

  function listen(): Promise<void> {
    if (client || closed) return Promise.resolve();
    starting ??= start()
      .catch((err) => {
        logger.warn({ err }, 'chat LISTEN connection failed; retrying');
        if (!closed && !retry) {
          retry = setTimeout(() => {
            retry = null;
            listen().catch(() => {});
          }, 1000);
          retry.unref();
        }
      })
      .finally(() => {
        starting = null;
      });
    return starting;
  }

  function dispatch(payload: string) {
    if (payload === 'q') return scheduleQueue();
    if (payload.startsWith(SESSION_ENDED_PREFIX)) {
      const key = payload.slice(SESSION_ENDED_PREFIX.length);
      for (const sub of all()) if (sub.sessionKey === key) endStream(sub, 'session');
      return;
    }
    let chatId: number;
    let id: number;
    let line: MessageRow | null = null;
    if (payload.startsWith(INLINE_PREFIX)) {
      try {
        const raw = JSON.parse(payload.slice(INLINE_PREFIX.length)) as MessageRow & { createdAt: string };
        line = { ...raw, id: Number(raw.id), chatId: Number(raw.chatId), createdAt: new Date(raw.createdAt) };
      } catch {
        return;
      }
      chatId = line.chatId;
      id = line.id;
    } else {
      const m = /^m:(\d+):(\d+)$/.exec(payload);
      if (!m) return;
      chatId = Number(m[1]);
      id = Number(m[2]);
    }
    const subs = byChat.get(chatId);
    if (!subs) return;
    for (const sub of subs) {
      if (id <= sub.lastId) continue;
      // A chat's lines commit in id order and notifications arrive in commit order, so for
      // a live stream that is not reading, this is its next line.
      if (line && sub.live && !sub.pumping) handlers.deliver(sub, line);
      else void pump(sub);
    }
  }

  /** One pump at a time per stream; a notification during a pump runs it once more. A pump that read under the current LISTEN connection makes the stream live. */
  async function pump(sub: Subscriber): Promise<void> {
    if (sub.pumping) {
      sub.again = true;
      return;
    }
    sub.pumping = true;
    try {
      let listening = false;
      do {
        sub.again = false;
        const conn = client;
        await handlers.pump(sub);
        // Caught up under one LISTEN connection: notifications can carry the next lines.
        listening = conn !== null && conn === client;
      } while (sub.again);
      if (listening) sub.live = true;
    } catch (err) {
      logger.warn({ err }, 'chat delivery failed');
    } finally {
      sub.pumping = false;
    }
  }

  function scheduleQueue() {
    if (queuePending) return;
    queuePending = true;
    setImmediate(() => {
      queuePending = false;
      const subs = all();
      if (subs.length) handlers.queue(subs).catch((err) => logger.warn({ err }, 'chat queue update failed'));
    });
  }

  return {
    /** Registers a stream and sends what it missed; returns when the stream is live. */
    async subscribe(sub: Subscriber): Promise<void> {
      if (closed) {
        sub.res.end();
        return;
      }
      if (draining) {
        sub.res.end(`event: reconnect\ndata: ${JSON.stringify({ reason: 'shutdown' })}\n\n`);
        return;
      }
      sub.sessionKey = sessionKey(sub.sessionId);
      if (sub.chatId === null) consoles.add(sub);
      else {
        let set = byChat.get(sub.chatId);
        if (!set) byChat.set(sub.chatId, (set = new Set()));
        set.add(sub);
      }
      sub.res.on('close', () => unsubscribe(sub));
      await listen();
      if (sub.chatId !== null) await pump(sub);
      await handlers.queue([sub]).catch(() => {});
    },
    unsubscribe,
    /** Whether a session may open one more stream here (at most `streamsPerSession`). */
    canOpen(sessionId: string): boolean {
      return all().filter((s) => s.sessionId === sessionId).length < streamsPerSession;
    },
    /** Checks every stream's session and role now (the timer does it every few seconds). */
    checkStreams,
    /** Streams open on this instance. */
    get size() {
      return all().length;
    },
    /** Whether the LISTEN connection is up (for tests). */
    get listening() {
      return client !== null;
    },
    /** Drops the LISTEN connection as a network failure would (for tests). */
    async dropConnection() {
      const c = client;
      if (!c) return;
      c.emit('error', new Error('dropped'));
    },
    /**
     * The process is shutting down: every stream is told to reconnect (the browser opens a
     * new one, through the load balancer, to another instance, resuming from its last
     * line) and ended; streams asked for from now on end at once.
     */
    drain() {
      draining = true;
      for (const sub of all()) if (!sub.res.writableEnded) sub.res.end(`event: reconnect\ndata: ${JSON.stringify({ reason: 'shutdown' })}\n\n`);
    },
    async close() {
      closed = true;
      clearInterval(ping);
      clearInterval(check);
      if (retry) clearTimeout(retry);
      for (const sub of all()) sub.res.end();
      byChat.clear();
      consoles.clear();
      await starting?.catch(() => {});
      const c = client;
      client = null;
      if (c) await c.end().catch(() => {});
    },
  };
}

export type ChatHub = ReturnType<typeof createChatHub>;
