import type { RequestHandler } from 'express';

/**
 * The requests this process is answering, and whether it is shutting down. While draining,
 * `/readyz` answers 503 (the load balancer stops sending work) and every response asks the
 * client to close its connection, so keep-alive connections end with their last answer.
 */
export function createDrain() {
  let draining = false;
  let inFlight = 0;
  let lastStart = 0;
  const waiters = new Set<() => void>();
  const settle = () => {
    if (inFlight === 0) for (const w of waiters) w();
  };
  // A response closes once, after it finished or when the client went away (Node emits `close`
  // for every response): one listener, the same function for every request.
  const closed = () => {
    inFlight--;
    settle();
  };
  const track: RequestHandler = (_req, res, next) => {
    inFlight++;
    lastStart = Date.now();
    res.on('close', closed);
    if (draining) res.setHeader('Connection', 'close');
    next();
  };
  return {
    /** Counts requests in flight; put it first. */
    track,
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    start() {
      draining = true;
    },
    /**
     * Resolves true once no request is in flight and none began for `quietMs` (requests sent
     * on open connections are still read and answered meanwhile), or false after `timeoutMs`.
     */
    idle(timeoutMs: number, quietMs = 0): Promise<boolean> {
      const quiet = () => inFlight === 0 && Date.now() - lastStart >= quietMs;
      if (quiet()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          clearInterval(ticker);
          waiters.delete(onIdle);
          resolve(ok);
        };
        const onIdle = () => {
          if (quiet()) done(true);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        const ticker = setInterval(onIdle, 100);
        waiters.add(onIdle);
      });
    },
  };
}

export type Drain = ReturnType<typeof createDrain>;
