import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeAccount } from '../support/app';
import { Client, startInstance } from './pics-chat-helpers';
import { applyHttpTimeouts } from '../../src/platform/web/httpServer';
import { loadConfig } from '../../src/config';

/**
 * The app's part of a draining shutdown (src/server.ts runs it on SIGTERM; the resilience
 * test test/resilience/sigterm.test.ts does it to a real process under load).
 */
let a: Awaited<ReturnType<typeof startInstance>>;
beforeAll(async () => {
  a = await startInstance(() => new Date());
});
afterAll(() => a.stop());

describe('draining', () => {
  it('answers /readyz 503 at once, asks clients to close their connections, tells event streams to reconnect, and waits for requests in flight', async () => {
    const acc = await makeAccount(a.db, { roles: ['cs_agent'] });
    const agent = await Client.signIn(a.base, acc.login);
    const stream = await agent.sse('/pics/agent/chat/events');
    expect(stream.status).toBe(200);
    expect((await request(a.app).get('/readyz')).status).toBe(200);

    // A request in flight: a form whose body is still arriving.
    const [first, rest] = ['account=x&pass', 'word=y&_csrf=not-the-token'];
    const slow = http.request(`${a.base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(first.length + rest.length) },
      agent: false,
    });
    const answered = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(first);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.app.drain.inFlight).toBeGreaterThanOrEqual(2); // the stream and the form

    a.app.drain.start();
    const ready = await request(a.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'draining' });
    expect(ready.headers.connection).toBe('close');

    a.services.lifecycle.drain();
    const reconnect = await stream.next((e) => e.event === 'reconnect');
    expect(JSON.parse(reconnect.data)).toEqual({ reason: 'shutdown' });
    await stream.endedWithin(2000);
    // A stream asked for while draining ends at once with the same event.
    const late = await agent.sse('/pics/agent/chat/events');
    await late.next((e) => e.event === 'reconnect');

    let idle = false;
    const waiting = a.app.drain.idle(10_000).then((ok) => (idle = ok));
    await new Promise((r) => setTimeout(r, 300));
    expect(idle).toBe(false); // the form is still in flight
    slow.end(rest);
    // The form is answered (a refused CSRF token: 403), not cut off.
    expect(await answered).toBe(403);
    expect(await waiting).toBe(true);
    expect(a.app.drain.inFlight).toBe(0);
  });

  it('gives up waiting after the grace period', async () => {
    const hold = http.request(`${a.base}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' }, agent: false });
    hold.on('error', () => {});
    hold.write('a=');
    await new Promise((r) => setTimeout(r, 200));
    expect(await a.app.drain.idle(300)).toBe(false);
    hold.destroy();
  });
});

describe('requests in flight', () => {
  /** Waits until the count is `n` (a response's end is told on the next tick), or 2 s. */
  async function inFlightBecomes(n: number): Promise<number> {
    for (let i = 0; i < 80 && a.app.drain.inFlight !== n; i++) await new Promise((r) => setTimeout(r, 25));
    return a.app.drain.inFlight;
  }

  it('counts each request once, whether it is answered or its client goes away first', async () => {
    const base = await inFlightBecomes(0);
    expect(base).toBe(0);
    for (let i = 0; i < 5; i++) expect((await request(a.base).get('/healthz')).status).toBe(200);
    expect((await request(a.base).get('/no-such-page')).status).toBe(404);
    expect(await inFlightBecomes(0)).toBe(0);

    // A form whose body stops arriving, then its client goes away; twice, so that a request
    // counted down twice would show as the next one counted from below zero.
    for (let i = 0; i < 2; i++) {
      const left = http.request(`${a.base}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' }, agent: false });
      left.on('error', () => {});
      left.write('a=');
      expect(await inFlightBecomes(1)).toBe(1);
      left.destroy();
      expect(await inFlightBecomes(0)).toBe(0);
    }
  });
});

describe('HTTP timeouts', () => {
  it("sets Node's keep-alive and header timeouts from the configuration, header timeout above keep-alive", () => {
    const server = http.createServer();
    const config = loadConfig({});
    applyHttpTimeouts(server, config);
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBe(66_000);
    applyHttpTimeouts(server, loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '75000', HTTP_HEADERS_TIMEOUT_MS: '76000' }));
    expect(server.keepAliveTimeout).toBe(75_000);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '70000', HTTP_HEADERS_TIMEOUT_MS: '70000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });
});
