import type { RequestHandler } from 'express';

/**
 * The requests this process is answering, and whether it is shutting down. While draining,
 * `/readyz` answers 503 (the load balancer stops sending work) and every response asks the
 * client to close its connection, so keep-alive connections end with their last answer.
 */
export function createDrain() {
  let draining = false;
  let inFlight = 0;
  const waiters = new Set<() => void>();
  const settle = () => {
    if (inFlight === 0) for (const w of waiters) w();
  };
  const track: RequestHandler = (_req, res, next) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      settle();
    };
    res.once('finish', finish);
    res.once('close', finish);
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
     * Resolves true once no request is in flight, or false after `timeoutMs`; `poll` runs
     * every 100 ms meanwhile (the server closes connections that became idle).
     */
    idle(timeoutMs: number, poll: () => void = () => {}): Promise<boolean> {
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          clearInterval(ticker);
          waiters.delete(onIdle);
          resolve(ok);
        };
        const onIdle = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        const ticker = setInterval(poll, 100);
        waiters.add(onIdle);
      });
    },
  };
}

export type Drain = ReturnType<typeof createDrain>;
